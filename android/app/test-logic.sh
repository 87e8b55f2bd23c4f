#!/usr/bin/env bash
# Kept for existing habits: the Android app's logic tests are `cargo xtask test app-logic`
# (xtask/src/suites/jvm.rs).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec cargo xtask test app-logic
