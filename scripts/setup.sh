#!/usr/bin/env bash
# Prepares a machine that has only Node 20 and npm: pnpm, the workspace's dependencies and,
# with --test, what the tests need (a Go toolchain and FerretDB as the MongoDB-wire test server,
# Debian's chromium for the browser tests).
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

# node-gyp builds better-sqlite3 against the system's Node headers instead of downloading them.
export npm_config_nodedir="${npm_config_nodedir:-/usr}"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

if ! command -v pnpm >/dev/null 2>&1 || ! pnpm --version 2>/dev/null | grep -q '^10\.'; then
  echo "setup: installing pnpm 10"
  # corepack fails its signature check on these machines; npm's global install works.
  npm install -g pnpm@10 >/dev/null
fi

if [ "${CI:-}" = "true" ]; then pnpm install --frozen-lockfile; else pnpm install --prefer-offline; fi

if [ "${1:-}" = "--test" ]; then
  FERRETDB_VERSION=v1.24.2
  cache="${EVENTLANE_CACHE_DIR:-$HOME/.cache/eventlane}"
  ferretdb="$cache/ferretdb-$FERRETDB_VERSION/ferretdb"
  if [ -z "${MONGODB_URI:-}" ] && ! command -v mongod >/dev/null 2>&1 && [ ! -x "$ferretdb" ]; then
    if ! command -v go >/dev/null 2>&1; then
      echo "setup: installing Go (Debian's golang-go; newer toolchains come from the Go module proxy)"
      apt_install golang-go
    fi
    echo "setup: building FerretDB $FERRETDB_VERSION into $cache (once; about 2 minutes)"
    start=$(date +%s)
    mkdir -p "$(dirname "$ferretdb")"
    GOTOOLCHAIN=auto GOBIN="$(dirname "$ferretdb")" go install "github.com/FerretDB/FerretDB/cmd/ferretdb@$FERRETDB_VERSION"
    echo "setup: FerretDB built in $(( $(date +%s) - start ))s"
  fi
  # The browser tests (e2e/) drive Debian's Chromium; Playwright's own browser download cannot work here.
  if [ ! -x /usr/bin/chromium ]; then
    echo "setup: installing Debian's chromium for the browser tests"
    apt_install chromium
  fi
fi
