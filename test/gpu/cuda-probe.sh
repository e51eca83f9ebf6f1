#!/usr/bin/env bash
# Diagnoses a CUDA failure of the GPU check (test/gpu/README.md) on the target, after run.sh
# has unpacked the bundle and generated the models: each generated GGUF gets one CUDA decode
# in its own process (cuda-probe.mjs), with ggml's fused kernels on and off
# (GGML_CUDA_DISABLE_FUSION), so one abort neither hides the others nor loses its message.
#
#   test/gpu/cuda-probe.sh [--out DIR]
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
RESULTS="${OUT:-$ROOT/gpu-results}"
[ "${1:-}" = "--out" ] && RESULTS="$2"
U="${GPU_STAGE:-$ROOT/.gpu-stage}/unpacked"
mkdir -p "$RESULTS"
line="$("$ROOT/test/gpu/run.sh" --dry-run 2>/dev/null | grep '^LD_LIBRARY_PATH=')" || { echo "cuda-probe: run test/gpu/run.sh first (no unpacked bundle)" >&2; exit 1; }
export "$line"
cp "$ROOT/test/gpu/cuda-probe.mjs" "$U/app/out/cuda-probe.mjs"
cuda="$(ls -d "$U"/native/@node-llama-cpp/linux-x64-cuda@* | head -1)"
ln -sfn "$cuda" "$U/app/node_modules/@node-llama-cpp/linux-x64-cuda"
for model in $(find "$U/model-cache" -name '*.gguf' -size +100k ! -name 'ggml-vocab-*' | sort); do
  for fusion in 0 1; do
    name="$(basename "$model" .gguf)-fusion-$([ "$fusion" = 1 ] && echo off || echo on)"
    # ggml reads only whether the variable is set.
    if [ "$fusion" = 1 ]; then export GGML_CUDA_DISABLE_FUSION=1; else unset GGML_CUDA_DISABLE_FUSION; fi
    timeout 120 "$U/node/node" "$U/app/out/cuda-probe.mjs" "$model" > "$RESULTS/$name.log" 2>&1
    echo "$name: exit $? | $(grep -E '^ok |CUDA error|error:|current device|in function' "$RESULTS/$name.log" | head -4 | tr '\n' ' ')"
  done
done | tee "$RESULTS/cuda-probe.txt"
