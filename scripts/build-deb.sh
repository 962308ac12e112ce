#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds Strata's Debian package(s) from this checkout, out of the tree:
# copies the files git knows (committed or not, minus the ignored ones) to
# OUTDIR/src/strata-VERSION, runs `dpkg-buildpackage -us -uc -b` there and
# leaves the .deb, .buildinfo and .changes in OUTDIR. dpkg-buildpackage
# writes into the parent of the tree it builds, hence the copy (OUTDIR/src,
# removed afterwards).
#
# usage: scripts/build-deb.sh [--lintian] OUTDIR
#        scripts/build-deb.sh --list-files
#
# --list-files prints the files the package is built from (NUL-separated,
# relative to the top of the checkout) and builds nothing.
# --lintian runs lintian on the .changes afterwards and prints what it says
# (its exit status does not fail the build). Needs dpkg-dev, debhelper and
# the Build-Depends of debian/control (scripts/install-deps.sh).
set -euo pipefail

usage() {
	sed -n '/^# usage:/,/^# the Build-Depends/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

lintian=0
list_only=0
while [ $# -gt 0 ]; do
	case $1 in
	--lintian) lintian=1 ;;
	--list-files) list_only=1 ;;
	-h | --help) usage ;;
	-*) usage ;;
	*) break ;;
	esac
	shift
done
cd "$(dirname "$0")/.."
srcdir=$PWD

# Committed and new files alike, never the build trees (.gitignore); from a
# tree that is not a git checkout, every file but build*/ and .git.
list_files() {
	if git -C "$srcdir" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$srcdir" ls-files -z --cached --others --exclude-standard
	else
		(cd "$srcdir" && find . \( -path './build*' -o -path ./.git \) -prune -o -type f -print0 |
			sed -z 's|^\./||')
	fi
}
if [ $list_only -eq 1 ]; then
	list_files
	exit 0
fi
[ $# -eq 1 ] || usage
outdir=$1
for tool in dpkg-buildpackage dh; do
	if ! command -v "$tool" >/dev/null; then
		echo "build-deb: $tool is missing (apt-get install dpkg-dev debhelper)" >&2
		exit 1
	fi
done
version=$(dpkg-parsechangelog -l debian/changelog -S Version)

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
tree=$outdir/src/strata-$version
rm -rf "$outdir/src"
mkdir -p "$tree"
list_files | (cd "$srcdir" && xargs -0 cp --parents -t "$tree")
if [ ! -f "$tree/debian/control" ] || [ ! -f "$tree/meson.build" ]; then
	echo "build-deb: copying the checkout to $tree failed" >&2
	exit 1
fi

rm -f "$outdir"/strata*.deb "$outdir"/strata*.changes "$outdir"/strata*.buildinfo
(cd "$tree" && dpkg-buildpackage -us -uc -b)
# dpkg-buildpackage leaves them beside the tree.
mv "$outdir"/src/strata*.deb "$outdir"/src/strata*.changes "$outdir"/src/strata*.buildinfo "$outdir"/
rm -rf "$outdir/src"

changes=$(ls "$outdir"/strata_*.changes)
echo "build-deb: built $(cd "$outdir" && ls strata*.deb | tr '\n' ' ')in $outdir"
if [ $lintian -eq 1 ]; then
	echo "build-deb: lintian $changes"
	lintian --info "$changes" || true
fi
