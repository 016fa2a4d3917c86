#!/usr/bin/env bash
# Training-step A/B: two CLI builds (BASE, NEW) alternated three times, each a 30-step run of
# the shipped model's recipe (models/exitstream-stories-8L/README.md) on the same corpus. Each
# build is a copy of cli/target/exitstream-cli.jar and cli/target/lib made with
# `mvn -q package -pl cli -am -DskipTests` at its commit. Writes
# bench/training/{base,new}-ROUND.json (each run's train.json) and prints tokens/s and
# peak memory per run. BASE_FLAGS and NEW_FLAGS add train options to one side, BASE_ENV and
# NEW_ENV environment variables (the same build may then stand on both sides); OUT sets where
# the JSON goes. The JVM is started directly, without the launcher's environment.
#   [ROUNDS=5] [STEPS=30] bash bench/training/run.sh /tmp/base-cli /tmp/new-cli CORPUS.jsonl TOKENIZER.json
#   BASE_FLAGS= NEW_FLAGS="--matmul bfloat16" bash bench/training/run.sh B B CORPUS TOKENIZER
#   # about 12 minutes on two cores
set -euo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-bench/training}
mkdir -p "$OUT"
declare -A build=([base]=$1 [new]=$2)
declare -A flags=([base]=${BASE_FLAGS:-} [new]=${NEW_FLAGS:-})
declare -A envs=([base]=${BASE_ENV:-} [new]=${NEW_ENV:-})
corpus=$3
tokenizer=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for round in $(seq "${ROUNDS:-3}"); do
  for v in base new; do
    env ${envs[$v]} /usr/bin/time -f "%M" -o "$work/rss" java -Xmx8g -Dai.djl.offline=true \
      -cp "${build[$v]}/exitstream-cli.jar:${build[$v]}/lib/*" io.exitstream.cli.Exitstream \
      train --corpus "$corpus" --tokenizer "$tokenizer" --out "$work/$v-$round" \
      --layers 8 --dim 128 --hidden 384 --heads 8 --kv-heads 4 --context 256 --steps "${STEPS:-30}" \
      --batch 32 --micro-batch 8 --lr 2e-3 --warmup 50 --layer-drop 0.1 --exit-scale 0.5 \
      --exit-rotation 4 --seed 1 --threads 2 --checkpoint-every 1000 ${flags[$v]} > "$work/log" 2>&1
    cp "$work/$v-$round/train.json" "$OUT/$v-$round.json"
    echo "$v round $round: $(grep -o '"tokens_per_second": [0-9.]*' "$OUT/$v-$round.json"),"\
" peak RSS $(( $(cat "$work/rss") / 1024 )) MiB"
  done
done
