#!/usr/bin/env bash
# Kept for existing habits: the Kotlin library's tests are `cargo xtask test kotlin`
# (xtask/src/suites/jvm.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo xtask test kotlin
