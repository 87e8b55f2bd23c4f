#!/usr/bin/env bash
# Kept for existing habits: the test command is `cargo xtask test` (see xtask/src/main.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo xtask test "$@"
