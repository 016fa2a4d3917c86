#!/usr/bin/env bash
# Confidence exits against the full model (bench --against-full, batch 1 and 8), two CLI builds
# alternated three times: BASE and NEW are copies of cli/target/exitstream-cli.jar and
# cli/target/lib made at their commits. Writes bench/exits-batch8/{base,new}-ROUND.json.
#   bash bench/exits-batch8/ab.sh /tmp/base-cli /tmp/new-cli   # about 5 minutes
set -euo pipefail
cd "$(dirname "$0")/../../.."
declare -A build=([base]=$1 [new]=$2)
model=models/exitstream-stories-8L
for round in 1 2 3; do
  for v in base new; do
    EXITSTREAM_CLI="${build[$v]}" \
      EXITSTREAM_JAVA_OPTS="-Xmx4g -Dai.djl.pytorch.graph_optimizer=false" ./exitstream \
      bench --model "$model" --plan "$model/plans/confidence-0.95.json" --against-full \
      --batch 1,8 --tokens 128 --runs 5 --threads 1 2>/dev/null \
      > "bench/exits-batch8/$v-$round.json"
    jq -r --arg v "$v" --arg r "$round" '.decode[] | "\($v) round \($r) batch \(.batch):"
      + " \(.tokens_per_s) tok/s, \(.speedup_vs_full)x the full model"' \
      "bench/exits-batch8/$v-$round.json"
  done
done
