#!/usr/bin/env bash
# Kept for existing habits: the iOS app's logic tests are `cargo xtask test ios-app-logic`
# (xtask/src/suites/swift.rs; needs root for the Swift chroot).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec cargo xtask test ios-app-logic
