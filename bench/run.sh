#!/usr/bin/env bash
# Reproduces the figures in bench/log.md: exitstream bench on the synthetic Llama-2
# shapes, float32 and bfloat16 weights, batch 1, 4 and 16, medians of 5 timed runs each.
set -euo pipefail
cd "$(dirname "$0")/../.."
for shape in s15M s110M; do
  for weights in float32 bfloat16; do
    ./exitstream bench --shape "$shape" --weights "$weights" --batch 1,4,16 --tokens 128 \
      --prompt-tokens 128 --runs 5 > "bench/$shape-$weights.json"
  done
done
./exitstream bench --model ../shared/models/stories260K.bin --batch 1,4,16 --tokens 128 \
  --prompt-tokens 128 --runs 5 > bench/stories260K-float32.json
# Self-speculative decoding on stories260K, side by side with the full model.
./exitstream bench --model ../shared/models/stories260K.bin --batch 1,4 --tokens 128 \
  --prompt-tokens 128 --runs 5 > bench/stories260K-full-b14.json
for plan in self-speculative-e3-k1 self-speculative-e3-k2; do
  ./exitstream bench --model ../shared/models/stories260K.bin --batch 1,4 --tokens 128 \
    --prompt-tokens 128 --runs 5 --plan "bench/plans/$plan.json" \
    > "bench/stories260K-$plan.json"
done
