#!/usr/bin/env bash
# Makes the shipped model models/exitstream-stories-8L from nothing but stories260K, and
# measures it against stories260K: the model card's every figure comes from this script.
#   1. corpus: stories sampled from stories260K at temperature 1 (sequence-level knowledge
#      distillation) in two runs side by side (document i uses seed FIRST + i whichever run
#      samples it); ../shared/data is never read before step 5.
#   2. tokenizer: byte-level BPE, 2048 tokens, trained on the first 8,659 stories.
#   3. train: 8 layers, LayerSkip recipe, bfloat16 products (83 minutes on two cores; the two
#      40,000-story corpus runs of step 1 take about 45 minutes side by side).
#   4. calibrate: confidence exits certified at greedy agreement 0.95 (Learn-then-Test), on
#      text the model writes itself; 4b. analyze: a static skip schedule certified the same way.
#   5. bits per byte on the TinyStories sample for both models, and eval (quality and decode
#      speed at batch 1 and 8) of the full model, its certified early-exit and skip plans and
#      LayerSkip's self-speculative decoding.
#   6. decode speed of the exit and skip plans against the full model, in the same process.
# Set STAGE=measure to skip steps 1-3 and measure the model already in models/.
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARED=${EXITSTREAM_SHARED:-../shared}
MODEL=models/exitstream-stories-8L
OUT=bench/default-model
WORK=${EXITSTREAM_WORK:-$(mktemp -d)}
SAMPLE=$SHARED/data/tinystories-valid-sample.txt
mkdir -p "$OUT" "$MODEL"

if [ "${STAGE:-all}" = all ]; then
  # sample FIRST_SEED NAME DOCUMENTS
  sample() {
    ./exitstream corpus --model "$SHARED/models/stories260K.bin" --seq-len 512 \
      --documents "$3" --batch 64 --seed "$1" --threads 1 \
      --out "$WORK/corpus-$2.jsonl" > "$OUT/corpus-$2.json"
  }
  sample 1 a 40000 & sample 40001 b 40000 & wait
  # The shipped model's round stopped both runs early and trained on the finished stories
  # they had written by then, in order: the first 27,097 of one and 29,158 of the other.
  head -n 27097 "$WORK/corpus-a.jsonl" > "$WORK/corpus.jsonl"
  head -n 29158 "$WORK/corpus-b.jsonl" >> "$WORK/corpus.jsonl"
  # Its tokenizer is an earlier round's, trained on the finished stories of seeds 1-10,000.
  head -n 8659 "$WORK/corpus-a.jsonl" > "$WORK/tokenizer-corpus.jsonl"
  ./exitstream tokenizer --corpus "$WORK/tokenizer-corpus.jsonl" --vocab 2048 \
    --out "$WORK/tokenizer.json" > "$OUT/tokenizer.json"
  ./exitstream train --corpus "$WORK/corpus.jsonl" --tokenizer "$WORK/tokenizer.json" \
    --out "$WORK/train" --layers 8 --dim 128 --hidden 384 --heads 8 --kv-heads 4 \
    --context 256 --steps 4000 --batch 32 --micro-batch 8 --lr 2e-3 \
    --warmup 50 --layer-drop 0.1 --exit-scale 0.5 --exit-rotation 4 --seed 1 --threads 2 \
    --checkpoint-every 50 --matmul bfloat16 > "$OUT/train.json"
  for f in config.json model.safetensors tokenizer.json train.json loss.png; do
    cp "$WORK/train/$f" "$MODEL/"
  done
fi

# 4. Confidence exits for our model (shared LM head, no adapters: the model was trained for it).
./exitstream calibrate --model "$MODEL" --self-generate 256 --seed 2 --agreement 0.95 \
  --delta 0.1 --rank 0 --epochs 4 --threads 1 \
  --out-plan "$MODEL/plans/confidence-0.95.json" > "$OUT/calibrate.json"

# 4b. A static skip schedule certified the same way (layers ranked on half of the model's own
#     text, the schedules tested on the other half).
./exitstream analyze --model "$MODEL" --self-generate 256 --seed 2 --agreement 0.95 \
  --delta 0.1 --threads 1 --out "$MODEL/plans/skip-0.95.json" > "$OUT/analyze-skip-0.95.json"
./exitstream analyze --model "$SHARED/models/stories260K.bin" --self-generate 256 --seed 2 \
  --agreement 0.95 --delta 0.1 --threads 1 > "$OUT/analyze-skip-0.95-stories260K.json"

# 5. Bits per byte of both models; quality and decode speed of ours under each plan.
#    stories260K's early-exit figures come from bench/early-exit.sh (same sample,
#    same eval flags).
./exitstream bpb --model "$MODEL" --text "$SAMPLE" --threads 1 > "$OUT/bpb-ours.json"
./exitstream bpb --model "$SHARED/models/stories260K.bin" --text "$SAMPLE" --threads 1 \
  > "$OUT/bpb-stories260K.json"
for plan in full confidence-0.95 skip-0.95 self-speculative-e3-k2; do
  plan_file=bench/plans/$plan.json
  [ -f "$MODEL/plans/$plan.json" ] && plan_file=$MODEL/plans/$plan.json
  ./exitstream eval --model "$MODEL" --plan "$plan_file" --data "$SAMPLE" --batch 1,8 \
    --tokens 128 --runs 5 --threads 1 > "$OUT/eval-$plan.json"
done

echo "| plan | perplexity | agreement | layers/token | tok/s batch 1 | tok/s batch 8 |"
echo "|---|---|---|---|---|---|"
for plan in full confidence-0.95 skip-0.95 self-speculative-e3-k2; do
  jq -r --arg plan "$plan" 'def r(x; n): (x * n | round) / n;
    "| \($plan) | \(r(.perplexity; 1000)) | \(r(.agreement; 1000))"
    + " | \(r(.decode[0].mean_layers; 100)) | \(.decode[0].tokens_per_s)"
    + " | \(.decode[1].tokens_per_s) |"' "$OUT/eval-$plan.json"
done

# 6. Decode speed with and without exits: bench --against-full times the full model before
#    every run of the plan in the same process (this machine's speed drifts within minutes, so
#    the sequential eval runs above do not compare plans), three times.
mkdir -p "$OUT/against-full"
for plan in confidence-0.95 skip-0.95; do
  for i in 1 2 3; do
    ./exitstream bench --model "$MODEL" --plan "$MODEL/plans/$plan.json" \
      --against-full --batch 1,8 --tokens 128 --runs 9 --threads 1 \
      > "$OUT/against-full/$plan-$i.json"
    jq -r --arg plan "$plan" '.decode[] | "\($plan), batch \(.batch): \(.speedup_vs_full)x"
      + " the full model (median of \(.runs_speedup_vs_full | length) pairs)"' \
      "$OUT/against-full/$plan-$i.json"
  done
done
