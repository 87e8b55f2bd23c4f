#!/usr/bin/env bash
# Runs every test of the project: Rust (unit, property, CLI, end-to-end), Kotlin (JVM, against
# the host library), the Android app's logic (JVM), Swift (XCTest in a Debian trixie chroot),
# the iOS app's logic (XCTest in the same chroot) and the browser test.
# Installs what is missing (idempotently, into ${NYCKEL_TOOLS:-~/.cache/nyckel-tools}) and
# reuses what is present. Prints one "<suite>: N passed, N failed" line per suite and a total.
set -uo pipefail
cd "$(dirname "$0")/.."
# Tests pass å ä ö between processes; a bare POSIX locale (CI without LANG) would mangle them.
export LC_ALL=C.UTF-8

summary=()
failed_suites=0
total_pass=0
total_fail=0

record() { # suite passed failed exit-code
  summary+=("$1: $2 passed, $3 failed")
  total_pass=$((total_pass + $2))
  total_fail=$((total_fail + $3))
  if [ "$4" -ne 0 ] || [ "$3" -ne 0 ]; then failed_suites=$((failed_suites + 1)); fi
}

run_suite() { # name command...
  local name=$1; shift
  local log; log=$(mktemp)
  echo "==> $name"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  # Each suite ends with a "<name>: N passed, N failed" line of its own.
  local line; line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" "$log" | tail -n 1)
  local pass fail
  pass=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
  fail=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
  if [ -z "$line" ]; then pass=0; fail=1; echo "$name: no summary line; counted as failed"; fi
  record "$name" "$pass" "$fail" "$rc"
  rm -f "$log"
}

rust_tests() {
  local log; log=$(mktemp)
  if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --no-fail-fast 2>&1 | tee "$log"
    local rc=${PIPESTATUS[0]}
    local line; line=$(grep -E 'tests run: [0-9]+ passed' "$log" | tail -n 1)
    local pass; pass=$(sed -E 's/.*tests run: ([0-9]+) passed.*/\1/' <<<"$line")
    local fail; fail=$(grep -oE '[0-9]+ failed' <<<"$(grep -E 'tests run:' "$log" | tail -n 1)" | grep -oE '[0-9]+' || true)
    # Doc tests are not run by nextest.
    cargo test --workspace --doc 2>&1 | tail -n 3
    echo "Rust: ${pass:-0} passed, ${fail:-0} failed"
    rm -f "$log"
    return "$rc"
  else
    cargo test --workspace --no-fail-fast 2>&1 | tee "$log"
    local rc=${PIPESTATUS[0]}
    local pass fail
    pass=$(grep -E '^test result:' "$log" | sed -E 's/.* ([0-9]+) passed.*/\1/' | awk '{s+=$1} END {print s+0}')
    fail=$(grep -E '^test result:' "$log" | sed -E 's/.* ([0-9]+) failed.*/\1/' | awk '{s+=$1} END {print s+0}')
    echo "Rust: ${pass:-0} passed, ${fail:-0} failed"
    rm -f "$log"
    return "$rc"
  fi
}

start=$(date +%s)
run_suite Rust rust_tests
run_suite Kotlin bash scripts/test-kotlin.sh
# The Android app's plain-Kotlin logic, against the bindings test-kotlin.sh generated.
run_suite "App logic" bash android/app/test-logic.sh
run_suite Swift bash scripts/test-swift.sh
# The iOS app's Foundation-only logic, in the chroot and against the bindings test-swift.sh staged.
run_suite "iOS app logic" bash ios/App/test-logic.sh
run_suite Browser bash tests/browser/run.sh

echo
echo "==> Summary ($(( $(date +%s) - start )) s)"
printf '%s\n' "${summary[@]}"
echo "all: $total_pass passed, $total_fail failed"
[ "$failed_suites" -eq 0 ]
