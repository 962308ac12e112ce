#!/bin/bash
# SPDX-License-Identifier: MIT
# Xwayland benchmark: the time from asking for an xterm to its window mapped,
# in strata (xterm in the low level's cage, on the level's own Xwayland)
# next to the same xterm under Debian's sway 1.7 and its Xwayland, both
# headless with wlroots' pixman renderer, 1920x1080, in one run.
#
# Usage: bench/xwayland.sh [BUILDDIR] [--rounds N]
# Needs BUILDDIR/compositor/strata (built with -Dtest-control=true, as
# scripts/build.sh does) and BUILDDIR/strata-run/strata-run. Runs as root:
# strata's cages need it, and the script creates the unprivileged user sway
# and its xterms run as, and removes it on exit. Installs xterm, xwayland,
# sway, socat and bubblewrap with apt-get when one is missing. Prints a
# table of medians (min in brackets) over the rounds, with the ratio of the
# medians strata/sway, and writes it to BUILDDIR/bench-xwayland.txt. A run
# in which any xterm does not map (30 s), or a compositor or an xterm dies,
# or a compositor leaves processes behind, ends the whole benchmark with an
# error and no table, as does an Xwayland running before the first xterm
# (not lazy) or more than one after the second.
#
# What is timed (the clock: bash's EPOCHREALTIME, in the script):
#   strata  from just before `strata-run -s CORE_SOCKET low -- xterm` (the
#           launcher asks strata over its core socket; strata starts xterm
#           in low's bubblewrap cage, with DISPLAY=:0, low's Xwayland,
#           `xwayland = lazy`) to the first `windows` reply of the
#           test-control socket that lists one low window more: the mapped
#           toplevels, X11 ones included. Polled every 5 ms over one
#           connection kept open (no process started per poll): the
#           figure is late by 2.5 ms on average, 5 ms at most.
#   sway    from just before `swaymsg exec xterm` (the launcher asks sway
#           over its IPC socket; sway starts `sh -c xterm` with its
#           DISPLAY, its Xwayland, `xwayland enable`, lazy as well) to the
#           IPC "window" event "new" of an xwayland view, which sway sends
#           when it maps the view, read from `swaymsg -t subscribe` started
#           (and seen subscribed) before.
# Both sides are the same story: a small launcher process asks the
# compositor over its own socket to start a program, and the time runs to
# the moment the compositor says the window is mapped. Strata's side also
# pays its cage (a bubblewrap sandbox per launch, the level's uid) and runs
# a per-level Xwayland; sway's is its one Xwayland, without a sandbox.
# Map is what each compositor calls map (the X11 window mapped and its
# surface committed), not a frame on screen.
#
# The cases, each in a fresh compositor:
#   first   the session's first X program: Xwayland is not running (both
#           are lazy), so its start-up is in the figure;
#   second  a second xterm, SETTLE_S (1 s) after the first mapped, the
#           first still open: Xwayland running (both Xwaylands run with
#           -terminate, so closing the first would end it). The pause lets
#           the first xterm finish starting (its shell, its first drawing):
#           without it the second competes with the first for the CPU.
# Method: a warm-up run of each compositor (page cache, font caches; not
# counted), then ROUNDS rounds (default 5); in each round strata then sway,
# the other way round every other round. sway and its xterms run as a user
# of the script's own, in a bubblewrap namespace whose /tmp/.X11-unix is an
# empty tmpfs (wlroots refuses a host /tmp/.X11-unix owned by another user;
# the same as compositor.sh does for cage). The xterms' locale is C.UTF-8 on
# both sides (a cage's LANG is strata's). sway's configuration: one
# 1920x1080 output, Xwayland on (lazy), windows stacked in one column as
# strata stacks a level's.
set -euo pipefail

usage() {
	sed -n 's/^# \{0,1\}Usage: /usage: /p' "$0" >&2
	exit 2
}

BUILD=build
ROUNDS=5
while [ $# -gt 0 ]; do
	case $1 in
	--rounds)
		ROUNDS=${2:-}
		shift 2 || usage
		;;
	-h | --help) usage ;;
	-*) usage ;;
	*)
		BUILD=$1
		shift
		;;
	esac
done
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || usage

MAP_TIMEOUT_S=30
POLL_S=0.005
SETTLE_S=1 # after the compositor is up, and between the first and the second xterm

LAST_LOG= # the log of the compositor running, shown on failure
fail() {
	echo "xwayland.sh: FAILED: $*" >&2
	if [ -n "$LAST_LOG" ] && [ -s "$LAST_LOG" ]; then
		echo "--- $LAST_LOG (tail)" >&2
		tail -n 15 "$LAST_LOG" >&2
	fi
	exit 1
}

[ "$(id -u)" = 0 ] || fail "run as root (strata's cages; a user of its own for sway)"
[ -d "$BUILD" ] || fail "no build directory $BUILD (scripts/build.sh $BUILD)"
BUILD=$(cd "$BUILD" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
STRATA=$BUILD/compositor/strata
RUN=$BUILD/strata-run/strata-run
for prog in "$STRATA" "$RUN"; do
	[ -x "$prog" ] || fail "$prog is not built (scripts/build.sh $BUILD)"
done

packages=(xterm xwayland sway socat bubblewrap)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "xwayland.sh: installing ${missing[*]}" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" \
		>/dev/null || fail "apt-get install ${missing[*]} failed"
fi
for prog in sway swaymsg xterm Xwayland socat bwrap setpriv useradd userdel; do
	command -v "$prog" >/dev/null || fail "$prog is missing"
done

WORK=$(mktemp -d /tmp/strata-bench-xwayland.XXXXXX)
chmod 711 "$WORK"
# Every path from here on is absolute: the benchmark user's programs start
# in the working directory, and a checkout under /root is closed to them.
cd /
BUSER=
GROUPS_STARTED=() # process groups (setsid), leader pids
CTL_PID=
SUB_PID=

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
forget_group() {
	local pid=$1 kept=() p
	for p in "${GROUPS_STARTED[@]}"; do [ "$p" = "$pid" ] || kept+=("$p"); done
	GROUPS_STARTED=("${kept[@]}")
}
# The processes of the benchmark's own user: all started by this script.
user_pids() { [ -z "$BUSER" ] || pgrep -u "$BUSER" || true; }
cleanup() {
	local rc=$?
	set +e
	[ -z "$CTL_PID" ] || kill "$CTL_PID" 2>/dev/null
	[ -z "$SUB_PID" ] || kill "$SUB_PID" 2>/dev/null
	for pid in "${GROUPS_STARTED[@]}"; do stop_group "$pid"; done
	if [ -n "$BUSER" ]; then
		local p
		for _ in $(seq 1 100); do
			[ -n "$(user_pids)" ] || break
			sleep 0.02
		done
		for p in $(user_pids); do kill -KILL "$p" 2>/dev/null; done
		for _ in $(seq 1 100); do
			[ -n "$(user_pids)" ] || break
			sleep 0.02
		done
		userdel "$BUSER" 2>/dev/null || userdel -f "$BUSER" ||
			echo "xwayland.sh: could not remove the user $BUSER" >&2
	fi
	if [ "${BENCH_KEEP:-0}" = 1 ] || [ "$rc" != 0 ]; then
		echo "xwayland.sh: logs kept in $WORK" >&2
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

BUSER=stxwl$$
useradd --system --user-group --no-create-home --home-dir "$WORK/home" \
	--shell /usr/sbin/nologin "$BUSER" || {
	BUSER=
	fail "useradd failed"
}
BUID=$(id -u "$BUSER")
BGID=$(id -g "$BUSER")
mkdir -m 700 "$WORK/home"
chown "$BUID:$BGID" "$WORK/home"
mkdir "$WORK/data"

# A sleep that starts no process: a read that times out on a FIFO nobody
# writes to.
mkfifo "$WORK/nap"
exec {NAP_FD}<>"$WORK/nap"
nap() { read -r -t "$1" -u "$NAP_FD" _ || true; }
now_us() { NOW_US=${EPOCHREALTIME//[!0-9]/}; }

# start LOGBASE COMMAND...: COMMAND in a process group of its own, stdout in
# LOGBASE.out and stderr in LOGBASE.log; sets STARTED_PID.
start() {
	local log=$1
	shift
	setsid "$@" >"$log.out" 2>"$log.log" </dev/null {NAP_FD}<&- &
	STARTED_PID=$!
	GROUPS_STARTED+=("$STARTED_PID")
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 20 ms.
wait_for() {
	local limit=$1 what=$2
	shift 2
	local tries=$((limit * 50))
	for _ in $(seq 1 "$tries"); do
		"$@" && return 0
		nap 0.02
	done
	fail "timed out ($limit s) waiting for $what"
}

# xwayland_count KIND PID: the Xwayland processes of that compositor: under
# strata (PID), which reaps what its children leave (a subreaper); those of
# the benchmark's user for sway, whose wlroots starts Xwayland by a double
# fork (its parent is then init).
xwayland_count() {
	if [ "$1" = sway ]; then
		pgrep -c -u "$BUSER" -x Xwayland || true
		return
	fi
	ps -e -o pid=,ppid=,comm= | awk -v root="$2" '
		{ parent[$1] = $2; name[$1] = $3 }
		END {
			n = 0
			for (p in name) {
				if (name[p] != "Xwayland") continue
				for (q = parent[p]; q > 1; q = parent[q]) if (q == root) { n++; break }
			}
			print n
		}'
}
# check_xwayland KIND PID WANT WHEN: WANT Xwayland servers for the
# compositor (0 before the first X program: lazy; 1 after the second: the
# same server).
check_xwayland() {
	local n
	n=$(xwayland_count "$1" "$2")
	[ "$n" = "$3" ] || fail "$1: $n Xwayland processes $4, not $3"
}

# record KIND CASE START_US END_US: one sample, in ms.
record() {
	local ms
	ms=$(awk -v a="$3" -v b="$4" 'BEGIN {printf "%.1f", (b - a) / 1000}')
	echo "$ms" >>"$WORK/data/$1.$2"
	printf 'xwayland.sh:   %-6s %-6s %8s ms\n' "$1" "$2" "$ms" >&2
}

# ---- strata ---------------------------------------------------------------------

# The test-control socket, one connection for the whole run: socat between
# two FIFOs; requests written to CTL_W, replies read from CTL_R.
ctl_open() {
	local sock=$1 dir=$2
	mkfifo "$dir/ctl.req" "$dir/ctl.rep"
	exec {CTL_W}<>"$dir/ctl.req" {CTL_R}<>"$dir/ctl.rep"
	socat -t 10 - "UNIX-CONNECT:$sock" <"$dir/ctl.req" >"$dir/ctl.rep" 2>"$dir/ctl.log" \
		{CTL_W}>&- {CTL_R}<&- {NAP_FD}<&- &
	CTL_PID=$!
}
ctl_close() {
	[ -n "$CTL_PID" ] || return 0
	exec {CTL_W}>&-
	wait "$CTL_PID" 2>/dev/null || true
	exec {CTL_R}<&-
	CTL_PID=
}
# ctl REQUEST: its reply's lines in CTL_REPLY (the final ok line last).
ctl() {
	[ -n "$CTL_PID" ] || fail "test-control: no connection"
	printf '%s\n' "$1" >&"$CTL_W" || fail "test-control: \"$1\" could not be sent"
	CTL_REPLY=
	local line
	while IFS= read -r -t 10 line <&"$CTL_R"; do
		CTL_REPLY+="$line"$'\n'
		case $line in
		ok*) return 0 ;;
		error*) fail "test-control \"$1\": $line" ;;
		esac
	done
	fail "test-control \"$1\": no answer in 10 s (strata died?)"
}
low_windows() {
	ctl windows
	LOW_WINDOWS=$(grep -c '^window .* level=low ' <<<"$CTL_REPLY" || true)
}
low_up() {
	ctl levels
	grep -q 'level name=low up=1' <<<"$CTL_REPLY"
}

# strata_launch CASE COUNT: starts xterm in low's cage, waits until COUNT
# low windows are listed; records the time; sets SANDBOX (bwrap's pid).
strata_launch() {
	local case=$1 count=$2 t0 out
	now_us
	t0=$NOW_US
	out=$("$RUN" -s "$CORE" low -- xterm 2>&1) || fail "strata-run low -- xterm failed: $out"
	local deadline=$((t0 + MAP_TIMEOUT_S * 1000000))
	while :; do
		low_windows
		now_us
		[ "$LOW_WINDOWS" -lt "$count" ] || break
		[ "$NOW_US" -lt "$deadline" ] ||
			fail "strata ($case): xterm did not map in low's cage in $MAP_TIMEOUT_S s (low windows: $LOW_WINDOWS of $count)"
		nap "$POLL_S"
	done
	record strata "$case" "$t0" "$NOW_US"
	[[ $out =~ ^[0-9]+$ ]] || fail "strata-run printed no pid: $out"
	SANDBOX=$out
}

# strata_run DIR [warmup]: a fresh strata, the first and second xterm.
strata_run() {
	local dir=$1 warm=${2:-}
	mkdir -m 711 "$dir" "$dir/data"
	cat >"$dir/strata.ini" <<-'EOF'
		[level low]
		colour = #2e7d32
		xwayland = lazy
		[level high]
		colour = #c62828
		[lock]
		user = root
		idle_seconds = 0
	EOF
	LAST_LOG=$dir/strata.log
	local check
	check=$("$STRATA" --validate -c "$dir/strata.ini" 2>&1) ||
		fail "this strata does not take the benchmark's configuration (no xwayland key?): $check"
	start "$dir/strata" env -u DISPLAY -u WAYLAND_DISPLAY LANG=C.UTF-8 "$STRATA" --headless 1920x1080 \
		--test-control --runtime-dir "$dir/rt" --data-dir "$dir/data" -c "$dir/strata.ini"
	local pid=$STARTED_PID
	wait_for 20 "strata to be ready" grep -qs '^strata: ready' "$dir/strata.out"
	CORE=$(sed -n 's/^strata: core socket //p' "$dir/strata.out")
	[ -S "$CORE" ] || fail "strata printed no core socket"
	ctl_open "$dir/rt/test-control" "$dir"
	wait_for 20 "low's cage proxy" low_up
	low_windows
	[ "$LOW_WINDOWS" = 0 ] || fail "strata: $LOW_WINDOWS low windows before any launch"
	nap "$SETTLE_S"
	check_xwayland strata "$pid" 0 "before the first xterm (xwayland = lazy)"
	local first second
	strata_launch "first$warm" 1
	first=$SANDBOX
	nap "$SETTLE_S"
	strata_launch "second$warm" 2
	second=$SANDBOX
	check_xwayland strata "$pid" 1 "after the second xterm"
	ctl windows
	local xterms
	xterms=$(grep -c '^window .* level=low .*app_id="XTerm"' <<<"$CTL_REPLY" || true)
	[ "$xterms" = 2 ] || fail "strata: $xterms low XTerm windows after two xterms, not 2: $CTL_REPLY"
	for p in "$first" "$second"; do
		if ! kill -0 "$p" 2>/dev/null; then fail "strata: the cage of an xterm ($p) ended after mapping"; fi
	done
	if ! kill -0 "$pid" 2>/dev/null; then fail "strata died"; fi
	ctl quit
	ctl_close
	for _ in $(seq 1 500); do
		kill -0 "$pid" 2>/dev/null || break
		nap 0.02
	done
	if kill -0 "$pid" 2>/dev/null; then fail "strata did not quit within 10 s"; fi
	stop_group "$pid"
	forget_group "$pid"
	for p in "$first" "$second"; do
		if kill -0 "$p" 2>/dev/null; then fail "strata left an xterm's cage ($p) behind"; fi
	done
	local left
	left=$(pgrep -f "$dir/" || true)
	[ -z "$left" ] || fail "strata left processes behind: $(ps -o pid=,user=,args= -p "${left//$'\n'/,}")"
	LAST_LOG=
}

# ---- sway -----------------------------------------------------------------------


# The IPC event stream, subscribed to window and tick events: swaymsg
# writing to a FIFO read from SUB_R. sway answers a tick subscription with a
# tick event "first": its arrival says the subscription is in place.
sub_open() {
	local ipc=$1 dir=$2 line
	mkfifo "$dir/sub.fifo"
	exec {SUB_R}<>"$dir/sub.fifo"
	swaymsg -s "$ipc" -m -r -t subscribe '["window","tick"]' >"$dir/sub.fifo" 2>"$dir/sub.log" \
		</dev/null {SUB_R}<&- {NAP_FD}<&- &
	SUB_PID=$!
	while IFS= read -r -t 10 line <&"$SUB_R"; do
		[[ $line =~ \"first\":\ ?true ]] && return 0
	done
	fail "sway: no first tick event from the IPC subscription"
}
sub_close() {
	[ -n "$SUB_PID" ] || return 0
	kill "$SUB_PID" 2>/dev/null || true
	wait "$SUB_PID" 2>/dev/null || true
	exec {SUB_R}<&-
	SUB_PID=
}

sway_launch() {
	local case=$1 t0 out line
	now_us
	t0=$NOW_US
	out=$(swaymsg -s "$IPC" exec xterm 2>&1) || fail "swaymsg exec xterm failed: $out"
	local deadline=$((t0 + MAP_TIMEOUT_S * 1000000)) left
	while :; do
		now_us
		left=$(((deadline - NOW_US) / 1000))
		[ "$left" -gt 0 ] || fail "sway ($case): xterm did not map in $MAP_TIMEOUT_S s"
		if ! IFS= read -r -t "$((left / 1000)).$(printf '%03d' $((left % 1000)))" line <&"$SUB_R"; then
			fail "sway ($case): xterm did not map in $MAP_TIMEOUT_S s (or the IPC stream ended)"
		fi
		now_us
		[[ $line =~ \"change\":\ ?\"new\" ]] || continue
		[[ $line =~ \"shell\":\ ?\"xwayland\" ]] ||
			fail "sway ($case): a window that is not Xwayland's mapped: ${line:0:200}"
		break
	done
	record sway "$case" "$t0" "$NOW_US"
}

sway_ipc_socket() {
	IPC=$(compgen -G "$1/sway-ipc.*.sock" | head -n1 || true)
	[ -n "$IPC" ]
}

sway_run() {
	local dir=$1 warm=${2:-}
	mkdir -m 700 "$dir"
	chown "$BUID:$BGID" "$dir"
	cat >"$dir/sway.conf" <<-'EOF'
		# The benchmark's sway: one 1920x1080 output, no bar, Xwayland
		# on (lazy: started at the first X client), windows stacked in
		# one column as strata stacks a level's.
		output HEADLESS-1 resolution 1920x1080 position 0 0
		xwayland enable
		focus_follows_mouse no
		default_orientation vertical
	EOF
	chmod 644 "$dir/sway.conf"
	LAST_LOG=$dir/sway.log
	start "$dir/sway" setpriv --reuid="$BUID" --regid="$BGID" --clear-groups \
		env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$WORK/home" SHELL=/bin/sh \
		USER="$BUSER" LOGNAME="$BUSER" LANG=C.UTF-8 \
		XDG_RUNTIME_DIR="$dir" XDG_CACHE_HOME="$WORK/home/.cache" \
		XDG_CONFIG_HOME="$WORK/home/.config" \
		WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 \
		WLR_HEADLESS_OUTPUTS=1 \
		bwrap --dev-bind / / --tmpfs /tmp/.X11-unix sway -c "$dir/sway.conf"
	local pid=$STARTED_PID
	wait_for 20 "sway's socket" test -S "$dir/wayland-1"
	wait_for 20 "sway's IPC socket" sway_ipc_socket "$dir"
	sub_open "$IPC" "$dir"
	nap "$SETTLE_S"
	check_xwayland sway "$pid" 0 "before the first xterm (lazy)"
	sway_launch "first$warm"
	nap "$SETTLE_S"
	sway_launch "second$warm"
	check_xwayland sway "$pid" 1 "after the second xterm"
	local tree views
	tree=$(swaymsg -s "$IPC" -r -t get_tree) || fail "sway: get_tree failed"
	views=$(grep -o '"shell": *"xwayland"' <<<"$tree" | wc -l)
	[ "$views" = 2 ] || fail "sway: $views Xwayland windows in the tree after two xterms, not 2"
	views=$(grep -o '"class": *"XTerm"' <<<"$tree" | wc -l)
	[ "$views" = 2 ] || fail "sway: $views XTerm windows in the tree after two xterms, not 2"
	if ! kill -0 "$pid" 2>/dev/null; then fail "sway died"; fi
	sub_close
	stop_group "$pid"
	forget_group "$pid"
	# Its xterms end with their X server; anything of the benchmark's
	# user still there after 5 s is left behind.
	local left=
	for _ in $(seq 1 250); do
		left=$(user_pids)
		[ -n "$left" ] || break
		nap 0.02
	done
	if [ -n "$left" ]; then
		local what
		what=$(ps -o pid=,args= -p "${left//$'\n'/,}" || true)
		for p in $left; do kill -KILL "$p" 2>/dev/null || true; done
		fail "sway left processes behind: $what"
	fi
	LAST_LOG=
}

# ---- the rounds -----------------------------------------------------------------

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
echo "xwayland.sh: warm-up (not counted)" >&2
strata_run "$WORK/strata-warm" -warm
sway_run "$WORK/sway-warm" -warm
for round in $(seq 1 "$ROUNDS"); do
	if [ $((round % 2)) = 1 ]; then order="strata sway"; else order="sway strata"; fi
	echo "xwayland.sh: round $round of $ROUNDS: $order" >&2
	for kind in $order; do "${kind}_run" "$WORK/$kind-$round"; done
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- report ---------------------------------------------------------------------

for kind in strata sway; do
	for c in first second; do
		n=$(wc -l <"$WORK/data/$kind.$c" 2>/dev/null || echo 0)
		[ "$n" = "$ROUNDS" ] || fail "$kind $c: $n samples, not $ROUNDS"
	done
done

# fig KIND CASE min|median
fig() {
	sort -g "$WORK/data/$1.$2" | awk -v what="$3" '{a[NR] = $1}
		END {
			if (what == "min") v = a[1]
			else v = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
			print v
		}'
}
cell() {
	awk -v a="$(fig "$1" "$2" median)" -v b="$(fig "$1" "$2" min)" 'BEGIN {
		f = (a < 100) ? "%.1f (%.1f)" : "%.0f (%.0f)"; printf f, a, b }'
}
ratio() {
	awk -v a="$(fig strata "$1" median)" -v s="$(fig sway "$1" median)" 'BEGIN {printf "%.2f", a / s}'
}
row() {
	printf '| %-36s | %15s | %15s | %11s |\n' "$2" "$(cell strata "$1")" "$(cell sway "$1")" "$(ratio "$1")"
}

commit=$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$SRC" diff --quiet HEAD -- 2>/dev/null || commit+=" (with uncommitted changes)"
version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo '?'; }
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
mem=$(awk '/^MemTotal:/ {printf "%.0f", $2 / 1048576}' /proc/meminfo)
debian=$(cat /etc/debian_version 2>/dev/null || echo '?')

out=$BUILD/bench-xwayland.txt
{
	echo "Xwayland benchmark (bench/xwayland.sh), $(date -u +%Y-%m-%d), at $commit:"
	echo "machine: ${cpu:-?}, $(nproc) CPUs, $mem GiB, Debian $debian, Linux $(uname -r);"
	echo "sway $(version sway), xwayland $(version xwayland), xterm $(version xterm), wlroots 0.15;"
	echo "load average at start $LOAD_START, at end $LOAD_END."
	echo "Headless 1920x1080, pixman; $ROUNDS round(s) after a warm-up run, strata and sway interleaved."
	echo "Map time, ms, median (min): from the launcher (strata: strata-run low -- xterm,"
	echo "into low's cage and low's Xwayland; sway: swaymsg exec xterm) to the compositor"
	echo "saying the window is mapped (strata: test-control windows, polled every 5 ms;"
	echo "sway: the IPC window event new). strata/sway: the ratio of the medians."
	echo
	printf '| %-36s | %15s | %15s | %11s |\n' "case" "strata" "sway 1.7" "strata/sway"
	printf '|%s|%s|%s|%s|\n' "--------------------------------------" "-----------------" "-----------------" "-------------"
	row first "first X program (Xwayland starts)"
	row second "second X program (Xwayland running)"
	echo
	for kind in strata sway; do
		for c in first second; do
			printf 'samples %-6s %-6s (ms, in round order): %s\n' "$kind" "$c" "$(paste -sd' ' "$WORK/data/$kind.$c")"
		done
	done
} | tee "$out"
echo "xwayland.sh: table in $out" >&2
