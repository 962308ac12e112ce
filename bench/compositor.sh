#!/bin/bash
# SPDX-License-Identifier: MIT
# Compositor benchmark: strata, directly and through its cage proxies, next
# to Debian's sway 1.7 and cage 0.1.4, in one run, on the same clients, all
# headless with wlroots' pixman renderer.
#
# Usage: bench/compositor.sh [BUILDDIR] [--rounds N] [--seconds S] [--smoke]
#                            [--baseline OTHER_STRATA]
# Needs BUILDDIR/compositor/strata, BUILDDIR/cage-proxy/strata-cage-proxy,
# BUILDDIR/bench/strata-probe, sway, cage, foot, weston-terminal, socat,
# setpriv, useradd and gnuplot (gnuplot-nox is installed with apt-get when it
# is missing). Runs as root: strata runs its cage proxies as root does, and
# the script creates the unprivileged user that sway, cage and their clients
# run as (cage refuses root), and removes it on exit.
#
# Prints a table (median and, in brackets, minimum; the ratios to sway are of
# the medians) and the goals, writes every figure as JSON to
# BUILDDIR/bench-compositor.json and a plot of CPU and map time against the
# number of windows to BUILDDIR/bench-compositor.png. Anything that fails to
# run, and any figure with no sample, ends the run with an error.
#
# The compositors ("kinds"):
#   strata  strata --no-cages; the clients connect to the level low socket.
#   cages   strata with its cages; the clients connect to the low cage
#           proxy's socket (as root, from outside the bubblewrap sandbox: the
#           same Wayland path as a caged client, proxy included).
#   sway    sway 1.7, a config of its own: 1920x1080, no bar, no Xwayland,
#           default borders and title bars, windows stacked in one column
#           (default_orientation vertical) as strata stacks a level's.
#   cage    cage 0.1.4 (`cage -- sleep`); its headless output is wlroots'
#           1280x720 (cage has no option for the mode), one window shown.
#   base    with --baseline: OTHER_STRATA --no-cages, as strata.
#
# Method: each measure runs in ROUNDS rounds (default 3); in each round every
# kind runs in turn, in an order rotated each round and reversed every other
# round. Every scenario starts a fresh compositor. Measures:
#   scenarios "2 animated + 4 idle" (foot foot foot weston-terminal anim anim,
#     started in that order: cage shows the last one), "1 animated + 5 idle"
#     (foot foot foot weston-terminal foot anim) and
#     "6 idle" (foot foot foot weston-terminal foot weston-terminal); anim is
#     `strata-probe anim 256 256`, whole-buffer redraw on each frame callback.
#     After the windows mapped and SETTLE s: the compositor's CPU (its
#     threads' run time, /proc/PID/task/*/schedstat, over S seconds; for
#     cages also its proxies'), its
#     VmRSS and PSS at the end, and strata's own render time per frame and frames/s
#     (test-control `stats`; n/a for sway and cage).
#   idle N / map N, N in 25 50 100 200: `strata-probe map N M HOLD` opens N
#     idle windows in one connection; CPU and RSS over S s while they are
#     held, then M samples of the time to map one window more.
#   commit -> sync: `strata-probe commitsync` at 512x512 and 1920x1080: the
#     commit's cost in the compositor's event loop (for a window, strata
#     copies the damage when the frame is drawn, not there);
#   commit -> frame done: `strata-probe commit`, the same sizes, the time to
#     the frame that shows it (the output's pace, the copy and the drawing).
#   key -> client: `strata-probe key` against the test-control socket
#     (strata kinds only; sway and cage have no equivalent: n/a).
#   exec -> first frame: `strata-probe exec`, from the fork of the compositor
#     to the frame callback done of a first window's first buffer.
set -euo pipefail

usage() {
	sed -n 's/^# \{0,1\}Usage: /usage: /p' "$0" >&2
	exit 2
}

BUILD=build
ROUNDS=3
SECONDS_LOAD=5
SMOKE=0
BASELINE=
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) ROUNDS=${2:?--rounds needs a number}; shift 2 ;;
	--seconds) SECONDS_LOAD=${2:?--seconds needs a number}; shift 2 ;;
	--smoke) SMOKE=1; shift ;;
	--baseline) BASELINE=${2:?--baseline needs a strata binary}; shift 2 ;;
	-h | --help) usage ;;
	-*) usage ;;
	*) BUILD=$1; shift ;;
	esac
done
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || usage
[[ $SECONDS_LOAD =~ ^[1-9][0-9]*$ ]] || usage

SETTLE=2
SCENARIOS="2a4i 1a5i 0a6i"
MAP_COUNTS="25 50 100 200"
MAP_SAMPLES=10 # per kind, count and round
SYNC_N=30      # commits per kind, size and round, after SYNC_WARM dropped
SYNC_WARM=3
KEY_N=100
EXEC_N=2 # per kind and round
if [ "$SMOKE" = 1 ]; then
	ROUNDS=1
	SECONDS_LOAD=1
	SETTLE=0.5
	SCENARIOS="2a4i"
	MAP_COUNTS="10"
	MAP_SAMPLES=3
	SYNC_N=5
	KEY_N=10
	EXEC_N=1
fi

skip_or_fail() {
	# A smoke run (the meson test) is skipped where it cannot run.
	echo "bench: $*" >&2
	[ "$SMOKE" = 1 ] && exit 77
	exit 1
}

BUILD=$(cd "$BUILD" && pwd)
STRATA=$BUILD/compositor/strata
PROXY=$BUILD/cage-proxy/strata-cage-proxy
PROBE=$BUILD/bench/strata-probe
for prog in "$STRATA" "$PROXY" "$PROBE"; do
	[ -x "$prog" ] || { echo "bench: $prog is not built" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || skip_or_fail "run as root (strata's cages; a user of its own for sway and cage)"
for prog in sway swaymsg cage foot weston-terminal socat setpriv useradd userdel bwrap; do
	command -v "$prog" >/dev/null || skip_or_fail "$prog is missing (scripts/install-deps.sh installs it)"
done
if ! command -v gnuplot >/dev/null; then
	# The smoke run (a meson test) installs nothing: scripts/install-deps.sh does.
	[ "$SMOKE" = 1 ] && skip_or_fail "gnuplot is missing (scripts/install-deps.sh installs gnuplot-nox)"
	echo "bench: installing gnuplot-nox for the plot" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends gnuplot-nox >/dev/null ||
		skip_or_fail "gnuplot is missing and apt-get could not install gnuplot-nox"
fi
KINDS=(strata cages sway cage)
if [ -n "$BASELINE" ]; then
	[ -x "$BASELINE" ] || { echo "bench: $BASELINE is not an executable" >&2; exit 1; }
	BASELINE=$(realpath "$BASELINE")
	KINDS+=(base)
fi
declare -A TITLE=([strata]="strata" [cages]="strata+cages" [sway]="sway 1.7" [cage]="cage 0.1.4" [base]="baseline")

WORK=$(mktemp -d /tmp/strata-bench.XXXXXX)
chmod 711 "$WORK"
# Every path from here on is absolute; the clients the benchmark's user
# starts inherit the working directory, and a checkout under /root (0700)
# is not one they may enter (foot cannot start its shell there).
cd /
BUSER=
GROUPS_STARTED=() # process groups (setsid), leader pids
stop_group() {
	local pid=$1
	kill -TERM -- "-$pid" 2>/dev/null || return 0
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	kill -KILL -- "-$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
cleanup() {
	local rc=$?
	set +e
	for pid in "${GROUPS_STARTED[@]}"; do stop_group "$pid"; done
	# What a strata left behind names its runtime directory, inside WORK.
	for pid in $(pgrep -f "$WORK/" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
	if [ -n "$BUSER" ]; then
		userdel "$BUSER" 2>/dev/null || userdel -f "$BUSER" ||
			echo "bench: could not remove the user $BUSER" >&2
	fi
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "bench: kept $WORK (BENCH_KEEP=1)" >&2
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

LAST_LOG= # the log of the compositor being started, shown on failure
fail() {
	echo "bench: $*" >&2
	if [ -n "$LAST_LOG" ] && [ -s "$LAST_LOG" ]; then
		echo "--- $LAST_LOG (tail)" >&2
		tail -n 8 "$LAST_LOG" >&2
	fi
	exit 1
}

# ---- the unprivileged user --------------------------------------------------

BUSER=stbench$$
useradd --system --user-group --no-create-home --home-dir "$WORK/home" \
	--shell /usr/sbin/nologin "$BUSER" || { BUSER=; fail "useradd failed"; }
BUID=$(id -u "$BUSER")
BGID=$(id -g "$BUSER")
mkdir -m 700 "$WORK/home"
chown "$BUID:$BGID" "$WORK/home"
# The probe where the user can run it (a checkout may be under /root).
mkdir -m 711 "$WORK/bin"
install -m 755 "$PROBE" "$WORK/bin/strata-probe"
PROBE=$WORK/bin/strata-probe
mkdir -m 700 "$WORK/root-xdg"
mkdir "$WORK/data"

# user_prefix RUNTIME_DIR: sets USER_PREFIX, the command that runs what
# follows it as the benchmark's user. SHELL is set for every client: foot
# starts $SHELL, else the user's login shell, which is nologin for this user
# (CI runs with no SHELL in its environment: every foot exited at once).
user_prefix() {
	USER_PREFIX=(setpriv --reuid="$BUID" --regid="$BGID" --clear-groups
		env -u WAYLAND_DISPLAY -u WAYLAND_SOCKET -u DISPLAY HOME="$WORK/home" SHELL=/bin/sh
		XDG_RUNTIME_DIR="$1" XDG_CACHE_HOME="$WORK/home/.cache"
		XDG_CONFIG_HOME="$WORK/home/.config")
}
as_user() {
	user_prefix "$1"
	shift
	"${USER_PREFIX[@]}" "$@"
}
# cage 0.1.4 always sets up Xwayland, whose wlroots code refuses a
# /tmp/.X11-unix owned by another user (as on a shared machine): it gets an
# empty one of its own.
CAGE_CMD=(bwrap --dev-bind / / --tmpfs /tmp/.X11-unix cage -- sleep 100000)
WLR_ENV=(WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 WLR_HEADLESS_OUTPUTS=1)

# ---- processes ----------------------------------------------------------------

# start LOGBASE COMMAND...: COMMAND in a process group of its own, stdout in
# LOGBASE.out and stderr in LOGBASE.log; sets STARTED_PID.
start() {
	local log=$1
	shift
	setsid "$@" >"$log.out" 2>"$log.log" </dev/null &
	STARTED_PID=$!
	GROUPS_STARTED+=("$STARTED_PID")
}

forget_group() {
	local pid=$1 kept=() p
	for p in "${GROUPS_STARTED[@]}"; do [ "$p" = "$pid" ] || kept+=("$p"); done
	GROUPS_STARTED=("${kept[@]}")
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 20 ms.
wait_for() {
	local limit=$1 what=$2
	shift 2
	local tries=$((limit * 50))
	for _ in $(seq 1 "$tries"); do
		"$@" && return 0
		sleep 0.02
	done
	fail "timed out ($limit s) waiting for $what"
}

sway_ipc_exists() { compgen -G "$1/sway-ipc.*.sock" >/dev/null; }
ctl() { printf '%s\n' "$*" | socat -t 10 - "UNIX-CONNECT:$CTL"; }
ctl_ok() {
	local reply
	reply=$(ctl "$@") || fail "test-control \"$*\" failed"
	tail -n1 <<<"$reply" | grep -q '^ok' || fail "test-control \"$*\": $(tail -n1 <<<"$reply")"
	printf '%s\n' "$reply"
}
is_strata() { [ "$1" = strata ] || [ "$1" = cages ] || [ "$1" = base ]; }
level_low_up() { ctl levels | grep -q 'level name=low up=1'; }

write_sway_config() {
	cat >"$1" <<-'EOF'
		# The benchmark's sway: one 1920x1080 output, no bar, no Xwayland,
		# the default borders and title bars, windows stacked in one
		# column as strata stacks a level's windows (sway's default puts
		# them side by side: other tile shapes, other damage overlaps).
		output HEADLESS-1 resolution 1920x1080 position 0 0
		xwayland disable
		focus_follows_mouse no
		default_orientation vertical
	EOF
}

# strata_args KIND DIR: the command line of a strata of that kind.
strata_args() {
	local kind=$1 dir=$2 bin=$STRATA
	[ "$kind" = base ] && bin=$BASELINE
	STRATA_CMD=("$bin" --headless 1920x1080 --test-control --runtime-dir "$dir/rt"
		--data-dir "$dir/data" -c "$dir/strata.ini")
	[ "$kind" = cages ] || STRATA_CMD+=(--no-cages)
}

# comp_dir KIND DIR: a fresh directory for one compositor of that kind.
comp_dir() {
	local kind=$1 dir=$2
	rm -rf "$dir"
	mkdir -p "$dir"
	if is_strata "$kind"; then
		chmod 711 "$dir"
		mkdir -m 711 "$dir/data"
		if [ "$kind" = base ]; then
			: >"$dir/strata.ini" # an older strata may not know [lock]
		else
			# As root, strata wants the unlocking user; no idle lock in a
			# benchmark (sway has none here either).
			printf '[lock]\nuser = root\nidle_seconds = 0\n' >"$dir/strata.ini"
		fi
	else
		chmod 700 "$dir"
		chown "$BUID:$BGID" "$dir"
		write_sway_config "$dir/sway.conf"
		chmod 644 "$dir/sway.conf"
	fi
}

# comp_start KIND DIR: starts a compositor; sets COMP_PID, SOCK, CTL.
comp_start() {
	local kind=$1 dir=$2
	comp_dir "$kind" "$dir"
	CTL=
	LAST_LOG=$dir/comp.log
	case $kind in
	strata | cages | base)
		strata_args "$kind" "$dir"
		start "$dir/comp" "${STRATA_CMD[@]}"
		COMP_PID=$STARTED_PID
		wait_for 20 "$kind to be ready" grep -qs '^strata: ready' "$dir/comp.out"
		CTL=$dir/rt/test-control
		if [ "$kind" = cages ]; then
			SOCK=$(sed -n 's/^strata: cage low socket //p' "$dir/comp.out")
			[ -n "$SOCK" ] || fail "strata printed no cage low socket"
			wait_for 20 "the low cage proxy" level_low_up
		else
			SOCK=$dir/rt/wayland-low
		fi
		;;
	sway)
		user_prefix "$dir"
		start "$dir/comp" "${USER_PREFIX[@]}" "${WLR_ENV[@]}" sway -c "$dir/sway.conf"
		COMP_PID=$STARTED_PID
		SOCK=$dir/wayland-1 # sway 1.7 starts at wayland-1
		wait_for 20 "sway's socket" test -S "$SOCK"
		wait_for 20 "sway's IPC socket" sway_ipc_exists "$dir"
		;;
	cage)
		user_prefix "$dir"
		start "$dir/comp" "${USER_PREFIX[@]}" "${WLR_ENV[@]}" "${CAGE_CMD[@]}"
		COMP_PID=$STARTED_PID
		SOCK=$dir/wayland-0
		wait_for 20 "cage's socket" test -S "$SOCK"
		;;
	esac
	# The process to measure: cage runs under bwrap, as its child.
	MEASURE_PID=$COMP_PID
	if [ "$kind" = cage ]; then
		local parents=$COMP_PID children
		children=$(pgrep -P "$COMP_PID" | paste -sd, - || true)
		[ -z "$children" ] || parents+=",$children"
		MEASURE_PID=$(pgrep -x cage -P "$parents" | head -n1 || true)
		[ -n "$MEASURE_PID" ] || fail "no cage process under bwrap"
	fi
	COMP_KIND=$kind
	COMP_DIR=$dir
	kill -0 "$COMP_PID" 2>/dev/null || fail "$kind exited at start: $(tail -n 3 "$dir/comp.log")"
}

comp_stop() {
	kill -0 "$COMP_PID" 2>/dev/null || fail "$COMP_KIND died: $(tail -n 5 "$COMP_DIR/comp.log")"
	if [ -n "$CTL" ]; then
		ctl quit >/dev/null || true
		for _ in $(seq 1 250); do kill -0 "$COMP_PID" 2>/dev/null || break; sleep 0.02; done
	fi
	stop_group "$COMP_PID"
	forget_group "$COMP_PID"
	local left
	left=$(pgrep -f "$COMP_DIR/" || true)
	[ -z "$left" ] || fail "$COMP_KIND left processes behind: $(ps -o pid=,args= -p "${left//$'\n'/,}")"
}

# client LOGBASE COMMAND...: a client of the running compositor.
client() {
	local log=$1
	shift
	if is_strata "$COMP_KIND"; then
		start "$log" env WAYLAND_DISPLAY="$SOCK" XDG_RUNTIME_DIR="$WORK/root-xdg" SHELL=/bin/sh "$@"
	else
		user_prefix "$COMP_DIR"
		start "$log" "${USER_PREFIX[@]}" WAYLAND_DISPLAY="$SOCK" "$@"
	fi
}

# The number of mapped windows, or -1 when the compositor cannot say (cage).
window_count() {
	case $COMP_KIND in
	strata | cages | base) ctl windows | grep -c '^window' || true ;;
	sway) swaymsg -s "$(compgen -G "$COMP_DIR/sway-ipc.*.sock" | head -n1)" -t get_tree |
		grep -o '"shell": *"xdg_shell"' | wc -l ;;
	*) echo -1 ;;
	esac
}
windows_at_least() { local n; n=$(window_count); [ "$n" -lt 0 ] || [ "$n" -ge "$1" ]; }

# ---- figures ------------------------------------------------------------------

# CPU time of a process, in ns: the run time the scheduler counts for each
# of its threads (/proc/PID/task/*/schedstat), not the 10 ms ticks of
# /proc/PID/stat, which are too coarse for a compositor at 1 % over 5 s.
cpu_ns() {
	local t=0 f run _
	for f in /proc/"$1"/task/*/schedstat; do
		read -r run _ <"$f" 2>/dev/null && t=$((t + run))
	done
	echo "$t"
}
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# PSS: shared pages (client buffers the compositor maps, the libraries)
# divided among the processes mapping them.
pss_kib() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup"; }
# The cage proxies of the running strata.
proxy_pids() {
	local child
	for child in $(pgrep -P "$COMP_PID" || true); do
		tr '\0' ' ' <"/proc/$child/cmdline" 2>/dev/null | grep -q strata-cage-proxy && echo "$child"
	done
	return 0
}
cpu_ns_sum() { local t=0 p; for p in "$@"; do t=$((t + $(cpu_ns "$p"))); done; echo "$t"; }
rss_sum() { local r=0 p; for p in "$@"; do r=$((r + $(rss_kib "$p"))); done; echo "$r"; }
pss_sum() { local r=0 p; for p in "$@"; do r=$((r + $(pss_kib "$p"))); done; echo "$r"; }
percent() { awk -v t="$1" -v s="$SECONDS_LOAD" 'BEGIN {printf "%.2f", 100 * t / 1e9 / s}'; }

# record KIND MEASURE VALUE...: appends samples.
record() {
	local kind=$1 measure=$2
	shift 2
	[ $# -gt 0 ] || fail "$kind: no sample for $measure"
	local v
	for v in "$@"; do
		[[ $v =~ ^[0-9]+(\.[0-9]+)?$ ]] || fail "$kind: $measure: not a number: \"$v\""
		echo "$v" >>"$WORK/data/$kind.$measure"
	done
}

# measure_load KIND TAG: CPU over SECONDS_LOAD and RSS of the running
# compositor (and of its proxies), recorded under TAG.
measure_load() {
	local kind=$1 tag=$2 proxies c0 c1 p0 p1
	proxies=$(proxy_pids)
	if [ "$kind" = cages ]; then
		[ "$(wc -w <<<"$proxies")" -ge 1 ] || fail "cages: no strata-cage-proxy under strata"
	fi
	c0=$(cpu_ns "$MEASURE_PID")
	p0=$(cpu_ns_sum $proxies)
	sleep "$SECONDS_LOAD"
	c1=$(cpu_ns "$MEASURE_PID")
	p1=$(cpu_ns_sum $proxies)
	record "$kind" "cpu_$tag" "$(percent $((c1 - c0)))"
	record "$kind" "cpuall_$tag" "$(percent $((c1 - c0 + p1 - p0)))"
	record "$kind" "rss_$tag" "$(rss_kib "$MEASURE_PID")"
	record "$kind" "rssall_$tag" "$(($(rss_kib "$MEASURE_PID") + $(rss_sum $proxies)))"
	record "$kind" "pss_$tag" "$(pss_kib "$MEASURE_PID")"
	record "$kind" "pssall_$tag" "$(($(pss_kib "$MEASURE_PID") + $(pss_sum $proxies)))"
	if [ "$kind" = cages ]; then
		record "$kind" "cpuproxy_$tag" "$(percent $((p1 - p0)))"
		record "$kind" "rssproxy_$tag" "$(rss_sum $proxies)"
	fi
}

# ---- phases --------------------------------------------------------------------

scenario_clients() {
	case $1 in
	2a4i) echo "foot foot foot weston-terminal anim anim" ;;
	1a5i) echo "foot foot foot weston-terminal foot anim" ;;
	0a6i) echo "foot foot foot weston-terminal foot weston-terminal" ;;
	esac
}

phase_scenario() {
	local kind=$1 scen=$2 round=$3
	local dir=$WORK/run/$kind-$scen-$round
	comp_start "$kind" "$dir"
	local pids=() i=0 c
	for c in $(scenario_clients "$scen"); do
		i=$((i + 1))
		case $c in
		anim) client "$dir/client$i" "$PROBE" anim 256 256 ;;
		foot) client "$dir/client$i" foot ;;
		*) client "$dir/client$i" "$c" ;;
		esac
		pids+=("$STARTED_PID")
	done
	wait_for 30 "$kind: $i windows to map ($scen)" windows_at_least "$i"
	[ "$(window_count)" -ge 0 ] || sleep 2 # cage cannot say: time for foot to map
	sleep "$SETTLE"
	for i in "${!pids[@]}"; do
		kill -0 "${pids[$i]}" 2>/dev/null ||
			fail "$kind ($scen): client $((i + 1)) exited: $(tail -n 3 "$dir/client$((i + 1)).log")"
	done
	[ -z "$CTL" ] || ctl_ok stats reset >/dev/null
	measure_load "$kind" "$scen"
	if [ -n "$CTL" ]; then
		local stats frames
		stats=$(ctl_ok stats)
		frames=$(sed -n 's/.*frames=\([0-9]*\).*/\1/p' <<<"$stats")
		[[ $frames =~ ^[0-9]+$ ]] || fail "$kind ($scen): stats gave no frame count: \"$stats\""
		record "$kind" "fps_$scen" "$(awk -v f="$frames" -v s="$SECONDS_LOAD" 'BEGIN {printf "%.1f", f / s}')"
		if [ "$frames" -gt 0 ]; then
			record "$kind" "render_$scen" "$(sed -n 's/.*render_avg_us=\([0-9]*\).*/\1/p' <<<"$stats")"
			record "$kind" "rendermax_$scen" "$(sed -n 's/.*render_max_us=\([0-9]*\).*/\1/p' <<<"$stats")"
		fi
	fi
	for i in "${!pids[@]}"; do
		stop_group "${pids[$i]}"
		forget_group "${pids[$i]}"
	done
	comp_stop
}

probe_holding() { grep -qs 'windows open, holding' "$1"; }

phase_map() {
	local kind=$1 n=$2 round=$3
	local dir=$WORK/run/$kind-map$n-$round
	comp_start "$kind" "$dir"
	local hold
	hold=$(awk -v s="$SECONDS_LOAD" -v t="$SETTLE" 'BEGIN {printf "%d", s + t + 2}')
	client "$dir/map" "$PROBE" map "$n" "$MAP_SAMPLES" "$hold"
	local pid=$STARTED_PID
	wait_for 60 "$kind: $n windows of the probe" probe_holding "$dir/map.log"
	kill -0 "$pid" 2>/dev/null || fail "$kind: probe map $n: $(tail -n 3 "$dir/map.log")"
	sleep "$SETTLE"
	measure_load "$kind" "idle$n"
	local rc=0
	wait "$pid" || rc=$?
	forget_group "$pid"
	[ "$rc" = 0 ] || fail "$kind: probe map $n failed ($rc): $(tail -n 3 "$dir/map.log")"
	[ "$(wc -l <"$dir/map.out")" = "$MAP_SAMPLES" ] || fail "$kind: probe map $n: wrong number of samples"
	record "$kind" "map$n" $(awk '{print $1}' "$dir/map.out")
	record "$kind" "configure$n" $(awk '{print $2}' "$dir/map.out")
	comp_stop
}

# probe_run KIND LOG ARGS...: the probe as a client, in the foreground; its
# samples on stdout.
probe_run() {
	local kind=$1 log=$2
	shift 2
	local rc=0
	if is_strata "$kind"; then
		WAYLAND_DISPLAY=$SOCK XDG_RUNTIME_DIR=$WORK/root-xdg timeout 120 "$PROBE" "$@" 2>>"$log" || rc=$?
	else
		as_user "$COMP_DIR" env WAYLAND_DISPLAY="$SOCK" timeout 120 "$PROBE" "$@" 2>>"$log" || rc=$?
	fi
	[ "$rc" = 0 ] || fail "$kind: probe $* failed ($rc): $(tail -n 3 "$log")"
}

phase_latency() {
	local kind=$1 round=$2
	local dir=$WORK/run/$kind-latency-$round
	comp_start "$kind" "$dir"
	local n=$((SYNC_N + SYNC_WARM))
	local out
	out=$(probe_run "$kind" "$dir/probe.log" commitsync 512 512 "$n") || exit 1
	record "$kind" sync512 $(tail -n +$((SYNC_WARM + 1)) <<<"$out")
	out=$(probe_run "$kind" "$dir/probe.log" commitsync 1920 1080 "$n") || exit 1
	record "$kind" sync1080 $(tail -n +$((SYNC_WARM + 1)) <<<"$out")
	# Commit to frame done: the pixels' whole way to the screen, wherever
	# a compositor reads them (strata copies a window's damage for the frame
	# drawn; sway's pixman reads client memory as it draws).
	out=$(probe_run "$kind" "$dir/probe.log" commit 512 512 "$n") || exit 1
	record "$kind" frame512 $(tail -n +$((SYNC_WARM + 1)) <<<"$out")
	out=$(probe_run "$kind" "$dir/probe.log" commit 1920 1080 "$n") || exit 1
	record "$kind" frame1080 $(tail -n +$((SYNC_WARM + 1)) <<<"$out")
	if [ -n "$CTL" ]; then
		out=$(probe_run "$kind" "$dir/probe.log" key "$CTL" "$KEY_N") || exit 1
		record "$kind" key $out
	fi
	comp_stop
}

phase_exec() {
	local kind=$1 round=$2
	local dir=$WORK/run/$kind-exec-$round i
	for i in $(seq 1 "$EXEC_N"); do
		comp_dir "$kind" "$dir"
		local sock=$dir/wayland-0 cmd out
		case $kind in
		strata | base) strata_args "$kind" "$dir"; sock=$dir/rt/wayland-low; cmd=("${STRATA_CMD[@]}") ;;
		cages) strata_args "$kind" "$dir"; sock=$dir/rt/cages/low/wayland-0; cmd=("${STRATA_CMD[@]}") ;;
		sway) sock=$dir/wayland-1; cmd=(as_user "$dir" env "${WLR_ENV[@]}" "$PROBE" exec "$sock" "$dir/comp.log" sway -c "$dir/sway.conf") ;;
		cage) cmd=(as_user "$dir" env "${WLR_ENV[@]}" "$PROBE" exec "$sock" "$dir/comp.log" "${CAGE_CMD[@]}") ;;
		esac
		is_strata "$kind" && cmd=("$PROBE" exec "$sock" "$dir/comp.log" "${cmd[@]}")
		out=$("${cmd[@]}" 2>>"$dir/probe.log") ||
			fail "$kind: probe exec failed: $(tail -n 3 "$dir/probe.log") / $(tail -n 3 "$dir/comp.log")"
		record "$kind" exec $out
		local left
		left=$(pgrep -f "$dir/" || true)
		[ -z "$left" ] || fail "$kind (exec) left processes behind: $(ps -o pid=,args= -p "${left//$'\n'/,}")"
	done
}

# ---- the rounds -----------------------------------------------------------------

# The kinds in round R's order: rotated by R, reversed every other round.
round_order() {
	local r=$1 n=${#KINDS[@]} i out=()
	for i in $(seq 0 $((n - 1))); do out+=("${KINDS[$(((i + r) % n))]}"); done
	if [ $((r % 2)) = 1 ]; then
		local rev=()
		for ((i = n - 1; i >= 0; i--)); do rev+=("${out[$i]}"); done
		out=("${rev[@]}")
	fi
	echo "${out[@]}"
}

T_START=$(date +%s)
for round in $(seq 1 "$ROUNDS"); do
	order=$(round_order "$round")
	echo "bench: round $round of $ROUNDS: $order" >&2
	for scen in $SCENARIOS; do
		for kind in $order; do phase_scenario "$kind" "$scen" "$round"; done
	done
	for n in $MAP_COUNTS; do
		for kind in $order; do phase_map "$kind" "$n" "$round"; done
	done
	for kind in $order; do phase_latency "$kind" "$round"; done
	for kind in $order; do phase_exec "$kind" "$round"; done
done
T_END=$(date +%s)

# ---- report --------------------------------------------------------------------

# fig KIND MEASURE min|median: empty when there is no sample.
fig() {
	local file=$WORK/data/$1.$2
	[ -s "$file" ] || return 0
	sort -g "$file" | awk -v what="$3" '{a[NR] = $1}
		END {
			if (what == "min") v = a[1]
			else v = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
			print v
		}'
}

# A row: LABEL MEASURE SCALE UNIT; the cell is "median (min)" scaled.
# MEASURE may be "cpuall" style for cages only through ALT (cages' measure).
row() {
	local label=$1 measure=$2 scale=$3 unit=$4 cages_measure=${5:-$2}
	local line kind m med min sway_med cells=() ratios=()
	sway_med=$(fig sway "$measure" median)
	for kind in "${KINDS[@]}"; do
		m=$measure
		[ "$kind" = cages ] && m=$cages_measure
		med=$(fig "$kind" "$m" median)
		min=$(fig "$kind" "$m" min)
		if [ -z "$med" ]; then
			cells+=("n/a")
		else
			cells+=("$(awk -v a="$med" -v b="$min" -v s="$scale" 'BEGIN {
				f = (a / s < 10) ? "%.2f (%.2f)" : (a / s < 100) ? "%.1f (%.1f)" : "%.0f (%.0f)"
				printf f, a / s, b / s }')")
		fi
		if [ "$kind" != sway ] && [ "$kind" != cage ]; then
			if [ -n "$med" ] && [ -n "$sway_med" ] && awk -v s="$sway_med" 'BEGIN {exit !(s > 0)}'; then
				ratios+=("$(awk -v a="$med" -v s="$sway_med" 'BEGIN {printf "%.2f", a / s}')")
			else
				ratios+=("n/a")
			fi
		fi
	done
	printf '| %-50s | %-4s |' "$label" "$unit"
	for c in "${cells[@]}"; do printf ' %17s |' "$c"; done
	for c in "${ratios[@]}"; do printf ' %6s |' "$c"; done
	printf '\n'
}

# Every measure has samples for every kind that can have it.
for kind in "${KINDS[@]}"; do
	for scen in $SCENARIOS; do
		for m in cpu rss pss; do [ -s "$WORK/data/$kind.${m}_$scen" ] || fail "$kind: no $m for $scen"; done
	done
	for n in $MAP_COUNTS; do [ -s "$WORK/data/$kind.map$n" ] || fail "$kind: no map time at $n"; done
	for m in sync512 sync1080 frame512 frame1080 exec; do [ -s "$WORK/data/$kind.$m" ] || fail "$kind: no $m"; done
	if is_strata "$kind"; then [ -s "$WORK/data/$kind.key" ] || fail "$kind: no key latency"; fi
done

declare -A SCEN_TITLE=([2a4i]="2 animated + 4 idle" [1a5i]="1 animated + 5 idle" [0a6i]="6 idle")
echo
printf 'Compositor benchmark: headless, pixman, 1920x1080 (cage: 1280x720); %d rounds, interleaved;\n' "$ROUNDS"
printf 'CPU over %d s (one core = 100 %%); cells: median (min); ratios: medians over sway'"'"'s.\n' "$SECONDS_LOAD"
printf 'strata+cages: clients through the low cage proxy; its CPU and RSS rows include the proxies.\n\n'
printf '| %-50s | %-4s |' "measure" "unit"
for kind in "${KINDS[@]}"; do printf ' %17s |' "${TITLE[$kind]}"; done
for kind in "${KINDS[@]}"; do
	[ "$kind" = sway ] || [ "$kind" = cage ] || printf ' %6s |' "${kind:0:1}/sway"
done
printf '\n'
for scen in $SCENARIOS; do
	row "${SCEN_TITLE[$scen]}: CPU" "cpu_$scen" 1 % "cpuall_$scen"
	[ -s "$WORK/data/cages.cpuproxy_$scen" ] && row "  of which the proxies (cages)" "cpuproxy_$scen" 1 %
	row "${SCEN_TITLE[$scen]}: RSS" "rss_$scen" 1024 MiB "rssall_$scen"
	row "${SCEN_TITLE[$scen]}: PSS" "pss_$scen" 1024 MiB "pssall_$scen"
	row "${SCEN_TITLE[$scen]}: render per frame (strata)" "render_$scen" 1 us
	row "${SCEN_TITLE[$scen]}: frames per second (strata)" "fps_$scen" 1 /s
done
for n in $MAP_COUNTS; do
	row "$n idle windows: CPU" "cpu_idle$n" 1 % "cpuall_idle$n"
	row "$n idle windows: RSS" "rss_idle$n" 1024 MiB "rssall_idle$n"
	row "$n idle windows: PSS" "pss_idle$n" 1024 MiB "pssall_idle$n"
	row "window $((n + 1)): map (to first frame done)" "map$n" 1000 ms
	row "window $((n + 1)): first configure" "configure$n" 1000 ms
done
row "commit -> sync, 512x512" sync512 1 us
row "commit -> sync, 1920x1080" sync1080 1 us
row "commit -> frame done, 512x512" frame512 1 us
row "commit -> frame done, 1920x1080" frame1080 1 us
row "key -> client (test-control)" key 1 us
row "exec -> first frame done" exec 1000 ms
echo

# The goals (informative: they do not change the exit status).
goal() {
	local what=$1 kind=$2 measure=$3 sway_measure=$4 limit=$5
	local a b
	a=$(fig "$kind" "$measure" median)
	b=$(fig sway "$sway_measure" median)
	awk -v a="$a" -v b="$b" -v l="$limit" -v w="$what" -v k="${TITLE[$kind]}" 'BEGIN {
		r = a / b; printf "goal %-44s %-13s %5.2fx sway (<= %.1f): %s\n", w, k, r, l, (r <= l) ? "PASS" : "FAIL" }'
}
last_n=${MAP_COUNTS##* }
for kind in strata cages; do
	for scen in 2a4i 1a5i; do
		case " $SCENARIOS " in *" $scen "*) ;; *) continue ;; esac
		if [ "$kind" = cages ]; then
			goal "CPU, ${SCEN_TITLE[$scen]} (+ proxies)" "$kind" "cpuall_$scen" "cpu_$scen" 1.2
		else
			goal "CPU, ${SCEN_TITLE[$scen]}" "$kind" "cpu_$scen" "cpu_$scen" 1.2
		fi
	done
	goal "commit -> sync 1920x1080" "$kind" sync1080 sync1080 1.5
	goal "commit -> sync 512x512" "$kind" sync512 sync512 1.5
	goal "map time at $last_n windows" "$kind" "map$last_n" "map$last_n" 2
	goal "exec -> first frame" "$kind" exec exec 1
	if [ "$kind" = cages ]; then
		goal "RSS, 2 animated + 4 idle (+ proxies)" "$kind" rssall_2a4i rss_2a4i 1.3
	else
		goal "RSS, 2 animated + 4 idle" "$kind" rss_2a4i rss_2a4i 1.3
	fi
done

# JSON: every sample, with min and median, per kind and measure.
json=$BUILD/bench-compositor.json
{
	printf '{"resolution": "1920x1080", "renderer": "pixman", "rounds": %d, "load_seconds": %d,\n' "$ROUNDS" "$SECONDS_LOAD"
	printf ' "smoke": %s, "wall_seconds": %d, "map_samples": %d, "sync_samples": %d,\n' \
		"$([ "$SMOKE" = 1 ] && echo true || echo false)" $((T_END - T_START)) "$MAP_SAMPLES" "$SYNC_N"
	printf ' "units": {"cpu": "percent of one core", "rss": "KiB", "render": "us", "map": "us", "configure": "us", "sync": "us", "key": "us", "exec": "us"},\n'
	printf ' "kinds": {'
	first_kind=1
	for kind in "${KINDS[@]}"; do
		[ "$first_kind" = 1 ] || printf ','
		first_kind=0
		printf '\n  "%s": {' "$kind"
		first=1
		for file in "$WORK/data/$kind".*; do
			m=${file##*/$kind.}
			[ "$first" = 1 ] || printf ','
			first=0
			printf '\n   "%s": {"min": %s, "median": %s, "samples": [%s]}' "$m" \
				"$(fig "$kind" "$m" min)" "$(fig "$kind" "$m" median)" "$(paste -sd, "$file")"
		done
		printf '}'
	done
	printf '}}\n'
} >"$json"
echo
echo "figures written to $json"

# The plot: CPU and map time against the number of windows.
plotdata=$WORK/plot.dat
{
	printf '# windows'
	for kind in "${KINDS[@]}"; do printf ' cpu_%s' "$kind"; done
	for kind in "${KINDS[@]}"; do printf ' map_ms_%s' "$kind"; done
	printf '\n'
	for n in $MAP_COUNTS; do
		printf '%s' "$n"
		for kind in "${KINDS[@]}"; do
			m=cpu_idle$n
			[ "$kind" = cages ] && m=cpuall_idle$n
			printf ' %s' "$(fig "$kind" "$m" median)"
		done
		for kind in "${KINDS[@]}"; do
			printf ' %s' "$(awk -v v="$(fig "$kind" "map$n" median)" 'BEGIN {print v / 1000}')"
		done
		printf '\n'
	done
} >"$plotdata"
# plot_kinds FIRST_COLUMN: a gnuplot `plot` of one line per kind, from the
# plot data's columns FIRST_COLUMN on (cage: a 1280x720 output, one window).
plot_kinds() {
	local i=0 kind title
	printf "plot "
	for kind in "${KINDS[@]}"; do
		[ "$i" = 0 ] || printf ", "
		title=${TITLE[$kind]}
		[ "$kind" = cage ] && title="$title (1280x720, one window shown)"
		printf "'%s' using 1:%d with linespoints title '%s'" "$plotdata" $(($1 + i)) "$title"
		i=$((i + 1))
	done
	printf '\n'
}
png=$BUILD/bench-compositor.png
{
	echo "set terminal pngcairo size 1400,600 font 'DejaVu Sans,10'"
	echo "set output '$png'"
	echo "set multiplot layout 1,2 title 'strata vs sway 1.7 and cage 0.1.4: idle windows of strata-probe (medians of $ROUNDS rounds)'"
	echo "set key top left; set grid; set xlabel 'windows open'"
	echo "set ylabel 'compositor CPU, % of one core (strata+cages: with proxies)'"
	plot_kinds 2
	echo "set ylabel 'map time of one window more, ms'"
	plot_kinds $((2 + ${#KINDS[@]}))
	echo "unset multiplot"
} >"$WORK/plot.gp"
gnuplot "$WORK/plot.gp" || fail "gnuplot failed"
[ -s "$png" ] || fail "gnuplot wrote no $png"
echo "plot written to $png"
