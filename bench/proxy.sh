#!/bin/bash
# SPDX-License-Identifier: MIT
# Proxy benchmark: what strata-cage-proxy adds between a client and the
# compositor, next to a direct connection, a naive byte+fd relay (the lower
# bound for any proxy) and Debian's waypipe 0.8.4 (-c none --no-gpu), all
# measured in one run against one headless strata with the same probe
# (bench/probe.c). Method and targets: the wayland-proxies notes, §4 and §5.8.
#
# Usage: bench/proxy.sh BUILDDIR
# Needs BUILDDIR/compositor/strata, BUILDDIR/cage-proxy/strata-cage-proxy,
# BUILDDIR/bench/strata-probe, BUILDDIR/bench/strata-naive-relay, waypipe.
# Runs as root so that the proxy sandboxes itself (chroot + seccomp), which
# is how it runs in a session.
#
# Prints a table and the targets (informative: a FAIL does not change the
# exit status; anything that fails to run does), and writes every figure as
# JSON to BUILDDIR/bench-proxy.json.
#
# Method: every measure runs in ROUNDS rounds, the four paths in a different
# order each round (rotated, and reversed every other round), so that bursts
# of load on the machine fall on all paths alike. Warm-up samples are
# dropped; figures pool the rounds; p99 is the nearest-rank percentile. The
# ± of a difference of medians is a standard error from the spread of the
# per-round medians.
set -euo pipefail

BUILD=${1:?usage: bench/proxy.sh BUILDDIR}
BUILD=$(cd "$BUILD" && pwd)
STRATA=$BUILD/compositor/strata
PROXY=$BUILD/cage-proxy/strata-cage-proxy
PROBE=$BUILD/bench/strata-probe
RELAY=$BUILD/bench/strata-naive-relay

ROUNDS=8
SYNC_N=250 # round trips per path and round (2000 in all)
SYNC_WARM=20
STARTUP_N=25 # connections per path and round (200 in all)
STARTUP_WARM=2
FRAMES=13 # frames per path, round, size and mode (104 in all)
FRAME_WARM=3
FLOOD_N=200000 # messages per flood
FLOODS=2 # floods per path and round (CPU is read in clock ticks: 10 ms)
PROBE_TIMEOUT=60

TARGETS=(direct relay proxy waypipe)
declare -A TITLE=([direct]="direct" [relay]="naive relay" [proxy]="strata-cage-proxy" [waypipe]="waypipe -c none")

for prog in "$STRATA" "$PROXY" "$PROBE" "$RELAY"; do
	[ -x "$prog" ] || { echo "bench: $prog is not built" >&2; exit 1; }
done
command -v waypipe >/dev/null || { echo "bench: waypipe is missing (apt-get install waypipe)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench: run as root: the proxy only sandboxes itself as root" >&2; exit 1; }

WORK=$(mktemp -d /tmp/strata-bench-proxy.XXXXXX)
chmod 700 "$WORK"
GROUPS_STARTED=() # process groups (setsid), leader pids
cleanup() {
	local rc=$?
	set +e
	for pid in "${GROUPS_STARTED[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
	for pid in "${GROUPS_STARTED[@]}"; do
		for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
		kill -KILL -- "-$pid" 2>/dev/null
	done
	wait 2>/dev/null
	# The proxy's sandbox root lives next to the compositor's socket, inside WORK.
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
	echo "bench: $*" >&2
	for log in "$WORK"/*.log; do
		[ -s "$log" ] && { echo "--- $log (tail)" >&2; tail -n 5 "$log" >&2; }
	done
	exit 1
}

# Starts "$@" in a process group of its own (so that cleanup also reaches its
# children); sets STARTED_PID.
start() {
	local log=$1
	shift
	setsid "$@" >"$WORK/$log.out" 2>"$WORK/$log.log" </dev/null &
	STARTED_PID=$!
	GROUPS_STARTED+=("$STARTED_PID")
}

# wait_for DESCRIPTION COMMAND...: polls COMMAND for up to 10 s.
wait_for() {
	local what=$1
	shift
	for _ in $(seq 1 500); do
		"$@" && return 0
		sleep 0.02
	done
	fail "timed out waiting for $what"
}

# ---- the four paths ----------------------------------------------------------

export XDG_RUNTIME_DIR=$WORK
unset WAYLAND_DISPLAY WAYLAND_SOCKET

# The compositor alone: no cages or proxies of its own (--no-cages, where the
# build has it), its data under WORK.
STRATA_ARGS=(--headless 1920x1080 --runtime-dir "$WORK/rt")
for opt in --no-cages --data-dir; do
	if "$STRATA" --help 2>&1 | grep -q -- "$opt"; then
		case $opt in
		--no-cages) STRATA_ARGS+=(--no-cages) ;;
		--data-dir) STRATA_ARGS+=(--data-dir "$WORK/data") ;;
		esac
	fi
done
start strata "$STRATA" "${STRATA_ARGS[@]}"
STRATA_PID=$STARTED_PID
wait_for "the compositor" grep -qs '^strata: ready' "$WORK/strata.out"
UPSTREAM=$(sed -n 's/^strata: level low socket //p' "$WORK/strata.out")
[ -S "$UPSTREAM" ] || fail "no level low socket in the compositor's output"

start relay "$RELAY" "$WORK/relay.sock" "$UPSTREAM"
RELAY_PID=$STARTED_PID
wait_for "the relay" grep -qs 'ready' "$WORK/relay.out"

# The default [proxy] max_messages_per_second (100000, with a burst of as
# many) ends any client that sends more requests than that in one go, as the
# flood does; the limit's value does not change the code path, so the flood
# runs with it raised.
printf '[proxy]\nmax_messages_per_second = 10000000\n' >"$WORK/proxy.ini"
start proxy "$PROXY" --level low --listen "$WORK/cage.sock" --upstream "$UPSTREAM" -c "$WORK/proxy.ini"
PROXY_PID=$STARTED_PID
wait_for "the proxy" grep -qs '^strata-cage-proxy: ready' "$WORK/proxy.out"
grep -q '(sandboxed)' "$WORK/proxy.out" || fail "the proxy did not sandbox itself"

mkdir -m 700 "$WORK/wp"
start waypipe-client env XDG_RUNTIME_DIR="$WORK/wp" WAYLAND_DISPLAY="$UPSTREAM" \
	waypipe --socket "$WORK/wp/wp.sock" -c none --no-gpu client
WP_CLIENT_PID=$STARTED_PID
wait_for "waypipe client's socket" test -S "$WORK/wp/wp.sock"
start waypipe-server env XDG_RUNTIME_DIR="$WORK/wp" \
	waypipe --socket "$WORK/wp/wp.sock" -c none --no-gpu --display wayland-wp server -- sleep 3600
WP_SERVER_PID=$STARTED_PID
wait_for "waypipe server's socket" test -S "$WORK/wp/wayland-wp"

declare -A SOCKET=([direct]=$UPSTREAM [relay]=$WORK/relay.sock [proxy]=$WORK/cage.sock [waypipe]=$WORK/wp/wayland-wp)
declare -A PIDS=([direct]="" [relay]=$RELAY_PID [proxy]=$PROXY_PID [waypipe]="$WP_CLIENT_PID $WP_SERVER_PID")

# probe TARGET ARGS...: the probe's output on stdout; any failure ends the run.
probe() {
	local target=$1
	shift
	WAYLAND_DISPLAY=${SOCKET[$target]} timeout "$PROBE_TIMEOUT" "$PROBE" "$@" 2>>"$WORK/probe.log" ||
		fail "probe $* through the $target path failed (exit $?)"
}

for t in "${TARGETS[@]}"; do
	[ "$(probe "$t" sync 3 | wc -l)" = 3 ] || fail "no round trip through the $t path"
done

# ---- statistics ----------------------------------------------------------------

calc() { awk "BEGIN { $1 }"; }

# figure FILE min|median|p99|mean
figure() {
	sort -g "$1" | awk -v what="$2" '
		{ a[NR] = $1; s += $1 }
		END {
			if (NR == 0) { print "nan"; exit 1 }
			if (what == "min") v = a[1]
			else if (what == "median") v = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
			else if (what == "p99") { r = int(0.99 * NR); if (r < 0.99 * NR) r++; v = a[r] }
			else v = s / NR
			printf "%.1f\n", v
		}'
}

# CPU ticks of processes, with the children they reaped and the ones alive.
cpu_ticks() {
	local total=0 pid child
	for pid in "$@"; do
		total=$((total + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat")))
		for child in $(pgrep -P "$pid" || true); do
			total=$((total + $(awk '{print $14 + $15}' "/proc/$child/stat" 2>/dev/null || echo 0)))
		done
	done
	echo "$total"
}

# Children of these processes other than waypipe server's `sleep`.
busy_children() {
	local pid child
	for pid in "$@"; do
		for child in $(pgrep -P "$pid" || true); do
			[ "$(cat "/proc/$child/comm" 2>/dev/null)" = sleep ] || echo "$child"
		done
	done
}

# Waits until waypipe's per-connection processes of the last probe are gone
# (reaped, so that their time is in their parent's cutime/cstime).
settle() {
	for _ in $(seq 1 250); do
		[ -z "$(busy_children "$@")" ] && return 0
		sleep 0.02
	done
	fail "waypipe's per-connection processes did not end: $(busy_children "$@")"
}

# ---- measures --------------------------------------------------------------------

CLK_TCK=$(getconf CLK_TCK)
declare -A CPU_TICKS COMP_TICKS FLOOD_MSGS
for t in "${TARGETS[@]}"; do CPU_TICKS[$t]=0; COMP_TICKS[$t]=0; FLOOD_MSGS[$t]=0; done
MEASURES=(sync startup commit.512x512 commit.1920x1080 commitsync.512x512 commitsync.1920x1080)

# run_measure MEASURE TARGET ROUND: one round of one measure on one path.
run_measure() {
	local m=$1 t=$2 r=$3 warm args
	case $m in
	sync) warm=$SYNC_WARM args=(sync $((SYNC_N + SYNC_WARM))) ;;
	startup) warm=$STARTUP_WARM args=(startup $((STARTUP_N + STARTUP_WARM))) ;;
	commit*.*x*)
		local size=${m#*.}
		warm=$FRAME_WARM args=("${m%%.*}" "${size%x*}" "${size#*x}" $((FRAMES + FRAME_WARM)))
		;;
	esac
	probe "$t" "${args[@]}" | tail -n +$((warm + 1)) >"$WORK/$m.$t.$r"
	cat "$WORK/$m.$t.$r" >>"$WORK/$m.$t"
}

LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
T_START=$(date +%s)
for r in $(seq 1 "$ROUNDS"); do
	order=()
	for i in 0 1 2 3; do order+=("${TARGETS[$(((i + r) % 4))]}"); done
	if [ $((r % 2)) = 0 ]; then order=("${order[3]}" "${order[2]}" "${order[1]}" "${order[0]}"); fi
	for m in "${MEASURES[@]}"; do
		for t in "${order[@]}"; do run_measure "$m" "$t" "$r"; done
	done
	for t in "${order[@]}"; do
		pids=${PIDS[$t]}
		# shellcheck disable=SC2086 # PIDS holds two pids for waypipe, none for direct
		c0=$(cpu_ticks $pids) k0=$(cpu_ticks "$STRATA_PID")
		for _ in $(seq 1 "$FLOODS"); do probe "$t" flood "$FLOOD_N" >>"$WORK/flood.$t"; done
		# shellcheck disable=SC2086
		settle $pids
		# shellcheck disable=SC2086
		c1=$(cpu_ticks $pids) k1=$(cpu_ticks "$STRATA_PID")
		CPU_TICKS[$t]=$((CPU_TICKS[$t] + c1 - c0))
		COMP_TICKS[$t]=$((COMP_TICKS[$t] + k1 - k0))
		FLOOD_MSGS[$t]=$((FLOOD_MSGS[$t] + FLOOD_N * FLOODS))
	done
done
ELAPSED=$(($(date +%s) - T_START))
LOAD_AFTER=$(cut -d' ' -f1 /proc/loadavg)

# Everything still up: nothing died under the load.
for pid in "$STRATA_PID" "$RELAY_PID" "$PROXY_PID" "$WP_CLIENT_PID" "$WP_SERVER_PID"; do
	kill -0 "$pid" 2>/dev/null || fail "process $pid died during the run"
done
if grep -q 'ended:' "$WORK/proxy.log"; then
	fail "the proxy refused a benchmark client: $(grep -m1 'ended:' "$WORK/proxy.log")"
fi

# ---- figures ------------------------------------------------------------------------

# se MEASURE TARGET: standard error of the median, from the spread of the
# per-round medians (1.4826 × their median absolute deviation, robust to a
# round that a burst of load hit).
se() {
	local r meds
	meds=$(for r in $(seq 1 "$ROUNDS"); do figure "$WORK/$1.$2.$r" median; done)
	local mid
	mid=$(figure <(echo "$meds") median)
	awk -v m="$mid" '{ print ($1 > m) ? $1 - m : m - $1 }' <<<"$meds" >"$WORK/mad"
	calc "printf \"%.1f\", 1.4826 * $(figure "$WORK/mad" median) / sqrt($ROUNDS)"
}

declare -A F
for t in "${TARGETS[@]}"; do
	for m in "${MEASURES[@]}"; do
		for s in min median p99; do F[$m.$s.$t]=$(figure "$WORK/$m.$t" "$s"); done
		F[$m.se.$t]=$(se "$m" "$t")
		F[$m.n.$t]=$(wc -l <"$WORK/$m.$t")
	done
	F[flood.$t]=$(figure "$WORK/flood.$t" median)
	F[cpu.$t]=$(awk -v ticks="${CPU_TICKS[$t]}" -v hz="$CLK_TCK" -v n="${FLOOD_MSGS[$t]}" \
		'BEGIN {printf "%.1f", ticks / hz * 1e6 / n * 1000}')
	F[compcpu.$t]=$(awk -v ticks="${COMP_TICKS[$t]}" -v hz="$CLK_TCK" -v n="${FLOOD_MSGS[$t]}" \
		'BEGIN {printf "%.1f", ticks / hz * 1e6 / n * 1000}')
done
F[cpu.direct]=null # no process in the path

verdict() { calc "v = ($1) ? \"PASS\" : \"FAIL\"; print v"; }
# added MEASURE STAT TARGET: TARGET's figure minus direct's.
added() { calc "printf \"%.1f\", ${F[$1.$2.$3]} - ${F[$1.$2.direct]}"; }
# pm MEASURE TARGET: the ± of TARGET's median minus direct's.
pm() { calc "printf \"%.1f\", sqrt(${F[$1.se.$2]} ^ 2 + ${F[$1.se.direct]} ^ 2)"; }
ratio() { calc "if ($2 > 0) printf \"%.2f\", $1 / $2; else print \"null\""; }

# Targets (notes §5.8).
PROXY_ADDED=$(added sync median proxy)
RELAY_ADDED=$(added sync median relay)
WP_ADDED=$(added sync median waypipe)
RT_RATIO=$(ratio "$PROXY_ADDED" "$RELAY_ADDED")
if [ "$RT_RATIO" = null ]; then RT_PASS=$(verdict "$PROXY_ADDED <= 0"); else RT_PASS=$(verdict "$RT_RATIO <= 1.1"); fi
WP_RATIO=$(ratio "$WP_ADDED" "$PROXY_ADDED")
if [ "$WP_RATIO" = null ]; then WP_PASS=PASS; else WP_PASS=$(verdict "$WP_RATIO >= 3"); fi
# The same on the minimums: the least noisy view of pure overhead.
RT_RATIO_MIN=$(ratio "$(added sync min proxy)" "$(added sync min relay)")
WP_RATIO_MIN=$(ratio "$(added sync min waypipe)" "$(added sync min proxy)")
COMMIT_OVER=$(added commit.1920x1080 median proxy)
COMMIT_PM=$(pm commit.1920x1080 proxy)
COMMIT_PASS=$(verdict "$COMMIT_OVER < 100")
CSYNC_OVER=$(added commitsync.1920x1080 median proxy)
CSYNC_PM=$(pm commitsync.1920x1080 proxy)
CSYNC_WP=$(added commitsync.1920x1080 median waypipe)

# ---- table ------------------------------------------------------------------------

row() { # label unit figure-key
	local label=$1 unit=$2 key=$3 cells=() t v
	for t in "${TARGETS[@]}"; do
		v=${F[$key.$t]}
		[ "$v" = null ] && v="-"
		cells+=("$v")
	done
	printf '| %-52s | %4s | %11s | %11s | %17s | %15s |\n' "$label" "$unit" "${cells[@]}"
}

printf '\nProxy benchmark: strata --headless 1920x1080, %d rounds, %d s; load %s before, %s after (%d cores)\n\n' \
	"$ROUNDS" "$ELAPSED" "$LOAD_BEFORE" "$LOAD_AFTER" "$(nproc)"
printf '| %-52s | %4s | %11s | %11s | %17s | %15s |\n' "measure" "unit" "${TITLE[direct]}" "${TITLE[relay]}" "${TITLE[proxy]}" "${TITLE[waypipe]}"
printf '|%s|%s|%s|%s|%s|%s|\n' "------------------------------------------------------" "------" "-------------" "-------------" "-------------------" "-----------------"
row "wl_display.sync round trip, min (${F[sync.n.direct]})" "us" sync.min
row "wl_display.sync round trip, median" "us" sync.median
row "wl_display.sync round trip, p99" "us" sync.p99
row "connect + registry + round trip, min (${F[startup.n.direct]})" "us" startup.min
row "connect + registry + round trip, median" "us" startup.median
row "connect + registry + round trip, p99" "us" startup.p99
row "commit -> frame done, 512x512 ARGB, median (${F[commit.512x512.n.direct]})" "us" commit.512x512.median
row "commit -> frame done, 512x512 ARGB, p99" "us" commit.512x512.p99
row "commit -> frame done, 1920x1080 ARGB, median" "us" commit.1920x1080.median
row "commit -> frame done, 1920x1080 ARGB, p99" "us" commit.1920x1080.p99
row "commit -> sync done, 512x512 ARGB, median" "us" commitsync.512x512.median
row "commit -> sync done, 512x512 ARGB, p99" "us" commitsync.512x512.p99
row "commit -> sync done, 1920x1080 ARGB, median" "us" commitsync.1920x1080.median
row "commit -> sync done, 1920x1080 ARGB, p99" "us" commitsync.1920x1080.p99
row "flood of wl_region.add, per message, median" "ns" flood
row "CPU of the path's processes per 1000 messages" "us" cpu
row "CPU of the compositor per 1000 messages" "us" compcpu

na() { [ "$1" = null ] && echo "n/a" || echo "$1"; }
echo
printf 'Targets (notes §5.8; informative):\n'
printf '  added round trip vs relay, (proxy − direct) / (relay − direct), sync medians: %s / %s = %s (≤ 1.1)  %s\n' \
	"$PROXY_ADDED" "$RELAY_ADDED" "$(na "$RT_RATIO")" "$RT_PASS"
printf '    the same on minimums: %s\n' "$(na "$RT_RATIO_MIN")"
printf '  waypipe added / proxy added, sync medians: %s / %s = %s (≥ 3)  %s\n' \
	"$WP_ADDED" "$PROXY_ADDED" "$(na "$WP_RATIO")" "$WP_PASS"
printf '    the same on minimums: %s\n' "$(na "$WP_RATIO_MIN")"
printf '  1080p commit overhead, commit -> frame done medians, proxy − direct: %s ± %s µs (< 100 µs)  %s\n' \
	"$COMMIT_OVER" "$COMMIT_PM" "$COMMIT_PASS"
printf '    the frame clock paces this measure: a commit that comes later waits less for the next frame\n'
printf '  1080p commit overhead, commit -> sync done medians, proxy − direct: %s ± %s µs (waypipe: %s µs)\n' \
	"$CSYNC_OVER" "$CSYNC_PM" "$CSYNC_WP"
printf '  The proxy runs sandboxed, with [proxy] max_messages_per_second = 10000000: the default\n'
printf '  (100000/s) ends a client that sends %d requests at once, as the flood does.\n' "$FLOOD_N"

# ---- JSON ----------------------------------------------------------------------------

json_measure() { # MEASURE TARGET
	local m=$1 t=$2 r meds=()
	for r in $(seq 1 "$ROUNDS"); do meds+=("$(figure "$WORK/$m.$t.$r" median)"); done
	printf '{"min": %s, "median": %s, "p99": %s, "median_se": %s, "samples": %d, "round_medians": [%s]}' \
		"${F[$m.min.$t]}" "${F[$m.median.$t]}" "${F[$m.p99.$t]}" "${F[$m.se.$t]}" "${F[$m.n.$t]}" \
		"$(IFS=,; echo "${meds[*]}")"
}

json_target() {
	local t=$1 m name
	printf '  "%s": {\n' "$t"
	for m in "${MEASURES[@]}"; do
		case $m in
		sync) name=sync_us ;;
		startup) name=startup_us ;;
		commit.*) name=commit_frame_${m#*.}_us ;;
		commitsync.*) name=commit_sync_${m#*.}_us ;;
		esac
		printf '   "%s": %s,\n' "$name" "$(json_measure "$m" "$t")"
	done
	printf '   "flood_ns_per_message": %s, "flood_runs_ns_per_message": [%s], "flood_messages": %d,\n' \
		"${F[flood.$t]}" "$(paste -sd, "$WORK/flood.$t")" "${FLOOD_MSGS[$t]}"
	printf '   "path_cpu_us_per_1000_messages": %s, "compositor_cpu_us_per_1000_messages": %s}' \
		"${F[cpu.$t]}" "${F[compcpu.$t]}"
}

bool() { [ "$1" = PASS ] && echo true || echo false; }
{
	printf '{"compositor": "strata --headless 1920x1080", "rounds": %d, "elapsed_s": %d, "cores": %d,\n' \
		"$ROUNDS" "$ELAPSED" "$(nproc)"
	printf ' "loadavg_before": %s, "loadavg_after": %s, "clk_tck": %d,\n' "$LOAD_BEFORE" "$LOAD_AFTER" "$CLK_TCK"
	printf ' "waypipe": "%s", "proxy": {"sandboxed": true, "max_messages_per_second": 10000000},\n' \
		"$(waypipe --version 2>&1 | head -n 1)"
	printf ' "paths": {\n'
	first=1
	for t in "${TARGETS[@]}"; do
		[ $first = 1 ] || printf ',\n'
		first=0
		json_target "$t"
	done
	printf '\n },\n'
	printf ' "targets": {\n'
	printf '  "added_round_trip_vs_relay": {"value": %s, "on_minimums": %s, "proxy_added_us": %s, "relay_added_us": %s, "max": 1.1, "pass": %s},\n' \
		"$RT_RATIO" "$RT_RATIO_MIN" "$PROXY_ADDED" "$RELAY_ADDED" "$(bool "$RT_PASS")"
	printf '  "waypipe_added_over_proxy_added": {"value": %s, "on_minimums": %s, "waypipe_added_us": %s, "min": 3, "pass": %s},\n' \
		"$WP_RATIO" "$WP_RATIO_MIN" "$WP_ADDED" "$(bool "$WP_PASS")"
	printf '  "commit_1080p_overhead_us": {"value": %s, "se": %s, "max": 100, "pass": %s},\n' \
		"$COMMIT_OVER" "$COMMIT_PM" "$(bool "$COMMIT_PASS")"
	printf '  "commit_sync_1080p_overhead_us": {"value": %s, "se": %s, "waypipe_us": %s}\n' \
		"$CSYNC_OVER" "$CSYNC_PM" "$CSYNC_WP"
	printf ' }\n}\n'
} >"$BUILD/bench-proxy.json"
if command -v python3 >/dev/null; then
	python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$BUILD/bench-proxy.json" ||
		fail "wrote invalid JSON to $BUILD/bench-proxy.json"
fi
echo
echo "figures written to $BUILD/bench-proxy.json"
