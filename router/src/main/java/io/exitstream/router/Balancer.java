package io.exitstream.router;

import java.util.List;

/** Picks the replica for the next request among those that may take it. */
interface Balancer {

    /** One of {@code candidates}, which is never empty. */
    Replica choose(List<Replica> candidates);
}
