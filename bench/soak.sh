#!/bin/bash
# SPDX-License-Identifier: MIT
# Soak: strata (test-control build, headless, pixman, as root) with its two
# levels, low and high, each with its proxy and its own PipeWire, and N
# clients per level that run in a real cage of their level (one strata-run
# per level starts them all) and keep, each in a loop:
#   - connecting, mapping a window titled with their level's marker
#     (LOWMARK-... or HIGHMARK-...), drawing (a new shm buffer on each frame
#     callback, 10 a second at most), resizing (a buffer of another size
#     every 20 frames), opening and closing popups, for 2 to 5 s
#     (bench/soak_client.c), then disconnecting: cleanly (6 in 10), killed
#     by SIGKILL (2 in 10), or by a protocol error (2 in 10);
#   - every third round, when their level has the focus, copying their
#     level's marker (wl-copy) and pasting (wl-paste) within the level;
#   - every fourth round, playing a 0.3 s tone (pw-play, the level's
#     PipeWire; the core PipeWire has null devices);
# while this script, as the user's hands (test-control, real key events
# through the seat), gives focus to a window of high, asks for low's
# clipboard there (Logo+V) and answers the dialog, Return and Escape in
# turn, then gives focus back to a window of low.
#
# Every INTERVAL s it samples: strata's and the two level proxies' RSS and
# open fds, the frame time since the last sample (test-control `stats`:
# average and worst), the round trip time through low's proxy and on low's
# socket without it (strata-probe sync 20: the median), the windows and
# clients. At the end
# it writes the samples (.tsv), a table (.txt) and a plot (.png, gnuplot)
# to OUTDIR, and checks:
#   crashes     strata alive at every sample and exits 0 on `quit`; both
#               levels up at every sample; the proxies are the processes
#               they were at the start (none died and was restarted); no
#               sanitizer or crash report in strata's log;
#   leaks       the clients are drained (stopped, their cages ended, no
#               window and no level client left) twice: at the end of the
#               warm-up, and at the end; then they start again.
#               fds: strata's and the proxies' are, at both drains, exactly
#               what they were before the first client;
#               memory: at the second drain against the first (the same
#               state, the churn in between; samples taken under churn
#               follow how many clients are up at that moment, so their
#               slope is shown but not judged), strata's heap in use
#               (test-control heap: what malloc has handed out; a leak
#               grows it), strata's RSS and the proxies' RSS. Long runs (30
#               min and more): each grows under 1 %/hour of churn. Short
#               runs, where 1 %/hour is below the noise: strata's heap at
#               most +2 % (+0.04 % measured here; a leak of 100 bytes per
#               client, about 1,000 clients after the warm-up of the
#               3-minute version, is +4 % of its 2.4 MiB), the
#               proxies' RSS at most +3 % (512 bytes per connection was
#               +9.6 %), and strata's RSS at most +10 %: the RSS keeps the
#               heap's high-water mark, which follows the peak number of
#               clients (+1.4 to +4.8 % with no known leak);
#   audit       strata-audit verify: the chain is intact, and it holds as
#               many "transferred" lines as there were confirmed transfers
#               (Return on the dialog and "transferred" in the log);
#   isolation   no paste in low ever returned HIGHMARK; a paste in high that
#               returned LOWMARK-... returned a text that a confirmed
#               transfer's dialog previewed; no window listed as low's ever
#               had a HIGHMARK title, nor high's a LOWMARK one;
#   counts      every kind of event happened (windows of each end, copies,
#               pastes, plays, confirmed and cancelled transfers, samples):
#               a check with zero samples fails.
#
# Usage: bench/soak.sh [BUILDDIR] [--minutes M] [--interval S] [--clients N]
#                      [--warmup S] [--out DIR] [--name NAME]
#   BUILDDIR   a -Dtest-control=true build (default: build)
#   --minutes  length of the churn (default 60)
#   --interval seconds between samples (default 60)
#   --clients  clients per level (default 25)
#   --warmup   seconds of samples left out of the growth check (default:
#              10 min for runs of 30 min and more, else 60 s)
#   --out      where the results go (default bench/results)
#   --name     file name stem (default DATE-soak-Mmin)
# Exit 0 when every check passed, 1 otherwise, 77 when it cannot run here
# (not root, a program missing).
# SOAK_BREAK=marker (a test of the test only) makes the isolation check look
# for each level's own marker instead of the other's: it must then fail.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=
MINUTES=60
INTERVAL=60
CLIENTS=25
WARMUP=
OUT=$SRC/bench/results
NAME=
while [ $# -gt 0 ]; do
	case $1 in
	--minutes) MINUTES=$2; shift ;;
	--interval) INTERVAL=$2; shift ;;
	--clients) CLIENTS=$2; shift ;;
	--warmup) WARMUP=$2; shift ;;
	--out) OUT=$2; shift ;;
	--name) NAME=$2; shift ;;
	-h | --help) sed -n '/^# Usage:/,/^# Exit 0/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) echo "soak: unknown option $1" >&2; exit 2 ;;
	*) BUILD=$1 ;;
	esac
	shift
done
BUILD=$(cd "${BUILD:-$SRC/build}" && pwd)
[ -n "$WARMUP" ] || { [ "$MINUTES" -ge 30 ] && WARMUP=600 || WARMUP=60; }
[ -n "$NAME" ] || NAME=$(date -u +%Y-%m-%d)-soak-${MINUTES}min
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

STRATA=$BUILD/compositor/strata
RUN=$BUILD/strata-run/strata-run
PROBE=$BUILD/bench/strata-probe
CLIENT=$BUILD/bench/strata-soak-client
AUDIT=$BUILD/clipboard-guard/strata-audit
skip() {
	echo "soak: SKIP: $*" >&2
	exit 77
}
[ "$(id -u)" = 0 ] || skip "run as root (the cages need it)"
for prog in "$STRATA" "$RUN" "$PROBE" "$CLIENT" "$AUDIT"; do
	[ -x "$prog" ] || skip "$prog is not built"
done
for tool in bwrap socat wl-copy wl-paste pipewire pw-play gnuplot timeout; do
	command -v "$tool" >/dev/null || skip "$tool is missing"
done
"$STRATA" -h | grep -q -- --test-control || skip "$STRATA has no test-control"

WORK=$(mktemp -d /tmp/strata-soak.XXXXXX)
chmod 711 "$WORK"
mkdir -m 700 "$WORK/core" "$WORK/rt"
STRATA_PID=
PW_PID=
CAGES=()
log() { echo "soak: $(date -u +%H:%M:%S) $*"; }
cleanup() {
	local rc=$?
	set +e
	if [ $rc -ne 0 ] && [ $rc -ne 77 ] && [ -f "$WORK/strata.log" ]; then
		echo "soak: the end of strata's log:" >&2
		grep -v 'Basic output test failed' "$WORK/strata.log" | tail -40 >&2
	fi
	for c in "${CAGES[@]}"; do kill -KILL "$c" 2>/dev/null; done
	if [ -n "$STRATA_PID" ] && kill -0 "$STRATA_PID" 2>/dev/null; then
		kill -TERM "$STRATA_PID"
		wait "$STRATA_PID"
	fi
	[ -n "$PW_PID" ] && kill -TERM -- "-$PW_PID" 2>/dev/null
	wait 2>/dev/null
	if [ "${KEEP_WORK:-0}" = 1 ]; then
		echo "soak: work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'echo "soak: failed at line $LINENO" >&2' ERR

# ---- the core PipeWire and strata ----------------------------------------
PW_SOCKET=$WORK/core/pipewire-0
sed -e "s|@CORE_SOCKET@|$PW_SOCKET|" -e "s|@QUANTUM@|1024|" \
	"$SRC/audio-mux/core-pipewire-test.conf.in" >"$WORK/core.conf"
(
	cd "$WORK"
	exec env -i PATH=/usr/bin:/bin XDG_RUNTIME_DIR="$WORK/rt" HOME="$WORK" \
		PIPEWIRE_REMOTE="$PW_SOCKET" LANG=C.UTF-8 setsid pipewire -c "$WORK/core.conf"
) >"$WORK/core-pipewire.log" 2>&1 &
PW_PID=$!
for _ in $(seq 100); do [ -S "$PW_SOCKET" ] && break; sleep 0.1; done
[ -S "$PW_SOCKET" ] || { echo "soak: the core PipeWire did not start" >&2; exit 1; }

cat >"$WORK/strata.ini" <<EOF
[level low]
colour = #2e7d32
[level high]
colour = #c62828
[audio]
enabled = true
core_remote = $PW_SOCKET
quantum = 1024
[lock]
user = root
idle_seconds = 0
EOF
# Under a neutral name (as the test harness does): a `pkill strata` by
# someone else on a shared machine must not end the soak.
ln -s "$STRATA" "$WORK/compositor-soak"
"$WORK/compositor-soak" --headless 1920x1080 --test-control -c "$WORK/strata.ini" \
	--runtime-dir "$WORK/run" --data-dir "$WORK/data" >"$WORK/strata.log" 2>&1 &
STRATA_PID=$!
CTL=$WORK/run/test-control
# Readers of its output read all of it (grep without -q, no head): socat
# writing to a closed pipe prints an error.
ctl() { printf '%s\n' "$*" | socat -t 5 - "UNIX-CONNECT:$CTL"; }
for _ in $(seq 300); do
	grep -q '^strata: ready' "$WORK/strata.log" 2>/dev/null && break
	sleep 0.05
done
grep -q '^strata: ready' "$WORK/strata.log" || { tail "$WORK/strata.log" >&2; echo "soak: strata did not start" >&2; exit 1; }
for _ in $(seq 300); do
	[ "$(ctl levels | grep -c 'up=1')" = 2 ] && break
	sleep 0.05
done
[ "$(ctl levels | grep -c 'up=1')" = 2 ] || { echo "soak: the levels did not come up" >&2; exit 1; }
LOW_SOCKET=$WORK/run/cages/low/wayland-0

# The proxies: strata's children running strata-cage-proxy.
proxy_pids() {
	local p
	for p in $(ps -o pid= --ppid "$STRATA_PID"); do
		if grep -qa 'strata-cage-proxy' "/proc/$p/cmdline" 2>/dev/null; then
			echo "$p"
		fi
	done | sort -n | tr '\n' ' '
}
# What malloc holds for strata (test-control heap), KiB.
heap_kib() {
	local n
	n=$(ctl heap 2>/dev/null | sed -nE 's/^ok in_use=([0-9]+).*/\1/p') || true
	echo $((${n:-0} / 1024))
}
# Running, not a zombie waiting to be reaped.
alive() { [ -r "/proc/$1/status" ] && ! grep -q '^State:.*Z' "/proc/$1/status"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
fd_count() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
sum_over() { # FUNCTION PIDS...
	local f=$1 total=0 p
	shift
	for p in "$@"; do total=$((total + $($f "$p"))); done
	echo $total
}

# ---- the levels' homes: the client, a tone, the workers' script -----------
home() { echo "$WORK/data/$1/home"; }
for level in low high; do
	h=$(home "$level")
	owner=$(stat -c %u:%g "$h")
	install -o "${owner%:*}" -g "${owner#*:}" -m 755 "$CLIENT" "$h/soak-client"
	"$CLIENT" tone "$h/tone.wav" && chown "$owner" "$h/tone.wav"
	cat >"$h/soak-workers.sh" <<'EOF'
# Runs in the level's cage: $1 clients, marker $2, until $HOME/stop exists.
N=$1 MARK=$2
i=0
while { [ ! -S "$XDG_RUNTIME_DIR/pipewire-0" ]; } && [ $i -lt 150 ]; do sleep 0.1; i=$((i+1)); done
worker() {
	w=$1 i=0
	while [ ! -e "$HOME/stop" ]; do
		i=$((i + 1))
		case $(((w * 7 + i * 3) % 10)) in
		[0-5]) end=clean ;;
		[67]) end=kill ;;
		*) end=error ;;
		esac
		out=$("$HOME/soak-client" window "$MARK-w$w-$i" $((2 + (w + i) % 4)) $end 2>/dev/null)
		echo "client $end rc=$? $out" >>"$HOME/events"
		# Copy and paste while the level has the focus (the script
		# says so with $HOME/focused), as a user does: a level without
		# it has its selection requests ignored, and a wl-copy whose
		# selection was ignored waits for ever, a client more each time.
		# Paste first (what a transfer just brought, too), then copy.
		if [ $((i % 3)) = 0 ] && [ -e "$HOME/focused" ]; then
			p=$(timeout 3 wl-paste -n 2>/dev/null | tr -d '\n\r' | head -c 300)
			if [ -n "$p" ]; then
				echo "paste [$p]" >>"$HOME/events"
			else
				echo "paste none" >>"$HOME/events"
			fi
			if timeout 3 wl-copy "$MARK-copy-w$w-$i" 2>/dev/null; then
				echo "copy" >>"$HOME/events"
			else
				echo "copy none" >>"$HOME/events"
			fi
		fi
		if [ $((i % 4)) = 0 ]; then
			timeout 5 pw-play "$HOME/tone.wav" 2>/dev/null
			echo "play rc=$?" >>"$HOME/events"
		fi
		sleep 0.5
	done
}
w=0
while [ $w -lt "$N" ]; do
	worker $w &
	w=$((w + 1))
	sleep 0.1
done
wait
echo "workers done" >>"$HOME/events"
EOF
	chown "$owner" "$h/soak-workers.sh"
done

# A first launch in each level (its PipeWire, its session bus come up), then
# the baseline: what strata and the proxies hold with no client.
for level in low high; do
	"$RUN" -s "$WORK/run/wayland-core" "$level" -- sh -c 'sleep 2' >/dev/null
done
sleep 5
PROXIES=$(proxy_pids)
read -r -a PROXY_ARRAY <<<"$PROXIES"
[ "${#PROXY_ARRAY[@]}" = 2 ] || { echo "soak: expected 2 proxies, found: $PROXIES" >&2; exit 1; }
BASE_FDS=$(fd_count "$STRATA_PID")
BASE_PROXY_FDS=$(sum_over fd_count "${PROXY_ARRAY[@]}")
BASE_RSS=$(rss_kib "$STRATA_PID")
BASE_PROXY_RSS=$(sum_over rss_kib "${PROXY_ARRAY[@]}")
BASE_HEAP=$(heap_kib)
log "baseline: strata $BASE_RSS KiB $BASE_FDS fds, proxies ($PROXIES) $BASE_PROXY_RSS KiB $BASE_PROXY_FDS fds"

# One cage per level runs its CLIENTS workers until $HOME/stop exists.
start_clients() {
	local level mark
	CAGES=()
	for level in low high; do
		mark=LOWMARK
		[ "$level" = high ] && mark=HIGHMARK
		rm -f "$(home "$level")/stop"
		CAGES+=("$("$RUN" -s "$WORK/run/wayland-core" "$level" -- sh "/home/user/soak-workers.sh" "$CLIENTS" "$mark")")
	done
	log "$CLIENTS clients per level started (cages ${CAGES[*]})"
}
# Stops them, waits until strata lists no window and no level client, and
# measures: DRAINED="strata_rss strata_fds proxies_rss proxies_fds".
drain_clients() {
	local level c n
	log "stopping the clients"
	for level in low high; do
		touch "$(home "$level")/stop"
	done
	for _ in $(seq 120); do
		n=0
		for c in "${CAGES[@]}"; do kill -0 "$c" 2>/dev/null && n=$((n + 1)); done
		[ $n = 0 ] && break
		sleep 0.5
	done
	for c in "${CAGES[@]}"; do
		kill -0 "$c" 2>/dev/null && { log "cage $c still running: killed"; kill -KILL "$c"; }
	done
	for _ in $(seq 100); do
		alive "$STRATA_PID" || break
		[ "$(ctl windows | grep -c '^window ' || true)" = 0 ] &&
			[ "$(ctl clients | grep -c ' level=\(low\|high\) ' || true)" = 0 ] && break
		sleep 0.2
	done
	sleep 3
	DRAINED="$(rss_kib "$STRATA_PID") $(fd_count "$STRATA_PID") $(sum_over rss_kib "${PROXY_ARRAY[@]}") $(sum_over fd_count "${PROXY_ARRAY[@]}") $(heap_kib)"
	log "drained: strata RSS KiB, fds, proxies RSS KiB, fds, strata heap in use KiB: $DRAINED"
}
start_clients
log "$MINUTES min, a sample every $INTERVAL s, a drain at the end of the warm-up (${WARMUP} s) and at the end"

# ---- the user's hands: focus and transfers ---------------------------------
TRANSFERS=$WORK/transfers
: >"$TRANSFERS"
TITLES=$WORK/titles
: >"$TITLES"
# Clicks inside a window of LEVEL (its content's middle); false if none.
focus_level() {
	local line x y w h
	line=$(ctl windows | grep " level=$1 " | sed -n 1p)
	[ -n "$line" ] || return 1
	x=$(sed -E 's/.* x=(-?[0-9]+) .*/\1/' <<<"$line")
	y=$(sed -E 's/.* y=(-?[0-9]+) .*/\1/' <<<"$line")
	w=$(sed -E 's/.* width=([0-9]+) .*/\1/' <<<"$line")
	h=$(sed -E 's/.* height=([0-9]+) .*/\1/' <<<"$line")
	ctl click $((x + w / 2)) $((y + h / 2)) >/dev/null
	ctl focused | grep "level=$1" >/dev/null || return 1
	local level
	for level in low high; do
		if [ "$level" = "$1" ]; then
			touch "$(home "$level")/focused"
		else
			rm -f "$(home "$level")/focused"
		fi
	done
}
dialog_state() { ctl dialog | sed -nE 's/^ok state=([a-z]+).*/\1/p'; }
TURN=0
one_transfer() {
	if ! ctl selections | grep '^selection level=low set=1' >/dev/null; then
		echo "noselection" >>"$TRANSFERS"
		return 0
	fi
	focus_level high || { echo "nofocus" >>"$TRANSFERS"; return 1; }
	ctl key logo+v >/dev/null
	local state="" desc i
	for i in $(seq 50); do
		desc=$(ctl dialog) || true
		state=$(sed -nE 's/^ok state=([a-z]+).*/\1/p' <<<"$desc")
		# Answered once it has settled (an answer sooner is ignored
		# as typed ahead: [clipboard] settle_ms)
		[ "$state" = confirming ] && grep -q ' settled=1 ' <<<"$desc" && break
		[ "$state" = idle ] && [ "$i" -gt 5 ] && break
		sleep 0.1
	done
	# Shown at the last poll: give it the time to settle (0.5 s).
	if [ "$state" = confirming ] && ! grep -q ' settled=1 ' <<<"$desc"; then
		for i in $(seq 20); do
			sleep 0.1
			desc=$(ctl dialog) || true
			grep -q ' settled=1 ' <<<"$desc" && break
		done
	fi
	if [ "$state" != confirming ]; then
		# Most often cancelled by the compositor: a new window of high
		# took the focus while low's clipboard was read (the audit log
		# says "focus changed").
		echo "nodialog $state" >>"$TRANSFERS"
		[ "$state" = idle ] || { ctl key Escape >/dev/null; }
		return 1
	fi
	local preview
	preview=$(sed -nE 's/.* preview="(.*)"$/\1/p' <<<"$desc")
	TURN=$((TURN + 1))
	local key=Escape
	[ $((TURN % 2)) = 1 ] && key=Return
	ctl key "$key" >/dev/null
	for i in $(seq 50); do
		[ "$(dialog_state)" = idle ] && break
		sleep 0.1
	done
	# What happened is what the audit log says (a new window of high
	# taking the focus between the dialog and the key cancels it).
	local last
	last=$(tail -1 "$WORK/data/audit/audit.jsonl" 2>/dev/null || true)
	if [ $key = Return ] && grep -q '"decision":"transferred"' <<<"$last"; then
		echo "confirmed [$preview]" >>"$TRANSFERS"
		sleep 2 # high's clients paste it
	elif [ $key = Escape ] && grep -q '"reason":"cancelled by the user"' <<<"$last"; then
		echo "cancelled [$preview]" >>"$TRANSFERS"
	else
		echo "other $key $(sed -nE 's/.*"reason":"([^"]*)".*/\1/p' <<<"$last")" >>"$TRANSFERS"
	fi
}
# Every window's level and title, for the isolation check.
record_titles() { ctl windows | grep '^window ' | sed -E 's/.* level=([a-z]+) .* title="(.*)"$/\1 \2/' >>"$TITLES" || true; }

# ---- samples -----------------------------------------------------------------
SAMPLES=$OUT/$NAME.tsv
printf 't_s\tstrata_rss_kib\tstrata_fds\tproxies_rss_kib\tproxies_fds\tframe_avg_us\tframe_max_us\tframes\trtt_us\twindows\tclients\trtt_direct_us\n' >"$SAMPLES"
ALIVE_FAILS=0
LEVEL_FAILS=0
START=$SECONDS
sample() {
	local t=$((SECONDS - START)) stats favg fmax frames rtt rtt_direct wins clients
	if ! alive "$STRATA_PID"; then
		ALIVE_FAILS=$((ALIVE_FAILS + 1))
		return
	fi
	[ "$(ctl levels | grep -c 'up=1')" = 2 ] || LEVEL_FAILS=$((LEVEL_FAILS + 1))
	stats=$(ctl stats | tail -1) || true
	ctl stats reset >/dev/null
	favg=$(sed -nE 's/.*render_avg_us=([0-9]+).*/\1/p' <<<"$stats")
	fmax=$(sed -nE 's/.*render_max_us=([0-9]+).*/\1/p' <<<"$stats")
	frames=$(sed -nE 's/.*frames=([0-9]+).*/\1/p' <<<"$stats")
	rtt=$(WAYLAND_DISPLAY=$LOW_SOCKET timeout 10 "$PROBE" sync 20 2>/dev/null | sort -n | sed -n 10p) || true
	rtt_direct=$(WAYLAND_DISPLAY=$WORK/run/wayland-low timeout 10 "$PROBE" sync 20 2>/dev/null | sort -n | sed -n 10p) || true
	wins=$(ctl windows | grep -c '^window ' || true)
	clients=$(ctl clients | grep -c '^client ' || true)
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$(rss_kib "$STRATA_PID")" \
		"$(fd_count "$STRATA_PID")" "$(sum_over rss_kib "${PROXY_ARRAY[@]}")" \
		"$(sum_over fd_count "${PROXY_ARRAY[@]}")" "${favg:-}" "${fmax:-}" "${frames:-}" \
		"${rtt:-}" "$wins" "$clients" "${rtt_direct:-}" >>"$SAMPLES"
	log "sample t=${t}s $(tail -1 "$SAMPLES" | cut -f2-)"
}

ctl stats reset >/dev/null
END=$((START + MINUTES * 60))
NEXT=$((START + INTERVAL))
WARM_DRAINED=
while [ $SECONDS -lt $END ]; do
	if [ -z "$WARM_DRAINED" ] && [ $((SECONDS - START)) -ge "$WARMUP" ]; then
		drain_clients
		WARM_DRAINED=$DRAINED
		start_clients
	fi
	# A new window of high (its clients churn) cancels a request before
	# its dialog: try again, five times at most.
	for _ in 1 2 3 4 5; do one_transfer && break; done
	record_titles
	focus_level low || true
	sleep 3
	record_titles
	if [ $SECONDS -ge $NEXT ]; then
		sample
		NEXT=$((NEXT + INTERVAL))
	fi
	alive "$STRATA_PID" || { log "strata is gone"; break; }
done
[ $SECONDS -lt $NEXT ] || sample

# ---- drain ---------------------------------------------------------------------
drain_clients
read -r DRAIN_RSS DRAIN_FDS DRAIN_PROXY_RSS DRAIN_PROXY_FDS DRAIN_HEAP <<<"$DRAINED"
read -r WARM_RSS WARM_FDS WARM_PROXY_RSS WARM_PROXY_FDS WARM_HEAP <<<"${WARM_DRAINED:-0 0 0 0 0}"
PROXIES_END=$(proxy_pids)
QUIT_STATUS=dead
if alive "$STRATA_PID"; then
	ctl quit >/dev/null || true
	set +e
	wait "$STRATA_PID"
	QUIT_STATUS=$?
	set -e
else
	set +e
	wait "$STRATA_PID"
	QUIT_STATUS="died, status $?"
	set -e
fi
STRATA_PID=
AUDIT_OUT=$("$AUDIT" verify "$WORK/data/audit/audit.jsonl" 2>&1 || true)
AUDIT_TRANSFERRED=$(grep -c '"decision":"transferred"' "$WORK/data/audit/audit.jsonl" || true)

# ---- checks --------------------------------------------------------------------
FAILS=()
check() { # OK? WHAT
	if [ "$1" = 1 ]; then
		CHECKS+=("ok    $2")
	else
		CHECKS+=("FAIL  $2")
		FAILS+=("$2")
	fi
}
CHECKS=()
count() { grep -c -- "$1" "$2" 2>/dev/null || true; }
LOW_EV=$(home low)/events
HIGH_EV=$(home high)/events
cat "$LOW_EV" | sed 's/^/low /' >"$WORK/events"
cat "$HIGH_EV" | sed 's/^/high /' >>"$WORK/events"
EV=$WORK/events
n_samples=$(($(wc -l <"$SAMPLES") - 1))
n_clean=$(count ' client clean rc=0 .* ok$' "$EV")
n_kill=$(count ' client kill rc=137 .* ok$' "$EV")
n_error=$(count ' client error rc=0 .* ok$' "$EV")
n_client_fail=$(grep -c ' client ' "$EV" || true)
n_client_fail=$((n_client_fail - n_clean - n_kill - n_error))
n_copy=$(count ' copy$' "$EV")
n_copy_none=$(count ' copy none$' "$EV")
n_own_low=$(count '^low paste \[LOWMARK-copy-' "$EV")
n_own_high=$(count '^high paste \[HIGHMARK-copy-' "$EV")
n_paste_low=$(count '^low paste \[' "$EV")
n_paste_high=$(count '^high paste \[' "$EV")
n_play=$(count ' play rc=0' "$EV")
n_play_all=$(count ' play rc=' "$EV")
n_confirmed=$(count '^confirmed ' "$TRANSFERS")
n_cancelled=$(count '^cancelled ' "$TRANSFERS")
n_nodialog=$(grep -c '^no\(dialog\|focus\)' "$TRANSFERS" || true)
n_nosel=$(grep -c '^noselection' "$TRANSFERS" || true)
n_other=$(grep -c '^other' "$TRANSFERS" || true)
n_titles=$(wc -l <"$TITLES")
n_high_transferred=0

check "$([ "$n_samples" -ge 2 ] && echo 1)" "samples: $n_samples (at least 2)"
check "$([ $ALIVE_FAILS = 0 ] && [ "$QUIT_STATUS" = 0 ] && echo 1)" \
	"strata alive at every sample ($ALIVE_FAILS missed) and exit status $QUIT_STATUS on quit (0)"
check "$([ $LEVEL_FAILS = 0 ] && echo 1)" "both levels up at every sample ($LEVEL_FAILS samples not)"
check "$([ "$PROXIES_END" = "$PROXIES" ] && echo 1)" "the proxies never restarted ($PROXIES -> $PROXIES_END)"
if grep -qE 'AddressSanitizer|UndefinedBehaviorSanitizer|runtime error:|Segmentation fault|core dumped' "$WORK/strata.log"; then
	check 0 "no crash or sanitizer report in strata's log"
else
	check 1 "no crash or sanitizer report in strata's log"
fi
check "$([ "$DRAIN_FDS" = "$BASE_FDS" ] && [ "$WARM_FDS" = "$BASE_FDS" ] && echo 1)" \
	"strata's fds with no client: $BASE_FDS before, $WARM_FDS after the warm-up, $DRAIN_FDS at the end (equal)"
check "$([ "$DRAIN_PROXY_FDS" = "$BASE_PROXY_FDS" ] && [ "$WARM_PROXY_FDS" = "$BASE_PROXY_FDS" ] && echo 1)" \
	"the proxies' fds with no client: $BASE_PROXY_FDS before, $WARM_PROXY_FDS after the warm-up, $DRAIN_PROXY_FDS at the end (equal)"

# RSS growth (see the head of this file for the criterion): drained against
# drained, the churn between them.
CHURN_S=$((SECONDS - START - WARMUP))
growth() { # LABEL WARM END SHORT_LIMIT_PCT
	awk -v label="$1" -v a="$2" -v b="$3" -v limit="$4" -v churn="$CHURN_S" -v minutes="$MINUTES" 'BEGIN {
		if (a <= 0 || churn <= 0) { printf "0 %s: no drained sample after the warm-up\n", label; exit }
		pct = (b - a) * 100 / a; hourly = pct * 3600 / churn
		if (minutes >= 30)
			printf "%d %s with no client: %d KiB after the warm-up, %d KiB at the end, %d s of churn later: %+.2f %% (%+.2f %%/hour; limit 1 %%/hour)\n",
				(hourly < 1), label, a, b, churn, pct, hourly
		else
			printf "%d %s with no client: %d KiB after the warm-up, %d KiB at the end, %d s of churn later: %+.2f %% (limit +%d %%)\n",
				(pct <= limit), label, a, b, churn, pct, limit
	}'
}
r=$(growth "strata's heap in use" "$WARM_HEAP" "$DRAIN_HEAP" 2)
check "${r%% *}" "${r#* }"
r=$(growth "strata's RSS" "$WARM_RSS" "$DRAIN_RSS" 10)
check "${r%% *}" "${r#* }"
r=$(growth "the proxies' RSS" "$WARM_PROXY_RSS" "$DRAIN_PROXY_RSS" 3)
check "${r%% *}" "${r#* }"
# For information: the slope of the samples taken during the churn (their
# level follows how many clients are up at that moment).
slope() { # COLUMN
	[ "$MINUTES" -ge 30 ] || { echo "-"; return; }
	awk -F'\t' -v col="$1" -v warm="$WARMUP" '
	NR > 1 && $1 >= warm && $col != "" { n++; t[n] = $1; v[n] = $col }
	END {
		if (n < 3) { print "-"; exit }
		for (i = 1; i <= n; i++) { st += t[i]; sv += v[i] }
		mt = st / n; mv = sv / n
		for (i = 1; i <= n; i++) { num += (t[i] - mt) * (v[i] - mv); den += (t[i] - mt) ^ 2 }
		printf "%+.1f %%/hour", num / den * 3600 / mv * 100
	}' "$SAMPLES"
}
check "$(grep -q 'chain intact' <<<"$AUDIT_OUT" && echo 1)" "strata-audit verify: $AUDIT_OUT"
check "$([ "$AUDIT_TRANSFERRED" = "$n_confirmed" ] && echo 1)" \
	"audit: $AUDIT_TRANSFERRED transferred lines, $n_confirmed transfers confirmed (equal)"

# Isolation. own/other: the marker a level may hold / must never see.
low_foreign=HIGHMARK
high_foreign=LOWMARK
if [ "${SOAK_BREAK:-}" = marker ]; then
	low_foreign=LOWMARK
	high_foreign=HIGHMARK
fi
sed -nE 's/^confirmed \[(.*)\]$/\1/p' "$TRANSFERS" >"$WORK/confirmed"
leaks_low=$(grep "^low paste \[.*$low_foreign" "$EV" | head -3 || true)
leaks_high=""
while IFS= read -r line; do
	text=$(sed -E 's/^high paste \[(.*)\]$/\1/' <<<"$line")
	if grep -qxF -- "$text" "$WORK/confirmed"; then
		n_high_transferred=$((n_high_transferred + 1))
	else
		leaks_high+="$line; "
	fi
done < <(grep "^high paste \[.*$high_foreign" "$EV" || true)
title_leaks=$(grep -E "^low .*$low_foreign|^high .*$high_foreign" "$TITLES" | head -3 || true)
check "$([ -z "$leaks_low" ] && echo 1)" "no paste in low returned $low_foreign ($n_paste_low pastes) ${leaks_low:+: $leaks_low}"
check "$([ -z "$leaks_high" ] && echo 1)" \
	"every paste in high that returned $high_foreign returned a confirmed transfer's text ($n_paste_high pastes) ${leaks_high:+: ${leaks_high:0:300}}"
check "$([ -z "$title_leaks" ] && [ "$n_titles" -gt 0 ] && echo 1)" \
	"no window of one level titled with the other's marker ($n_titles window listings) ${title_leaks:+: $title_leaks}"

check "$([ "$n_clean" -gt 0 ] && [ "$n_kill" -gt 0 ] && [ "$n_error" -gt 0 ] && echo 1)" \
	"clients ended cleanly: $n_clean, killed: $n_kill, by a protocol error: $n_error (each > 0)"
check "$([ "$n_own_low" -gt 0 ] && [ "$n_own_high" -gt 0 ] && [ "$n_high_transferred" -gt 0 ] && echo 1)" \
	"copies: $n_copy (and $n_copy_none that timed out); pastes of the level's own copies: in low $n_own_low of $n_paste_low, in high $n_own_high of $n_paste_high; pastes in high of a transferred text: $n_high_transferred (each > 0)"
check "$([ "$n_play" -gt 0 ] && echo 1)" "sounds played: $n_play of $n_play_all (> 0)"
check "$([ "$n_confirmed" -gt 0 ] && [ "$n_cancelled" -gt 0 ] && echo 1)" \
	"transfers confirmed: $n_confirmed, cancelled: $n_cancelled (each > 0; $n_nodialog requests without a dialog, $n_other keys that met a dialog cancelled by a focus change, $n_nosel rounds when low held no selection)"

# ---- table and plot ---------------------------------------------------------------
TABLE=$OUT/$NAME.txt
PLOT=$OUT/$NAME.png
col_stat() { # COLUMN: "first-after-warm-up last min max median" of the samples
	local values first last
	values=$(awk -F'\t' -v col="$1" 'NR > 1 && $col != "" { print $col }' "$SAMPLES" | sort -n)
	first=$(awk -F'\t' -v col="$1" -v warm="$WARMUP" 'NR > 1 && $1 >= warm + 0 && $col != "" { print $col; exit }' "$SAMPLES")
	last=$(awk -F'\t' -v col="$1" 'NR > 1 && $col != "" { v = $col } END { print v }' "$SAMPLES")
	if [ -z "$values" ]; then
		echo "- - - - -"
		return
	fi
	echo "${first:--} ${last:--} $(head -1 <<<"$values") $(tail -1 <<<"$values") $(sed -n "$((($(wc -l <<<"$values") + 1) / 2))p" <<<"$values")"
}
{
	echo "# bench/soak.sh --minutes $MINUTES --interval $INTERVAL --clients $CLIENTS (warm-up ${WARMUP}s)"
	echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores shared, strata headless 1920x1080 pixman, 2 levels in cages"
	echo
	echo "with no client: before the first (baseline), drained after the warm-up and at the end;"
	echo "under churn: the samples (first after the warm-up, last, min, max, slope after the warm-up)"
	printf '%-16s %9s %9s %9s | %9s %9s %9s %9s %13s\n' measure baseline drained1 drained2 first last min max slope
	printf '%-16s %9s %9s %9s | %9s %9s %9s %9s %13s\n' "strata RSS KiB" "$BASE_RSS" "$WARM_RSS" "$DRAIN_RSS" $(col_stat 2 | awk '{print $1, $2, $3, $4}') "$(slope 2)"
	printf '%-16s %9s %9s %9s | %9s %9s %9s %9s %13s\n' "strata fds" "$BASE_FDS" "$WARM_FDS" "$DRAIN_FDS" $(col_stat 3 | awk '{print $1, $2, $3, $4}') "$(slope 3)"
	printf '%-16s %9s %9s %9s | %9s %9s %9s %9s %13s\n' "proxies RSS KiB" "$BASE_PROXY_RSS" "$WARM_PROXY_RSS" "$DRAIN_PROXY_RSS" $(col_stat 4 | awk '{print $1, $2, $3, $4}') "$(slope 4)"
	printf '%-16s %9s %9s %9s | %9s %9s %9s %9s %13s\n' "proxies fds" "$BASE_PROXY_FDS" "$WARM_PROXY_FDS" "$DRAIN_PROXY_FDS" $(col_stat 5 | awk '{print $1, $2, $3, $4}') "$(slope 5)"
	printf '%-16s %9s %9s %9s\n' "strata heap KiB" "$BASE_HEAP" "$WARM_HEAP" "$DRAIN_HEAP"
	echo
	echo "frame time (us, per sample: average / worst): median of averages $(col_stat 6 | awk '{print $5}'), worst $(col_stat 7 | awk '{print $4}')"
	echo "round trip through low's proxy (us, median of 20 per sample): median $(col_stat 9 | awk '{print $5}'), max $(col_stat 9 | awk '{print $4}')"
	echo "round trip on low's socket, no proxy (us, likewise): median $(col_stat 12 | awk '{print $5}'), max $(col_stat 12 | awk '{print $4}')"
	echo "windows at a sample: max $(col_stat 10 | awk '{print $4}'); clients: max $(col_stat 11 | awk '{print $4}')"
	echo "clients: $((n_clean + n_kill + n_error + n_client_fail)) ($n_clean clean, $n_kill killed, $n_error protocol error, $n_client_fail other)"
	echo "copies $n_copy, pastes low $n_paste_low high $n_paste_high ($n_high_transferred of them a transferred text), sounds $n_play/$n_play_all"
	echo "transfers: $n_confirmed confirmed, $n_cancelled cancelled, $n_nodialog requests without a dialog (cancelled by a focus change), $n_other keys too late, $n_nosel rounds when low held no selection"
	echo
	echo "checks:"
	printf '  %s\n' "${CHECKS[@]}"
	echo
	echo "samples (also in $(basename "$SAMPLES")):"
	column -t "$SAMPLES" | sed 's/^/  /'
} >"$TABLE"
gnuplot <<EOF || echo "soak: gnuplot failed" >&2
set terminal png size 1200,900
set output "$PLOT"
set datafile separator "\t"
set termoption noenhanced
# the drain at the end of the warm-up
set arrow from $WARMUP / 60.0, graph 0 to $WARMUP / 60.0, graph 1 nohead dashtype 2
set multiplot layout 2,2 title "strata soak: $MINUTES min, $CLIENTS clients per level, 2 levels"
set xlabel "minutes"
set key top left
set title "RSS (MiB)"
plot "$SAMPLES" using (\$1/60):(\$2/1024) skip 1 with linespoints title "strata", \
     "" using (\$1/60):(\$4/1024) skip 1 with linespoints title "proxies (2)"
set title "open fds"
plot "$SAMPLES" using (\$1/60):3 skip 1 with linespoints title "strata", \
     "" using (\$1/60):5 skip 1 with linespoints title "proxies (2)"
set title "frame time (ms)"
plot "$SAMPLES" using (\$1/60):(\$6/1000) skip 1 with linespoints title "average", \
     "" using (\$1/60):(\$7/1000) skip 1 with linespoints title "worst"
set title "wl_display.sync round trip (ms, median of 20)"
plot "$SAMPLES" using (\$1/60):(\$9/1000) skip 1 with linespoints title "through low's proxy", \
     "" using (\$1/60):(\$12/1000) skip 1 with linespoints title "low's socket, no proxy"
unset multiplot
EOF
cat "$TABLE"
[ -s "$PLOT" ] || FAILS+=("no plot")
if [ ${#FAILS[@]} -gt 0 ]; then
	echo "soak: FAILED: ${#FAILS[@]} check(s)"
	exit 1
fi
echo "soak: every check passed; $(basename "$TABLE"), $(basename "$PLOT")"
