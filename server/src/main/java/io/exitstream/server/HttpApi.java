package io.exitstream.server;

import io.exitstream.engine.tokenizer.Tokenizer;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The HTTP API: the route table, then one thin handler per route that parses, hands over to
 * the scheduler and writes. Nothing here runs model math or tokenises on the event loop.
 */
final class HttpApi {

    private static final String REQUEST_ID = "X-Request-Id";
    private static final Pattern JSON_TYPE = Pattern.compile(
            "(?i)application/json\\s*(;\\s*charset\\s*=\\s*\"?utf-8\"?\\s*)?");
    private static final System.Logger LOG = System.getLogger(HttpApi.class.getName());

    private final Vertx vertx;
    private final String model;
    private final CompletionParser parser;
    private final TokenizeApi tokens;
    private final Tokenizer tokenizer;
    private final BatchScheduler scheduler;
    private final ServerMetrics metrics;
    private final long created = System.currentTimeMillis() / 1000;
    private final Buffer livePage = resource("live.html");

    HttpApi(Vertx vertx, String model, Tokenizer tokenizer, int contextLength,
            QualityPlans classes, BatchScheduler scheduler, ServerMetrics metrics) {
        this.vertx = vertx;
        this.model = model;
        this.tokenizer = tokenizer;
        this.parser = new CompletionParser(model, tokenizer, contextLength, classes);
        this.tokens = new TokenizeApi(model, tokenizer, contextLength);
        this.scheduler = scheduler;
        this.metrics = metrics;
    }

    /** The route table; with {@code apiKey} (null for none) the API's paths require it. */
    Router router(long bodyLimit, ApiKey apiKey) {
        Router router = Router.router(vertx);
        router.route().handler(this::requestId);
        router.route("/v1/*").handler(this::countResponse);
        if (apiKey != null) {
            // Health, metrics and the live page stay open: probes and scrapers hold no key.
            for (String path : List.of("/v1/*", "/tokenize", "/detokenize")) {
                router.route(path).handler(ctx -> authorize(ctx, apiKey));
            }
        }
        // Bodies only where they are read: any other path, GET or POST, is a plain 404.
        Handler<RoutingContext> body = BodyHandler.create(false).setBodyLimit(bodyLimit);
        for (String path : List.of("/v1/completions", "/v1/chat/completions", "/tokenize",
                "/detokenize")) {
            router.post(path).handler(body).handler(HttpApi::requireJson);
        }
        router.post("/v1/completions").handler(this::completions);
        router.post("/v1/chat/completions").handler(this::chatCompletions);
        router.post("/tokenize").handler(ctx -> offLoop(ctx, tokens::tokenize));
        router.post("/detokenize").handler(ctx -> offLoop(ctx, tokens::detokenize));
        router.get("/v1/models").handler(this::models);
        router.get("/v1/models/:id").handler(this::model);
        router.get("/health/live").handler(ctx -> ctx.response().end("ok"));
        router.get("/health/ready").handler(this::ready);
        router.get("/metrics").handler(this::metrics);
        router.get("/").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/html; charset=utf-8").end(livePage));
        router.errorHandler(404, ctx -> fail(ctx, 404, "No route " + ctx.request().path()
                + "; see /v1/completions, /v1/models, /tokenize, /detokenize, /health/ready,"
                + " /metrics and the live page at /", "not_found"));
        router.errorHandler(405, ctx -> fail(ctx, 405, ctx.request().method() + " is not allowed"
                + " on " + ctx.request().path(), "method_not_allowed"));
        router.errorHandler(413, ctx -> fail(ctx, 413, "The request body is larger than "
                + bodyLimit + " bytes", "body_too_large"));
        router.errorHandler(500, this::unexpected);
        return router;
    }

    /** A file packaged beside this class: read once, served from memory. */
    private static Buffer resource(String name) {
        try (InputStream in = HttpApi.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the server's jar");
            }
            return Buffer.buffer(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Echoes the caller's request id, or makes one, so that logs on both sides match up. */
    private void requestId(RoutingContext ctx) {
        String id = ctx.request().getHeader(REQUEST_ID);
        ctx.response().putHeader(REQUEST_ID, id != null ? id : UUID.randomUUID().toString());
        ctx.next();
    }

    /** Counts the answer's status once it is sent, refusals (429, 503) included. */
    private void countResponse(RoutingContext ctx) {
        ctx.addEndHandler(done -> metrics.response(ctx.response().getStatusCode()));
        ctx.next();
    }

    /** Lets the request on if it carries the key as a bearer token; else OpenAI's 401. */
    private static void authorize(RoutingContext ctx, ApiKey apiKey) {
        String header = ctx.request().getHeader("Authorization");
        String scheme = "Bearer ";
        boolean bearer = header != null && header.regionMatches(true, 0, scheme, 0,
                scheme.length());
        if (bearer && apiKey.matches(header.substring(scheme.length()).strip())) {
            ctx.next();
            return;
        }
        ctx.response().putHeader("WWW-Authenticate", "Bearer");
        // The message never repeats what was sent: it may be someone's real key.
        sendError(ctx.response(), new ApiError(401, "invalid_request_error", (header == null
                ? "No API key provided" : "Incorrect API key provided")
                + "; send it as 'Authorization: Bearer KEY'", null, "invalid_api_key"));
    }

    /**
     * JSON bodies only: a form or plain text would otherwise be read as JSON. A request with
     * no Content-Type is read as JSON, as curl and most clients send one anyway.
     */
    private static void requireJson(RoutingContext ctx) {
        String type = ctx.request().getHeader("Content-Type");
        if (type != null && !JSON_TYPE.matcher(type).matches()) {
            sendError(ctx.response(), new ApiError(415, "invalid_request_error",
                    "Content-Type must be application/json (UTF-8), got "
                            + JsonBody.describe(type), null, "unsupported_media_type"));
            return;
        }
        ctx.next();
    }

    /** Answers with {@code handler}'s JSON, computed off the event loop. */
    private void offLoop(RoutingContext ctx, Function<Buffer, JsonObject> handler) {
        vertx.executeBlocking(() -> handler.apply(ctx.body().buffer()), false)
                .onSuccess(json -> sendJson(ctx.response(), 200, json))
                .onFailure(e -> sendError(ctx.response(), asApiError(e)));
    }

    private void completions(RoutingContext ctx) {
        if (!scheduler.isReady()) {
            sendError(ctx.response(), notReady());
            return;
        }
        // Tokenising can take a while for long prompts: off the event loop.
        vertx.executeBlocking(() -> parser.parse(ctx.body().buffer()), false)
                .onSuccess(completions -> start(ctx, completions))
                .onFailure(e -> sendError(ctx.response(), asApiError(e)));
    }

    /** Submits every choice; the reply is complete when all have finished. */
    private void start(RoutingContext ctx, Completions completions) {
        HttpServerResponse response = ctx.response();
        String id = "cmpl-" + UUID.randomUUID();
        CompletionJson json = new CompletionJson(id, System.currentTimeMillis() / 1000, model);
        CompletionReply reply = completions.stream()
                ? new SseReply(response, json, completions, tokenizer)
                : new JsonReply(response, json, completions, tokenizer);
        List<BatchScheduler.Ticket> tickets = new ArrayList<>();
        Runnable cancel = () -> tickets.forEach(scheduler::cancel);
        reply.onFailure(cancel);
        response.closeHandler(v -> cancel.run());
        List<CompletionRequest> choices = completions.choices();
        try {
            for (int i = 0; i < choices.size(); i++) {
                // Telemetry tells the choices of one request apart by their request ids.
                String choiceId = choices.size() == 1 ? id : id + "-" + i;
                tickets.add(scheduler.submit(choiceId, choices.get(i),
                        new OnContext(vertx.getOrCreateContext(), reply.listener(i))));
            }
        } catch (ApiError e) {
            reply.fail(e);
        }
    }

    private void chatCompletions(RoutingContext ctx) {
        sendError(ctx.response(), ApiError.invalid("The model '" + model + "' has no chat"
                + " template, so /v1/chat/completions cannot format messages; send a prompt to"
                + " /v1/completions instead", "messages"));
    }

    private void models(RoutingContext ctx) {
        sendJson(ctx.response(), 200, new JsonObject().put("object", "list")
                .put("data", new JsonArray().add(modelEntry())));
    }

    /** OpenAI's {@code models.retrieve}: the served model, or 404 for any other. */
    private void model(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        if (!model.equals(id)) {
            sendError(ctx.response(), ApiError.modelNotFound(id, model));
            return;
        }
        sendJson(ctx.response(), 200, modelEntry());
    }

    private JsonObject modelEntry() {
        return new JsonObject().put("id", model).put("object", "model")
                .put("created", created).put("owned_by", "exitstream");
    }

    private void ready(RoutingContext ctx) {
        if (scheduler.isReady()) {
            ctx.response().end("ready");
        } else {
            sendError(ctx.response(), notReady());
        }
    }

    private void metrics(RoutingContext ctx) {
        ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .end(metrics.scrape());
    }

    private void unexpected(RoutingContext ctx) {
        LOG.log(System.Logger.Level.ERROR, "unexpected failure on " + ctx.request().path(),
                ctx.failure());
        fail(ctx, 500, "Internal error; the server goes on serving", "internal_error");
    }

    private static void fail(RoutingContext ctx, int status, String message, String code) {
        String type = status >= 500 ? "server_error" : "invalid_request_error";
        sendError(ctx.response(), new ApiError(status, type, message, null, code));
    }

    /** 503 while the model loads or the server stops, or for good when loading failed. */
    private ApiError notReady() {
        String why = scheduler.isShuttingDown()
                ? "The server is shutting down; retry on another replica"
                : "The model is still loading; retry shortly";
        return new ApiError(503, "server_error", scheduler.failure().orElse(why), null,
                "not_ready");
    }

    private static ApiError asApiError(Throwable e) {
        if (e instanceof ApiError error) {
            return error;
        }
        LOG.log(System.Logger.Level.ERROR, "unexpected failure while parsing a request", e);
        return new ApiError(500, "server_error", "Internal error; the server goes on serving",
                null, "internal_error");
    }

    static void sendError(HttpServerResponse response, ApiError error) {
        if (error.status() == 429) {
            response.putHeader("Retry-After", "1");
        }
        sendJson(response, error.status(), error.toJson());
    }

    static void sendJson(HttpServerResponse response, int status, JsonObject body) {
        if (response.closed() || response.ended()) {
            return;
        }
        response.setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(body.encode());
    }
}
