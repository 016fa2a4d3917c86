package io.exitstream.engine.plan;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * How a token may leave the layer stack before the last layer. Layer numbers are the model's
 * layer indices, counted from 0; an exit at layer l applies the final norm and LM head to the
 * output of layer l.
 */
public sealed interface ExitPolicy
        permits ExitPolicy.None, ExitPolicy.Confidence, ExitPolicy.SelfSpeculative {

    /** The name of the policy in JSON. */
    String type();

    /** Every token runs every kept layer. */
    record None() implements ExitPolicy {

        @Override
        public String type() {
            return "none";
        }
    }

    /**
     * A token leaves at the first exit layer, from {@code minExitLayer} on, where its confidence
     * reaches that layer's threshold.
     *
     * @param thresholds confidence needed to leave, by exit layer; each in (0, 1]
     */
    record Confidence(SortedMap<Integer, Float> thresholds, int minExitLayer)
            implements ExitPolicy {

        public Confidence {
            if (thresholds.isEmpty()) {
                throw new IllegalArgumentException("a confidence policy needs at least one"
                        + " exit threshold");
            }
            for (Map.Entry<Integer, Float> t : thresholds.entrySet()) {
                float value = t.getValue();
                if (!(value > 0f && value <= 1f)) {
                    throw new IllegalArgumentException("threshold " + value + " for layer "
                            + t.getKey() + " is outside (0, 1]");
                }
            }
            thresholds = Collections.unmodifiableSortedMap(new TreeMap<>(thresholds));
        }

        @Override
        public String type() {
            return "confidence";
        }
    }

    /**
     * Self-speculative decoding (LayerSkip): the kept layers up to and including
     * {@code exitLayer} draft {@code draftTokens} tokens one at a time through the exit head,
     * then the kept layers above it verify all drafts in one pass, reusing the draft layers'
     * keys and values. Only tokens the full model agrees with are emitted, so the output is the
     * full model's.
     */
    record SelfSpeculative(int exitLayer, int draftTokens) implements ExitPolicy {

        public SelfSpeculative {
            if (draftTokens < 1) {
                throw new IllegalArgumentException("draft_tokens must be at least 1, got "
                        + draftTokens);
            }
        }

        @Override
        public String type() {
            return "self_speculative";
        }
    }
}
