/**
 * The inference endpoint: OpenAI-compatible HTTP on Vert.x in front of a continuous-batching
 * scheduler that owns the model on its own thread, with Prometheus metrics.
 */
package io.exitstream.server;
