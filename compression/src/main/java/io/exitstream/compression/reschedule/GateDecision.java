package io.exitstream.compression.reschedule;

import io.exitstream.compression.PlanEvaluator.Quality;
import java.util.List;
import java.util.Optional;

/**
 * The quality gate's verdict on a candidate.
 *
 * @param candidate what was judged
 * @param accepted whether it may be published
 * @param reasons what failed when rejected, the margins it passed by when accepted; each a
 *     phrase with its figures
 * @param quality the calibration measurement; absent when the candidate was rejected before
 *     the model ran (too little gain)
 */
public record GateDecision(Candidate candidate, boolean accepted, List<String> reasons,
        Optional<Quality> quality) {

    public GateDecision {
        reasons = List.copyOf(reasons);
    }
}
