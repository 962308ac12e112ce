#!/bin/bash
# SPDX-License-Identifier: MIT
# Compositor benchmark: startup and frame cost of strata next to Debian's
# weston 10 (headless backend, pixman renderer, desktop shell), measured in
# the same run on the same machine with the same clients.
#
# Usage: bench/compositor.sh [BUILDDIR] [SECONDS] [--baseline OTHER_STRATA [ROUNDS]]
# Prints a table, and writes the figures as JSON to BUILDDIR/bench-compositor.json.
#
# With --baseline, it also compares this build's strata with another strata
# binary (e.g. one built from an earlier commit) in the same run, rounds
# interleaved (A B B A ...): frame cost and CPU under the six-window load,
# and input latency (a key and a pointer motion, from the test-control
# request to the client's event) measured by strata-probe in that load.
set -euo pipefail

BUILD=${1:-build}
SECONDS_LOAD=${2:-10}
BASELINE=
ROUNDS=4
if [ "${3:-}" = --baseline ]; then
	BASELINE=${4:?--baseline needs a strata binary}
	ROUNDS=${5:-4}
	[ -x "$BASELINE" ] || { echo "bench: $BASELINE is not an executable" >&2; exit 1; }
fi
STRATA=$BUILD/compositor/strata
PROBE=$BUILD/bench/strata-probe
RUNS=5
[ -x "$STRATA" ] || { echo "bench: $STRATA not built" >&2; exit 1; }
[ -x "$PROBE" ] || { echo "bench: $PROBE not built" >&2; exit 1; }
for prog in weston weston-simple-shm weston-terminal foot wayland-info socat; do
	command -v "$prog" >/dev/null || { echo "bench: $prog is missing" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/strata-bench.XXXXXX)
PIDS=()
cleanup() {
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

now_us() { echo $(( $(date +%s%N) / 1000 )); }
clk_tck=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ctl() { printf '%s\n' "$*" | socat -t 10 - "UNIX-CONNECT:$CTL"; }

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }
# percentile P of the numbers on stdin (nearest rank); fails on no number.
percentile() {
	sort -g | awk -v p="$1" '{a[NR]=$1} END {
		if (NR == 0) { print "bench: no sample" > "/dev/stderr"; exit 1 }
		r = int(p / 100 * NR + 0.999999); if (r < 1) r = 1; if (r > NR) r = NR; print a[r] }'
}

# Time from exec to the first successful client round trip on SOCKET.
wait_roundtrip() {
	local socket=$1 start=$2
	for _ in $(seq 1 2000); do
		if WAYLAND_DISPLAY=$socket wayland-info >/dev/null 2>&1; then
			echo $(( $(now_us) - start ))
			return 0
		fi
	done
	return 1
}

start_strata() {
	local dir=$1 bin=${2:-$STRATA}
	# The compositor alone: no proxies or cages, a data directory of its own.
	mkdir -p "$dir/data"
	"$bin" --headless 1920x1080 --test-control --runtime-dir "$dir/rt" --no-cages \
		--data-dir "$dir/data" >"$dir/strata.out" 2>"$dir/strata.err" &
	STRATA_PID=$!
	PIDS+=("$STRATA_PID")
}

startup_strata() {
	local samples_rt=() samples_frame=()
	for i in $(seq 1 $RUNS); do
		local dir=$WORK/s$i
		mkdir -p "$dir"
		export XDG_RUNTIME_DIR=$dir
		local t0
		t0=$(now_us)
		start_strata "$dir"
		until grep -q '^strata: ready' "$dir/strata.out" 2>/dev/null; do :; done
		samples_rt+=("$(wait_roundtrip "$dir/rt/wayland-low" "$t0")")
		CTL=$dir/rt/test-control
		# The first committed frame: the frame counter leaves zero.
		until ctl stats | grep -qv 'frames=0 '; do :; done
		samples_frame+=("$(( $(now_us) - t0 ))")
		ctl quit >/dev/null
		wait "$STRATA_PID" || true
	done
	STRATA_RT=$(printf '%s\n' "${samples_rt[@]}" | median)
	STRATA_FRAME=$(printf '%s\n' "${samples_frame[@]}" | median)
}

startup_weston() {
	local samples=()
	for i in $(seq 1 $RUNS); do
		local dir=$WORK/w$i
		mkdir -p "$dir"
		export XDG_RUNTIME_DIR=$dir
		local t0
		t0=$(now_us)
		weston --backend=headless-backend.so --use-pixman --width=1920 --height=1080 \
			--socket=wl-peer --idle-time=0 >"$dir/weston.log" 2>&1 &
		local pid=$!
		PIDS+=("$pid")
		until [ -S "$dir/wl-peer" ]; do :; done
		samples+=("$(wait_roundtrip "$dir/wl-peer" "$t0")")
		kill "$pid"
		wait "$pid" || true
	done
	WESTON_RT=$(printf '%s\n' "${samples[@]}" | median)
}

# Six windows: 2 animating weston-simple-shm, 3 foot, 1 weston-terminal.
spawn_six() {
	local socket=$1 dir=$2
	for c in "weston-simple-shm" "weston-simple-shm" "foot" "foot" "foot" "weston-terminal"; do
		WAYLAND_DISPLAY=$socket $c >"$dir/client.log" 2>&1 &
		PIDS+=("$!")
		CLIENTS+=("$!")
	done
}

# One strata binary under the six-window load; sets STRATA_AVG, STRATA_MAX,
# STRATA_FPS, STRATA_CPU, and with PROBE_SAMPLES > 0 also KEY_MED, KEY_P99,
# MOTION_MED, MOTION_P99 (µs).
load_strata() {
	local bin=${1:-$STRATA} tag=${2:-strata}
	local dir=$WORK/load-$tag-$RANDOM
	mkdir -p "$dir"
	export XDG_RUNTIME_DIR=$dir
	start_strata "$dir" "$bin"
	until grep -q '^strata: ready' "$dir/strata.out" 2>/dev/null; do :; done
	CTL=$dir/rt/test-control
	CLIENTS=()
	spawn_six "$dir/rt/wayland-low" "$dir"
	for _ in $(seq 1 200); do
		[ "$(ctl windows | grep -c '^window')" -ge 6 ] && break
		sleep 0.05
	done
	[ "$(ctl windows | grep -c '^window')" -ge 6 ] || { echo "bench: strata: 6 windows did not map" >&2; exit 1; }
	sleep 1
	ctl stats reset >/dev/null
	local c0 c1
	c0=$(cpu_ticks "$STRATA_PID")
	sleep "$SECONDS_LOAD"
	c1=$(cpu_ticks "$STRATA_PID")
	local stats
	stats=$(ctl stats)
	STRATA_FRAMES=$(sed -n 's/.*frames=\([0-9]*\).*/\1/p' <<<"$stats")
	STRATA_AVG=$(sed -n 's/.*render_avg_us=\([0-9]*\).*/\1/p' <<<"$stats")
	STRATA_MAX=$(sed -n 's/.*render_max_us=\([0-9]*\).*/\1/p' <<<"$stats")
	STRATA_CPU=$(awk -v t=$((c1 - c0)) -v hz="$clk_tck" -v s="$SECONDS_LOAD" 'BEGIN {printf "%.1f", 100 * t / hz / s}')
	STRATA_FPS=$(awk -v f="$STRATA_FRAMES" -v s="$SECONDS_LOAD" 'BEGIN {printf "%.1f", f / s}')
	if [ "${PROBE_SAMPLES:-0}" -gt 0 ]; then
		WAYLAND_DISPLAY=$dir/rt/wayland-low "$PROBE" key "$CTL" "$PROBE_SAMPLES" >"$dir/key.txt"
		WAYLAND_DISPLAY=$dir/rt/wayland-low "$PROBE" motion "$CTL" "$PROBE_SAMPLES" >"$dir/motion.txt"
		KEY_MED=$(percentile 50 <"$dir/key.txt")
		KEY_P99=$(percentile 99 <"$dir/key.txt")
		MOTION_MED=$(percentile 50 <"$dir/motion.txt")
		MOTION_P99=$(percentile 99 <"$dir/motion.txt")
	fi
	for pid in "${CLIENTS[@]}"; do kill "$pid" 2>/dev/null || true; done
	ctl quit >/dev/null
	wait "$STRATA_PID" || true
}

load_weston() {
	local dir=$WORK/load-weston
	mkdir -p "$dir"
	export XDG_RUNTIME_DIR=$dir
	weston --backend=headless-backend.so --use-pixman --width=1920 --height=1080 \
		--socket=wl-peer --idle-time=0 >"$dir/weston.log" 2>&1 &
	local pid=$!
	PIDS+=("$pid")
	until [ -S "$dir/wl-peer" ]; do :; done
	wait_roundtrip "$dir/wl-peer" "$(now_us)" >/dev/null
	CLIENTS=()
	spawn_six "$dir/wl-peer" "$dir"
	sleep 3
	local c0 c1
	c0=$(cpu_ticks "$pid")
	sleep "$SECONDS_LOAD"
	c1=$(cpu_ticks "$pid")
	WESTON_CPU=$(awk -v t=$((c1 - c0)) -v hz="$clk_tck" -v s="$SECONDS_LOAD" 'BEGIN {printf "%.1f", 100 * t / hz / s}')
	for p in "${CLIENTS[@]}"; do kill "$p" 2>/dev/null || true; done
	kill "$pid"
	wait "$pid" || true
}

# Interleaved rounds of the baseline binary and this build: medians over the
# rounds of each figure, and the ratio this build / baseline.
compare_baseline() {
	local -A vals
	local keys="avg max fps cpu key motion keyp99 motionp99"
	for r in $(seq 1 "$ROUNDS"); do
		local order="base new"
		[ $((r % 2)) -eq 0 ] && order="new base"
		for which in $order; do
			local bin=$STRATA
			[ "$which" = base ] && bin=$BASELINE
			PROBE_SAMPLES=300 load_strata "$bin" "$which"
			vals[$which,avg]+="$STRATA_AVG "
			vals[$which,max]+="$STRATA_MAX "
			vals[$which,fps]+="$STRATA_FPS "
			vals[$which,cpu]+="$STRATA_CPU "
			vals[$which,key]+="$KEY_MED "
			vals[$which,keyp99]+="$KEY_P99 "
			vals[$which,motion]+="$MOTION_MED "
			vals[$which,motionp99]+="$MOTION_P99 "
		done
	done
	printf '\nBaseline comparison (%d interleaved rounds of %d s each; medians over rounds)\n' "$ROUNDS" "$SECONDS_LOAD"
	printf 'baseline: %s\nthis build: %s\n\n' "$BASELINE" "$STRATA"
	printf '| %-48s | %10s | %10s | %6s |\n' "measure" "baseline" "this build" "ratio"
	printf '|%s|%s|%s|%s|\n' "--------------------------------------------------" "------------" "------------" "--------"
	local label
	for k in $keys; do
		case $k in
		avg) label="6 windows: render+commit per frame, avg (us)" ;;
		max) label="6 windows: render+commit per frame, max (us)" ;;
		fps) label="6 windows: frames committed per second" ;;
		cpu) label="6 windows: compositor CPU (%)" ;;
		key) label="key press to client, median (us)" ;;
		keyp99) label="key press to client, p99 (us)" ;;
		motion) label="pointer motion to client, median (us)" ;;
		motionp99) label="pointer motion to client, p99 (us)" ;;
		esac
		local b n
		b=$(tr ' ' '\n' <<<"${vals[base,$k]}" | grep . | percentile 50)
		n=$(tr ' ' '\n' <<<"${vals[new,$k]}" | grep . | percentile 50)
		printf '| %-48s | %10s | %10s | %6s |\n' "$label" "$b" "$n" \
			"$(awk -v a="$b" -v b="$n" 'BEGIN {if (a > 0) printf "%.2f", b / a; else print "n/a"}')"
	done
}

startup_strata
startup_weston
load_strata
load_weston

printf '\nCompositor benchmark (headless, pixman, 1920x1080, %d runs for startup, %d s under load)\n\n' "$RUNS" "$SECONDS_LOAD"
printf '| %-52s | %12s | %12s |\n' "measure" "strata" "weston 10"
printf '|%s|%s|%s|\n' "------------------------------------------------------" "--------------" "--------------"
printf '| %-52s | %9s ms | %9s ms |\n' "exec to first client round trip (median)" \
	"$(awk -v v="$STRATA_RT" 'BEGIN {printf "%.1f", v / 1000}')" "$(awk -v v="$WESTON_RT" 'BEGIN {printf "%.1f", v / 1000}')"
printf '| %-52s | %9s ms | %12s |\n' "exec to first frame committed (median)" \
	"$(awk -v v="$STRATA_FRAME" 'BEGIN {printf "%.1f", v / 1000}')" "n/a"
printf '| %-52s | %9s us | %12s |\n' "6 windows: render+commit per frame, average" "$STRATA_AVG" "n/a"
printf '| %-52s | %9s us | %12s |\n' "6 windows: render+commit per frame, maximum" "$STRATA_MAX" "n/a"
printf '| %-52s | %12s | %12s |\n' "6 windows: frames committed per second" "$STRATA_FPS" "n/a"
printf '| %-52s | %10s %% | %10s %% |\n' "6 windows: compositor CPU (one core = 100 %)" "$STRATA_CPU" "$WESTON_CPU"

cat >"$BUILD/bench-compositor.json" <<JSON
{"resolution": "1920x1080", "renderer": "pixman", "startup_runs": $RUNS, "load_seconds": $SECONDS_LOAD,
 "strata": {"startup_roundtrip_us": $STRATA_RT, "startup_first_frame_us": $STRATA_FRAME,
  "six_windows": {"render_avg_us": $STRATA_AVG, "render_max_us": $STRATA_MAX, "fps": $STRATA_FPS, "cpu_percent": $STRATA_CPU}},
 "weston": {"startup_roundtrip_us": $WESTON_RT, "six_windows": {"cpu_percent": $WESTON_CPU}}}
JSON
echo
echo "figures written to $BUILD/bench-compositor.json"
if [ -n "$BASELINE" ]; then
	compare_baseline
fi
