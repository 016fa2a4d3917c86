#!/usr/bin/env bash
# Telemetry cost: token events/s into an in-process Kafka broker, and the server's decode
# tokens/s with telemetry on vs off (stories260K, 8 clients). Prints JSON; medians of --runs.
# Usage: bench/telemetry.sh [extra options for `exitstream bench telemetry`]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
model="${EXITSTREAM_MODEL:-$root/../shared/models/stories260K.bin}"
EXITSTREAM_JAVA_OPTS="${EXITSTREAM_JAVA_OPTS:--Xmx4g}" exec "$root/exitstream" bench telemetry \
  --model "$model" --threads 1 --events 500000 --runs 11 --seconds 5 "$@"
