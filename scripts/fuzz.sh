#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ for a while each.
#
#   scripts/fuzz.sh                 every target, 15 s each
#   scripts/fuzz.sh TARGET SECONDS  one target (otpauth, enroll_uri, provider_response,
#                                   vault_record, import_file, transfer_qr, oidc_authorize,
#                                   oidc_token, oidc_logout, eam_hint, device_assertion,
#                                   device_auth, enroll_body, phone_signin_body, phone_answer),
#                                   as long as you like
#   scripts/fuzz.sh all SECONDS     every target, SECONDS each
#
# CI (`cargo xtask test fuzz`) runs the fuzz seed test (below) and then each target 10 s.
#
# FUZZ_SANITIZER=none builds without AddressSanitizer (about half the build time; what CI's
# short run uses: the core is safe Rust, so the run looks for panics and broken round trips);
# the default is `address`.
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). It asks for nightly Rust; the stable
# toolchain works with RUSTC_BOOTSTRAP=1, which this script sets. Each target starts from its
# committed seeds (fuzz/corpus/TARGET, read only) and writes what it learns to a scratch
# directory, so the committed corpora stay small. A crash leaves its input in
# fuzz/artifacts/TARGET/ and fails the script: turn it into a regression test in the crate
# that had the bug before fixing it. The fuzz seed test, `cargo test` (or `cargo nextest
# run`) in fuzz/, runs every committed seed through its check (no nightly, no cargo-fuzz).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
which=${1:-all}
seconds=${2:-15}
all=(otpauth enroll_uri provider_response vault_record import_file transfer_qr oidc_authorize
     oidc_token oidc_logout eam_hint device_assertion device_auth enroll_body phone_signin_body
     phone_answer)

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "fuzz.sh: cargo-fuzz is not installed (cargo install cargo-fuzz)" >&2
    exit 2
fi
if [[ $which == all ]]; then
    targets=("${all[@]}")
elif [[ " ${all[*]} " == *" $which "* ]]; then
    targets=("$which")
else
    echo "fuzz.sh: unknown target '$which' (one of: ${all[*]}, all)" >&2
    exit 2
fi
[[ $seconds =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS must be a number" >&2; exit 2; }

export RUSTC_BOOTSTRAP=1
cd "$root/fuzz"
sanitizer=${FUZZ_SANITIZER:-address}
# One build for all targets (release with debug assertions).
cargo fuzz build -s "$sanitizer"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for target in "${targets[@]}"; do
    echo "== fuzz $target for ${seconds}s"
    mkdir -p "$scratch/$target"
    status=0
    cargo fuzz run -s "$sanitizer" "$target" "$scratch/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
        -print_final_stats=1 >"$scratch/$target.log" 2>&1 || status=$?
    grep -E 'stat::number_of_executed_units|^SUMMARY|panicked|Test unit written|ERROR' \
        "$scratch/$target.log" || true
    if [[ $status -ne 0 ]]; then
        tail -n 40 "$scratch/$target.log" >&2
        echo "fuzz.sh: $target failed (exit $status); a crash input is in fuzz/artifacts/$target/" >&2
        exit 1
    fi
done
echo "fuzz.sh: ${#targets[@]} target(s), ${seconds}s each, no crash"
