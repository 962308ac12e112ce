#!/bin/bash
# SPDX-License-Identifier: MIT
# What a cage costs a program at start: the time from launch to its first
# window, for gtk4-widget-factory started three ways against one headless
# strata (as root, with its cages):
#   direct  a client of the low level socket itself (no proxy, no sandbox),
#   proxy   a client of low's proxy socket (the proxy, no sandbox),
#   cage    strata-run low -- gtk4-widget-factory (proxy and bubblewrap).
# The first launch of each way warms caches and is dropped; then ROUNDS
# rounds, the ways in a rotated order each round. A measurement script, not
# a test: it prints medians, min and max in ms.
#
# Usage: bench/cage_launch.sh BUILDDIR [ROUNDS]
set -euo pipefail

BUILD=${1:?usage: bench/cage_launch.sh BUILDDIR [ROUNDS]}
BUILD=$(cd "$BUILD" && pwd)
ROUNDS=${2:-5}
STRATA=$BUILD/compositor/strata
RUN=$BUILD/strata-run/strata-run
APP=gtk4-widget-factory
APP_ID=org.gtk.WidgetFactory4

for prog in "$STRATA" "$RUN"; do
	[ -x "$prog" ] || { echo "cage_launch: $prog is not built" >&2; exit 1; }
done
for tool in "$APP" socat bwrap dbus-daemon; do
	command -v "$tool" >/dev/null || { echo "cage_launch: $tool is missing" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "cage_launch: run as root (cages need it)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/strata-cage-launch.XXXXXX)
chmod 711 "$WORK"
STRATA_PID=
cleanup() {
	set +e
	[ -n "$STRATA_PID" ] && kill -TERM "$STRATA_PID" && wait "$STRATA_PID"
	[ -s "$WORK/bus.pid" ] && kill -TERM "$(cat "$WORK/bus.pid")"
	rm -rf "$WORK"
}
trap cleanup EXIT

cat >"$WORK/strata.ini" <<EOF
[level low]
colour = #2e7d32
[level high]
colour = #c62828
[lock]
user = root
EOF
"$STRATA" --headless 1280x800 --test-control -c "$WORK/strata.ini" \
	--runtime-dir "$WORK/run" --data-dir "$WORK/data" >"$WORK/strata.log" 2>&1 &
STRATA_PID=$!
for _ in $(seq 200); do
	grep -q '^strata: ready' "$WORK/strata.log" 2>/dev/null && break
	sleep 0.05
done
grep -q '^strata: ready' "$WORK/strata.log" || { echo "cage_launch: strata did not start" >&2; exit 1; }
CTL=$WORK/run/test-control
ctl() { printf '%s\n' "$*" | socat -t 2 - "UNIX-CONNECT:$CTL"; }
for _ in $(seq 200); do
	ctl levels | grep -q 'level name=low up=1' && break
	sleep 0.05
done

mkdir -p "$WORK/home" "$WORK/xdg"
chmod 700 "$WORK/xdg"
# Outside the cages, a session bus too (GApplication wants one, as in a cage).
dbus-daemon --session --address="unix:path=$WORK/xdg/bus" --nopidfile --fork --print-pid >"$WORK/bus.pid"
now_ms() { echo $(($(date +%s%N) / 1000000)); }
app_windows() { ctl windows | grep -c "app_id=\"$APP_ID\"" || true; }

# One launch: prints the ms to its window, then ends it.
launch() {
	local way=$1 t0 pid
	t0=$(now_ms)
	case $way in
	direct | proxy)
		local socket=$WORK/run/wayland-low
		[ "$way" = proxy ] && socket=$WORK/run/cages/low/wayland-0
		env -i PATH=/usr/bin:/bin HOME="$WORK/home" XDG_RUNTIME_DIR="$WORK/xdg" \
			WAYLAND_DISPLAY="$socket" DBUS_SESSION_BUS_ADDRESS="unix:path=$WORK/xdg/bus" \
			LANG=C.UTF-8 setsid "$APP" >>"$WORK/direct.log" 2>&1 &
		pid=$!
		;;
	cage)
		pid=$("$RUN" -s "$WORK/run/wayland-core" low -- "$APP")
		;;
	esac
	local deadline=$((t0 + 60000))
	until [ "$(app_windows)" -ge 1 ]; do
		[ "$(now_ms)" -lt "$deadline" ] || { echo "cage_launch: no window ($way)" >&2; tail -5 "$WORK/direct.log" >&2; exit 1; }
		sleep 0.01
	done
	echo $(($(now_ms) - t0))
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
	until [ "$(app_windows)" -eq 0 ]; do sleep 0.05; done
}

WAYS=(direct proxy cage)
declare -A TIMES
for way in "${WAYS[@]}"; do
	launch "$way" >/dev/null # the first start: caches
done
for round in $(seq "$ROUNDS"); do
	for i in 0 1 2; do
		way=${WAYS[$(((i + round) % 3))]}
		TIMES[$way]+="$(launch "$way") "
	done
done
printf '%-8s %8s %8s %8s   (%s, %d launches each after a first one)\n' way median min max "$APP" "$ROUNDS"
for way in "${WAYS[@]}"; do
	read -r -a t <<<"${TIMES[$way]}"
	sorted=$(printf '%s\n' "${t[@]}" | sort -n)
	median=$(echo "$sorted" | sed -n "$(((${#t[@]} + 1) / 2))p")
	printf '%-8s %8s %8s %8s\n' "$way" "$median" "$(echo "$sorted" | head -1)" \
		"$(echo "$sorted" | tail -1)"
done
