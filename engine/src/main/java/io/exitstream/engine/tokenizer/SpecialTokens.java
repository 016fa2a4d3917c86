package io.exitstream.engine.tokenizer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.exitstream.engine.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The BOS id and the EOS ids of a Hugging Face model whose tokenizer has no {@code <s>} and
 * {@code </s>} (Llama 3, Qwen): from {@code generation_config.json}, else {@code config.json},
 * else the {@code bos_token}/{@code eos_token} of {@code tokenizer_config.json}. EOS may be a
 * list (Llama 3.1 Instruct stops at {@code <|end_of_text|>}, {@code <|eom_id|>} and
 * {@code <|eot_id|>}); the ids of generation_config.json and config.json are merged, as
 * transformers' generate stops at any of them.
 *
 * @param eos every id that ends generation, the main one first
 */
record SpecialTokens(int bos, int[] eos) {

    private static final List<String> CONFIGS = List.of("generation_config.json", "config.json");

    /** The ids that the files in {@code dir} name, if they name a BOS and at least one EOS. */
    static Optional<SpecialTokens> read(Path dir, Map<String, Integer> pieceIds) {
        Integer bos = null;
        Set<Integer> eos = new LinkedHashSet<>();
        for (String name : CONFIGS) {
            JsonObject json = readJson(dir.resolve(name));
            if (json != null) {
                bos = bos != null ? bos : id(json.get("bos_token_id"));
                eos.addAll(ids(json.get("eos_token_id")));
            }
        }
        JsonObject tokenizerConfig = readJson(dir.resolve("tokenizer_config.json"));
        if (tokenizerConfig != null) {
            bos = bos != null ? bos : pieceIds.get(content(tokenizerConfig.get("bos_token")));
            if (eos.isEmpty()) {
                Integer id = pieceIds.get(content(tokenizerConfig.get("eos_token")));
                if (id != null) {
                    eos.add(id);
                }
            }
        }
        if (bos == null || eos.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new SpecialTokens(bos,
                eos.stream().mapToInt(Integer::intValue).toArray()));
    }

    private static Integer id(JsonElement value) {
        return value == null || !value.isJsonPrimitive() ? null : value.getAsInt();
    }

    /** One id or a list of them. */
    private static List<Integer> ids(JsonElement value) {
        List<Integer> ids = new ArrayList<>();
        if (value != null && value.isJsonArray()) {
            value.getAsJsonArray().forEach(v -> ids.add(v.getAsInt()));
        } else if (id(value) != null) {
            ids.add(id(value));
        }
        return ids;
    }

    /** A token as tokenizer_config.json gives it: its text, or an object with "content". */
    private static String content(JsonElement token) {
        if (token == null || token.isJsonNull()) {
            return null;
        }
        if (token.isJsonObject()) {
            return content(token.getAsJsonObject().get("content"));
        }
        return token.getAsString();
    }

    private static JsonObject readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonElement root = JsonParser.parseString(Files.readString(file));
            if (!root.isJsonObject()) {
                throw new CheckpointException(file + " is not a JSON object");
            }
            return root.getAsJsonObject();
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (JsonParseException | IllegalStateException | NumberFormatException e) {
            throw new CheckpointException(file + " is not valid JSON: " + e.getMessage(), e);
        }
    }
}
