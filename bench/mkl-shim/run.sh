#!/usr/bin/env bash
# MKL's vendor check answered "Intel" (a preloaded mkl_serv_intel_cpu_true returning 1, so MKL
# takes its AVX-512 kernels on this AMD host) against MKL as shipped: `exitstream bench` on a
# synthetic checkpoint, float32, alternated ROUNDS times; JSON per run beside this script.
#   EXITSTREAM_CLI=DIR bash bench/mkl-shim/run.sh ROUNDS SHAPE BATCHES
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../../.."
rounds="${1:-3}" shape="${2:-s15M}" batches="${3:-1,16}"
shim=$(mktemp -d)/libintelshim.so
echo 'int mkl_serv_intel_cpu_true(void) { return 1; }' | gcc -O2 -shared -fPIC -x c -o "$shim" -
[ -f "/tmp/$shape.bin" ] || ./exitstream synth --shape "$shape" --format llama2c --out "/tmp/$shape.bin"
for i in $(seq "$rounds"); do
  for arm in off on; do
    preload=""; [ "$arm" = on ] && preload="$shim"
    out="$here/$shape-batch${batches//,/-}-$arm-$i.json"
    LD_PRELOAD="$preload" ./exitstream bench --model "/tmp/$shape.bin" --batch "$batches" \
      --tokens 128 --runs 3 2>/dev/null > "$out"
    python3 -c "import json, sys; print(sys.argv[2], [d['tokens_per_s'] for d in json.load(open(sys.argv[1]))['decode']])" "$out" "$arm"
  done
done
