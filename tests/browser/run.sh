#!/usr/bin/env bash
# Kept for existing habits: the browser test is `cargo xtask test browser`
# (xtask/src/suites/browser.rs).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec cargo xtask test browser
