# shellcheck shell=bash
# Shared install helpers for scripts/test-kotlin.sh and scripts/test-swift.sh.
# Source it; every helper installs only what is missing and reuses what is there.
#
# Tools live outside the repository, in ${NYCKEL_TOOLS:-$HOME/.cache/nyckel-tools}:
#   kotlin/        npm prefix holding kotlin-compiler (kotlinc + kotlin stdlib/test jars)
#   swift-trixie/  a Debian trixie chroot with Swift 6 (Debian bookworm has no Swift)
# and from Debian: libjna-java, junit5 (JNA and the JUnit 5 console launcher), debootstrap.

NYCKEL_TOOLS="${NYCKEL_TOOLS:-$HOME/.cache/nyckel-tools}"
KOTLIN_COMPILER_VERSION="${KOTLIN_COMPILER_VERSION:-2.3}"
SWIFT_ROOT="${SWIFT_ROOT:-$NYCKEL_TOOLS/swift-trixie}"
# Bump when the chroot's package list changes, so existing chroots are completed.
SWIFT_ROOT_VERSION="2"
SWIFT_CHROOT_PACKAGES="swiftlang,libswiftlang,libc6-dev,libssl-dev"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

export DEBIAN_FRONTEND=noninteractive
# The JVM encodes a child process's arguments (the tests pass "Malmö" to nyckel-idp) and
# decodes its output in the locale's charset; under a bare POSIX locale (CI without LANG)
# å ä ö become '?'. Test in a UTF-8 locale whatever the machine's is.
export LC_ALL=C.UTF-8

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
    else die "need root for: $*"
    fi
}

_apt_updated=""
# apt_ensure PKG... : installs the Debian packages that are not installed yet.
apt_ensure() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing Debian packages: ${missing[*]}"
    if [ -z "$_apt_updated" ]; then
        as_root apt-get update -qq </dev/null >&2 || die "apt-get update failed"
        _apt_updated=1
    fi
    as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >&2 \
        || die "apt-get install ${missing[*]} failed"
}

# ensure_java: a JDK (kotlinc runs on it; java runs the tests).
ensure_java() {
    command -v java >/dev/null 2>&1 && command -v javac >/dev/null 2>&1 && return 0
    apt_ensure default-jdk-headless
}

# ensure_kotlinc: sets KOTLIN_HOME (with bin/kotlinc and lib/*.jar).
ensure_kotlinc() {
    ensure_java
    local prefix="$NYCKEL_TOOLS/kotlin"
    KOTLIN_HOME="$prefix/node_modules/kotlin-compiler"
    if [ -x "$KOTLIN_HOME/bin/kotlinc" ] && [ -f "$KOTLIN_HOME/lib/kotlin-stdlib.jar" ] \
        && grep -q "\"version\": \"$KOTLIN_COMPILER_VERSION" "$KOTLIN_HOME/package.json" 2>/dev/null; then
        return 0
    fi
    command -v npm >/dev/null 2>&1 || apt_ensure npm
    log "installing kotlin-compiler@$KOTLIN_COMPILER_VERSION from npm into $prefix"
    mkdir -p "$prefix"
    [ -f "$prefix/package.json" ] || printf '{ "private": true }\n' >"$prefix/package.json"
    # --prefix also moves npm's global config ({prefix}/etc/npmrc): keep the machine's (its
    # cafile, registry) by naming it, read before the prefix changes.
    local globalconfig
    globalconfig=$(npm config get globalconfig </dev/null) || die "npm config get globalconfig failed"
    npm install --prefix "$prefix" --globalconfig "$globalconfig" --no-audit --no-fund --loglevel=error \
        "kotlin-compiler@$KOTLIN_COMPILER_VERSION" </dev/null >&2 || die "npm install kotlin-compiler failed"
    chmod +x "$KOTLIN_HOME"/bin/* 2>/dev/null || true
    [ -x "$KOTLIN_HOME/bin/kotlinc" ] || die "kotlinc not found in $KOTLIN_HOME/bin after npm install"
}

# ensure_jvm_test_deps: JNA and the JUnit 5 console launcher from Debian.
ensure_jvm_test_deps() {
    apt_ensure libjna-java junit5
    JNA_JAR=/usr/share/java/jna.jar
    JUNIT_CONSOLE_JAR=/usr/share/java/junit-platform-console-standalone.jar
    [ -f "$JNA_JAR" ] || die "$JNA_JAR missing"
    [ -f "$JUNIT_CONSOLE_JAR" ] || die "$JUNIT_CONSOLE_JAR missing"
}

# ensure_swift_chroot: a trixie chroot at $SWIFT_ROOT with Swift, libc6-dev and OpenSSL
# headers (the Swift test protector uses libcrypto's AES-GCM).
# Built in $SWIFT_ROOT.tmp; $SWIFT_ROOT/.nyckel-ready is written only when all of it
# succeeded, so an interrupted run is detected and finished or redone.
ensure_swift_chroot() {
    local ready="$SWIFT_ROOT/.nyckel-ready"
    # usr/bin/swift is an absolute symlink (into the chroot's /usr/libexec): test the link,
    # not its target, which does not exist outside the chroot.
    if [ -f "$ready" ] && [ "$(cat "$ready")" = "$SWIFT_ROOT_VERSION" ] && { [ -L "$SWIFT_ROOT/usr/bin/swift" ] || [ -e "$SWIFT_ROOT/usr/bin/swift" ]; }; then
        return 0
    fi
    apt_ensure debootstrap
    local tmp="$SWIFT_ROOT.tmp"
    if [ -d "$SWIFT_ROOT" ] && [ ! -f "$ready" ]; then
        # A ROOT without the marker: left over from an interrupted run; start over.
        log "removing incomplete Swift chroot $SWIFT_ROOT"
        _chroot_umount_all "$SWIFT_ROOT"
        as_root rm -rf --one-file-system "$SWIFT_ROOT"
    fi
    if [ -d "$SWIFT_ROOT" ]; then
        # Ready but an older package list: complete it in place.
        tmp="$SWIFT_ROOT"
    elif [ ! -f "$tmp/.nyckel-debootstrap-ok" ]; then
        _chroot_umount_all "$tmp"
        as_root rm -rf --one-file-system "$tmp"
        mkdir -p "$(dirname "$tmp")"
        log "creating the Swift chroot (debootstrap trixie, ~3 GB, a few minutes) in $tmp"
        as_root debootstrap --variant=minbase --include="$SWIFT_CHROOT_PACKAGES" \
            trixie "$tmp" "$DEBIAN_MIRROR" </dev/null >"$NYCKEL_TOOLS/debootstrap.log" 2>&1 \
            || { tail -20 "$NYCKEL_TOOLS/debootstrap.log" >&2; die "debootstrap failed (log: $NYCKEL_TOOLS/debootstrap.log)"; }
        as_root touch "$tmp/.nyckel-debootstrap-ok"
    fi
    # Packages added to the list after a chroot was made (and a chroot from a stage-1 run).
    log "completing the Swift chroot packages"
    as_root cp /etc/resolv.conf "$tmp/etc/resolv.conf" 2>/dev/null || true
    local rc=0
    _chroot_mount "$tmp"
    as_root chroot "$tmp" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
        sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends $(echo "$SWIFT_CHROOT_PACKAGES" | tr , ' ')" \
        </dev/null >&2 || rc=$?
    # swift finds its runtime through $ORIGIN, which needs /proc mounted.
    [ $rc -ne 0 ] || as_root chroot "$tmp" /usr/bin/swift --version >&2 || rc=$?
    _chroot_umount
    [ $rc -eq 0 ] || die "setting up the Swift chroot failed"
    if [ "$tmp" != "$SWIFT_ROOT" ]; then as_root mv "$tmp" "$SWIFT_ROOT"; fi
    echo "$SWIFT_ROOT_VERSION" | as_root tee "$ready" >/dev/null
}

# Mounts made by _chroot_mount, unmounted (in reverse) by _chroot_umount.
_CHROOT_MOUNTS=()
_chroot_mount() {
    local root="$1" d
    for d in proc dev; do
        if ! mountpoint -q "$root/$d"; then
            mkdir -p "$root/$d"
            if [ "$d" = proc ]; then as_root mount -t proc proc "$root/proc"
            else as_root mount --bind /dev "$root/dev"; fi
            _CHROOT_MOUNTS+=("$root/$d")
        fi
    done
}

# chroot_bind SRC DEST: bind-mounts SRC at DEST (inside a chroot), remembered for umount.
chroot_bind() {
    local src="$1" dest="$2"
    mkdir -p "$dest"
    if ! mountpoint -q "$dest"; then
        as_root mount --bind "$src" "$dest"
        _CHROOT_MOUNTS+=("$dest")
    fi
}

_chroot_umount() {
    local i
    [ ${#_CHROOT_MOUNTS[@]} -gt 0 ] || return 0
    for ((i = ${#_CHROOT_MOUNTS[@]} - 1; i >= 0; i--)); do
        as_root umount "${_CHROOT_MOUNTS[i]}" 2>/dev/null || as_root umount -l "${_CHROOT_MOUNTS[i]}" 2>/dev/null || true
    done
    _CHROOT_MOUNTS=()
}

# Unmounts anything still mounted below ROOT (a killed earlier run), before deleting it.
_chroot_umount_all() {
    local root="$1" m
    [ -d "$root" ] || return 0
    for m in $(awk -v r="$(realpath "$root")" '$2 == r || index($2, r "/") == 1 {print $2}' /proc/mounts | sort -r); do
        as_root umount -l "$m" 2>/dev/null || true
    done
}

# stop_recorded_pids DIR NAME: the tests record each helper process they start (here:
# nyckel-idp) as a file DIR/PID; stops those still running under that name (never anything
# else) and removes the records. For EXIT traps.
stop_recorded_pids() {
    local dir="$1" name="$2" f pid
    [ -d "$dir" ] || return 0
    for f in "$dir"/*; do
        [ -f "$f" ] || continue
        pid=$(cat "$f" 2>/dev/null || true)
        if [[ "$pid" =~ ^[0-9]+$ ]] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ]; then
            kill "$pid" 2>/dev/null || as_root kill "$pid" 2>/dev/null || true
        fi
        rm -f "$f"
    done
}

# mount_repo_in_chroot REPO: mounts /proc and /dev in the Swift chroot and binds REPO at a
# mount point that is stable per clone (so SwiftPM's scratch dirs stay valid between runs);
# sets MNT to that path as seen inside the chroot.
mount_repo_in_chroot() {
    MNT="/nyckel/$(printf '%s' "$1" | sha256sum | cut -c1-12)"
    _chroot_mount "$SWIFT_ROOT"
    chroot_bind "$1" "$SWIFT_ROOT$MNT"
}

# swift_test_in_chroot LABEL LOG [VAR=value ...] -- [swift test arguments ...]
# Runs `swift test` in the chroot (clean environment plus the VARs) with the staged
# libnyckel_ffi.so on the link and run path, logs to LOG, and prints
# "LABEL: N passed, N failed" from XCTest's closing line; fails unless all passed.
swift_test_in_chroot() {
    local label=$1 log=$2 envs=() rc summary total failed
    shift 2
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
    [ $# -gt 0 ] && shift
    local lib="$MNT/target/swift-test/lib"
    set +e
    as_root chroot "$SWIFT_ROOT" /usr/bin/env -i HOME=/root PATH=/usr/bin:/bin LANG=C.UTF-8 "${envs[@]}" \
        swift test "$@" -Xlinker -L"$lib" -Xlinker -rpath -Xlinker "$lib" </dev/null 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e
    # XCTest's closing line: "Executed 23 tests, with 0 failures (0 unexpected) in 0.5 (0.5) seconds"
    summary=$(grep -E '^[[:space:]]*Executed [0-9]+ tests?, with [0-9]+ failures?' "$log" | tail -1 || true)
    total=$(sed -E 's/^[[:space:]]*Executed ([0-9]+) tests?.*/\1/' <<<"$summary")
    failed=$(sed -E 's/.*with ([0-9]+) failures?.*/\1/' <<<"$summary")
    if [ -z "$summary" ]; then total=0; failed=0; fi
    echo "$label: $((total - failed)) passed, $failed failed"
    [ "$rc" -eq 0 ] && [ -n "$summary" ] && [ "$failed" -eq 0 ]
}
