package io.exitstream.engine.plan;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON form of an {@link ExecutionPlan}, for example
 * {@code {"version": 3, "skipped_layers": [1], "exit": {"type": "self_speculative",
 * "exit_layer": 2, "draft_tokens": 4}}}. A confidence exit is
 * {@code {"type": "confidence", "thresholds": {"2": 0.9}, "min_exit_layer": 2}}.
 *
 * <p>Read by hand rather than by Gson's data binding, so that every mistake gets a one-line
 * message naming the field.
 */
final class PlanJson {

    private PlanJson() {
    }

    static String write(ExecutionPlan plan) {
        JsonObject json = new JsonObject();
        json.addProperty("version", plan.version());
        JsonArray skipped = new JsonArray();
        plan.skippedLayers().forEach(skipped::add);
        json.add("skipped_layers", skipped);
        JsonObject exit = new JsonObject();
        exit.addProperty("type", plan.exit().type());
        if (plan.exit() instanceof ExitPolicy.Confidence confidence) {
            JsonObject thresholds = new JsonObject();
            confidence.thresholds().forEach((l, t) -> thresholds.addProperty(l.toString(), t));
            exit.add("thresholds", thresholds);
            exit.addProperty("min_exit_layer", confidence.minExitLayer());
        } else if (plan.exit() instanceof ExitPolicy.SelfSpeculative speculative) {
            exit.addProperty("exit_layer", speculative.exitLayer());
            exit.addProperty("draft_tokens", speculative.draftTokens());
        }
        json.add("exit", exit);
        return json.toString();
    }

    static ExecutionPlan read(String text) {
        JsonElement root;
        try {
            root = JsonParser.parseString(text);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("malformed plan JSON: " + firstLine(e));
        }
        if (!root.isJsonObject()) {
            throw new IllegalArgumentException("malformed plan JSON: expected an object");
        }
        JsonObject json = root.getAsJsonObject();
        if (!json.has("version")) {
            throw new IllegalArgumentException("the plan has no version");
        }
        long version = number(json.get("version"), "version").longValue();
        List<Integer> skipped = new ArrayList<>();
        if (json.has("skipped_layers")) {
            JsonElement layers = json.get("skipped_layers");
            if (!layers.isJsonArray()) {
                throw new IllegalArgumentException("skipped_layers must be an array of layer"
                        + " indices");
            }
            for (JsonElement layer : layers.getAsJsonArray()) {
                skipped.add(integer(layer, "skipped_layers"));
            }
        }
        ExitPolicy exit = json.has("exit") ? exit(json.get("exit")) : new ExitPolicy.None();
        return new ExecutionPlan(version, skipped, exit);
    }

    private static ExitPolicy exit(JsonElement element) {
        if (!element.isJsonObject()) {
            throw new IllegalArgumentException("exit must be an object with a type");
        }
        JsonObject exit = element.getAsJsonObject();
        String type = exit.has("type") && isString(exit.get("type"))
                ? exit.get("type").getAsString() : null;
        if ("none".equals(type)) {
            return new ExitPolicy.None();
        }
        if ("confidence".equals(type)) {
            JsonElement thresholds = required(exit, "thresholds");
            if (!thresholds.isJsonObject()) {
                throw new IllegalArgumentException("thresholds must map exit layers to"
                        + " confidences");
            }
            TreeMap<Integer, Float> byLayer = new TreeMap<>();
            for (Map.Entry<String, JsonElement> t : thresholds.getAsJsonObject().entrySet()) {
                int layer;
                try {
                    layer = Integer.parseInt(t.getKey());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("threshold key '" + t.getKey()
                            + "' is not a layer index");
                }
                byLayer.put(layer, number(t.getValue(), "threshold").floatValue());
            }
            return new ExitPolicy.Confidence(byLayer,
                    integer(required(exit, "min_exit_layer"), "min_exit_layer"));
        }
        if ("self_speculative".equals(type)) {
            return new ExitPolicy.SelfSpeculative(
                    integer(required(exit, "exit_layer"), "exit_layer"),
                    integer(required(exit, "draft_tokens"), "draft_tokens"));
        }
        throw new IllegalArgumentException("unknown exit policy type " + exit.get("type")
                + " (expected none, confidence or self_speculative)");
    }

    private static JsonElement required(JsonObject json, String field) {
        if (!json.has(field)) {
            throw new IllegalArgumentException("the exit policy has no " + field);
        }
        return json.get(field);
    }

    private static boolean isString(JsonElement element) {
        return element.isJsonPrimitive() && element.getAsJsonPrimitive().isString();
    }

    private static Number number(JsonElement element, String field) {
        if (!element.isJsonPrimitive() || !element.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException(field + " must be a number, got " + element);
        }
        return element.getAsNumber();
    }

    private static int integer(JsonElement element, String field) {
        Number number = number(element, field);
        double value = number.doubleValue();
        if (value != Math.rint(value) || Math.abs(value) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(field + " must be an integer, got " + element);
        }
        return (int) value;
    }

    private static String firstLine(Exception e) {
        String message = String.valueOf(e.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
