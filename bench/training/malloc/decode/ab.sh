#!/usr/bin/env bash
# Decoding with and without the malloc settings that ./exitstream gives train, alternated:
# `bench --batch 1,16 --tokens 128 --runs 3` per model and setting, JSON here as
# MODEL-{on,off}-PAIR.json. The 2026-12-05 runs (pairs.txt):
#   bash ab.sh /tmp/cli "1 2 3 4" "off on" /tmp/s15M.bin models/exitstream-stories-8L
#   bash ab.sh /tmp/cli "5 6 7 8" "on off" /tmp/s15M.bin
# with /tmp/cli holding cli/target/exitstream-cli.jar and cli/target/lib, and /tmp/s15M.bin from
# `./exitstream synth --shape s15M --format llama2c --out /tmp/s15M.bin`.
set -euo pipefail
cli=$1; pairs=$2; order=$3; shift 3
out="$(cd "$(dirname "$0")" && pwd)"
cd "$(dirname "$0")/../../../../.."
settings="MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824"
for pair in $pairs; do
  for model in "$@"; do
    name=$(basename "$model" .bin)
    for v in $order; do
      vars=""; [[ $v == on ]] && vars=$settings
      env $vars EXITSTREAM_CLI="$cli" ./exitstream bench --model "$model" --batch 1,16 \
        --tokens 128 --runs 3 > "$out/$name-$v-$pair.json" 2>/dev/null
      echo "$name $v $pair $(python3 -c "import json,sys; d=json.load(open(sys.argv[1]));
print([round(b['tokens_per_s']) for b in d['decode']])" "$out/$name-$v-$pair.json")"
    done
  done
done
