#!/usr/bin/env bash
# run.c's forward pass (run.c here, 2 OpenMP threads) alternated with `exitstream bench` on
# the same synthetic checkpoint: batch 1, greedy, 128 tokens, PAIRS times; ours after bench's
# default warm-up (10 s of untimed decoding) and in float32 or bfloat16 (WEIGHTS).
# This host's speed shifts by up to 1.7x for stretches of tens of seconds, whatever runs, so
# each pair brackets ours with run.c: three run.c runs just before and three just after (the
# median of each), and the ratio is ours over the mean of the two. Prints one
# "runc BEFORE ours OURS runc AFTER ratio R" line per pair, then the median ratio.
# Needs gcc with OpenMP.
# EXITSTREAM_CLI=DIR (a copy of cli/target's jar and lib) keeps one build while sources change.
#   bash bench/runc/side-by-side.sh 6 s15M float32 > bench/runc/s15M-DATE.txt
set -euo pipefail
cd "$(dirname "$0")/../../.."
pairs="${1:-6}" shape="${2:-s15M}" weights="${3:-float32}"
gcc -Ofast -march=native -fopenmp -o /tmp/exitstream-runc bench/runc/run.c -lm
[ -f "/tmp/$shape.bin" ] || ./exitstream synth --shape "$shape" --format llama2c --out "/tmp/$shape.bin"
runc() {
  for _ in 1 2 3; do OMP_NUM_THREADS=2 /tmp/exitstream-runc "/tmp/$shape.bin" 128; done \
    | sort -g | sed -n 2p
}
ratios=()
for _ in $(seq "$pairs"); do
  before=$(runc)
  ours=$(./exitstream bench --model "/tmp/$shape.bin" --weights "$weights" --batch 1 \
    --tokens 128 --runs 3 2>/dev/null \
    | python3 -c "import json, sys; print(json.load(sys.stdin)['decode'][0]['tokens_per_s'])")
  after=$(runc)
  ratio=$(python3 -c "print(round($ours / (($before + $after) / 2), 3))")
  ratios+=("$ratio")
  echo "runc $before ours $ours runc $after ratio $ratio"
done
python3 -c "import statistics, sys; print('median ratio', statistics.median(map(float, sys.argv[1:])))" \
  "${ratios[@]}"
