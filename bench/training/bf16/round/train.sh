#!/usr/bin/env bash
# Trains on corpus.jsonl (the complete stories of run.sh's two corpus runs, stopped at 56,255): 2,000 steps,
# about the time the model card's 1,400 float32 steps took, with bfloat16 products.
set -euo pipefail
cd /work/main
W=${WORK:-/work/round3}  # holds corpus.jsonl and a copy of the CLI in cli/

date

export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824
EXITSTREAM_CLI="$W/cli" ./exitstream train --corpus "$W/corpus.jsonl" --tokenizer models/exitstream-stories-8L/tokenizer.json \
  --out "$W/train" --layers 8 --dim 128 --hidden 384 --heads 8 --kv-heads 4 --context 256 \
  --steps 2000 --batch 32 --micro-batch 8 --lr 2e-3 --warmup 50 --layer-drop 0.1 \
  --exit-scale 0.5 --exit-rotation 4 --seed 1 --threads 2 --checkpoint-every 50 \
  --matmul bfloat16 > "$W/train.json" 2> "$W/train.err"
date
EXITSTREAM_CLI="$W/cli" ./exitstream bpb --model "$W/train" --text ../shared/data/tinystories-valid-sample.txt > "$W/bpb.json"
date
