package io.exitstream.engine.tokenizer;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.exitstream.engine.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face's {@code tokenizer.json} for Llama-style (SentencePiece BPE) vocabularies, and
 * conversion to and from llama2.c's {@code tokenizer.bin}. Pieces spell spaces as ▁ there and
 * as plain spaces in tokenizer.bin; BOS and EOS are {@code <s>} and {@code </s>} there and
 * {@code "\n<s>\n"} and {@code "\n</s>\n"} in tokenizer.bin (llama2.c's export does so).
 */
public final class TokenizerJson {

    static final String SPACE = "\u2581";
    static final String BOS_PIECE = "<s>";
    static final String EOS_PIECE = "</s>";
    private static final String LLAMA2C_BOS_PIECE = "\n<s>\n";
    private static final String LLAMA2C_EOS_PIECE = "\n</s>\n";

    private TokenizerJson() {
    }

    /**
     * The parts of a tokenizer.json that we read ourselves.
     *
     * @param pieces every piece by id, ▁ for spaces, added tokens included
     * @param merges BPE merges as (left, right), best first
     * @param addedTokens added tokens by content
     * @param byteLevel whether pieces are spelled in GPT-2's byte-level alphabet (Ġ for a
     *     space) rather than SentencePiece's (▁)
     */
    record Vocabulary(String[] pieces, List<String[]> merges, Map<String, Integer> addedTokens,
            boolean byteLevel) {
    }

    /**
     * Writes {@code tokenizer} as a Llama-style tokenizer.json: BPE with byte fallback, merges
     * derived from the piece scores the way Hugging Face's SentencePiece converter does.
     *
     * @throws CheckpointException when the file cannot be written
     */
    public static void write(Llama2cTokenizer tokenizer, Path tokenizerJson) {
        String[] pieces = hfPieces(tokenizer);
        Map<String, Integer> ids = new HashMap<>();
        JsonObject vocab = new JsonObject();
        for (int id = 0; id < pieces.length; id++) {
            if (ids.putIfAbsent(pieces[id], id) != null) {
                throw new IllegalArgumentException("tokens " + ids.get(pieces[id]) + " and " + id
                        + " are both '" + pieces[id] + "': tokenizer.json needs unique pieces");
            }
            vocab.addProperty(pieces[id], id);
        }
        JsonArray merges = new JsonArray();
        for (int[] merge : merges(tokenizer, pieces, ids)) {
            merges.add(pieces[merge[1]] + " " + pieces[merge[2]]);
        }

        JsonObject root = root(
                addedTokens(pieces, 0, Llama2cTokenizer.BOS, Llama2cTokenizer.EOS),
                sequence("normalizers",
                        object("type", "Prepend", "prepend", SPACE),
                        replace(" ", SPACE)),
                JsonNull.INSTANCE,
                bosTemplate(),
                sequence("decoders",
                        replace(SPACE, " "),
                        object("type", "ByteFallback"),
                        object("type", "Fuse"),
                        strip()));
        root.add("model", bpeModel(new JsonPrimitive(pieces[0]), true, vocab, merges));
        writeJson(root, tokenizerJson);
    }

    /**
     * Writes a byte-level (GPT-2 style) BPE tokenizer.json: no byte fallback or unknown token
     * (the 256 byte pieces cover any text), ByteLevel pre-tokenizer, post-processor and decoder
     * without a prefix space, and the pieces of the {@code special} ids (BOS and EOS first) as
     * special tokens.
     *
     * @throws CheckpointException when the file cannot be written
     */
    static void writeByteLevel(String[] pieces, List<String[]> merges, Path tokenizerJson,
            int... special) {
        writeJson(byteLevel(pieces, merges, special), tokenizerJson);
    }

    /** The byte-level tokenizer.json that {@link #writeByteLevel} writes. */
    static String byteLevelJson(String[] pieces, List<String[]> merges, int... special) {
        return gson().toJson(byteLevel(pieces, merges, special));
    }

    private static JsonObject byteLevel(String[] pieces, List<String[]> merges, int... special) {
        JsonObject vocab = new JsonObject();
        for (int id = 0; id < pieces.length; id++) {
            vocab.addProperty(pieces[id], id);
        }
        JsonArray mergeArray = new JsonArray();
        for (String[] merge : merges) {
            mergeArray.add(merge[0] + " " + merge[1]);
        }
        JsonObject root = root(addedTokens(pieces, special),
                JsonNull.INSTANCE, byteLevelStep(), byteLevelStep(), byteLevelStep());
        root.add("model", bpeModel(JsonNull.INSTANCE, false, vocab, mergeArray));
        return root;
    }

    /** The top of a tokenizer.json, up to the model, which the caller adds. */
    private static JsonObject root(JsonArray addedTokens, JsonElement normalizer,
            JsonElement preTokenizer, JsonElement postProcessor, JsonElement decoder) {
        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");
        root.add("truncation", JsonNull.INSTANCE);
        root.add("padding", JsonNull.INSTANCE);
        root.add("added_tokens", addedTokens);
        root.add("normalizer", normalizer);
        root.add("pre_tokenizer", preTokenizer);
        root.add("post_processor", postProcessor);
        root.add("decoder", decoder);
        return root;
    }

    /** A BPE model; {@code byteFallback} also fuses unknown tokens, as Llama's does. */
    private static JsonObject bpeModel(JsonElement unkToken, boolean byteFallback,
            JsonObject vocab, JsonArray merges) {
        JsonObject model = new JsonObject();
        model.addProperty("type", "BPE");
        model.add("dropout", JsonNull.INSTANCE);
        model.add("unk_token", unkToken);
        model.add("continuing_subword_prefix", JsonNull.INSTANCE);
        model.add("end_of_word_suffix", JsonNull.INSTANCE);
        model.addProperty("fuse_unk", byteFallback);
        model.addProperty("byte_fallback", byteFallback);
        model.add("vocab", vocab);
        model.add("merges", merges);
        return model;
    }

    private static JsonObject byteLevelStep() {
        JsonObject step = object("type", "ByteLevel");
        step.addProperty("add_prefix_space", false);
        step.addProperty("trim_offsets", true);
        step.addProperty("use_regex", true);
        return step;
    }

    private static void writeJson(JsonObject root, Path tokenizerJson) {
        try {
            Files.writeString(tokenizerJson, gson().toJson(root));
        } catch (IOException e) {
            throw new CheckpointException("cannot write tokenizer " + tokenizerJson + ": " + e, e);
        }
    }

    private static Gson gson() {
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls()
                .create();
    }

    /** The vocabulary as tokenizer.json spells it: ▁ for spaces, {@code <s>}, {@code </s>}. */
    static String[] hfPieces(Llama2cTokenizer tokenizer) {
        String[] pieces = new String[tokenizer.vocabSize()];
        for (int id = 0; id < pieces.length; id++) {
            if (id == Llama2cTokenizer.BOS) {
                pieces[id] = BOS_PIECE;
            } else if (id == Llama2cTokenizer.EOS) {
                pieces[id] = EOS_PIECE;
            } else {
                try {
                    pieces[id] = StandardCharsets.UTF_8.newDecoder()
                            .decode(ByteBuffer.wrap(tokenizer.piece(id))).toString()
                            .replace(" ", SPACE);
                } catch (CharacterCodingException e) {
                    throw new IllegalArgumentException(
                            "token " + id + " is not valid UTF-8 and cannot go in tokenizer.json");
                }
            }
        }
        return pieces;
    }

    /**
     * Merges as Hugging Face's SentencePiece extractor derives them: every split of a piece into
     * two pieces, best-scored piece first, then by the piece's id, then by the left part's id.
     * Each merge is (merged id, left id, right id).
     */
    private static List<int[]> merges(Llama2cTokenizer tokenizer, String[] pieces,
            Map<String, Integer> ids) {
        List<int[]> merges = new ArrayList<>();
        for (int id = 0; id < pieces.length; id++) {
            String piece = pieces[id];
            for (int split = piece.offsetByCodePoints(0, 1); split < piece.length();
                    split = piece.offsetByCodePoints(split, 1)) {
                Integer left = ids.get(piece.substring(0, split));
                Integer right = ids.get(piece.substring(split));
                if (left != null && right != null) {
                    merges.add(new int[] {id, left, right});
                }
            }
        }
        // Scores compare as floats, so -0.0 ties with 0.0 as in Python's sort.
        Comparator<int[]> byScore = (a, b) -> {
            float sa = tokenizer.score(a[0]);
            float sb = tokenizer.score(b[0]);
            return sa > sb ? -1 : sa < sb ? 1 : 0;
        };
        merges.sort(byScore.thenComparingInt((int[] m) -> m[0]).thenComparingInt(m -> m[1]));
        return merges;
    }

    /** The pieces of {@code ids} as special tokens. */
    private static JsonArray addedTokens(String[] pieces, int... ids) {
        JsonArray added = new JsonArray();
        for (int id : ids) {
            JsonObject token = new JsonObject();
            token.addProperty("id", id);
            token.addProperty("content", pieces[id]);
            token.addProperty("single_word", false);
            token.addProperty("lstrip", false);
            token.addProperty("rstrip", false);
            token.addProperty("normalized", false);
            token.addProperty("special", true);
            added.add(token);
        }
        return added;
    }

    /** TemplateProcessing that puts {@code <s>} before each sequence, as Llama's does. */
    private static JsonObject bosTemplate() {
        JsonArray single = new JsonArray();
        single.add(templateItem("SpecialToken", BOS_PIECE, 0));
        single.add(templateItem("Sequence", "A", 0));
        JsonArray pair = single.deepCopy();
        pair.add(templateItem("SpecialToken", BOS_PIECE, 1));
        pair.add(templateItem("Sequence", "B", 1));
        JsonObject bos = new JsonObject();
        bos.addProperty("id", BOS_PIECE);
        JsonArray ids = new JsonArray();
        ids.add(Llama2cTokenizer.BOS);
        bos.add("ids", ids);
        JsonArray tokens = new JsonArray();
        tokens.add(BOS_PIECE);
        bos.add("tokens", tokens);
        JsonObject special = new JsonObject();
        special.add(BOS_PIECE, bos);
        JsonObject processor = object("type", "TemplateProcessing");
        processor.add("single", single);
        processor.add("pair", pair);
        processor.add("special_tokens", special);
        return processor;
    }

    private static JsonObject templateItem(String kind, String id, int typeId) {
        JsonObject inner = new JsonObject();
        inner.addProperty("id", id);
        inner.addProperty("type_id", typeId);
        JsonObject item = new JsonObject();
        item.add(kind, inner);
        return item;
    }

    private static JsonObject replace(String pattern, String content) {
        JsonObject string = object("String", pattern);
        JsonObject replace = object("type", "Replace");
        replace.add("pattern", string);
        replace.addProperty("content", content);
        return replace;
    }

    private static JsonObject strip() {
        JsonObject strip = object("type", "Strip", "content", " ");
        strip.addProperty("start", 1);
        strip.addProperty("stop", 0);
        return strip;
    }

    private static JsonObject sequence(String member, JsonObject... steps) {
        JsonArray array = new JsonArray();
        for (JsonObject step : steps) {
            array.add(step);
        }
        JsonObject sequence = object("type", "Sequence");
        sequence.add(member, array);
        return sequence;
    }

    /** An object of string properties given as name, value, name, value, .... */
    private static JsonObject object(String... namesAndValues) {
        JsonObject object = new JsonObject();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            object.addProperty(namesAndValues[i], namesAndValues[i + 1]);
        }
        return object;
    }

    /**
     * Reads a Llama-style tokenizer.json as a llama2.c tokenizer. tokenizer.json has no scores,
     * so each piece scores minus the rank of its first merge, which makes run.c's
     * best-score-first merging follow the merge ranks; pieces no merge makes score
     * {@link Llama2cTokenizer#MERGE_SCORE_FLOOR}, so run.c never forms them either.
     *
     * @throws CheckpointException when the file cannot be read or does not have llama2.c's
     *     layout ({@code <unk>}, {@code <s>}, {@code </s>}, then the 256 byte pieces)
     */
    public static Llama2cTokenizer readAsLlama2c(Path tokenizerJson) {
        Vocabulary vocabulary = read(tokenizerJson, readString(tokenizerJson));
        if (vocabulary.byteLevel()) {
            throw new CheckpointException("tokenizer " + tokenizerJson + " cannot become a"
                    + " llama2.c tokenizer: it has a byte-level (GPT-2 style) vocabulary, and"
                    + " llama2.c's run.c only knows SentencePiece-style ones (▁ and <0xHH>)");
        }
        String[] pieces = vocabulary.pieces();
        Map<String, Integer> ids = new HashMap<>();
        for (int id = 0; id < pieces.length; id++) {
            ids.putIfAbsent(pieces[id], id);
        }
        float[] scores = new float[pieces.length];
        Arrays.fill(scores, Llama2cTokenizer.MERGE_SCORE_FLOOR);
        List<String[]> merges = vocabulary.merges();
        for (int rank = 0; rank < merges.size(); rank++) {
            String[] merge = merges.get(rank);
            Integer merged = ids.get(merge[0] + merge[1]);
            if (merged == null) {
                throw new CheckpointException("tokenizer " + tokenizerJson + " is corrupt: merge '"
                        + merge[0] + " " + merge[1] + "' makes a piece missing from the vocab");
            }
            if (scores[merged] == Llama2cTokenizer.MERGE_SCORE_FLOOR) {
                scores[merged] = -rank;
            }
        }
        return llama2c(tokenizerJson, pieces, scores);
    }

    /**
     * The llama2.c tokenizer of SentencePiece {@code pieces} (▁ for spaces) and their scores.
     *
     * @throws CheckpointException when they do not have llama2.c's layout ({@code <unk>},
     *     {@code <s>}, {@code </s>}, then the 256 byte pieces)
     */
    static Llama2cTokenizer llama2c(Path file, String[] pieces, float[] scores) {
        requireLlama2cLayout(file, pieces);
        byte[][] bytes = new byte[pieces.length][];
        int maxTokenLength = 1;
        for (int id = 0; id < pieces.length; id++) {
            String piece = id == Llama2cTokenizer.BOS ? LLAMA2C_BOS_PIECE
                    : id == Llama2cTokenizer.EOS ? LLAMA2C_EOS_PIECE
                    : pieces[id].replace(SPACE, " ");
            bytes[id] = piece.getBytes(StandardCharsets.UTF_8);
            maxTokenLength = Math.max(maxTokenLength, bytes[id].length);
        }
        return new Llama2cTokenizer(bytes, scores, maxTokenLength);
    }

    private static void requireLlama2cLayout(Path file, String[] pieces) {
        String problem = null;
        if (pieces.length < Llama2cTokenizer.MIN_VOCAB_SIZE) {
            problem = "it has " + pieces.length + " tokens, fewer than "
                    + Llama2cTokenizer.MIN_VOCAB_SIZE;
        } else if (!pieces[Llama2cTokenizer.BOS].equals(BOS_PIECE)
                || !pieces[Llama2cTokenizer.EOS].equals(EOS_PIECE)) {
            problem = "tokens 1 and 2 are not <s> and </s>";
        } else {
            for (int b = 0; b < 256 && problem == null; b++) {
                String piece = pieces[b + Llama2cTokenizer.BYTE_OFFSET];
                if (Llama2cTokenizer.bytePieceValue(piece.getBytes(StandardCharsets.UTF_8)) != b) {
                    problem = "token " + (b + Llama2cTokenizer.BYTE_OFFSET) + " is '" + piece
                            + "', not the byte piece " + String.format("<0x%02X>", b);
                }
            }
        }
        if (problem != null) {
            throw new CheckpointException("tokenizer " + file
                    + " cannot become a llama2.c tokenizer: " + problem);
        }
    }

    static String readString(Path tokenizerJson) {
        try {
            return Files.readString(tokenizerJson);
        } catch (IOException e) {
            throw new CheckpointException("cannot read tokenizer " + tokenizerJson + ": " + e, e);
        }
    }

    /**
     * Parses the vocabulary, merges and added tokens of a BPE tokenizer.json with a
     * SentencePiece-style (▁) or a byte-level (GPT-2 style, its decoder says ByteLevel)
     * vocabulary.
     *
     * @throws CheckpointException when the JSON is malformed or of another kind
     */
    static Vocabulary read(Path file, String json) {
        try {
            JsonObject root = JsonParser.parseString(json).getAsJsonObject();
            JsonObject model = root.getAsJsonObject("model");
            if (model == null || !"BPE".equals(stringOrNull(model.get("type")))) {
                throw new CheckpointException("tokenizer " + file
                        + " is not supported: only BPE models (Llama style) can be read");
            }
            boolean byteLevel = mentionsByteLevel(root.get("decoder"));
            Map<String, Integer> pieceIds = new LinkedHashMap<>();
            model.getAsJsonObject("vocab").entrySet()
                    .forEach(e -> pieceIds.put(e.getKey(), e.getValue().getAsInt()));
            Map<String, Integer> added = new LinkedHashMap<>();
            JsonArray addedTokens = root.getAsJsonArray("added_tokens");
            if (addedTokens != null) {
                for (JsonElement element : addedTokens) {
                    JsonObject token = element.getAsJsonObject();
                    added.put(token.get("content").getAsString(), token.get("id").getAsInt());
                }
            }
            return new Vocabulary(piecesById(file, pieceIds, added), parseMerges(file, model),
                    added, byteLevel);
        } catch (CheckpointException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CheckpointException("tokenizer " + file + " is not a valid tokenizer.json: "
                    + e.getMessage(), e);
        }
    }

    private static String[] piecesById(Path file, Map<String, Integer> vocab,
            Map<String, Integer> added) {
        int size = 0;
        for (int id : vocab.values()) {
            size = Math.max(size, id + 1);
        }
        for (int id : added.values()) {
            size = Math.max(size, id + 1);
        }
        String[] pieces = new String[size];
        Map<String, Integer> all = new LinkedHashMap<>(vocab);
        all.putAll(added);
        for (Map.Entry<String, Integer> entry : all.entrySet()) {
            int id = entry.getValue();
            if (id < 0 || pieces[id] != null && !pieces[id].equals(entry.getKey())) {
                throw new CheckpointException("tokenizer " + file + " is corrupt: id " + id
                        + " is given to '" + entry.getKey() + "'" + (id < 0 ? ""
                        : " and to '" + pieces[id] + "'"));
            }
            pieces[id] = entry.getKey();
        }
        for (int id = 0; id < size; id++) {
            if (pieces[id] == null) {
                throw new CheckpointException("tokenizer " + file + " is not supported: token id "
                        + id + " is missing (ids must run from 0 to " + (size - 1) + ")");
            }
        }
        return pieces;
    }

    /** Merges as {@code "left right"} strings or, in newer files, {@code [left, right]} pairs. */
    private static List<String[]> parseMerges(Path file, JsonObject model) {
        List<String[]> merges = new ArrayList<>();
        JsonArray array = model.getAsJsonArray("merges");
        if (array == null) {
            return merges;
        }
        for (JsonElement element : array) {
            String[] merge;
            if (element.isJsonArray()) {
                JsonArray pair = element.getAsJsonArray();
                merge = new String[pair.size()];
                for (int i = 0; i < merge.length; i++) {
                    merge[i] = pair.get(i).getAsString();
                }
            } else {
                merge = element.getAsString().split(" ", -1);
            }
            if (merge.length != 2) {
                throw new CheckpointException("tokenizer " + file + " is corrupt: merge "
                        + element + " is not a pair of pieces");
            }
            merges.add(merge);
        }
        return merges;
    }

    private static boolean mentionsByteLevel(JsonElement element) {
        if (element == null || element.isJsonNull() || element.isJsonPrimitive()) {
            return false;
        }
        if (element.isJsonArray()) {
            for (JsonElement item : element.getAsJsonArray()) {
                if (mentionsByteLevel(item)) {
                    return true;
                }
            }
            return false;
        }
        JsonObject object = element.getAsJsonObject();
        if ("ByteLevel".equals(stringOrNull(object.get("type")))) {
            return true;
        }
        for (Map.Entry<String, JsonElement> entry : object.entrySet()) {
            if (mentionsByteLevel(entry.getValue())) {
                return true;
            }
        }
        return false;
    }

    private static String stringOrNull(JsonElement element) {
        return element == null || !element.isJsonPrimitive() ? null : element.getAsString();
    }
}
