#!/usr/bin/env bash
# JVM unit tests of the app's plain-Kotlin logic (src/main/kotlin/app/nyckel/app/logic and
# src/test/kotlin), without the Android SDK. The logic uses the library's generated bindings
# (records, enums, exceptions) but never loads the native library, so it compiles against
# the bindings scripts/test-kotlin.sh generated into target/kotlin-test/gen (run that first)
# plus android/nyckel/src/main/kotlin.
#
#   bash android/app/test-logic.sh      # last line: "App logic: N passed, N failed"
#
# Uses the tools scripts/test-kotlin.sh installed (kotlinc from npm, Debian JUnit 5 + JNA).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="${NYCKEL_TOOLS:-$HOME/.cache/nyckel-tools}"
KOTLIN_HOME="${KOTLIN_HOME:-$TOOLS/kotlin/node_modules/kotlin-compiler}"
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
GEN="${NYCKEL_KOTLIN_GEN:-$TARGET/kotlin-test/gen}"
OUT="$TARGET/app-logic-test"
JNA_JAR=/usr/share/java/jna.jar
JUNIT=/usr/share/java/junit-platform-console-standalone.jar

[ -x "$KOTLIN_HOME/bin/kotlinc" ] || { echo "kotlinc not found: run scripts/test-kotlin.sh once" >&2; exit 2; }
[ -d "$GEN" ] || { echo "no generated bindings in $GEN: run scripts/test-kotlin.sh once" >&2; exit 2; }

rm -rf "$OUT" && mkdir -p "$OUT/classes"
KLIB="$KOTLIN_HOME/lib"
mapfile -t SOURCES < <(find "$GEN" "$REPO/android/nyckel/src/main/kotlin" \
    "$REPO/android/app/src/main/kotlin/app/nyckel/app/logic" "$REPO/android/app/src/test/kotlin" -name '*.kt' | sort)
JAVA_OPTS="${JAVA_OPTS:--Xmx1g}" "$KOTLIN_HOME/bin/kotlinc" -nowarn -jvm-target 17 \
    -cp "$JNA_JAR:$JUNIT:$KLIB/kotlin-test.jar:$KLIB/kotlin-test-junit5.jar" -d "$OUT/classes" "${SOURCES[@]}"

set +e
java -Djna.library.path="$TARGET/release" -jar "$JUNIT" --disable-banner --details=tree --fail-if-no-tests \
    --class-path "$OUT/classes:$KLIB/kotlin-stdlib.jar:$KLIB/kotlin-test.jar:$KLIB/kotlin-test-junit5.jar:$JNA_JAR" \
    --select-package app.nyckel.app.logic 2>&1 | tee "$OUT/junit.log"
rc=${PIPESTATUS[0]}
set -e
passed=$(sed -n 's/.*\[ *\([0-9][0-9]*\) tests successful *\].*/\1/p' "$OUT/junit.log" | tail -1)
failed=$(sed -n 's/.*\[ *\([0-9][0-9]*\) tests failed *\].*/\1/p' "$OUT/junit.log" | tail -1)
echo "App logic: ${passed:-0} passed, ${failed:-0} failed"
[ "$rc" -eq 0 ] && [ -n "$passed" ] && [ "${failed:-1}" -eq 0 ]
