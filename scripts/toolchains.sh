#!/usr/bin/env bash
# Provisioning for the test suites, called by `cargo xtask test` (xtask/src/toolchains.rs):
#
#   scripts/toolchains.sh provision jvm       kotlinc (npm), a JDK, JNA + JUnit 5 console (Debian)
#   scripts/toolchains.sh provision swift     the Debian trixie chroot with Swift 6
#   scripts/toolchains.sh provision browser   Chromium, Node.js, Apache + mod_auth_openidc, the browser test's npm packages
#   scripts/toolchains.sh provision fuzz      cargo-fuzz (built with cargo into $NYCKEL_TOOLS/cargo-fuzz)
#   scripts/toolchains.sh in-swift-chroot REPO MNT [VAR=value ...] COMMAND [ARG ...]
#       runs COMMAND in the Swift chroot (clean environment plus the VARs) with REPO mounted
#       at MNT inside it, one run at a time, and unmounts afterwards; exits with its status.
#
# `provision` prints what it provides as KEY=value lines on stdout (all logging goes to
# stderr), installs only what is missing and reuses what is there.
# Tools live outside the repository, in ${NYCKEL_TOOLS:-$HOME/.cache/nyckel-tools}:
#   kotlin/        npm prefix holding kotlin-compiler (kotlinc + kotlin stdlib/test jars)
#   swift-trixie/  a Debian trixie chroot with Swift 6 (Debian bookworm has no Swift)
# and from Debian: libjna-java, junit5 (JNA and the JUnit 5 console launcher), debootstrap,
# chromium, nodejs/npm.
set -euo pipefail

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
# apt_ensure PKG... : installs the Debian packages that are not installed yet (waiting for
# another apt-get that holds the dpkg lock rather than failing).
apt_ensure() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing Debian packages: ${missing[*]}"
    if [ -z "$_apt_updated" ]; then
        as_root apt-get -o DPkg::Lock::Timeout=600 update -qq </dev/null >&2 || die "apt-get update failed"
        _apt_updated=1
    fi
    as_root apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" </dev/null >&2 \
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

# provision_browser: Chromium, Node.js (and npm), fonts for readable screenshots, Apache httpd
# with mod_auth_openidc, and the browser test's npm packages (tests/browser/node_modules, from its package-lock.json).
# cargo-fuzz (for scripts/fuzz.sh and the CI's short fuzz run), built once into
# $NYCKEL_TOOLS/cargo-fuzz unless one is on PATH already.
CARGO_FUZZ_VERSION=0.13.2
ensure_cargo_fuzz() {
    if command -v cargo-fuzz >/dev/null 2>&1; then
        CARGO_FUZZ_BIN=$(dirname "$(command -v cargo-fuzz)")
        return
    fi
    CARGO_FUZZ_BIN="$NYCKEL_TOOLS/cargo-fuzz/bin"
    if [ ! -x "$CARGO_FUZZ_BIN/cargo-fuzz" ]; then
        log "building cargo-fuzz $CARGO_FUZZ_VERSION (once)"
        cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --quiet \
            --root "$NYCKEL_TOOLS/cargo-fuzz" </dev/null >&2 || die "cargo install cargo-fuzz failed"
    fi
}

provision_browser() {
    local repo="$1" chromium="${CHROMIUM_BIN:-}"
    if [ -z "$chromium" ]; then
        [ -x /usr/lib/chromium/chromium ] || [ -x /usr/bin/chromium ] || apt_ensure chromium
        if [ -x /usr/lib/chromium/chromium ]; then chromium=/usr/lib/chromium/chromium
        else chromium=/usr/bin/chromium; fi
    fi
    [ -x "$chromium" ] || die "no Chromium at $chromium"
    command -v node >/dev/null 2>&1 || apt_ensure nodejs npm
    command -v npm >/dev/null 2>&1 || apt_ensure npm
    fc-list 2>/dev/null | grep -qi dejavu || apt_ensure fonts-dejavu-core || true
    # Apache httpd (the binary and modules only, no service) with mod_auth_openidc: a relying
    # party the OpenID Connect test did not write.
    apt_ensure apache2-bin libapache2-mod-auth-openidc
    local dir="$repo/tests/browser"
    if [ ! -d "$dir/node_modules/playwright-core" ] || [ ! -d "$dir/node_modules/@simplewebauthn/server" ] \
        || [ ! -d "$dir/node_modules/openid-client" ] || [ ! -d "$dir/node_modules/axe-core" ]; then
        log "installing the browser test's npm packages"
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error </dev/null >&2) || die "npm ci in $dir failed"
    fi
    echo "CHROMIUM_BIN=$chromium"
}

# in_swift_chroot REPO MNT [VAR=value ...] COMMAND [ARG ...]
in_swift_chroot() {
    local repo="$1" mnt="$2"
    shift 2
    mkdir -p "$NYCKEL_TOOLS"
    # One run at a time uses the chroot (the mounts are shared).
    exec 9>"$NYCKEL_TOOLS/swift-chroot.lock"
    flock 9
    trap _chroot_umount EXIT
    trap 'exit 130' INT TERM
    _chroot_mount "$SWIFT_ROOT"
    chroot_bind "$repo" "$SWIFT_ROOT$mnt"
    local rc=0
    as_root chroot "$SWIFT_ROOT" /usr/bin/env -i HOME=/root PATH=/usr/bin:/bin LANG=C.UTF-8 "$@" </dev/null || rc=$?
    return "$rc"
}

main() {
    case "${1:-} ${2:-}" in
        "provision jvm")
            ensure_kotlinc
            ensure_jvm_test_deps
            printf 'KOTLIN_HOME=%s\nJNA_JAR=%s\nJUNIT_CONSOLE_JAR=%s\n' "$KOTLIN_HOME" "$JNA_JAR" "$JUNIT_CONSOLE_JAR"
            ;;
        "provision swift")
            mkdir -p "$NYCKEL_TOOLS"
            exec 9>"$NYCKEL_TOOLS/swift-chroot.lock"
            flock 9
            trap _chroot_umount EXIT
            ensure_swift_chroot
            echo "SWIFT_ROOT=$SWIFT_ROOT"
            ;;
        "provision bench")
            # The benchmark's same-run baselines: libsodium's Argon2id, oathtool, wrk; GNU
            # time measures a child's own peak memory (cli.code_json).
            apt_ensure libsodium23 oathtool wrk time
            echo "BENCH_TOOLS=ok"
            ;;
        "provision fuzz")
            ensure_cargo_fuzz
            echo "CARGO_FUZZ_BIN=$CARGO_FUZZ_BIN"
            ;;
        "provision browser")
            provision_browser "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
            ;;
        in-swift-chroot\ *)
            shift
            [ $# -ge 3 ] || die "usage: $0 in-swift-chroot REPO MNT COMMAND..."
            in_swift_chroot "$@"
            ;;
        *)
            die "usage: $0 provision jvm|swift|browser|bench|fuzz | in-swift-chroot REPO MNT COMMAND..."
            ;;
    esac
}

main "$@"
