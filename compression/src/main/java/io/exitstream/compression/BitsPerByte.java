package io.exitstream.compression;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.PlanScorer;
import io.exitstream.engine.runtime.PositionScore;
import io.exitstream.engine.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Bits per byte of a text under a model: the negative log-likelihood, in bits, of every token of
 * every document, divided by the documents' UTF-8 bytes. Perplexity is per token, so it depends
 * on the tokenizer: a model whose tokenizer cuts the text into fewer, longer tokens has a higher
 * perplexity for the same text. Bits per byte divides by the text's own length instead, so
 * models with different tokenizers (a 512-token llama2.c vocabulary, a 32000-token Llama one)
 * compare on the same scale.
 *
 * <p>Documents are those of {@link Corpus#documents} (blank-line separated paragraphs, else
 * non-empty lines, whitespace cleaned). Each is encoded with BOS and without EOS; BOS is the
 * context, never predicted, so a document of {@code n} tokens adds {@code n - 1} predictions.
 * The bytes counted are the cleaned document's own UTF-8 bytes, not its tokens': llama2.c
 * SentencePiece tokenizers add a leading space (the dummy prefix) to the text, and that space
 * is not counted, since it is the tokenizer's and not the text's. That is what makes the
 * figure independent of the tokenizer.
 *
 * <p>Documents longer than the window ({@code W} tokens, at most the model's context) are scored
 * with a sliding window of stride {@code W / 2}: the first window, from BOS, scores all its
 * positions; each later window scores only the tokens no earlier window scored. So every token
 * is scored exactly once, and every token past the first window has at least {@code W / 2}
 * tokens of context. Windows after the first start mid-document, without BOS, as the model
 * sees a long text in a rolling context. A smaller window than the model's context gives a
 * figure at least as high (less context), up to noise.
 *
 * <p>Scoring runs the plan as generation does, through the engine's {@link PlanScorer}: a
 * window's already-scored tokens are prefilled, then each scored token is decoded on its own.
 */
public final class BitsPerByte {

    /** Windows scored together. */
    private static final int SCORE_BATCH = 8;

    private BitsPerByte() {
    }

    /**
     * Bits per byte of a text.
     *
     * @param bitsPerByte {@code bits / bytes}
     * @param bits negative log2-likelihood of every scored token, summed
     * @param bytes UTF-8 bytes of the cleaned documents
     * @param tokens tokens scored: every token after BOS of every document
     * @param documents documents scored
     * @param window the sliding window, in tokens
     * @param tokensPerByte {@code tokens / bytes}: how finely the tokenizer cuts the text
     */
    public record Result(double bitsPerByte, double bits, long bytes, long tokens, int documents,
            int window, double tokensPerByte) {
    }

    /** The full model's bits per byte on the documents of {@code text} (see the class doc). */
    public static Result measure(LlamaModel model, Tokenizer tokenizer, Path text, int window) {
        return measure(model, ExecutionPlan.full(), tokenizer, Corpus.documents(text), window);
    }

    /**
     * A plan's bits per byte on {@code documents}, taken as they are (no cleaning).
     *
     * @param window tokens per scoring window, 2 to the model's context
     * @throws IllegalArgumentException if there is no document, the window does not fit the
     *     model, or a document encodes to no token after BOS
     */
    public static Result measure(LlamaModel model, ExecutionPlan plan, Tokenizer tokenizer,
            List<String> documents, int window) {
        int context = model.config().contextLength();
        if (window < 2 || window > context) {
            throw new IllegalArgumentException("the window must be in 2.." + context + " tokens,"
                    + " got " + window);
        }
        if (documents.isEmpty()) {
            throw new IllegalArgumentException("no document to score");
        }
        int stride = window / 2;
        List<int[]> firsts = new ArrayList<>();
        List<int[]> laters = new ArrayList<>();
        long bytes = 0;
        int longest = 0;
        for (String document : documents) {
            int[] ids = tokenizer.encode(document, true, false);
            if (ids.length < 2) {
                throw new IllegalArgumentException("a document encodes to no token after BOS: \""
                        + document + "\"");
            }
            bytes += document.getBytes(StandardCharsets.UTF_8).length;
            int end = Math.min(window, ids.length);
            firsts.add(Arrays.copyOf(ids, end));
            longest = Math.max(longest, end);
            for (int start = stride; end < ids.length; start += stride) {
                end = Math.min(start + window, ids.length);
                laters.add(Arrays.copyOfRange(ids, start, end));
            }
        }
        List<List<PositionScore>> scores;
        try (PlanScorer scorer = new PlanScorer(model, SCORE_BATCH, longest)) {
            scores = new ArrayList<>(scorer.score(plan, firsts, 1));
            if (!laters.isEmpty()) {
                // A later window starts one stride after the one before, which ended W tokens
                // after its start: its first W - stride tokens were scored, and are its prompt.
                scores.addAll(scorer.score(plan, laters, window - stride));
            }
        }
        double bits = PlanEvaluator.negativeLogLikelihood(scores) / Math.log(2);
        long tokens = PlanEvaluator.positions(scores);
        return new Result(bits / bytes, bits, bytes, tokens, documents.size(), window,
                (double) tokens / bytes);
    }
}
