#!/usr/bin/env bash
# Decode A/B of two CLI builds, alternated round by round (FIRST to LAST, default 1 to 3) on
# the same machine and models, at batch 1 and 16. BEFORE and AFTER are directories holding
# exitstream-cli.jar and lib/, copied from cli/target after
# `mvn -q package -pl cli -am -DskipTests` at each commit.
#   bash bench/batch1/run.sh /tmp/before-cli /tmp/after-cli 1 6   # about 25 minutes
# Writes OUT/{before,after}-MODEL-ROUND.json, OUT (the fifth argument) by default
# bench/batch1.
set -euo pipefail
cd "$(dirname "$0")/../../.."
SHARED=${EXITSTREAM_SHARED:-../shared}
OUT=${5:-bench/batch1}
mkdir -p "$OUT"
declare -A build=([before]=$1 [after]=$2)
for shape in s15M s110M; do
  [ -f "/tmp/$shape.bin" ] || ./exitstream synth --shape "$shape" --out "/tmp/$shape.bin"
done
run() {
  EXITSTREAM_CLI="${build[$1]}" ./exitstream bench --runs 3 "${@:2}" 2>/dev/null
}
for round in $(seq "${3:-1}" "${4:-3}"); do
  for v in before after; do
    run $v --model /tmp/s15M.bin --batch 1,16 --tokens 250 > "$OUT/$v-s15M-$round.json"
    run $v --model /tmp/s110M.bin --batch 1,16 --tokens 128 > "$OUT/$v-s110M-$round.json"
    run $v --model models/exitstream-stories-8L --batch 1,16 --tokens 250 \
      > "$OUT/$v-8L-$round.json"
    run $v --model "$SHARED/models/stories260K.bin" --batch 1,16 --tokens 250 \
      > "$OUT/$v-260K-$round.json"
  done
done
