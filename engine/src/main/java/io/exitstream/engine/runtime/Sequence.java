package io.exitstream.engine.runtime;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.sampling.Sampler;
import io.exitstream.engine.sampling.TokenLogprobs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * One prompt being continued: its cache slot, how far it got, and the tokens it produced.
 * Created by {@link Generator#start}; advanced only by the generator's thread.
 */
public final class Sequence {

    private final GenerationRequest request;
    private int slot;
    private final Sampler sampler;
    /** Fixed at start: layers a plan skipped have no keys and values for this sequence. */
    private final LayerSchedule schedule;
    private int[] generated = new int[16];
    private final List<TokenReport> reports = new ArrayList<>();
    /** Per generated token its log probabilities, or null entries when none were asked for. */
    private final List<TokenLogprobs> logprobs = new ArrayList<>();
    private List<TokenLogprobs> promptLogprobs = List.of();
    private int count;
    private int position;
    private FinishReason finish;

    Sequence(GenerationRequest request, int slot, LayerSchedule schedule) {
        this.request = request;
        this.slot = slot;
        this.sampler = new Sampler(request.sampling(), request.prompt());
        this.schedule = schedule;
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

    /** How the i-th generated token was made. */
    public TokenReport report(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("token " + i + " of " + count);
        }
        return reports.get(i);
    }

    /**
     * The i-th generated token's log probabilities, or null unless the request asked for them
     * ({@link io.exitstream.engine.sampling.SamplingParams#logprobs()}).
     */
    public TokenLogprobs logprobs(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("token " + i + " of " + count);
        }
        return logprobs.get(i);
    }

    /**
     * The prompt's log probabilities, position by position (null at position 0, which nothing
     * predicts), when the request asked for them
     * ({@link io.exitstream.engine.sampling.SamplingParams#promptLogprobs()}); else empty.
     */
    public List<TokenLogprobs> promptLogprobs() {
        return promptLogprobs;
    }

    void setPromptLogprobs(List<TokenLogprobs> logprobs) {
        promptLogprobs = Collections.unmodifiableList(new ArrayList<>(logprobs));
    }

    /** How each generated token was made, in order. */
    public List<TokenReport> reports() {
        return Collections.unmodifiableList(new ArrayList<>(reports));
    }

    /** The plan the sequence runs under, the generator's plan when it started. */
    public ExecutionPlan plan() {
        return schedule.plan;
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

    LayerSchedule schedule() {
        return schedule;
    }

    /** Tokens still allowed by max_tokens. */
    int remainingTokens() {
        return request.maxTokens() - count;
    }

    /**
     * Records a sampled token, how it was made and its log probabilities (null when not asked
     * for), and decides whether the sequence goes on.
     */
    void accept(TokenReport report, TokenLogprobs tokenLogprobs, int contextLength) {
        int token = report.token();
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
        reports.add(report);
        logprobs.add(tokenLogprobs);
        sampler.accepted(token);
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
