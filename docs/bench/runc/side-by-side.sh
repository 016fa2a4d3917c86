#!/usr/bin/env bash
# run.c's forward pass (run.c here, 2 OpenMP threads) alternated with `exitstream bench` on
# the same synthetic s15M checkpoint: float32, batch 1, greedy, 128 tokens, PAIRS times.
# Prints one "runc TOKENS_PER_S ours TOKENS_PER_S" line per pair. Needs gcc with OpenMP.
#   bash docs/bench/runc/side-by-side.sh 6 > docs/bench/runc/s15M-DATE.txt   # 3 minutes
set -euo pipefail
cd "$(dirname "$0")/../../.."
gcc -Ofast -march=native -fopenmp -o /tmp/exitstream-runc docs/bench/runc/run.c -lm
[ -f /tmp/s15M.bin ] || ./exitstream synth --shape s15M --format llama2c --out /tmp/s15M.bin
for _ in $(seq "${1:-6}"); do
  runc=$(OMP_NUM_THREADS=2 /tmp/exitstream-runc /tmp/s15M.bin 128)
  ours=$(./exitstream bench --model /tmp/s15M.bin --batch 1 --tokens 128 --runs 3 2>/dev/null \
    | python3 -c "import json, sys; print(json.load(sys.stdin)['decode'][0]['tokens_per_s'])")
  echo "runc $runc ours $ours"
done
