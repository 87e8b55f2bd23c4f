#!/usr/bin/env bash
# Kotlin tests of the uniffi bindings, on the JVM of this machine (no Android SDK needed).
#
#   1. builds nyckel-ffi in release (panic = "unwind", as the apps ship it) with the
#      `test-hooks` feature, unstripped (bindgen reads the uniffi metadata from it);
#   2. generates the Kotlin bindings from that library with the workspace's uniffi-bindgen
#      into target/kotlin-test/gen (a build output, never committed);
#   3. compiles them, the library's Kotlin layer (android/nyckel/src/main/kotlin) and the
#      tests (android/nyckel/src/test/kotlin + src/testHooks/kotlin + src/testLoopback/kotlin)
#      with kotlinc;
#   4. builds nyckel-idp (debug) for the approval tests, which start `nyckel-idp serve` on
#      loopback (path in $NYCKEL_IDP; their PIDs are recorded and stopped on exit);
#   5. runs the JUnit 5 console launcher with JNA loading the host libnyckel_ffi.so.
#
# Installs what is missing (npm kotlin-compiler, Debian libjna-java + junit5, a JDK) into
# ${NYCKEL_TOOLS:-~/.cache/nyckel-tools} or via apt, and reuses it afterwards.
# Last line: "Kotlin: N passed, N failed". Exits non-zero on any failure.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib-toolchains.sh
source "$REPO/scripts/lib-toolchains.sh"

TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
OUT="$TARGET/kotlin-test"
LIBDIR="$TARGET/release"

ensure_kotlinc
ensure_jvm_test_deps

log "building nyckel-ffi (release, test-hooks) and uniffi-bindgen"
# Two invocations: built together, uniffi's `cli` feature would be unified into the library.
(cd "$REPO" && cargo build --quiet --release -p nyckel-ffi --features test-hooks)
(cd "$REPO" && cargo build --quiet --release -p uniffi-bindgen)
log "building nyckel-idp (the provider the approval tests run)"
(cd "$REPO" && cargo build --quiet -p nyckel-idp)
export NYCKEL_IDP="$TARGET/debug/nyckel-idp"
[ -x "$NYCKEL_IDP" ] || die "$NYCKEL_IDP missing after cargo build"

# The tests record each nyckel-idp they start here; whatever is left is stopped on exit.
export NYCKEL_IDP_PIDS="$OUT/idp-pids"
trap 'stop_recorded_pids "$NYCKEL_IDP_PIDS" nyckel-idp' EXIT
trap 'exit 130' INT TERM

rm -rf "$OUT"
mkdir -p "$OUT/gen" "$OUT/classes"
log "generating Kotlin bindings"
"$LIBDIR/uniffi-bindgen" generate --library "$LIBDIR/libnyckel_ffi.so" --language kotlin \
    --out-dir "$OUT/gen" --no-format >&2

KLIB="$KOTLIN_HOME/lib"
COMPILE_CP="$JNA_JAR:$JUNIT_CONSOLE_JAR:$KLIB/kotlin-test.jar:$KLIB/kotlin-test-junit5.jar"
# src/testHooks: tests that need the `test-hooks` exports (the Gradle build leaves them out).
# src/testLoopback: tests with a nyckel-idp process and java.net.http (not on Android's
# unit-test classpath).
mapfile -t SOURCES < <(find "$OUT/gen" "$REPO/android/nyckel/src/main/kotlin" "$REPO/android/nyckel/src/test/kotlin" \
    "$REPO/android/nyckel/src/testHooks/kotlin" "$REPO/android/nyckel/src/testLoopback/kotlin" -name '*.kt' | sort)
log "compiling ${#SOURCES[@]} Kotlin files"
JAVA_OPTS="${JAVA_OPTS:--Xmx1g}" "$KOTLIN_HOME/bin/kotlinc" -nowarn -jvm-target 17 \
    -cp "$COMPILE_CP" -d "$OUT/classes" "${SOURCES[@]}"

log "running JUnit 5"
RUN_CP="$OUT/classes:$KLIB/kotlin-stdlib.jar:$KLIB/kotlin-test.jar:$KLIB/kotlin-test-junit5.jar:$JNA_JAR"
set +e
java -Djna.library.path="$LIBDIR" -Djna.nosys=false -jar "$JUNIT_CONSOLE_JAR" \
    --disable-banner --details=tree --fail-if-no-tests \
    --class-path "$RUN_CP" --select-package app.nyckel 2>&1 | tee "$OUT/junit.log"
rc=${PIPESTATUS[0]}
set -e

passed=$(sed -n 's/.*\[ *\([0-9][0-9]*\) tests successful *\].*/\1/p' "$OUT/junit.log" | tail -1)
failed=$(sed -n 's/.*\[ *\([0-9][0-9]*\) tests failed *\].*/\1/p' "$OUT/junit.log" | tail -1)
echo "Kotlin: ${passed:-0} passed, ${failed:-0} failed"
if [ "$rc" -ne 0 ] || [ -z "$passed" ] || [ "${failed:-1}" -ne 0 ]; then exit 1; fi
