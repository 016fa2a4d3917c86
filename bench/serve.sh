#!/usr/bin/env bash
# Reproduces the serving figures in bench/log.md: exitstream bench serve (the server
# in-process on loopback, streaming clients at concurrency 1, 8 and 32, 64 requests of 128
# tokens each per concurrency, max batch 32) beside the raw engine's decode at the same batch,
# on stories260K and on the s15M synthetic shape.
#
# THREADS (default 1) is PyTorch's intra-op thread count, for the server and the engine alike:
# the clients and the HTTP event loop need the other core, and on a busy machine two OpenMP
# threads that spin for each other make every step many times slower.
set -euo pipefail
cd "$(dirname "$0")/../.."
threads="${THREADS:-1}"
./exitstream bench serve --model ../shared/models/stories260K.bin --threads "$threads" \
  --concurrency 1,8,32 --requests 64 --tokens 128 > bench/serve-stories260K.json
# s15M has a 32000-token vocabulary: it takes the Llama 2 tokenizer from ../shared.
./exitstream synth --shape s15M --out /tmp/s15M.bin
./exitstream bench serve --model /tmp/s15M.bin --tokenizer ../shared/models/tokenizer.bin \
  --threads "$threads" --concurrency 1,8,32 --requests 64 --tokens 128 \
  > bench/serve-s15M.json
