#!/bin/bash
# SPDX-License-Identifier: MIT
# Configures (or reconfigures) and builds Strata with the test-control
# interface and the test suites enabled.
#
#   scripts/build.sh BUILDDIR [MESON_ARGS...]
#
# BUILDDIR is taken relative to the current directory. MESON_ARGS go to
# `meson setup` after the defaults, so they can override them, e.g.
#   CC=clang scripts/build.sh build-asan -Db_sanitize=address,undefined
# The compiler (CC) is fixed when BUILDDIR is first configured; to change it,
# remove BUILDDIR.
set -eu

usage() {
	echo "usage: $0 BUILDDIR [MESON_ARGS...]" >&2
	exit 2
}

[ $# -ge 1 ] || usage
case $1 in
-h | --help) usage ;;
-*) usage ;;
esac
builddir=$1
shift

srcdir=$(cd "$(dirname "$0")/.." && pwd)

for tool in meson ninja; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "build: '$tool' not found; run scripts/install-deps.sh as root first" >&2
		exit 1
	fi
done

if [ -f "$builddir/meson-private/coredata.dat" ]; then
	meson setup --reconfigure "$builddir" "$srcdir" -Dtest-control=true -Dtests=true "$@"
else
	meson setup "$builddir" "$srcdir" -Dtest-control=true -Dtests=true "$@"
fi
ninja -C "$builddir"
