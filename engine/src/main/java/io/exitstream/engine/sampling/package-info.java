/** Choosing the next token: greedy, temperature, top-k, top-p, seeded per sequence. */
package io.exitstream.engine.sampling;
