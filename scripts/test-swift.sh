#!/usr/bin/env bash
# Swift tests of the uniffi bindings (ios/NyckelKit), run on Linux.
#
# Debian bookworm has no Swift, so the tests run in a Debian trixie chroot with Debian's
# swiftlang 6 (made once with debootstrap in ${NYCKEL_TOOLS:-~/.cache/nyckel-tools}/swift-trixie
# and reused; an interrupted creation is detected and redone):
#   1. builds nyckel-ffi in release (panic = "unwind", as shipped) with `test-hooks`;
#   2. generates the Swift bindings with the workspace's uniffi-bindgen: NyckelFFI.h and the
#      module map into Sources/NyckelFFI/include, Nyckel.swift into Sources/Nyckel/Generated
#      (build outputs, gitignored);
#   3. builds nyckel-idp (debug) for the approval tests, which start `nyckel-idp serve` on
#      loopback (the host binary runs in the chroot; loopback is shared; path in $NYCKEL_IDP,
#      PIDs recorded and stopped on exit);
#   4. bind-mounts the repository into the chroot and runs `swift test` there, linking the
#      host-built libnyckel_ffi.so (built against the host's older glibc, so it loads there).
# Needs root (debootstrap, mount, chroot). Last line: "Swift: N passed, N failed".
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib-toolchains.sh
source "$REPO/scripts/lib-toolchains.sh"

TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
LIBDIR="$TARGET/release"
PKG="$REPO/ios/NyckelKit"
WORK="$REPO/target/swift-test"          # inside the repo mount: staged .so, SwiftPM scratch
mkdir -p "$NYCKEL_TOOLS"

# One run at a time uses the chroot (mounts are shared).
exec 9>"$NYCKEL_TOOLS/swift-chroot.lock"
flock 9

IDP_PIDS="$WORK/idp-pids"          # written by the tests (inside the chroot) per nyckel-idp
cleanup() { stop_recorded_pids "$IDP_PIDS" nyckel-idp; _chroot_umount; }
trap cleanup EXIT
trap 'exit 130' INT TERM

ensure_swift_chroot

log "building nyckel-ffi (release, test-hooks) and uniffi-bindgen"
(cd "$REPO" && cargo build --quiet --release -p nyckel-ffi --features test-hooks)
(cd "$REPO" && cargo build --quiet --release -p uniffi-bindgen)
log "building nyckel-idp (the provider the approval tests run)"
(cd "$REPO" && cargo build --quiet -p nyckel-idp)

log "generating Swift bindings"
GEN="$WORK/gen"
rm -rf "$GEN"
mkdir -p "$GEN" "$WORK/lib" "$PKG/Sources/NyckelFFI/include" "$PKG/Sources/Nyckel/Generated"
"$LIBDIR/uniffi-bindgen" generate --library "$LIBDIR/libnyckel_ffi.so" --language swift \
    --out-dir "$GEN" --no-format >&2
install -m 644 "$GEN/NyckelFFI.h" "$PKG/Sources/NyckelFFI/include/NyckelFFI.h"
install -m 644 "$GEN/NyckelFFI.modulemap" "$PKG/Sources/NyckelFFI/include/module.modulemap"
install -m 644 "$GEN/Nyckel.swift" "$PKG/Sources/Nyckel/Generated/Nyckel.swift"
install -m 755 "$LIBDIR/libnyckel_ffi.so" "$WORK/lib/libnyckel_ffi.so"
mkdir -p "$WORK/bin" "$IDP_PIDS"
install -m 755 "$TARGET/debug/nyckel-idp" "$WORK/bin/nyckel-idp"

mount_repo_in_chroot "$REPO"

log "swift test (in the trixie chroot)"
swift_test_in_chroot Swift "$WORK/swift-test.log" \
    NYCKEL_IDP="$MNT/target/swift-test/bin/nyckel-idp" NYCKEL_IDP_PIDS="$MNT/target/swift-test/idp-pids" -- \
    --package-path "$MNT/ios/NyckelKit" --scratch-path "$MNT/target/swift-test/build" -Xswiftc -DNYCKEL_TEST_HOOKS \
    || exit 1
