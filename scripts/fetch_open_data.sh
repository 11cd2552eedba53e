#!/usr/bin/env bash
# Fetch the open data that are not inside a PyPI package into the vendor directory
# (default: <repo>/.vendor), from the registries the project may reach, and verify them.
#
#   Debian (apt): r-cran-network=1.18.1-1  -> emon.RData   (Drabek et al. 1981 networks)
#   npm:          world-atlas@2.0.2        -> countries-110m.json, world-atlas-LICENSE
#
# Usage: scripts/fetch_open_data.sh [VENDOR_DIR]
#
# Idempotent: a file already present with the expected sha256 is left alone, so a second run
# downloads nothing. A file that is present but wrong is fetched again. Every extracted file is
# checked against the sha256 below before it is moved into place; a mismatch stops the script
# and names the file. The same constants live in analysis/opendata.py (SHA256); a test
# (tests/test_opendata.py) checks that the two copies agree.
set -euo pipefail

VENDOR="${1:-$(dirname "$0")/../.vendor}"

DEB_PACKAGE="r-cran-network"
DEB_VERSION="1.18.1-1"
DEB_MEMBER="usr/lib/R/site-library/network/data/emon.RData"
NPM_PACKAGE="world-atlas@2.0.2"

declare -A SHA256=(
    [emon.RData]=769dd64be43e4915b0f91a54bcfc6e976aa412aeef62990cdf3c9d3a061c5ec7
    [countries-110m.json]=2516c915867c7baf18ddec727aec46c315541a07cfb3d79a6559b05d5e94eee8
    [world-atlas-LICENSE]=8048290dfdb6e83fbed17e8985c8cfc4ce9da9b842642f3d3e497280790cfa31
)

log() { printf '[fetch_open_data] %s\n' "$*"; }
die() { printf '[fetch_open_data] ERROR: %s\n' "$*" >&2; exit 1; }

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# ok NAME: true when VENDOR/NAME exists and has the expected checksum.
ok() { [[ -f "$VENDOR/$1" ]] && [[ "$(sha_of "$VENDOR/$1")" == "${SHA256[$1]}" ]]; }

# install_verified SRC NAME: check SRC against the constant for NAME, then move it into VENDOR.
install_verified() {
    local src="$1" name="$2" got
    [[ -f "$src" ]] || die "$name: expected file $src was not in the package"
    got="$(sha_of "$src")"
    if [[ "$got" != "${SHA256[$name]}" ]]; then
        die "checksum mismatch for $name (from $src): expected ${SHA256[$name]}, got $got"
    fi
    cp "$src" "$VENDOR/$name.part"
    mv -f "$VENDOR/$name.part" "$VENDOR/$name"
    log "ok   $name  sha256 $got"
}

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is needed but not installed ($2)"; }

mkdir -p "$VENDOR"
VENDOR="$(cd "$VENDOR" && pwd)"
log "vendor directory: $VENDOR"

want_deb=0
want_npm=0
for name in emon.RData; do
    if ok "$name"; then log "skip $name (present, checksum ok)"; else want_deb=1; fi
done
for name in countries-110m.json world-atlas-LICENSE; do
    if ok "$name"; then log "skip $name (present, checksum ok)"; else want_npm=1; fi
done
if [[ $want_deb -eq 0 && $want_npm -eq 0 ]]; then
    log "all files present and verified; nothing to do"
    exit 0
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/fetch_open_data.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

if [[ $want_deb -eq 1 ]]; then
    need apt-get "Debian/Ubuntu apt"
    need dpkg-deb "Debian dpkg"
    mkdir -p "$TMP/deb"
    # apt-get download writes to the current directory and, as root, drops to the _apt user:
    # let that user write there so apt does not warn about an unsandboxed download.
    if [[ $EUID -eq 0 ]] && id _apt >/dev/null 2>&1; then
        chmod 755 "$TMP"
        chown _apt "$TMP/deb"
    fi
    log "apt-get download $DEB_PACKAGE=$DEB_VERSION"
    if ! (cd "$TMP/deb" && apt-get download -q "$DEB_PACKAGE=$DEB_VERSION"); then
        log "download failed; the apt lists may be missing or stale: running apt-get update"
        if [[ $EUID -eq 0 ]]; then
            apt-get update -q
        elif command -v sudo >/dev/null 2>&1; then
            sudo apt-get update -q
        else
            die "apt-get update needs root; run it as root, then run this script again"
        fi
        log "apt-get download $DEB_PACKAGE=$DEB_VERSION (second try)"
        (cd "$TMP/deb" && apt-get download -q "$DEB_PACKAGE=$DEB_VERSION") \
            || die "apt-get download $DEB_PACKAGE=$DEB_VERSION failed (is this Debian bookworm?)"
    fi
    deb="$(ls "$TMP"/deb/"${DEB_PACKAGE}"_*.deb)"
    log "dpkg-deb -x $(basename "$deb")"
    dpkg-deb -x "$deb" "$TMP/deb/root"
    install_verified "$TMP/deb/root/$DEB_MEMBER" emon.RData
fi

if [[ $want_npm -eq 1 ]]; then
    need npm "Node.js npm"
    need tar "tar"
    mkdir -p "$TMP/npm"
    log "npm pack $NPM_PACKAGE"
    tgz="$(cd "$TMP/npm" && npm pack "$NPM_PACKAGE" --silent)" || die "npm pack $NPM_PACKAGE failed"
    tgz="$TMP/npm/$(printf '%s\n' "$tgz" | tail -n 1)"
    [[ -f "$tgz" ]] || die "npm pack $NPM_PACKAGE produced no tarball"
    log "tar -x package/countries-110m.json package/LICENSE from $(basename "$tgz")"
    tar -xzf "$tgz" -C "$TMP/npm" package/countries-110m.json package/LICENSE
    install_verified "$TMP/npm/package/countries-110m.json" countries-110m.json
    install_verified "$TMP/npm/package/LICENSE" world-atlas-LICENSE
fi

for name in "${!SHA256[@]}"; do
    ok "$name" || die "$name is not in place with the expected checksum after fetching"
done
log "done: all files present and verified in $VENDOR"
