#!/usr/bin/env bash
# The cost of the confidence-exit machinery on stories260K, side by side (bench/log.md):
# the full model; a static schedule running layers 0-1 only; confidence exits whose head always
# fires at layer 1 (every decoded token runs layers 0-1, plus the confidence test and the
# propagation of its keys and values to layers 2-4); and exits tested at layers 1-3 that never
# fire (the test's overhead). The heads in bench/heads are constant (a bias of +-20, zero
# weights): they measure the mechanism, not a calibrated model's quality. One PyTorch thread:
# on a busy machine two threads made stories260K decode 50 times slower (OpenMP waiting).
set -euo pipefail
cd "$(dirname "$0")/../.."
bench=(./exitstream bench --model ../shared/models/stories260K.bin --batch 1,8 --tokens 128
  --prompt-tokens 128 --runs 5 --threads 1)
"${bench[@]}" > bench/exits-full.json
"${bench[@]}" --plan bench/plans/skip-2-3-4.json > bench/exits-skip-2-3-4.json
"${bench[@]}" --plan bench/plans/confidence-l1.json \
  --exit-heads bench/heads/always-exit-l1.safetensors > bench/exits-always-l1.json
"${bench[@]}" --plan bench/plans/confidence-l1-2-3.json \
  --exit-heads bench/heads/never-exit.safetensors > bench/exits-never.json
