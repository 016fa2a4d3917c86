package io.exitstream.engine.runtime;

import io.exitstream.engine.sampling.Sampler;
import java.util.Arrays;

/**
 * One prompt being continued: its cache slot, how far it got, and the tokens it produced.
 * Created by {@link Generator#start}; advanced only by the generator's thread.
 */
public final class Sequence {

    private final GenerationRequest request;
    private int slot;
    private final Sampler sampler;
    private int[] generated = new int[16];
    private int count;
    private int position;
    private FinishReason finish;

    Sequence(GenerationRequest request, int slot) {
        this.request = request;
        this.slot = slot;
        this.sampler = new Sampler(request.sampling());
        this.position = request.prompt().length;
    }

    public GenerationRequest request() {
        return request;
    }

    /** The generated tokens so far (stop tokens excluded). */
    public int[] generated() {
        return Arrays.copyOf(generated, count);
    }

    public int generatedCount() {
        return count;
    }

    /** The i-th generated token. */
    public int token(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("token " + i + " of " + count);
        }
        return generated[i];
    }

    /** The newest token, the next one to feed. */
    public int lastToken() {
        return generated[count - 1];
    }

    public boolean isFinished() {
        return finish != null;
    }

    /** Why it finished, or null while it runs. */
    public FinishReason finishReason() {
        return finish;
    }

    int slot() {
        return slot;
    }

    void moveTo(int newSlot) {
        slot = newSlot;
    }

    /** The position the next fed token takes: prompt length plus generated tokens fed so far. */
    int position() {
        return position;
    }

    Sampler sampler() {
        return sampler;
    }

    /** Records a sampled token and decides whether the sequence goes on. */
    void accept(int token, int contextLength) {
        for (int stop : request.stopTokens()) {
            if (token == stop) {
                finish = FinishReason.STOP;
                return;
            }
        }
        if (count == generated.length) {
            generated = Arrays.copyOf(generated, count * 2);
        }
        generated[count++] = token;
        if (count >= request.maxTokens() || position >= contextLength) {
            finish = FinishReason.LENGTH;
        }
    }

    /** The last token has been fed at {@link #position()}. */
    void advance() {
        position++;
    }

    void cancel() {
        if (finish == null) {
            finish = FinishReason.CANCELLED;
        }
    }
}
