#!/usr/bin/env bash
# Does logit distillation from stories260K help late in training? Two arms continue the same
# checkpoint (the round-4 model's, step 3,000 of 3,000) for 300 more steps side by side, one
# PyTorch thread each, on the first 10,000 stories of the round's corpus: arm A with the
# shipped recipe, arm B with piece distillation mixed in (--distill-weight 0.5 --temperature 1).
# A checkpoint resumes only with the settings it was made with, so each arm's copy of it is
# told the new ones (--steps 3300, and B's teacher). Writes A/ and B/ here: train.json and
# the bits per byte on the TinyStories sample and on HELDOUT.txt (teacher stories never trained on).
#   bash bench/training/kd-late/run.sh CLI CHECKPOINT_DIR CORPUS.jsonl HELDOUT.txt  # ~20 min
set -euo pipefail
cd "$(dirname "$0")/../../../.."
cli=$1 checkpoint=$2 corpus=$3 heldout=$4
here=bench/training/kd-late
teacher=../shared/models/stories260K.bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head -n 10000 "$corpus" > "$work/corpus.jsonl"
export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824
exitstream() {
  EXITSTREAM_CLI="$cli" ./exitstream "$@"
}
arm() {
  local name=$1 weight=$2 temperature=$3 from=$4
  shift 4
  mkdir -p "$work/$name/train/checkpoint" "$here/$name"
  cp "$checkpoint"/* "$work/$name/train/checkpoint/"
  python3 - "$work/$name/train/checkpoint/state.json" "$weight" "$temperature" "$from" <<'EOF'
import json, sys
path, weight, temperature, teacher = sys.argv[1:]
state = json.load(open(path))
settings = state["settings"]
settings["options"].update(steps=3300, distillWeight=float(weight), temperature=float(temperature))
settings["teacher"] = teacher
json.dump(state, open(path, "w"))
EOF
  exitstream train --corpus "$work/corpus.jsonl" \
    --tokenizer models/exitstream-stories-8L/tokenizer.json --out "$work/$name/train" \
    --layers 8 --dim 128 --hidden 384 --heads 8 --kv-heads 4 --context 256 --steps 3300 \
    --batch 32 --micro-batch 8 --lr 2e-3 --warmup 50 --layer-drop 0.1 --exit-scale 0.5 \
    --exit-rotation 4 --seed 1 --threads 1 --checkpoint-every 50 --matmul bfloat16 "$@" \
    > "$here/$name/train.json" 2> "$work/$name.err"
  exitstream bpb --model "$work/$name/train" --text ../shared/data/tinystories-valid-sample.txt \
    > "$here/$name/bpb-tinystories-valid-sample.json"
  exitstream bpb --model "$work/$name/train" --text "$heldout" > "$here/$name/bpb-heldout.json"
}
arm A 0 2.0 "" &
a=$!
arm B 0.5 1.0 "$teacher" --teacher "$teacher" --distill-weight 0.5 --temperature 1 &
b=$!
wait "$a"
wait "$b"
