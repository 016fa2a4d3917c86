#!/usr/bin/env bash
# Where a slow decoding process is slow. Two probes on the engine's public API, each in fresh
# processes, batch 1, float32, greedy 128-token runs after bench's warm-up and settling:
#   Twin:   two device copies of the same weights in one process, alternated run by run;
#   Beside: our run, then run.c's forward pass (docs/bench/runc/run.c) as a child process,
#           alternated run by run, 300 ms apart.
# Prints one line per process: Twin "A runs / B runs", Beside "ours run.c | ours run.c | ...".
#   EXITSTREAM_CLI=DIR bash docs/bench/slow-process/run.sh PROCESSES > docs/bench/slow-process/DATE.txt
set -euo pipefail
cd "$(dirname "$0")/../../.."
processes="${1:-6}" cli="${EXITSTREAM_CLI:-cli/target}"
cp="$cli/exitstream-cli.jar:$cli/lib/*"
work=$(mktemp -d)
gcc -Ofast -march=native -fopenmp -o /tmp/exitstream-runc docs/bench/runc/run.c -lm
[ -f /tmp/s15M.bin ] || ./exitstream synth --shape s15M --format llama2c --out /tmp/s15M.bin
javac -cp "$cp" -d "$work" docs/bench/slow-process/*.java
run() { java -Dai.djl.offline=true -Xmx8g -cp "$cp:$work" "$@" 2>/dev/null; }
for _ in $(seq "$processes"); do
  echo "twin   $(run Twin /tmp/s15M.bin 8 | tr '\n' '/')"
  echo "beside $(run Beside /tmp/s15M.bin 10 | tr '\n' '|')"
done
# The thread sampler beside a continuous decoding loop (one line per run: seconds, tokens/s):
#   java -Dai.djl.offline=true -cp "$cp:$work" Loop /tmp/s15M.bin 50 > loop.txt & \
#     python3 docs/bench/slow-process/threads.py $! 52 > threads.txt
