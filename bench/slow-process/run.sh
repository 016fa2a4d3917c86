#!/usr/bin/env bash
# Where a slow decoding process is slow. Four probes on the engine's public API, each in fresh
# processes, batch 1, float32, greedy 128-token runs after bench's warm-up and settling:
#   Twin:   two device copies of the same weights in one process, alternated run by run;
#   Beside: our run, then run.c's forward pass (bench/runc/run.c) as a child process,
#           alternated run by run, 300 ms apart;
#   Fresh:  the weights loaded at start, then a device copy made just now (three untimed runs
#           first), then the first copy again, round by round;
#   Spinner: as Beside, with spinner.c in place of run.c: a loop on vCPU 0 timed with and
#           without a thread spinning on vCPU 1.
# Prints one line per process: twin "A runs / B runs", beside "ours run.c | ...", fresh
# "first fresh first | ...", spinner "ours alone-GB/s beside-spinner-GB/s ratio | ...".
#   EXITSTREAM_CLI=DIR bash bench/slow-process/run.sh PROCESSES [PROBES] > bench/slow-process/DATE.txt
# PROBES: any of twin, beside, fresh, spinner (default "twin beside").
set -euo pipefail
cd "$(dirname "$0")/../../.."
processes="${1:-6}" probes="${2:-twin beside}" cli="${EXITSTREAM_CLI:-cli/target}"
cp="$cli/exitstream-cli.jar:$cli/lib/*"
work=$(mktemp -d)
gcc -Ofast -march=native -fopenmp -o /tmp/exitstream-runc bench/runc/run.c -lm
gcc -O3 -march=native -pthread -o /tmp/exitstream-spinner bench/slow-process/spinner.c
[ -f /tmp/s15M.bin ] || ./exitstream synth --shape s15M --format llama2c --out /tmp/s15M.bin
javac -cp "$cp" -d "$work" bench/slow-process/*.java
run() { java -Dai.djl.offline=true -Xmx8g -cp "$cp:$work" "$@" 2>/dev/null; }
for _ in $(seq "$processes"); do
  for probe in $probes; do
    case "$probe" in
      twin) echo "twin   $(run Twin /tmp/s15M.bin 8 | tr '\n' '/')" ;;
      beside) echo "beside $(run Beside /tmp/s15M.bin 10 /tmp/exitstream-runc /tmp/s15M.bin 128 \
        | tr '\n' '|')" ;;
      spinner) echo "spinner $(run Beside /tmp/s15M.bin 10 /tmp/exitstream-spinner 4 32 \
        | tr '\n' '|')" ;;
      fresh) echo "fresh  $(run Fresh /tmp/s15M.bin 10 | tr '\n' '|')" ;;
      *) echo "run.sh: unknown probe $probe (twin, beside, fresh, spinner)" >&2; exit 2 ;;
    esac
  done
done
# The thread sampler beside a continuous decoding loop (one line per run: seconds, tokens/s):
#   java -Dai.djl.offline=true -cp "$cp:$work" Loop /tmp/s15M.bin 50 > loop.txt & \
#     python3 bench/slow-process/threads.py $! 52 > threads.txt
