#!/usr/bin/env bash
# Decode attention A/B: the CLI built before the SDPA commit (BASE) against the one after it
# (SDPA), alternated three times, same machine, same models. Each build is a copy of
# cli/target/exitstream-cli.jar and cli/target/lib made with `mvn -q package -pl cli -am
# -DskipTests` at the commit. Writes bench/attention/{base,sdpa}-MODEL-ROUND.json.
#   bash bench/attention/run.sh /tmp/base-cli /tmp/sdpa-cli   # about 5 minutes
set -euo pipefail
cd "$(dirname "$0")/../../.."
SHARED=${EXITSTREAM_SHARED:-../shared}
OUT=bench/attention
declare -A build=([base]=$1 [sdpa]=$2)
[ -f /tmp/s15M.bin ] || ./exitstream synth --shape s15M --out /tmp/s15M.bin
run() {
  EXITSTREAM_CLI="${build[$1]}" ./exitstream bench "${@:2}" 2>/dev/null
}
for round in 1 2 3; do
  for v in base sdpa; do
    run $v --model "$SHARED/models/stories260K.bin" --batch 1,16,64 --tokens 480 --runs 3 \
      > "$OUT/$v-260K-$round.json"
    run $v --model /tmp/s15M.bin --batch 1,16 --tokens 240 --runs 3 > "$OUT/$v-s15M-$round.json"
    run $v --model models/exitstream-stories-8L --batch 1,16 --tokens 240 --runs 3 \
      > "$OUT/$v-8L-$round.json"
  done
done
