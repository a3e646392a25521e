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
  cache="${EVENTLANE_CACHE_DIR:-$HOME/.cache/eventlane}"
  if [ -z "${MONGODB_URI:-}" ] && ! command -v mongod >/dev/null 2>&1; then
    # FerretDB v1.24.2 needs Go >= 1.24. Debian's golang-go is older and cannot switch toolchains
    # itself, but it can fetch a newer one from the Go module proxy as the module golang.org/toolchain.
    go_new_enough() { command -v go >/dev/null 2>&1 && go version | grep -qE 'go1\.(2[4-9]|[3-9][0-9])'; }
    if ! go_new_enough; then
      command -v go >/dev/null 2>&1 || { echo "setup: installing Debian's Go"; apt_install golang-go; }
      toolchain="v0.0.1-go1.24.3.linux-$(go env GOARCH)"
      echo "setup: fetching the Go toolchain golang.org/toolchain@$toolchain"
      goroot=$(GOFLAGS=-modcacherw GOMODCACHE="$cache/gomod" go mod download -json "golang.org/toolchain@$toolchain" | sed -n 's/.*"Dir": "\(.*\)",*/\1/p')
      # Module zips keep no file modes.
      chmod +x "$goroot"/bin/* "$goroot"/pkg/tool/*/*
      export GOROOT="$goroot" GOTOOLCHAIN=local PATH="$goroot/bin:$PATH"
    fi
  fi
  # Builds FerretDB into the cache once (about 2 minutes) unless MONGODB_URI or a mongod is there.
  pnpm exec tsx --conditions=@eventlane/source packages/store/src/testing/prepareMongoTestServer.ts
  # schemathesis (PyPI) fuzzes the API from /openapi.json; a virtualenv of its own in the cache.
  venv="$cache/schemathesis-venv"
  if [ ! -x "$venv/bin/schemathesis" ]; then
    echo "setup: installing schemathesis into $venv"
    command -v python3 >/dev/null 2>&1 || apt_install python3
    python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv; rm -rf "$venv"; python3 -m venv "$venv"; }
    "$venv/bin/pip" install -q 'schemathesis==4.32.5'
  fi
  if [ ! -x /usr/bin/chromium ]; then
    echo "setup: installing Debian's chromium for the browser tests"
    apt_install chromium
  fi
fi
