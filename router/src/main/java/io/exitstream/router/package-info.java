/**
 * The router: one OpenAI-compatible endpoint in front of many {@code exitstream serve}
 * replicas. It routes by model name, alias and quality class to pools, balances on least
 * outstanding requests, health-checks and ejects replicas, retries requests that have not yet
 * sent a byte to their client, passes SSE through chunk by chunk, authenticates API keys with
 * per-key limits, and exports its own metrics. It speaks only HTTP to the servers and never
 * depends on the engine.
 */
package io.exitstream.router;
