#!/bin/bash
# SPDX-License-Identifier: MIT
# The application matrix as a benchmark: every program of tests/apps (foot,
# weston-terminal, GTK 3 and 4 widget factories, qterminal, Firefox ESR,
# Chromium, mpv, zathura, mousepad, imv, LibreOffice Writer) started in the
# low cage and outside it (the same program on strata's low socket: no cage,
# no proxy), each checked as the test checks it (maps, draws, takes a key,
# opens its menu), with its map times.
#
# Usage: bench/apps.sh [BUILDDIR] [--rounds N]
# Needs a build with tests (scripts/build.sh). Runs as root. Installs the
# programs with apt-get when one is missing. Each round runs the whole matrix
# once; for each program, outside first then in the cage, each in a fresh
# strata, each started twice (the second start has the level's caches warm).
# Prints a table of medians (min in brackets) over the rounds and writes it
# to BUILDDIR/bench-apps.txt. Any program that fails a check fails the run.
set -euo pipefail

cd "$(dirname "$0")/.."
builddir=build
rounds=3
while [ $# -gt 0 ]; do
	case $1 in
	--rounds)
		rounds=$2
		shift
		;;
	-h | --help)
		sed -n '/^# Usage:/,/^# to BUILDDIR/s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	-*)
		echo "apps.sh: unknown option $1" >&2
		exit 2
		;;
	*) builddir=$1 ;;
	esac
	shift
done
fail() {
	echo "apps.sh: $*" >&2
	exit 1
}
[ "$(id -u)" -eq 0 ] || fail "run as root"
[[ $rounds =~ ^[1-9][0-9]*$ ]] || fail "--rounds wants a positive number"
[ -x "$builddir/tests/apps/atest-apps" ] || fail "no $builddir/tests/apps/atest-apps: build with tests first (scripts/build.sh $builddir)"

packages=(foot weston gtk-3-examples gtk-4-examples qterminal qtwayland5 firefox-esr chromium mpv zathura
	mousepad imv libreoffice-writer libreoffice-gtk3)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "apps.sh: installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" \
		>/dev/null || fail "apt-get install ${missing[*]} failed"
fi

lines=$(mktemp)
trap 'rm -f "$lines"' EXIT
for round in $(seq "$rounds"); do
	echo "apps.sh: round $round of $rounds"
	if ! STRATA_APP_MATRIX=all STRATA_APP_MATRIX_OUTSIDE=1 \
		meson test -C "$builddir" --no-rebuild apps >/dev/null 2>&1; then
		grep -E '^not ok|^# .*:[0-9]+: ' "$builddir/meson-logs/testlog.txt" >&2 || true
		fail "round $round: a program failed its checks (see $builddir/meson-logs/testlog.txt)"
	fi
	grep '^# matrix: ' "$builddir/meson-logs/testlog.txt" >>"$lines" ||
		fail "round $round: the test printed no matrix line"
done

out=$builddir/bench-apps.txt
{
	echo "Application matrix: strata headless 1920x1080, pixman; $rounds round(s);"
	echo "map time: from the launch to the window listed (ms), median (min);"
	echo "outside: the same program on strata's low socket, no cage, no proxy;"
	echo "second: started again in the same session once the first had gone."
	echo
	awk '
	function median(list, n,   a, i, j, t) {
		n = split(list, a, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function minimum(list, n,   a, i, m) {
		n = split(list, a, " "); m = a[1]
		for (i = 2; i <= n; i++) if (a[i] + 0 < m + 0) m = a[i]
		return m
	}
	{
		name = $3
		if (!(name in seen)) { order[++count] = name; seen[name] = 1 }
		for (i = 4; i <= NF; i++) { split($i, kv, "="); v[name, kv[1]] = v[name, kv[1]] " " kv[2] }
	}
	END {
		printf "| %-20s | %14s | %14s | %14s | %14s | %12s |\n", "program", "cage, first", "cage, second", "outside, first", "outside, second", "second c/o"
		printf "|%s|%s|%s|%s|%s|%s|\n", "----------------------", "----------------", "----------------", "----------------", "-----------------", "--------------"
		for (k = 1; k <= count; k++) {
			n = order[k]
			cf = median(v[n, "cage_first_ms"]); c = median(v[n, "cage_ms"])
			of = median(v[n, "outside_first_ms"]); o = median(v[n, "outside_ms"])
			printf "| %-20s | %6d (%5d) | %6d (%5d) | %6d (%5d) | %6d (%6d) | %12.2f |\n", n,
				cf, minimum(v[n, "cage_first_ms"]), c, minimum(v[n, "cage_ms"]),
				of, minimum(v[n, "outside_first_ms"]), o, minimum(v[n, "outside_ms"]),
				o > 0 ? c / o : 0
		}
	}' "$lines"
} | tee "$out"
echo "apps.sh: table in $out"
