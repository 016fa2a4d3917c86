package io.exitstream.engine.tokenizer;

import io.exitstream.engine.checkpoint.CheckpointException;
import io.exitstream.engine.checkpoint.GgufReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tokenizer as GGUF metadata stores it ({@code tokenizer.ggml.*}). Two models: {@code gpt2},
 * a byte-level BPE whose pieces are in GPT-2's alphabet and whose merges are {@code "left
 * right"} strings, served through a tokenizer.json built from them; and {@code llama}, a
 * SentencePiece vocabulary with scores (▁ for a space, {@code <0xHH>} byte pieces), served as
 * llama2.c's tokenizer and so needing its layout (unknown, BOS, EOS, then the 256 bytes).
 *
 * @param model {@code gpt2} or {@code llama}
 * @param tokens every piece by id
 * @param scores per piece; all zero for {@code gpt2}
 * @param types per piece, llama.cpp's {@code llama_token_type}: normal, control, byte, ...
 * @param merges {@code gpt2}'s merges, best first; empty for {@code llama}
 * @param pre {@code gpt2}'s pre-tokenizer ({@code tokenizer.ggml.pre}): how text is split into
 *     words before merging; only GPT-2's own ({@code gpt-2}) is implemented
 */
public record GgufVocabulary(String model, String[] tokens, float[] scores, int[] types,
        String[] merges, int bos, int eos, String pre) {

    static final String GPT2 = "gpt2";
    static final String LLAMA = "llama";
    private static final int NORMAL = 1;
    private static final int UNKNOWN = 2;
    private static final int CONTROL = 3;
    private static final int BYTE = 6;
    private static final String PREFIX = "tokenizer.ggml.";
    private static final String GPT2_PRE = "gpt-2";

    /** The vocabulary in the metadata of the open GGUF file {@code in}. */
    public static GgufVocabulary read(GgufReader in) {
        String model = in.string(PREFIX + "model");
        if (!model.equals(GPT2) && !model.equals(LLAMA)) {
            throw new CheckpointException(in.file() + ": tokenizer.ggml.model " + model
                    + " is not supported; supported: " + GPT2 + ", " + LLAMA);
        }
        String[] tokens = in.array(PREFIX + "tokens").stream().map(String::valueOf)
                .toArray(String[]::new);
        float[] scores = new float[tokens.length];
        if (in.metadata().containsKey(PREFIX + "scores")) {
            List<?> values = in.array(PREFIX + "scores");
            for (int i = 0; i < Math.min(scores.length, values.size()); i++) {
                scores[i] = ((Number) values.get(i)).floatValue();
            }
        }
        int[] types = new int[tokens.length];
        Arrays.fill(types, NORMAL);
        if (in.metadata().containsKey(PREFIX + "token_type")) {
            List<?> values = in.array(PREFIX + "token_type");
            for (int i = 0; i < Math.min(types.length, values.size()); i++) {
                types[i] = ((Number) values.get(i)).intValue();
            }
        }
        String[] merges = model.equals(GPT2) ? in.array(PREFIX + "merges").stream()
                .map(String::valueOf).toArray(String[]::new) : new String[0];
        Object pre = in.metadata().getOrDefault(PREFIX + "pre", GPT2_PRE);
        return new GgufVocabulary(model, tokens, scores, types, merges,
                id(in, "bos_token_id", tokens.length), id(in, "eos_token_id", tokens.length),
                String.valueOf(pre));
    }

    private static int id(GgufReader in, String key, int vocab) {
        long id = in.integer(PREFIX + key);
        if (id < 0 || id >= vocab) {
            throw new CheckpointException(in.file() + ": " + PREFIX + key + " " + id
                    + " is outside the vocabulary of " + vocab);
        }
        return (int) id;
    }

    /**
     * The vocabulary of the tokenizer at {@code source}: a tokenizer.json (byte-level becomes
     * {@code gpt2}, SentencePiece-style {@code llama}), a llama2.c tokenizer.bin of
     * {@code vocabSize} tokens, or a GGUF file.
     */
    public static GgufVocabulary of(Path source, int vocabSize) {
        if (GgufReader.hasMagic(source)) {
            try (GgufReader in = GgufReader.open(source)) {
                return read(in);
            }
        }
        if (!TokenizerFiles.isJson(source)) {
            return of(Llama2cTokenizer.load(source, vocabSize));
        }
        TokenizerJson.Vocabulary vocabulary =
                TokenizerJson.read(source, TokenizerJson.readString(source));
        if (!vocabulary.byteLevel()) {
            return of(TokenizerJson.readAsLlama2c(source));
        }
        // The ids the tokenizer serves with: <s> and </s>, or those the files beside it name.
        int bos;
        int eos;
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.load(source)) {
            bos = tokenizer.bosId();
            eos = tokenizer.eosId();
        }
        String[] tokens = vocabulary.pieces();
        int[] types = new int[tokens.length];
        Arrays.fill(types, NORMAL);
        vocabulary.addedTokens().values().forEach(id -> types[id] = CONTROL);
        String[] merges = vocabulary.merges().stream().map(m -> m[0] + " " + m[1])
                .toArray(String[]::new);
        return new GgufVocabulary(GPT2, tokens, new float[tokens.length], types, merges, bos,
                eos, GPT2_PRE);
    }

    private static GgufVocabulary of(Llama2cTokenizer tokenizer) {
        String[] tokens = TokenizerJson.hfPieces(tokenizer);
        float[] scores = new float[tokens.length];
        int[] types = new int[tokens.length];
        for (int id = 0; id < tokens.length; id++) {
            scores[id] = tokenizer.score(id);
            types[id] = id == 0 ? UNKNOWN
                    : id == Llama2cTokenizer.BOS || id == Llama2cTokenizer.EOS ? CONTROL
                    : id < Llama2cTokenizer.MIN_VOCAB_SIZE ? BYTE : NORMAL;
        }
        return new GgufVocabulary(LLAMA, tokens, scores, types, new String[0],
                Llama2cTokenizer.BOS, Llama2cTokenizer.EOS, null);
    }

    /**
     * The metadata entries llama.cpp reads, typed for GGUF. A {@code gpt2} vocabulary splits
     * words with GPT-2's regular expression ({@code tokenizer.ggml.pre} {@code gpt-2}), as a
     * tokenizer.json's ByteLevel pre-tokenizer does; both models add BOS, as the engine does.
     */
    public Map<String, Object> metadata() {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put(PREFIX + "model", model);
        if (model.equals(GPT2)) {
            metadata.put(PREFIX + "pre", pre);
        }
        metadata.put(PREFIX + "tokens", tokens);
        metadata.put(PREFIX + "scores", scores);
        metadata.put(PREFIX + "token_type", types);
        if (model.equals(GPT2)) {
            metadata.put(PREFIX + "merges", merges);
        } else {
            metadata.put(PREFIX + "unknown_token_id", 0);
        }
        metadata.put(PREFIX + "bos_token_id", bos);
        metadata.put(PREFIX + "eos_token_id", eos);
        metadata.put(PREFIX + "add_bos_token", true);
        return metadata;
    }

    /**
     * This vocabulary as llama2.c's tokenizer, for a {@code llama} one.
     *
     * @throws CheckpointException for {@code gpt2}, which run.c cannot encode
     */
    public Llama2cTokenizer llama2c(Path file) {
        if (tokenizer(file) instanceof Llama2cTokenizer t) {
            return t;
        }
        throw new CheckpointException(file + " has a byte-level (gpt2) tokenizer, which cannot"
                + " become a llama2.c tokenizer: convert to hf or gguf instead");
    }

    /** Writes this vocabulary as a Hugging Face tokenizer.json, read from {@code file}. */
    public void writeTokenizerJson(Path file, Path tokenizerJson) {
        if (model.equals(LLAMA)) {
            TokenizerJson.write(llama2c(file), tokenizerJson);
        } else {
            TokenizerJson.writeByteLevel(tokens, pairs(file), tokenizerJson, specialIds());
        }
    }

    /** The tokenizer that serves this vocabulary, read from {@code file}. */
    public Tokenizer tokenizer(Path file) {
        if (model.equals(LLAMA)) {
            if (bos != Llama2cTokenizer.BOS || eos != Llama2cTokenizer.EOS) {
                throw new CheckpointException(file + ": a llama tokenizer needs BOS 1 and EOS 2,"
                        + " not " + bos + " and " + eos);
            }
            return TokenizerJson.llama2c(file, tokens, scores);
        }
        if (!GPT2_PRE.equals(pre)) {
            // Llama 3's, Qwen's, ... split digits and contractions otherwise: ids would differ.
            throw new CheckpointException(file + ": tokenizer.ggml.pre " + pre + " is a"
                    + " pre-tokenizer the engine does not implement (only gpt-2); pass the"
                    + " model's tokenizer.json with --tokenizer");
        }
        String json = TokenizerJson.byteLevelJson(tokens, pairs(file), specialIds());
        return HuggingFaceTokenizer.fromJson(file, json, bos, eos);
    }

    private List<String[]> pairs(Path file) {
        List<String[]> pairs = new ArrayList<>();
        for (String merge : merges) {
            String[] pair = merge.split(" ", -1);
            if (pair.length != 2) {
                throw new CheckpointException(file + ": merge '" + merge
                        + "' is not two pieces");
            }
            pairs.add(pair);
        }
        return pairs;
    }

    /** BOS, EOS, then every other control token: the added tokens of a tokenizer.json. */
    private int[] specialIds() {
        List<Integer> special = new ArrayList<>(List.of(bos, eos));
        for (int id = 0; id < types.length; id++) {
            if (types[id] == CONTROL && id != bos && id != eos) {
                special.add(id);
            }
        }
        return special.stream().mapToInt(Integer::intValue).toArray();
    }
}
