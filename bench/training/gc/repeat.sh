#!/usr/bin/env bash
# The same 20-step, two-thread training command twice (the shipped model's flags), to see
# whether training repeats itself. CLI is a copy of cli/target/exitstream-cli.jar and
# cli/target/lib; writes bench/training/gc/run-{1,2}.json (each run's train.json).
#   bash bench/training/gc/repeat.sh CLI CORPUS.jsonl TOKENIZER.json   # about 2.5 minutes
set -euo pipefail
cd "$(dirname "$0")/../../../.."
cli=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824
for r in 1 2; do
  EXITSTREAM_CLI="$cli" ./exitstream train --corpus "$2" --tokenizer "$3" --out "$work/$r" \
    --layers 8 --dim 128 --hidden 384 --heads 8 --kv-heads 4 --context 256 --steps 20 \
    --batch 32 --micro-batch 8 --lr 2e-3 --warmup 50 --layer-drop 0.1 --exit-scale 0.5 \
    --exit-rotation 4 --seed 1 --threads 2 --checkpoint-every 1000 > "$work/log" 2>&1
  cp "$work/$r/train.json" "bench/training/gc/run-$r.json"
done
