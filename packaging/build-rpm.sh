#!/usr/bin/env bash
# Builds the RPM: packaging/build-rpm.sh OUTDIR [xtriage-VERSION.tgz]
# From the `npm pack` tarball (made here when not given): unpacked, its production
# dependencies installed from the pinned npm-shrinkwrap.json, then rpmbuild -bb on
# packaging/xtriage.spec in a temporary _topdir. Needs npm and rpmbuild (Debian: apt install rpm).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
out="${1:?usage: build-rpm.sh OUTDIR [TARBALL]}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
command -v rpmbuild >/dev/null || { echo "build-rpm.sh: rpmbuild not found (Debian/Ubuntu: apt-get install rpm; RHEL: dnf install rpm-build)" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/xtriage-rpm.XXXXXX")"
trap 'rm -rf "$work"' EXIT

tgz="${2:-}"
if [ -z "$tgz" ]; then
  (cd "$root" && npm pack --silent --pack-destination "$work" >/dev/null)
  tgz="$(ls "$work"/xtriage-*.tgz)"
fi
version="$(tar -xzOf "$tgz" package/package.json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).version))')"

src="$work/xtriage-$version"
mkdir -p "$src"
tar -xzf "$tgz" -C "$src" --strip-components=1
(cd "$src" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)

mkdir -p "$work/top/SOURCES"
tar -czf "$work/top/SOURCES/xtriage-$version.tar.gz" -C "$work" "xtriage-$version"
rpmbuild -bb --quiet \
  --define "_topdir $work/top" \
  --define "xt_version $version" \
  "$here/xtriage.spec" >&2
cp "$work"/top/RPMS/noarch/xtriage-"$version"-*.noarch.rpm "$out"/
ls "$out"/xtriage-"$version"-*.noarch.rpm
