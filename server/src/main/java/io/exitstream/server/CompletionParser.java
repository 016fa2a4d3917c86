package io.exitstream.server;

import io.exitstream.engine.runtime.GenerationRequest;
import io.exitstream.engine.sampling.SamplingParams;
import io.exitstream.engine.tokenizer.StreamingDecoder;
import io.exitstream.engine.tokenizer.Tokenizer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Turns a {@code /v1/completions} body into {@link Completions}, or an {@link ApiError} that
 * says which field to change. Every field is either implemented (with vLLM's meaning) or
 * refused by name; none is ignored. Tokenises the prompts, so it runs off the event loop.
 */
public final class CompletionParser {

    private static final int DEFAULT_MAX_TOKENS = 16;
    private static final int MAX_STOPS = 4;
    /** Choices per request (prompts times n): each takes a batch slot of its own. */
    static final int MAX_CHOICES = 16;
    /** Most probable tokens that may be reported with each token (vLLM's default limit). */
    static final int MAX_LOGPROBS = 20;

    private static final Set<String> FIELDS = Set.of("model", "prompt", "max_tokens",
            "max_completion_tokens", "temperature", "top_p", "top_k", "min_p",
            "presence_penalty", "frequency_penalty", "repetition_penalty", "logit_bias",
            "logprobs", "echo", "n", "best_of", "seed", "stop", "stream", "stream_options",
            "ignore_eos", "user", "suffix", "return_tokens_as_token_ids", "exitstream");

    private final String model;
    private final Tokenizer tokenizer;
    private final int contextLength;
    private final PromptBound bound;
    private final QualityPlans classes;

    public CompletionParser(String model, Tokenizer tokenizer, int contextLength,
            QualityPlans classes) {
        this.model = model;
        this.classes = classes;
        this.tokenizer = tokenizer;
        this.contextLength = contextLength;
        this.bound = new PromptBound(tokenizer);
    }

    /** Parses and validates a request body; {@code body} is null when it was empty. */
    public Completions parse(Buffer body) {
        JsonBody json = JsonBody.parse(body).onlyKnown(FIELDS);
        QualityClass quality = quality(json);
        refuseUnsupported(json);
        int n = (int) json.integer("n", 1, 1, MAX_CHOICES);
        int bestOf = (int) json.integer("best_of", n, 1, MAX_CHOICES);
        boolean stream = json.bool("stream", false);
        if (bestOf < n) {
            throw json.invalid("best_of", "must be at least n (" + n + "), got " + bestOf);
        }
        if (bestOf > n && stream) {
            throw json.invalid("best_of", "cannot be used with stream: the best choices are"
                    + " known only when all have finished");
        }
        boolean includeUsage = includeUsage(json, stream);
        int maxTokens = maxTokens(json);
        SamplingParams sampling = sampling(json, json.bool("echo", false));
        // Ranking best_of candidates needs each token's log probability, asked for or not.
        SamplingParams generated = bestOf > n && !sampling.wantsLogprobs()
                ? copy(sampling, 0, sampling.seed()) : sampling;
        int[] stopTokens = json.bool("ignore_eos", false) ? new int[0]
                // Every EOS (Llama 3 has several), and BOS: llama2.c models separate documents
                // with BOS. ignore_eos (as in vLLM) generates max_tokens whatever comes:
                // benchmarks want a length.
                : tokenizer.stopIds();
        List<String> stops = stops(json);
        boolean echo = json.bool("echo", false);
        json.string("user", null); // only checked: it names the end user, for abuse reports
        List<Prompt> prompts = prompts(json);
        if ((long) prompts.size() * bestOf > MAX_CHOICES) {
            throw json.invalid("prompt", "makes " + prompts.size() + " prompts times "
                    + (bestOf > n ? "best_of = " + bestOf : "n = " + n) + " choices; at most "
                    + MAX_CHOICES + " per request");
        }
        List<CompletionRequest> choices = new ArrayList<>();
        List<String> echoes = new ArrayList<>();
        int promptTokens = 0;
        for (Prompt prompt : prompts) {
            promptTokens += prompt.ids().length;
            checkLength(prompt.ids().length, maxTokens, json);
            for (int i = 0; i < bestOf; i++) {
                SamplingParams seeded = copy(generated, generated.logprobs(),
                        generated.seed() + i);
                choices.add(new CompletionRequest(new GenerationRequest(prompt.ids(), seeded,
                        maxTokens, stopTokens), stops, stream, includeUsage, quality));
                echoes.add(echo ? prompt.text(tokenizer) : "");
            }
        }
        return new Completions(choices, echoes, promptTokens, sampling.logprobs(),
                json.bool("return_tokens_as_token_ids", false), n, bestOf);
    }

    /**
     * Checks the model and reads the quality class, from {@code "model": "MODEL:class"} or
     * {@code "exitstream": {"quality": "class"}}; null when neither names one.
     */
    private QualityClass quality(JsonBody json) {
        String name = json.string("model", model);
        QualityClass byAlias = null;
        int colon = name.lastIndexOf(':');
        if (colon >= 0 && model.equals(name.substring(0, colon))) {
            byAlias = QualityClass.parse(name.substring(colon + 1), "model");
        } else if (!model.equals(name)) {
            throw ApiError.modelNotFound(name, model);
        }
        JsonBody extension = json.object("exitstream");
        QualityClass quality = byAlias;
        if (extension != null) {
            extension.onlyKnown(Set.of("quality"));
            String chosen = extension.string("quality", null);
            if (chosen != null) {
                quality = QualityClass.parse(chosen, "exitstream.quality");
                if (byAlias != null && byAlias != quality) {
                    throw extension.invalid("quality", "is " + chosen + " but the model alias"
                            + " says " + byAlias.apiName() + "; give one, or both equal");
                }
            }
        }
        if (quality != null && classes.plan(quality).isEmpty()) {
            throw ApiError.invalid("The quality class " + quality.apiName() + " has no plan on"
                    + " this server; it serves " + String.join(", ", classes.all().keySet()
                    .stream().map(QualityClass::apiName).sorted().toList()), "exitstream.quality");
        }
        return quality;
    }

    /** Fields of OpenAI's API this server knows but does not implement. */
    private static void refuseUnsupported(JsonBody json) {
        if (json.has("suffix")) {
            throw json.invalid("suffix", "is not supported: this server only continues"
                    + " text, it does not insert it");
        }
    }

    private int maxTokens(JsonBody json) {
        int maxTokens = (int) json.integer("max_tokens", DEFAULT_MAX_TOKENS, 1,
                Integer.MAX_VALUE);
        if (json.has("max_completion_tokens")) {
            int completion = (int) json.integer("max_completion_tokens", 0, 1,
                    Integer.MAX_VALUE);
            if (json.has("max_tokens") && completion != maxTokens) {
                throw json.invalid("max_completion_tokens", "is " + completion
                        + " but max_tokens is " + maxTokens + "; give one, or both equal");
            }
            maxTokens = completion;
        }
        return maxTokens;
    }

    private void checkLength(int promptLength, int maxTokens, JsonBody json) {
        if (promptLength >= contextLength) {
            throw ApiError.invalid("The prompt is " + promptLength + " tokens but the model's"
                    + " context is " + contextLength + " tokens; shorten the prompt", "prompt");
        }
        if ((long) promptLength + maxTokens > contextLength) {
            String field = json.has("max_completion_tokens") ? "max_completion_tokens"
                    : "max_tokens";
            throw ApiError.invalid(field + " is " + maxTokens + " but the prompt leaves "
                    + (contextLength - promptLength) + " of the model's " + contextLength
                    + " context tokens; lower " + field, field);
        }
    }

    /** With {@code echo} and logprobs, the prompt's log probabilities are reported too. */
    private SamplingParams sampling(JsonBody json, boolean echo) {
        float temperature = json.number("temperature", 1f, 0f, 2f);
        float topP = json.positive("top_p", 1f, 1f);
        // vLLM: -1 (or 0) keeps every token; k beyond the vocabulary keeps every token too.
        int topK = (int) Math.max(0, json.integer("top_k", 0, -1, Integer.MAX_VALUE));
        float minP = json.number("min_p", 0f, 0f, 1f);
        float presence = json.number("presence_penalty", 0f, -2f, 2f);
        float frequency = json.number("frequency_penalty", 0f, -2f, 2f);
        float repetition = json.positive("repetition_penalty", 1f, 2f);
        int logprobs = (int) json.integer("logprobs", -1, 0, MAX_LOGPROBS);
        long seed = json.has("seed") ? json.integer("seed", 0, Long.MIN_VALUE, Long.MAX_VALUE)
                : ThreadLocalRandom.current().nextLong();
        return new SamplingParams(temperature, topP, topK, minP, presence, frequency,
                repetition, logitBias(json), logprobs, echo && logprobs >= 0, seed);
    }

    private static SamplingParams copy(SamplingParams p, int logprobs, long seed) {
        return new SamplingParams(p.temperature(), p.topP(), p.topK(), p.minP(),
                p.presencePenalty(), p.frequencyPenalty(), p.repetitionPenalty(), p.logitBias(),
                logprobs, p.promptLogprobs(), seed);
    }

    /** OpenAI's {@code {"token id": bias}}, biases in [-100, 100]. */
    private Map<Integer, Float> logitBias(JsonBody json) {
        JsonBody biases = json.object("logit_bias");
        if (biases == null) {
            return Map.of();
        }
        Map<Integer, Float> out = new HashMap<>();
        for (Map.Entry<String, Object> entry : biases.asJson()) {
            int token = tokenId(entry.getKey());
            if (token < 0) {
                throw biases.invalid(entry.getKey(), "is not a token id: logit_bias maps token"
                        + " ids 0.." + (tokenizer.vocabSize() - 1) + " to biases");
            }
            if (!(entry.getValue() instanceof Number bias)) {
                throw biases.invalid(entry.getKey(), "must be a number, got "
                        + JsonBody.describe(entry.getValue()));
            }
            out.put(token, biases.inRange(entry.getKey(), bias, -100f, 100f));
        }
        return out;
    }

    /** The token id a logit_bias key names, or -1. */
    private int tokenId(String key) {
        if (key.isEmpty() || key.length() > 9 || !key.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        int id = Integer.parseInt(key);
        return id < tokenizer.vocabSize() ? id : -1;
    }

    /** One prompt: its token ids, and the text it was given as (null for token ids). */
    private record Prompt(String given, int[] ids) {

        /** The prompt as text: as given, or its token ids decoded. */
        String text(Tokenizer tokenizer) {
            if (given != null) {
                return given;
            }
            StreamingDecoder decoder = new StreamingDecoder(tokenizer);
            StringBuilder text = new StringBuilder();
            for (int i = ids[0] == tokenizer.bosId() ? 1 : 0; i < ids.length; i++) {
                text.append(decoder.accept(ids[i]));
            }
            return text.append(decoder.flush()).toString();
        }
    }

    /** A string, a list of strings, token ids, or a list of token id lists. */
    private List<Prompt> prompts(JsonBody json) {
        Object prompt = json.raw("prompt");
        if (prompt == null) {
            throw ApiError.invalid("prompt is required: a string, a list of strings, token ids"
                    + " or a list of token id lists", "prompt");
        }
        if (prompt instanceof String text) {
            return List.of(encode(text));
        }
        if (prompt instanceof JsonArray array && !array.isEmpty()) {
            Object first = array.getValue(0);
            if (first instanceof Integer) {
                return List.of(new Prompt(null, tokenIds(array, "prompt")));
            }
            if (array.size() > MAX_CHOICES) {
                throw ApiError.invalid("prompt lists " + array.size() + " prompts; at most "
                        + MAX_CHOICES + " per request", "prompt");
            }
            List<Prompt> prompts = new ArrayList<>();
            for (int i = 0; i < array.size(); i++) {
                Object item = array.getValue(i);
                if (item instanceof String text && first instanceof String) {
                    prompts.add(encode(text));
                } else if (item instanceof JsonArray ids && first instanceof JsonArray
                        && !ids.isEmpty()) {
                    prompts.add(new Prompt(null, tokenIds(ids, "prompt[" + i + "]")));
                } else {
                    throw ApiError.invalid("prompt[" + i + "] must be "
                            + (first instanceof JsonArray ? "a non-empty list of token ids"
                            : "a string") + " like the first prompt, got "
                            + JsonBody.describe(item), "prompt");
                }
            }
            return prompts;
        }
        throw ApiError.invalid("prompt must be a non-empty string, a list of strings, token ids"
                + " or a list of token id lists, got " + JsonBody.describe(prompt), "prompt");
    }

    private Prompt encode(String text) {
        // A text whose bytes already need more tokens than the context is not tokenised.
        long atLeast = bound.minimumTokens(text);
        if (atLeast >= contextLength) {
            throw ApiError.invalid("The prompt is at least " + atLeast + " tokens but the"
                    + " model's context is " + contextLength + " tokens; shorten the prompt",
                    "prompt");
        }
        return new Prompt(text, tokenizer.encode(text, true, false));
    }

    private int[] tokenIds(JsonArray array, String field) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            Object id = array.getValue(i);
            if (!(id instanceof Integer token) || token < 0 || token >= tokenizer.vocabSize()) {
                throw ApiError.invalid(field + " must be token ids in 0.."
                        + (tokenizer.vocabSize() - 1) + "; element " + i + " is "
                        + JsonBody.describe(id), "prompt");
            }
            ids[i] = token;
        }
        return ids;
    }

    private static List<String> stops(JsonBody json) {
        Object stop = json.raw("stop");
        if (stop == null) {
            return List.of();
        }
        if (stop instanceof String text) {
            return text.isEmpty() ? List.of() : List.of(text);
        }
        if (stop instanceof JsonArray array && array.size() <= MAX_STOPS) {
            List<String> stops = new ArrayList<>();
            for (Object s : array) {
                if (!(s instanceof String text)) {
                    throw ApiError.invalid("stop must be a string or an array of strings",
                            "stop");
                }
                if (!text.isEmpty()) {
                    stops.add(text);
                }
            }
            return stops;
        }
        throw ApiError.invalid("stop must be a string or an array of up to " + MAX_STOPS
                + " strings", "stop");
    }

    private static boolean includeUsage(JsonBody json, boolean stream) {
        JsonBody options = json.object("stream_options");
        if (options == null) {
            return false;
        }
        if (!stream) {
            throw json.invalid("stream_options", "is only allowed with \"stream\": true");
        }
        return options.onlyKnown(Set.of("include_usage")).bool("include_usage", false);
    }
}
