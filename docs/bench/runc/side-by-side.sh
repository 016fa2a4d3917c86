#!/usr/bin/env bash
# run.c's forward pass (run.c here, 2 OpenMP threads) alternated with `exitstream bench` on
# the same synthetic checkpoint: batch 1, greedy, 128 tokens, PAIRS times; ours after bench's
# default warm-up (10 s of untimed decoding) and in float32 or bfloat16 (WEIGHTS).
# Prints one "runc TOKENS_PER_S ours TOKENS_PER_S" line per pair. Needs gcc with OpenMP.
# EXITSTREAM_CLI=DIR (a copy of cli/target's jar and lib) keeps one build while sources change.
#   bash docs/bench/runc/side-by-side.sh 6 s15M float32 > docs/bench/runc/s15M-DATE.txt
set -euo pipefail
cd "$(dirname "$0")/../../.."
pairs="${1:-6}" shape="${2:-s15M}" weights="${3:-float32}"
gcc -Ofast -march=native -fopenmp -o /tmp/exitstream-runc docs/bench/runc/run.c -lm
[ -f "/tmp/$shape.bin" ] || ./exitstream synth --shape "$shape" --format llama2c --out "/tmp/$shape.bin"
for _ in $(seq "$pairs"); do
  runc=$(OMP_NUM_THREADS=2 /tmp/exitstream-runc "/tmp/$shape.bin" 128)
  ours=$(./exitstream bench --model "/tmp/$shape.bin" --weights "$weights" --batch 1 \
    --tokens 128 --runs 3 2>/dev/null \
    | python3 -c "import json, sys; print(json.load(sys.stdin)['decode'][0]['tokens_per_s'])")
  echo "runc $runc ours $ours"
done
