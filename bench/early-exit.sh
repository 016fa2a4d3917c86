#!/usr/bin/env bash
# Reproduces every figure of docs/early-exit.md on stories260K: the skip schedule and the exit
# heads are learnt from text the model writes itself; every plan is then evaluated on the
# TinyStories sample in ../shared/data, which no step before evaluation reads.
# Writes bench/early-exit/*.json, the plans under bench/early-exit/plans and the
# sweep chart bench/early-exit-sweep.png, then prints the table. About 10 minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARED=${EXITSTREAM_SHARED:-../shared}
OUT=bench/early-exit
# calibrate writes the exit heads beside the model: work on a copy, never in ../shared.
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp "$SHARED/models/stories260K.bin" "$SHARED/models/tok512.bin" "$WORK/"
MODEL=$WORK/stories260K.bin
SAMPLE=$SHARED/data/tinystories-valid-sample.txt
# One PyTorch thread: stories260K is too small to gain from two, and on a shared machine a
# second thread mostly waits for a core.
THREADS=(--threads 1)
PLANS=(full skip-5pct skip-150pct confidence-0.95 self-speculative-e3-k1 self-speculative-e3-k2)
mkdir -p "$OUT/plans"

# 1. Static schedules: ShortGPT influence and single-layer perplexities on 64 self-written
#    sequences; the most layers skipped within +5% perplexity, and within +150% (every layer
#    of this 5-layer model costs more than 5%, so the first schedule is the full model).
./exitstream analyze --model "$MODEL" --self-generate 64 --seed 1 --budget 0.05 \
  --out "$OUT/plans/skip-5pct.json" "${THREADS[@]}" > "$OUT/analyze.json"
./exitstream analyze --model "$MODEL" --self-generate 64 --seed 1 --budget 1.5 \
  --out "$OUT/plans/skip-150pct.json" "${THREADS[@]}" > "$OUT/analyze-150pct.json"

# 2. Exit heads (rank-8 adapters, confidence classifiers) on 256 self-written sequences, 3/4
#    for training, 1/4 held out for the Learn-then-Test threshold at agreement 0.95.
./exitstream calibrate --model "$MODEL" --self-generate 256 --seed 2 --agreement 0.95 \
  --delta 0.1 --rank 8 --epochs 4 --out-plan "$OUT/plans/confidence-0.95.json" \
  "${THREADS[@]}" > "$OUT/calibrate.json"

# 3. Every plan on the evaluation sample: quality, and decode speed at batch 1 and 8.
cp bench/plans/full.json bench/plans/self-speculative-e3-k1.json \
  bench/plans/self-speculative-e3-k2.json "$OUT/plans/"
for plan in "${PLANS[@]}"; do
  extra=()
  if [ "$plan" = confidence-0.95 ]; then
    extra=(--sweep --png bench/early-exit-sweep.png)
  fi
  ./exitstream eval --model "$MODEL" --plan "$OUT/plans/$plan.json" --data "$SAMPLE" \
    --batch 1,8 --tokens 128 --runs 5 "${THREADS[@]}" "${extra[@]}" > "$OUT/eval-$plan.json"
done

# 4. The table of docs/early-exit.md.
echo "| plan | perplexity | agreement | layers/token (scored) | layers/token (decode)" \
  "| tok/s batch 1 | tok/s batch 8 |"
echo "|---|---|---|---|---|---|---|"
for plan in "${PLANS[@]}"; do
  jq -r --arg plan "$plan" 'def r(x; n): (x * n | round) / n;
    "| \($plan) | \(r(.perplexity; 1000)) | \(r(.agreement; 1000)) | \(r(.mean_layers; 100))"
    + " | \(r(.decode[0].mean_layers; 100)) | \(.decode[0].tokens_per_s)"
    + " | \(.decode[1].tokens_per_s) |"' "$OUT/eval-$plan.json"
done
