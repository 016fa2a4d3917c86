package io.exitstream.compression.train;

import io.exitstream.engine.runtime.FinishReason;
import io.exitstream.engine.runtime.GenerationRequest;
import io.exitstream.engine.runtime.Generator;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Sequence;
import io.exitstream.engine.sampling.SamplingParams;
import io.exitstream.engine.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Sequence-level knowledge distillation's data: documents written by a teacher model from BOS,
 * sampled at temperature 1 (no top-p, no top-k) so that they follow the teacher's own
 * distribution. Decoding is continuously batched: a finished row is replaced at once.
 *
 * <p>Document i uses seed {@code seed + i}, so the same command writes the same corpus (batch
 * composition can move a logit by rounding, so another batch size may flip a rare draw). A document ends where the teacher writes BOS or EOS (llama2.c models start the
 * next story with BOS); one that runs into the length limit is dropped, because it has no end
 * to learn from.
 */
public final class TeacherStories {

    /** What the sampling produced. */
    public record Summary(int documents, int dropped, long tokens, long bytes) {
    }

    private final LlamaModel teacher;
    private final Tokenizer tokenizer;
    private final int maxTokens;

    /**
     * @param maxTokens the longest document in teacher tokens, BOS included; at most the
     *     teacher's context
     */
    public TeacherStories(LlamaModel teacher, Tokenizer tokenizer, int maxTokens) {
        if (maxTokens < 2 || maxTokens > teacher.config().contextLength()) {
            throw new IllegalArgumentException("the document length must be in 2.."
                    + teacher.config().contextLength() + " tokens, got " + maxTokens);
        }
        this.teacher = teacher;
        this.tokenizer = tokenizer;
        this.maxTokens = maxTokens;
    }

    /**
     * Samples documents {@code 0 .. count - 1} and hands each finished one to {@code sink}, in
     * order of completion (not of index).
     */
    public Summary sample(int count, int batch, long seed, Consumer<String> sink) {
        if (count <= 0 || batch <= 0) {
            throw new IllegalArgumentException("the document count and batch must be positive,"
                    + " got " + count + " and " + batch);
        }
        int[] bos = {tokenizer.bosId()};
        int[] stops = {tokenizer.bosId(), tokenizer.eosId()};
        int documents = 0;
        int dropped = 0;
        long tokens = 0;
        long bytes = 0;
        int next = 0;
        List<Sequence> running = new ArrayList<>();
        try (Generator generator = new Generator(teacher, Math.min(batch, count), maxTokens)) {
            while (next < count || !running.isEmpty()) {
                while (next < count && running.size() < batch) {
                    running.add(generator.start(new GenerationRequest(bos,
                            new SamplingParams(1f, 1f, 0, seed + next), maxTokens - 1, stops)));
                    next++;
                }
                generator.step(running);
                for (Sequence s : List.copyOf(running)) {
                    if (!s.isFinished()) {
                        continue;
                    }
                    running.remove(s);
                    generator.release(s);
                    String text = text(s);
                    if (s.finishReason() != FinishReason.STOP || text.isBlank()) {
                        dropped++;
                        continue;
                    }
                    documents++;
                    tokens += s.generatedCount();
                    bytes += text.getBytes(StandardCharsets.UTF_8).length;
                    sink.accept(text);
                }
            }
        }
        return new Summary(documents, dropped, tokens, bytes);
    }

    /** The document's text: every generated token but the closing BOS or EOS, stripped. */
    private String text(Sequence s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int previous = tokenizer.bosId();
        for (int i = 0; i < s.generatedCount(); i++) {
            int token = s.token(i);
            if (token == tokenizer.bosId() || token == tokenizer.eosId()) {
                break;
            }
            out.writeBytes(tokenizer.decodeBytes(previous, token));
            previous = token;
        }
        return out.toString(StandardCharsets.UTF_8).strip();
    }
}
