#!/bin/bash
# SPDX-License-Identifier: MIT
# Where strata's CPU goes: one scenario of bench/compositor.sh, sampled with
# perf, for this build and (--baseline) another strata, one after the other.
#
# Usage: bench/profile.sh [BUILDDIR] [--seconds S] [--top N]
#                         [--baseline OTHER_STRATA] [SCENARIO]
# SCENARIO: 2a4i (default: foot foot foot weston-terminal anim anim), 1a5i
# (foot foot foot weston-terminal foot anim) or map200 (200 idle windows of
# strata-probe, then one window more mapped and closed, 20 times).
# Needs perf (Debian: linux-perf), foot, weston-terminal and socat; runs as
# root (perf on another process). Each strata runs headless with pixman at
# 1920x1080, without cages; the clients are root's, in a runtime directory
# of their own.
#
# Prints, for each strata, its CPU over the sampled seconds (the scheduler's
# run time of its threads; perf samples at 999 Hz, which adds a little), its
# frames and render time per frame (test-control stats) and the N (default
# 20) functions with the most samples, with their library, the samples
# taken inside the function itself. The perf data is kept under the work
# directory with BENCH_KEEP=1. A baseline older than 65f8aae held its last
# frame whenever --test-control was given (a second output buffer, a whole
# second frame at start), which a strata without it never does.
set -euo pipefail

usage() {
	sed -n '/^# Usage: /,/^# Needs/{/^# Needs/d;s/^# \{0,1\}//;s/^Usage: /usage: /;p}' "$0" >&2
	exit 2
}

BUILD=build
SECONDS_LOAD=10
TOP=20
BASELINE=
SCENARIO=2a4i
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) SECONDS_LOAD=${2:?--seconds needs a number}; shift 2 ;;
	--top) TOP=${2:?--top needs a number}; shift 2 ;;
	--baseline) BASELINE=${2:?--baseline needs a strata binary}; shift 2 ;;
	2a4i | 1a5i | map200) SCENARIO=$1; shift ;;
	-h | --help | -*) usage ;;
	*) BUILD=$1; shift ;;
	esac
done
[[ $SECONDS_LOAD =~ ^[1-9][0-9]*$ ]] || usage
[[ $TOP =~ ^[1-9][0-9]*$ ]] || usage

fail() {
	echo "profile: $*" >&2
	exit 1
}

BUILD=$(cd "$BUILD" && pwd)
STRATA=$BUILD/compositor/strata
PROBE=$BUILD/bench/strata-probe
for prog in "$STRATA" "$PROBE"; do
	[ -x "$prog" ] || fail "$prog is not built"
done
[ "$(id -u)" = 0 ] || fail "run as root (perf attaches to the compositor)"
for prog in perf foot weston-terminal socat; do
	command -v "$prog" >/dev/null || fail "$prog is missing (perf: apt-get install linux-perf)"
done
BINARIES=("$STRATA")
if [ -n "$BASELINE" ]; then
	[ -x "$BASELINE" ] || fail "$BASELINE is not an executable"
	BINARIES+=("$(realpath "$BASELINE")")
fi

WORK=$(mktemp -d /tmp/strata-profile.XXXXXX)
chmod 711 "$WORK"
cd /
PIDS=()
cleanup() {
	local rc=$? pid
	set +e
	for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
	sleep 0.5
	for pid in "${PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null; done
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "profile: kept $WORK (BENCH_KEEP=1)" >&2
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start LOG COMMAND...: COMMAND in a process group of its own; sets STARTED.
start() {
	local log=$1
	shift
	setsid "$@" >"$log" 2>&1 </dev/null &
	STARTED=$!
	PIDS+=("$STARTED")
}

# wait_for SECONDS WHAT LOG COMMAND...: polls COMMAND; fails with LOG's
# tail when the compositor (COMP) died or after SECONDS.
wait_for() {
	local tries=$(($1 * 50)) what=$2 log=$3
	shift 3
	for _ in $(seq 1 "$tries"); do
		"$@" && return 0
		kill -0 "$COMP" 2>/dev/null || fail "strata died waiting for $what: $(tail -n 5 "$log")"
		sleep 0.02
	done
	fail "timed out waiting for $what: $(tail -n 5 "$log")"
}

cpu_ns() {
	local t=0 f run _
	for f in /proc/"$1"/task/*/schedstat; do
		read -r run _ <"$f" 2>/dev/null && t=$((t + run))
	done
	echo "$t"
}

window_count() { printf 'windows\n' | socat -t 5 - "UNIX-CONNECT:$1" | grep -c '^window' || true; }
windows_at_least() { [ "$(window_count "$1")" -ge "$2" ]; }

# profile_one INDEX BINARY
profile_one() {
	local index=$1 bin=$2 dir=$WORK/run$1
	mkdir -m 711 "$dir" "$dir/data" "$dir/xdg"
	chmod 700 "$dir/xdg"
	printf '[lock]\nuser = root\nidle_seconds = 0\n' >"$dir/strata.ini"
	start "$dir/strata.log" env WLR_BACKENDS=headless WLR_RENDERER=pixman \
		WLR_LIBINPUT_NO_DEVICES=1 "$bin" --headless 1920x1080 --test-control \
		--runtime-dir "$dir/rt" --data-dir "$dir/data" -c "$dir/strata.ini" --no-cages
	local comp=$STARTED
	COMP=$comp
	wait_for 20 "strata to be ready" "$dir/strata.log" grep -qs '^strata: ready' "$dir/strata.log"
	local ctl=$dir/rt/test-control sock=$dir/rt/wayland-low
	local env=(env WAYLAND_DISPLAY="$sock" XDG_RUNTIME_DIR="$dir/xdg" SHELL=/bin/sh)
	local clients=() expected i=0 c
	case $SCENARIO in
	2a4i) clients=(foot foot foot weston-terminal anim anim) ;;
	1a5i) clients=(foot foot foot weston-terminal foot anim) ;;
	map200) clients=(map) ;;
	esac
	for c in "${clients[@]}"; do
		i=$((i + 1))
		case $c in
		anim) start "$dir/client$i.log" "${env[@]}" "$PROBE" anim 256 256 ;;
		# The map samples start once the perf window has begun.
		map) start "$dir/map.out" "${env[@]}" "$PROBE" map 200 20 3 ;;
		*) start "$dir/client$i.log" "${env[@]}" "$c" ;;
		esac
		expected=$i
		[ "$c" = map ] && expected=200
		wait_for 30 "window $expected" "$dir/strata.log" windows_at_least "$ctl" "$expected"
	done
	sleep 1
	local before after
	printf 'stats reset\n' | socat -t 5 - "UNIX-CONNECT:$ctl" >/dev/null ||
		fail "test-control stats reset failed"
	before=$(cpu_ns "$comp")
	perf record -q -F 999 -g -o "$dir/perf.data" -p "$comp" -- sleep "$SECONDS_LOAD" \
		>"$dir/perf.log" 2>&1 || fail "perf record failed: $(tail -n 3 "$dir/perf.log")"
	after=$(cpu_ns "$comp")
	kill -0 "$comp" 2>/dev/null || fail "strata died: $(tail -n 5 "$dir/strata.log")"
	echo
	echo "== $bin, $SCENARIO, $SECONDS_LOAD s"
	awk -v ns=$((after - before)) -v s="$SECONDS_LOAD" \
		'BEGIN { printf "CPU: %.2f %% of one core\n", ns / (s * 1e7) }'
	local stats
	stats=$(printf 'stats\n' | socat -t 5 - "UNIX-CONNECT:$ctl" | sed -n 's/^ok //p') ||
		fail "test-control stats failed"
	[ -n "$stats" ] || fail "test-control stats gave no figures"
	echo "frames (test-control stats): $stats"
	if [ "$SCENARIO" = map200 ]; then
		local samples
		samples=$(awk 'NF == 2 { print $1 }' "$dir/map.out" | sort -n)
		[ -n "$samples" ] || fail "the probe printed no map sample (the perf window may be too short)"
		echo "map time (µs, sorted): $(tr '\n' ' ' <<<"$samples")"
	fi
	echo "top functions (self samples):"
	perf report -i "$dir/perf.data" --no-children --sort dso,symbol --stdio -g none \
		>"$dir/report.txt" 2>"$dir/report.log" ||
		fail "perf report failed: $(tail -n 3 "$dir/report.log")"
	awk -v top="$TOP" '/%/ && !/^#/ && n++ < top' "$dir/report.txt"
	kill -TERM -- "-$comp" 2>/dev/null || true
	wait "$comp" 2>/dev/null || true
	for c in "${PIDS[@]}"; do kill -TERM -- "-$c" 2>/dev/null || true; done
	PIDS=()
}

for index in "${!BINARIES[@]}"; do
	profile_one "$index" "${BINARIES[$index]}"
done
