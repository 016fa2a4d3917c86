package io.exitstream.compression.prune;

import com.google.gson.JsonObject;
import io.exitstream.engine.model.LlamaWeights;

/**
 * A pruned model and the report of what was removed ({@code pruning.json} beside it).
 *
 * @param report criterion, target, parameters before and after, sparsity, the layers kept, and
 *     the calibration scores that chose them
 */
public record PruneResult(LlamaWeights weights, JsonObject report) {
}
