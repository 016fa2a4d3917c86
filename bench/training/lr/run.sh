#!/usr/bin/env bash
# Is the shipped recipe's learning rate (2e-3) too low for a model this small? Two arms train
# from scratch side by side, one PyTorch thread each, for STEPS steps (default 600, with the
# cosine schedule fitted to them): the shipped flags with --lr 2e-3 and with --lr LR (default
# 4e-3), evaluating every exit on the held-out stories every 100 steps. Writes here, per arm,
# its train.json and loss.png, and the bits per byte on the TinyStories sample.
#   bash bench/training/lr/run.sh CLI CORPUS.jsonl [LR] [STEPS]   # ~25 min for 600 steps
# CLI: a copy of cli/target's exitstream-cli.jar and lib/ (see EXITSTREAM_CLI in README.md).
set -euo pipefail
cd "$(dirname "$0")/../../../.."
export EXITSTREAM_CLI=$1
corpus=$2 lr=${3:-4e-3} steps=${4:-600}
here=bench/training/lr
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
arm() {
  local name=$1 rate=$2
  mkdir -p "$here/$name"
  ./exitstream train --corpus "$corpus" --tokenizer models/exitstream-stories-8L/tokenizer.json \
    --out "$work/$name" --layers 8 --dim 128 --hidden 384 --heads 8 --kv-heads 4 --context 256 \
    --steps "$steps" --batch 32 --micro-batch 8 --lr "$rate" --warmup 50 --layer-drop 0.1 \
    --exit-scale 0.5 --exit-rotation 4 --seed 1 --threads 1 --checkpoint-every 100 \
    --eval-every 100 --matmul bfloat16 > "$here/$name/train.json" 2> "$work/$name.err"
  cp "$work/$name/loss.png" "$here/$name/"
  ./exitstream bpb --model "$work/$name" --text ../shared/data/tinystories-valid-sample.txt \
    > "$here/$name/bpb-tinystories-valid-sample.json"
}
arm "lr-2e-3" 2e-3 &
a=$!
arm "lr-$lr" "$lr" &
b=$!
wait "$a"
wait "$b"
