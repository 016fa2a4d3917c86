package io.exitstream.router;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Power of two choices: of two replicas drawn at random, the one with less load (requests
 * outstanding from this router, or the replica's own running and waiting count when higher).
 * Close to least-loaded on a full scan, but a replica that just came back with nothing
 * outstanding is not sent every new request at once (no thundering herd).
 */
final class LeastOutstanding implements Balancer {

    @Override
    public Replica choose(List<Replica> candidates) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        if (candidates.size() == 1) {
            return candidates.get(0);
        }
        int first = random.nextInt(candidates.size());
        int second = random.nextInt(candidates.size() - 1);
        if (second >= first) {
            second++;
        }
        Replica a = candidates.get(first);
        Replica b = candidates.get(second);
        return b.load() < a.load() ? b : a;
    }
}
