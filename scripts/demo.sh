#!/bin/bash
# SPDX-License-Identifier: MIT
# Shows a Strata session: builds into build/, starts the compositor, opens a
# terminal on the "low" level and one on the "high" level side by side, types
# a line into each through the test-control interface, opens an X11 program
# (xterm, through low's own Xwayland) in low and types into it too, takes a
# screenshot and writes what happened to a transcript.
#
# usage: scripts/demo.sh [--headless]
#
# When WAYLAND_DISPLAY or DISPLAY is set (and --headless is not given), Strata
# runs nested, in a window on your desktop, and stays there until you close
# that window or press Ctrl-C. Otherwise it runs headless at 1920x1080 and
# quits once the screenshot is taken.
#
# Writes, at the top of the checkout:
#   demo.png              the screenshot
#   demo-xray.png         the X-ray the secure attention key (Logo+Escape) opens
#   demo-transcript.txt   timestamped log of the session
# and the logs of the compositor and of each client under build/demo-logs/.
# Exits non-zero if any step fails; every process it started is stopped on
# exit, whatever happens.
#
# Needs bash, socat, xterm and foot (or weston-terminal): scripts/install-deps.sh.
set -euo pipefail
# cleanup() and stop_group() run from traps.
# shellcheck disable=SC2317

usage() {
	sed -n '/^# usage:/,/^# quits once/s/^# \{0,1\}//p' "$0"
}

headless=0
while [ $# -gt 0 ]; do
	case $1 in
	--headless) headless=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		usage >&2
		exit 2
		;;
	esac
	shift
done
if [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${DISPLAY:-}" ]; then
	headless=1
fi

cd "$(dirname "$0")/.."
repo=$PWD
builddir=$repo/build
strata=$builddir/compositor/strata
strata_run=$builddir/strata-run/strata-run
logdir=$builddir/demo-logs
transcript=$repo/demo-transcript.txt
screenshot=$repo/demo.png
xray_screenshot=$repo/demo-xray.png

# Set as things start; cleanup() stops and removes whatever is set.
tmp=""
strata_pid=""
socat_pid=""
pipewire_pid=""
client_pids=()
control_open=0

# ---- logging -----------------------------------------------------------------

: >"$transcript"

# log MESSAGE...: one timestamped line on stdout and in the transcript.
log() {
	local line
	line="[$(date +%H:%M:%S.%3N)] $*"
	printf '%s\n' "$line"
	printf '%s\n' "$line" >>"$transcript"
}

# show_tail FILE: the end of a log, on stderr, for error messages.
show_tail() {
	if [ -s "$1" ]; then
		echo "---- last lines of $1:" >&2
		tail -n 20 "$1" >&2
		echo "----" >&2
	fi
}

die() {
	log "FAILED: $*"
	echo "demo: error: $*" >&2
	exit 1
}

# ---- cleanup -----------------------------------------------------------------

close_control() {
	if [ "$control_open" -eq 1 ]; then
		exec 3>&- 4<&-
		control_open=0
	fi
}

# stop_group PID: SIGTERM to the process group that PID leads (each process
# the demo starts leads its own), SIGKILL if still there 3 s later.
stop_group() {
	local pid=$1 n
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
	for n in $(seq 30); do
		kill -0 "$pid" 2>/dev/null || break
		[ "$n" -lt 30 ] || kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
		sleep 0.1
	done
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local rc=$? pid
	trap - EXIT INT TERM HUP
	close_control
	for pid in "${client_pids[@]}"; do
		stop_group "$pid"
	done
	if [ -n "$strata_pid" ] && kill -0 "$strata_pid" 2>/dev/null; then
		stop_group "$strata_pid"
		log "compositor: stopped"
	fi
	# The core PipeWire last: the mux would only restart against nothing.
	if [ -n "$pipewire_pid" ]; then
		stop_group "$pipewire_pid"
	fi
	if [ -n "$socat_pid" ]; then
		kill -TERM "$socat_pid" 2>/dev/null || true
		wait "$socat_pid" 2>/dev/null || true
	fi
	if [ -n "$tmp" ]; then
		rm -rf "$tmp"
	fi
	if [ "$rc" -ne 0 ]; then
		echo "demo: failed (exit status $rc); logs in $logdir/, transcript in $transcript" >&2
	fi
	exit "$rc"
}
# Ctrl-C is how a nested session normally ends (exit 0); before that, a
# signal means the demo did not finish.
waiting_for_user=0
on_signal() {
	if [ "$waiting_for_user" -eq 1 ]; then
		log "demo: interrupted, ending the session"
		exit 0
	fi
	exit "$1"
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP
# A write to a closed test-control connection must fail, not kill the script.
# (A handler, unlike an ignored signal, is not inherited by the clients.)
trap ':' PIPE

# ---- checks and build --------------------------------------------------------

for tool in socat meson ninja; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "'$tool' is not installed: run scripts/install-deps.sh as root first"
done
if command -v foot >/dev/null 2>&1; then
	terminal=foot
elif command -v weston-terminal >/dev/null 2>&1; then
	terminal=weston-terminal
else
	die "neither foot nor weston-terminal is installed: run scripts/install-deps.sh as root first"
fi

log "demo: building Strata into build/ (scripts/build.sh build)"
"$repo/scripts/build.sh" "$builddir" || die "the build failed (see the output above)"
[ -x "$strata" ] || die "the build did not produce $strata"
mkdir -p "$logdir"
rm -f "$screenshot" "$xray_screenshot" "$logdir"/*.log

# A private directory (short path: socket paths must fit in 108 bytes) to hold
# Strata's runtime directory, which Strata creates itself and which must not
# exist yet, and one XDG_RUNTIME_DIR per client.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/strata-demo.XXXXXX")
chmod 0700 "$tmp"

# ---- compositor --------------------------------------------------------------

# ---- sound -------------------------------------------------------------------

# Sound needs a core PipeWire: the user's when the demo runs nested and one is
# there (real speakers), else a private one with null devices. Each level then
# gets its own PipeWire in its cage, mixed by strata-audio-mux.
core_pipewire=""
if [ "$headless" -eq 0 ] && [ -S "${XDG_RUNTIME_DIR:-/nonexistent}/pipewire-0" ]; then
	core_pipewire=$XDG_RUNTIME_DIR/pipewire-0
	log "sound: the core PipeWire is the desktop's, $core_pipewire"
elif command -v pipewire >/dev/null 2>&1; then
	core_pipewire=$tmp/pipewire-0
	sed -e "s|@CORE_SOCKET@|$core_pipewire|g" -e "s|@QUANTUM@|1024|g" \
		"$builddir/audio-mux/core-pipewire-test.conf.in" >"$tmp/core-pipewire.conf"
	XDG_RUNTIME_DIR=$tmp setsid pipewire -c "$tmp/core-pipewire.conf" \
		</dev/null >"$logdir/pipewire-core.log" 2>&1 &
	pipewire_pid=$!
	for _ in $(seq 50); do
		[ -S "$core_pipewire" ] && break
		sleep 0.1
	done
	if [ -S "$core_pipewire" ]; then
		log "sound: started a core PipeWire with null devices (pid $pipewire_pid), $core_pipewire"
	else
		log "WARNING: the core PipeWire did not start (see ${logdir#"$repo"/}/pipewire-core.log); no sound"
		core_pipewire=""
	fi
else
	log "WARNING: pipewire is not installed (scripts/install-deps.sh); no sound"
fi
config=$tmp/strata.ini
# Logo+L locks the screen; the password of the user who ran sudo (root's
# when there is none) unlocks it.
lock_user=${SUDO_USER:-root}
if ! getent passwd "$lock_user" >/dev/null; then
	lock_user=root
fi
printf '[lock]\nuser = %s\n' "$lock_user" >"$config"
if [ -n "$core_pipewire" ]; then
	printf '[audio]\nenabled = yes\ncore_remote = %s\n' "$core_pipewire" >>"$config"
fi

strata_out=$logdir/strata.stdout.log
strata_log=$logdir/strata.log
# No --runtime-dir: as root Strata makes one under /run/strata, which the
# cages' users can reach (a directory under a 0700 one would not be).
args=(--test-control -c "$config")
if [ "$headless" -eq 1 ]; then
	args=(--headless 1920x1080 "${args[@]}")
	mode="headless, 1920x1080"
elif [ -n "${WAYLAND_DISPLAY:-}" ]; then
	mode="nested in a window on Wayland display $WAYLAND_DISPLAY"
else
	mode="nested in a window on X display $DISPLAY"
fi
log "compositor: starting $("$strata" --version 2>/dev/null || echo strata), $mode"
log "compositor: $strata ${args[*]}"
# setsid: Strata leads its own process group, so that cleanup() stops it and
# whatever it spawns, and so that Ctrl-C reaches this script first.
setsid "$strata" "${args[@]}" </dev/null >"$strata_out" 2>"$strata_log" &
strata_pid=$!
log "compositor: pid $strata_pid, log in ${strata_log#"$repo"/}"

# Strata prints its sockets, then "strata: ready", on stdout.
ready=0
for _ in $(seq 100); do
	if grep -qx 'strata: ready' "$strata_out" 2>/dev/null; then
		ready=1
		break
	fi
	if ! kill -0 "$strata_pid" 2>/dev/null; then
		status=0
		wait "$strata_pid" || status=$?
		strata_pid=""
		show_tail "$strata_log"
		die "the compositor exited (status $status) before it was ready"
	fi
	sleep 0.1
done
if [ "$ready" -eq 0 ]; then
	show_tail "$strata_log"
	die "the compositor did not print 'strata: ready' within 10 s"
fi

declare -A level_socket=()
levels=()
runtime_dir="" core_socket="" control_socket=""
while IFS= read -r line; do
	case $line in
	"strata: runtime directory "*) runtime_dir=${line#strata: runtime directory } ;;
	"strata: core socket "*) core_socket=${line#strata: core socket } ;;
	"strata: test-control socket "*) control_socket=${line#strata: test-control socket } ;;
	"strata: level "*" socket "*)
		rest=${line#strata: level }
		levels+=("${rest%% socket *}")
		level_socket[${rest%% socket *}]=${rest#* socket }
		;;
	esac
done <"$strata_out"

log "compositor: ready; runtime directory ${runtime_dir:-(none printed)}"
for level in "${levels[@]}"; do
	log "compositor: level $level socket ${level_socket[$level]}"
done
log "compositor: core socket ${core_socket:-(none printed)}"
log "compositor: test-control socket ${control_socket:-(none printed)}"
for level in low high; do
	[ -n "${level_socket[$level]:-}" ] ||
		die "the compositor printed no socket for level '$level'"
done
[ -n "$control_socket" ] ||
	die "the compositor printed no test-control socket (built without -Dtest-control=true?)"
[ -S "$control_socket" ] || die "$control_socket is not a socket"

# ---- test-control ------------------------------------------------------------

# One connection for the whole demo, through socat: fd 3 carries requests,
# fd 4 replies (doc/test-control.md). Bash's own coproc fds are closed so that
# closing 3 and 4 ends the connection. Clients are started with 3 and 4 closed:
# no level client may ever hold the test-control connection.
coproc CONTROL { exec socat - "UNIX-CONNECT:$control_socket" 2>"$logdir/socat.log"; }
socat_pid=$CONTROL_PID
fd_reply=${CONTROL[0]}
fd_request=${CONTROL[1]}
exec 3>&"$fd_request" 4<&"$fd_reply"
eval "exec $fd_request>&- $fd_reply<&-"
control_open=1

# control REQUEST...: sends one request and reads its reply: the data lines
# into REPLY_LINES, the text after "ok" into REPLY_TEXT. Returns 1 on an
# "error" reply (message in REPLY_TEXT); dies if the connection fails or the
# reply does not come within 20 s.
control() {
	local line
	REPLY_LINES=()
	REPLY_TEXT=""
	[ "$control_open" -eq 1 ] || die "test-control: not connected (sending '$*')"
	printf '%s\n' "$*" >&3 2>/dev/null || die "test-control: connection lost (sending '$*')"
	while :; do
		IFS= read -r -t 20 line <&4 ||
			die "test-control: no reply to '$*' within 20 s (connection closed?)"
		case $line in
		ok)
			return 0
			;;
		"ok "*)
			REPLY_TEXT=${line#ok }
			return 0
			;;
		error | "error "*)
			REPLY_TEXT=${line#error}
			REPLY_TEXT=${REPLY_TEXT# }
			return 1
			;;
		*) REPLY_LINES+=("$line") ;;
		esac
	done
}

# must REQUEST...: control, but an "error" reply ends the demo.
must() {
	control "$@" || die "test-control: '$*' failed: $REPLY_TEXT"
}

# parse_fields LINE KEY...: F[key]=value for each key=value of a reply line
# before its free-text fields (app_id="...", title="...", text="..." come
# last); dies if one of the KEYs is missing.
declare -A F=()
parse_fields() {
	local line=$1 kv prefix key
	shift
	prefix=${line%% app_id=*}
	prefix=${prefix%% text=*}
	F=()
	set -f
	for kv in $prefix; do
		case $kv in
		*=*) F[${kv%%=*}]=${kv#*=} ;;
		esac
	done
	set +f
	for key in "$@"; do
		[ -n "${F[$key]:-}" ] || die "test-control: no $key= in reply line: $line"
	done
}

# quoted_field LINE KEY: QUOTED = the unescaped value of KEY="..." in LINE.
quoted_field() {
	local rest=${1#* "$2"=\"} c
	QUOTED=""
	[ "$rest" != "$1" ] || return 0
	while [ -n "$rest" ]; do
		c=${rest:0:1}
		rest=${rest:1}
		case $c in
		\\)
			QUOTED+=${rest:0:1}
			rest=${rest:1}
			;;
		\") break ;;
		*) QUOTED+=$c ;;
		esac
	done
}

# find_window ID: WINDOW = the `windows` line of window ID, with its fields in
# F and its frame in FRAME_X FRAME_Y FRAME_W FRAME_H; dies if it is not mapped.
find_window() {
	local l
	must windows
	for l in "${REPLY_LINES[@]}"; do
		parse_fields "$l" id
		if [ "${F[id]}" = "$1" ]; then
			WINDOW=$l
			parse_fields "$l" id level x y width height frame
			IFS=, read -r FRAME_X FRAME_Y FRAME_W FRAME_H <<<"${F[frame]}"
			return 0
		fi
	done
	die "window $1 is no longer mapped"
}

# read_focus: FOCUS = "window N (level NAME)" or "nothing".
read_focus() {
	must focused
	if [ "$REPLY_TEXT" = none ]; then
		FOCUS="nothing"
	else
		parse_fields "$REPLY_TEXT" id level
		FOCUS="window ${F[id]} (level ${F[level]})"
	fi
}

log_banner() {
	must banner
	parse_fields "$REPLY_TEXT" level
	quoted_field " $REPLY_TEXT" text
	log "banner: level '${F[level]}', text \"$QUOTED\""
}

must ping
[ "$REPLY_TEXT" = pong ] || die "test-control: 'ping' answered '$REPLY_TEXT', not 'pong'"

must outputs
[ "${#REPLY_LINES[@]}" -gt 0 ] || die "test-control: 'outputs' lists no output"
parse_fields "${REPLY_LINES[0]}" name x y width height
log "output: ${F[name]} at ${F[x]},${F[y]}, ${F[width]}x${F[height]}"
log_banner

# ---- clients -----------------------------------------------------------------

# The cages give every program a clean environment (LANG=C.UTF-8, their
# own HOME and XDG_RUNTIME_DIR, WAYLAND_DISPLAY = the level's proxy socket).

declare -A level_window=()

# new_window LEVEL TRIES [KIND]: NEW_WINDOW = the id of a mapped window of
# LEVEL (of that kind: xdg, x11) that no level_window entry names yet,
# polled TRIES times 0.2 s apart; "" if none came.
new_window() {
	local level=$1 tries=$2 kind=${3:-} l
	NEW_WINDOW=""
	for _ in $(seq "$tries"); do
		must windows
		for l in "${REPLY_LINES[@]}"; do
			parse_fields "$l" id level
			case " ${level_window[*]} " in
			*" ${F[id]} "*) continue ;;
			esac
			if [ "${F[level]}" = "$level" ] && { [ -z "$kind" ] || [ "${F[kind]:-}" = "$kind" ]; }; then
				NEW_WINDOW=${F[id]}
				return 0
			fi
		done
		sleep 0.2
	done
}

# start_client LEVEL: a terminal running sh inside LEVEL's cage, started by
# strata-run over the core socket (the app never picks its level); waits
# until its window is mapped, then level_window[LEVEL] = its id.
start_client() {
	local level=$1 title="$1 terminal" pid id="" cmd
	local clog=$logdir/strata-run-$level.log
	if [ "$terminal" = foot ]; then
		cmd=(env "PS1=$level \$ " foot --config=/dev/null --title="$title"
			--app-id="strata-demo-$level" sh)
	else
		cmd=(env "PS1=$level \$ " weston-terminal --shell=/bin/sh)
	fi
	if ! pid=$("$strata_run" -s "$core_socket" "$level" -- "${cmd[@]}" 2>"$clog"); then
		show_tail "$clog"
		die "strata-run could not start $terminal in the $level cage"
	fi
	log "client: started $terminal \"$title\" in the $level cage (sandbox pid $pid)," \
		"through strata-run on the core socket"

	new_window "$level" 75
	id=$NEW_WINDOW
	if [ -z "$id" ]; then
		show_tail "$clog"
		die "no $level window appeared within 15 s of starting $terminal"
	fi
	level_window[$level]=$id
	find_window "$id"
	quoted_field "$WINDOW" title
	log "mapped: window $id, level ${F[level]}, title \"$QUOTED\"," \
		"content ${F[width]}x${F[height]} at ${F[x]},${F[y]}, frame ${F[frame]}"
	read_focus
	log "focus: $FOCUS"
}

# ---- window placement --------------------------------------------------------

# Strata tiles one column per level under the banner, so the two windows
# stand side by side without help. overlap ID1 ID2: true if their frames
# overlap (e.g. while the first window has not yet taken its new size).
overlap() {
	local ax ay aw ah
	find_window "$1"
	ax=$FRAME_X ay=$FRAME_Y aw=$FRAME_W ah=$FRAME_H
	find_window "$2"
	[ "$ax" -lt $((FRAME_X + FRAME_W)) ] && [ "$FRAME_X" -lt $((ax + aw)) ] &&
		[ "$ay" -lt $((FRAME_Y + FRAME_H)) ] && [ "$FRAME_Y" -lt $((ay + ah)) ]
}

# ---- the session -------------------------------------------------------------

start_client low
start_client high
case $FOCUS in
*"(level low)") log "focus: the new high window did not take focus from the low one, as it must" ;;
*) log "WARNING: focus is on $FOCUS after the high window mapped; it should have stayed on low" ;;
esac
side_by_side=0
for _ in $(seq 30); do
	if ! overlap "${level_window[low]}" "${level_window[high]}"; then
		side_by_side=1
		break
	fi
	sleep 0.1
done
for level in low high; do
	find_window "${level_window[$level]}"
	log "layout: $level window (id ${F[id]}): frame ${F[frame]}, content ${F[width]}x${F[height]}"
done
if [ "$side_by_side" -eq 1 ]; then
	log "layout: the low and high windows stand side by side"
else
	log "WARNING: the low and high windows overlap"
fi

# type_into LEVEL TEXT: clicks the middle of LEVEL's window, checks that this
# gave it focus, types TEXT and Return.
type_into() {
	local level=$1 text=$2 id=${level_window[$1]} cx cy
	find_window "$id"
	cx=$((F[x] + F[width] / 2))
	cy=$((F[y] + F[height] / 2))
	must click "$cx" "$cy"
	read_focus
	log "input: click at $cx,$cy (middle of the $level window); focus: $FOCUS"
	[ "$FOCUS" = "window $id (level $level)" ] ||
		die "clicking the $level window (id $id) did not give it focus (focus: $FOCUS)"
	log_banner
	must type "$text"
	must key Return
	log "input: typed \"$text\" and Return into the $level window (id $id)"
}

type_into low "echo typed in LOW"
type_into high "echo typed in HIGH"

# An X11 program in low, through low's own Xwayland (started now, by this
# first X11 client, in low's cage): framed and placed like the terminals.
start_x11() {
	local level=$1 title="$1 xterm (X11)" pid l id=""
	local clog=$logdir/strata-run-x11-$level.log
	command -v xterm >/dev/null 2>&1 ||
		die "xterm is not installed: run scripts/install-deps.sh as root first"
	if ! pid=$("$strata_run" -s "$core_socket" "$level" -- \
		env "PS1=$level (X11) \$ " xterm -T "$title" -e sh 2>"$clog"); then
		show_tail "$clog"
		die "strata-run could not start xterm in the $level cage"
	fi
	log "client: started xterm (X11) in the $level cage (sandbox pid $pid)"
	new_window "$level" 100 x11
	id=$NEW_WINDOW
	if [ -z "$id" ]; then
		show_tail "$clog"
		must xwayland
		log "xwayland: ${REPLY_LINES[*]}"
		die "no X11 window of $level appeared within 20 s of starting xterm"
	fi
	level_window[x11-$level]=$id
	find_window "$id"
	log "mapped: X11 window $id, level ${F[level]}, content ${F[width]}x${F[height]}" \
		"at ${F[x]},${F[y]}, frame ${F[frame]}"
	must xwayland
	for l in "${REPLY_LINES[@]}"; do
		log "xwayland: $l"
	done
}

start_x11 low
low_terminal=${level_window[low]}
level_window[low]=${level_window[x11-low]}
# The compositor tells the X server of the focus on its own connection,
# the keys go on Xwayland's Wayland connection: keys typed within a
# millisecond of the click could be handled first (a person is slower).
# So the X11 window is clicked once, a moment before type_into clicks it
# again (which changes nothing) and types.
click_first() {
	find_window "${level_window[$1]}"
	must click $((F[x] + F[width] / 2)) $((F[y] + F[height] / 2))
	sleep 0.2
}
click_first low
type_into low "echo typed in an X11 window of LOW"
level_window[low]=$low_terminal

# audio_state: AUDIO = the `audio` reply (ready=, mic=, playing=).
audio_state() {
	must audio
	AUDIO=$REPLY_TEXT
}

# wait_audio PATTERN: until the `audio` reply matches PATTERN (5 s at most).
wait_audio() {
	for _ in $(seq 50); do
		audio_state
		case " $AUDIO " in
		*" $1 "*) return 0 ;;
		esac
		sleep 0.1
	done
	return 1
}

if [ -n "$core_pipewire" ]; then
	if wait_audio ready=1; then
		log "sound: the mux is ready ($AUDIO)"
		sound=/usr/share/sounds/freedesktop/stereo/complete.oga
		if [ -r "$sound" ] && command -v paplay >/dev/null 2>&1; then
			if pid=$("$strata_run" -s "$core_socket" low -- sh -c \
				"for i in 1 2 3 4 5 6 7 8 9 10; do paplay $sound; done" \
				2>"$logdir/strata-run-sound.log"); then
				log "sound: paplay $sound in the low cage (sandbox pid $pid), through the" \
					"level's own pipewire-pulse"
				if wait_audio playing=low; then
					log "sound: the mux hears the low level playing ($AUDIO)"
				else
					log "WARNING: the low level's sound did not reach the mux ($AUDIO)"
				fi
			fi
		else
			log "sound: no paplay or sound theme (scripts/install-deps.sh); nothing played"
		fi
		# The high window has focus (typed into last): give its level the microphone.
		must key logo+m
		if wait_audio mic=high; then
			log "input: Logo+M; the microphone goes to the high level ($AUDIO)"
		else
			log "WARNING: Logo+M did not give the microphone to high ($AUDIO)"
		fi
	else
		log "WARNING: the audio mux did not become ready ($AUDIO); see the compositor log"
	fi
fi

# Let the terminals draw what they echoed.
sleep 1

must screenshot "$screenshot"
[ -s "$screenshot" ] || die "'screenshot' answered ok but $screenshot is missing or empty"
# Width and height from the PNG header (IHDR, big-endian, bytes 16-23).
read -r png_w png_h < <(od -An -tu1 -j16 -N8 "$screenshot" | tr -s ' \n' '  ' |
	awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4,
		$5 * 16777216 + $6 * 65536 + $7 * 256 + $8 }')
log "screenshot: $screenshot (${png_w}x$png_h, $(wc -c <"$screenshot") bytes)"

log "state: windows, top of the stack first:"
must windows
for l in "${REPLY_LINES[@]}"; do
	log "    $l"
done
log "state: clients:"
must clients
for l in "${REPLY_LINES[@]}"; do
	log "    $l"
done
log_banner
if [ -n "$core_pipewire" ]; then
	audio_state
	log "state: audio: $AUDIO"
	if [[ $AUDIO == *mic=high* ]]; then
		must key logo+m
		if wait_audio mic=none; then
			log "input: Logo+M again; the microphone is taken back ($AUDIO)"
		else
			log "WARNING: Logo+M did not take the microphone back ($AUDIO)"
		fi
	fi
fi

# The trusted path: whatever the windows do, Logo+Escape shows what is what.
must key logo+Escape
must xray
[[ $REPLY_TEXT == open=1* ]] || die "Logo+Escape did not open the X-ray: $REPLY_TEXT"
log "input: Logo+Escape, the secure attention key: the X-ray (${REPLY_TEXT%% transfer=*})"
must screenshot "$xray_screenshot"
[ -s "$xray_screenshot" ] || die "'screenshot' answered ok but $xray_screenshot is missing or empty"
log "screenshot: $xray_screenshot ($(wc -c <"$xray_screenshot") bytes)"
must key Escape
must xray
[[ $REPLY_TEXT == open=0* ]] || die "Escape did not close the X-ray: $REPLY_TEXT"
log "input: Escape; the X-ray is closed, the keyboard is back in the window it was in"

if [ "$headless" -eq 0 ]; then
	close_control
	log "demo: done; screenshot in ${screenshot#"$repo"/}, transcript in ${transcript#"$repo"/}"
	log "demo: the session stays open: close the Strata window or press Ctrl-C to end it"
	waiting_for_user=1
	status=0
	wait "$strata_pid" || status=$?
	waiting_for_user=0
	strata_pid=""
	log "compositor: exited (status $status)"
	exit "$status"
fi

log "compositor: quit"
must quit
close_control
status=""
for _ in $(seq 100); do
	if ! kill -0 "$strata_pid" 2>/dev/null; then
		status=0
		wait "$strata_pid" || status=$?
		break
	fi
	sleep 0.1
done
[ -n "$status" ] || die "the compositor did not exit within 10 s of 'quit'"
strata_pid=""
if [ "$status" -ne 0 ]; then
	show_tail "$strata_log"
	die "the compositor exited with status $status after 'quit'"
fi
log "compositor: exited cleanly (status 0)"
log "demo: done; screenshot in ${screenshot#"$repo"/}, transcript in ${transcript#"$repo"/}"
