#!/usr/bin/env bash
# Builds the native library and bindings the phone apps ship, where the platform toolchains
# exist (not on the Linux CI machine: it has neither the Android NDK nor Xcode).
#
#   scripts/build-mobile.sh android   libnyckel_ffi.so per ABI with cargo-ndk into
#                                     android/nyckel/build/rustJniLibs/<abi>/ and the Android
#                                     Kotlin bindings into
#                                     android/nyckel/build/generated/source/uniffi/kotlin
#                                     (what the Gradle tasks do; then build Gradle with
#                                     -Pnyckel.rust.skip=true to reuse the .so files)
#   scripts/build-mobile.sh ios       (macOS + Xcode) static libraries for iOS devices and
#                                     simulators, the Swift bindings into ios/NyckelKit, and
#                                     ios/NyckelKit/NyckelFFI.xcframework (Package.swift
#                                     switches to it when it exists)
#   scripts/build-mobile.sh all       both
#
# Needs: android: cargo-ndk (`cargo install cargo-ndk`), an NDK (ANDROID_NDK_HOME, or
# ANDROID_HOME with ndk/<version>), `rustup target add aarch64-linux-android
# armv7-linux-androideabi x86_64-linux-android`.
# ios: Xcode command line tools, `rustup target add aarch64-apple-ios aarch64-apple-ios-sim
# x86_64-apple-ios`.
# Bindings are always generated from the host build, which keeps the uniffi metadata
# (a stripped library has none).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
PROFILE="${NYCKEL_RUST_PROFILE:-release}"
ANDROID_ABIS="${NYCKEL_ANDROID_ABIS:-arm64-v8a armeabi-v7a x86_64}"
ANDROID_API="${NYCKEL_ANDROID_API:-28}"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 2; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found: $2"; }

host_lib() {
    case "$(uname -s)" in
        Darwin) echo "$TARGET/release/libnyckel_ffi.dylib" ;;
        *) echo "$TARGET/release/libnyckel_ffi.so" ;;
    esac
}

# Host library (release, no test hooks) + the workspace's uniffi-bindgen.
build_host() {
    log "host build of nyckel-ffi and uniffi-bindgen"
    (cd "$REPO" && cargo build --release -p nyckel-ffi)
    (cd "$REPO" && cargo build --release -p uniffi-bindgen)
}

bindgen() {
    "$TARGET/release/uniffi-bindgen" generate --library "$(host_lib)" --no-format "$@"
}

build_android() {
    need cargo-ndk "install it with: cargo install cargo-ndk"
    if [ -z "${ANDROID_NDK_HOME:-}" ] && [ ! -d "${ANDROID_HOME:-/nonexistent}/ndk" ]; then
        die "no Android NDK: set ANDROID_NDK_HOME (or ANDROID_HOME with an ndk/ directory)"
    fi
    build_host
    local out="$REPO/android/nyckel/build/rustJniLibs" gen="$REPO/android/nyckel/build/generated/source/uniffi/kotlin"
    local args=() abi
    for abi in $ANDROID_ABIS; do args+=(-t "$abi"); done
    log "cargo ndk ($ANDROID_ABIS, API $ANDROID_API, profile $PROFILE) -> $out"
    (cd "$REPO" && cargo ndk --platform "$ANDROID_API" "${args[@]}" -o "$out" build --profile "$PROFILE" -p nyckel-ffi)
    log "Kotlin bindings (Android flavour) -> $gen"
    rm -rf "$gen" && mkdir -p "$gen"
    bindgen --language kotlin --config "$REPO/android/nyckel/uniffi-android.toml" --out-dir "$gen"
    find "$out" -name '*.so' -print
}

build_ios() {
    [ "$(uname -s)" = Darwin ] || die "the iOS build needs macOS with Xcode"
    need xcodebuild "install Xcode"
    need lipo "install the Xcode command line tools"
    build_host
    local pkg="$REPO/ios/NyckelKit" work="$TARGET/ios-xcframework"
    local lib=libnyckel_ffi.a t
    for t in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios; do
        log "cargo build --target $t"
        (cd "$REPO" && cargo build --profile "$PROFILE" --target "$t" -p nyckel-ffi)
    done
    rm -rf "$work" && mkdir -p "$work/headers" "$work/sim" "$work/gen"
    log "Swift bindings"
    bindgen --language swift --out-dir "$work/gen"
    cp "$work/gen/NyckelFFI.h" "$work/headers/"
    cp "$work/gen/NyckelFFI.modulemap" "$work/headers/module.modulemap"
    mkdir -p "$pkg/Sources/Nyckel/Generated" "$pkg/Sources/NyckelFFI/include"
    cp "$work/gen/Nyckel.swift" "$pkg/Sources/Nyckel/Generated/Nyckel.swift"
    cp "$work/gen/NyckelFFI.h" "$pkg/Sources/NyckelFFI/include/NyckelFFI.h"
    cp "$work/gen/NyckelFFI.modulemap" "$pkg/Sources/NyckelFFI/include/module.modulemap"
    local dir="$PROFILE"
    [ "$PROFILE" = dev ] && dir=debug
    lipo -create "$TARGET/aarch64-apple-ios-sim/$dir/$lib" "$TARGET/x86_64-apple-ios/$dir/$lib" -output "$work/sim/$lib"
    rm -rf "$pkg/NyckelFFI.xcframework"
    log "xcodebuild -create-xcframework -> $pkg/NyckelFFI.xcframework"
    xcodebuild -create-xcframework \
        -library "$TARGET/aarch64-apple-ios/$dir/$lib" -headers "$work/headers" \
        -library "$work/sim/$lib" -headers "$work/headers" \
        -output "$pkg/NyckelFFI.xcframework"
}

case "${1:-}" in
    android) build_android ;;
    ios) build_ios ;;
    all) build_android; build_ios ;;
    *) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
