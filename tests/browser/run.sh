#!/usr/bin/env bash
# Browser + WebAuthn-library tests for the Nyckel push protocol.
# Installs what it needs (idempotent), builds nyckel-idp, the `nyckel` CLI (the approving
# "phone" in test.mjs) and the device helper (only for raw core assertions), runs test.mjs.
# Prints a final "Browser: N passed, N failed" line; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"
ROOT="$(cd ../.. && pwd)"

apt_install() {
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "run.sh: please install $* (needs root)" >&2
    exit 1
  fi
}

CHROMIUM_BIN="${CHROMIUM_BIN:-}"
if [ -z "$CHROMIUM_BIN" ]; then
  if [ -x /usr/lib/chromium/chromium ]; then CHROMIUM_BIN=/usr/lib/chromium/chromium
  elif [ -x /usr/bin/chromium ]; then CHROMIUM_BIN=/usr/bin/chromium
  else apt_install chromium; CHROMIUM_BIN=/usr/lib/chromium/chromium; [ -x "$CHROMIUM_BIN" ] || CHROMIUM_BIN=/usr/bin/chromium
  fi
fi
command -v node >/dev/null || apt_install nodejs npm
# Fonts for readable screenshots (optional).
fc-list 2>/dev/null | grep -qi dejavu || apt_install fonts-dejavu-core || true

if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/@simplewebauthn/server ]; then
  if ! npm ci --no-audit --no-fund --loglevel=error; then
    echo "Browser: 0 passed, 1 failed"
    exit 1
  fi
fi

TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
if ! (cd "$ROOT" && cargo build -q -p nyckel-idp --bin nyckel-idp --example device \
      && cargo build -q -p nyckel-cli --bin nyckel); then
  echo "Browser: 0 passed, 1 failed"
  exit 1
fi

export CHROMIUM_BIN
export NYCKEL_IDP="$TARGET_DIR/debug/nyckel-idp"
export NYCKEL_DEVICE="$TARGET_DIR/debug/examples/device"
export NYCKEL_BIN="$TARGET_DIR/debug/nyckel"
exec node test.mjs
