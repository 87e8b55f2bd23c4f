#!/usr/bin/env bash
# Kept for existing habits: the NyckelKit Swift tests are `cargo xtask test swift`
# (xtask/src/suites/swift.rs; needs root for the Swift chroot).
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo xtask test swift
