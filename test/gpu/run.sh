#!/usr/bin/env bash
# Runs the GPU check on the target (test/gpu/README.md), with no network:
#
#   test/gpu/run.sh [--bundle DIR] [--out DIR] [--budget S] [--threads N] [--backends LIST] [--dry-run]
#
# Gathers the bundle parts prepare.sh made (.gpu-bundle/parts/NN/, any number of them per
# call: a part already gathered into .gpu-stage/ by an earlier call on the same machine
# counts too), checks them against the manifest, unpacks them once, finds the Vulkan loader
# and the CUDA 13 libraries, and runs app/out/gpu-check.mjs under the time budget
# (default 420 s). Results: results.json, results.md and gpu-check.log in --out (default
# $OUT when set, else ./gpu-results). Exit codes: 0 done, 1 broken bundle or failed run,
# 2 bad usage, 3 parts still missing (carry the next one and run again).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUNDLE="$ROOT/.gpu-bundle"
RESULTS="${OUT:-$ROOT/gpu-results}"
BUDGET=420
THREADS=0
BACKENDS="cuda,vulkan,cpu"
DRY_RUN=0
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) BUNDLE="$(cd "$2" && pwd)"; shift ;;
    --out) RESULTS="$2"; shift ;;
    --budget) BUDGET="$2"; shift ;;
    --threads) THREADS="$2"; shift ;;
    --backends) BACKENDS="$2"; shift ;;
    --dry-run) DRY_RUN=1 ;;
    *) echo "run.sh: unknown option $1; see the comment at the top of $0" >&2; exit 2 ;;
  esac
  shift
done
STAGE="${GPU_STAGE:-$ROOT/.gpu-stage}"
log() { echo "[gpu-run] $*" >&2; }
fail() { echo "run.sh: $*" >&2; exit 1; }
mkdir -p "$STAGE/parts" "$RESULTS"

# 1. Gather the parts carried this time next to those gathered before.
for part in "$BUNDLE"/parts/*/bundle.tar.xz.*; do
  [ -f "$part" ] || continue
  cp "$part" "$STAGE/parts/"
  cp "$(dirname "$part")/manifest" "$STAGE/manifest"
done
[ -f "$STAGE/manifest" ] || fail "No bundle found under $BUNDLE/parts: run test/gpu/prepare.sh first, then carry .gpu-bundle (or one .gpu-bundle/parts/NN per call)."
manifest() { sed -n "s/^$1=//p" "$STAGE/manifest"; }
WANT="$(manifest parts)"
HAVE="$(find "$STAGE/parts" -name 'bundle.tar.xz.*' | wc -l)"
if [ "$HAVE" -lt "$WANT" ]; then
  missing=""
  for ((i = 0; i < WANT; i++)); do n="$(printf %02d "$i")"; [ -f "$STAGE/parts/bundle.tar.xz.$n" ] || missing="$missing .gpu-bundle/parts/$n"; done
  log "Have $HAVE of $WANT parts. Run again on the same machine (within its idle time) carrying:$missing"
  exit 3
fi

# 2. Check and unpack once per bundle.
SHA="$(manifest sha256)"
U="$STAGE/unpacked"
if [ "$(cat "$U/.sha256" 2>/dev/null)" != "$SHA" ]; then
  got="$(cat "$STAGE"/parts/bundle.tar.xz.* | sha256sum | cut -d' ' -f1)"
  if [ "$got" != "$SHA" ]; then
    rm -f "$STAGE"/parts/bundle.tar.xz.*
    fail "The bundle parts do not match their manifest (sha256 $got, expected $SHA): run test/gpu/prepare.sh again and carry its new parts."
  fi
  log "unpacking $(manifest bytes) bytes"
  rm -rf "$U"; mkdir -p "$U"
  if command -v xz >/dev/null; then
    cat "$STAGE"/parts/bundle.tar.xz.* | xz -dc | tar -x -C "$U"
  else
    cat "$STAGE"/parts/bundle.tar.xz.* | python3 -c 'import lzma, sys, tarfile; tarfile.open(fileobj=lzma.open(sys.stdin.buffer), mode="r|").extractall(sys.argv[1])' "$U"
  fi
  echo "$SHA" > "$U/.sha256"
fi
NODE="$U/node/node"
LLAMA_VERSION="$(manifest LLAMA_VERSION)"
"$NODE" -v >/dev/null || fail "The bundled Node at $NODE does not run on this machine."

# 3. What the backends need from this machine: the Vulkan loader, the NVIDIA ICD, CUDA 13's
#    runtime and cuBLAS (the image's pip packages or /usr/local/cuda).
libs=""
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 '; then
  for deb in "$U"/debs/libvulkan1*.deb; do
    [ -f "$deb" ] || continue
    mkdir -p "$U/vk-root" && dpkg -x "$deb" "$U/vk-root" && libs="$U/vk-root/usr/lib/x86_64-linux-gnu"
  done
fi
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$icd" ]; then export VK_DRIVER_FILES="$icd"; fi
for lib in libcudart.so.13 libcublas.so.13; do
  dir="$( { find /usr/local/cuda*/lib64 /usr/lib/x86_64-linux-gnu -maxdepth 1 -name "$lib" 2>/dev/null
            python3 -c 'import nvidia, os; [print(os.path.join(r, f)) for p in nvidia.__path__ for r, _, fs in os.walk(p) for f in fs if f == "'"$lib"'"]' 2>/dev/null; } | head -1 || true)"
  if [ -n "$dir" ]; then libs="$libs:$(dirname "$dir")"; fi
done
export LD_LIBRARY_PATH="${libs#:}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

if [ "$DRY_RUN" = 1 ]; then
  for f in app/out/cli.mjs app/out/runtime.mjs app/out/gpu-check.mjs app/node_modules/node-llama-cpp/package.json \
           "app/node_modules/@node-llama-cpp/linux-x64/package.json"; do
    [ -f "$U/$f" ] || fail "The bundle lacks $f: run test/gpu/prepare.sh again."
  done
  ls "$U"/model-cache/llama-cpp-sources/*/ggml-vocab-qwen35.gguf >/dev/null 2>&1 || fail "The bundle lacks the generator's vocabulary: run test/gpu/prepare.sh again."
  echo "bundle ok: Node $("$NODE" -v), node-llama-cpp $LLAMA_VERSION, native packages: $(ls "$U/native/@node-llama-cpp" | tr '\n' ' ')"
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  exit 0
fi

# 4. Measure. The generated models go to the unpacked model cache (reused by a later run).
command -v nvidia-smi >/dev/null && nvidia-smi > "$RESULTS/nvidia-smi.txt" 2>&1 || true
log "running the check (budget $BUDGET s, backends $BACKENDS)"
cd "$U/app"
set +e
HEARTH_MODEL_CACHE="$U/model-cache" timeout --kill-after=10 "$((BUDGET + 90))" "$NODE" out/gpu-check.mjs \
  --out "$RESULTS" --app "$U/app" --native "$U/native" --llama-version "$LLAMA_VERSION" \
  --budget "$BUDGET" --threads "$THREADS" --backends "$BACKENDS" 2> >(tee "$RESULTS/gpu-check.log" >&2)
code=$?
set -e
[ "$code" = 0 ] || fail "The check ended with exit code $code (124: over the hard time limit); its log is $RESULTS/gpu-check.log."
cat "$RESULTS/results.md"
