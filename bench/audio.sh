#!/bin/bash
# SPDX-License-Identifier: MIT
# Audio benchmark: a sound played directly into the core PipeWire next to
# the same sound played in a level (its own PipeWire, the FIFO, the mux), in
# the same run, at quantum 1024 and 256. Null devices timed by a
# Dummy-Driver, as in tests/audio; everything started fresh for each
# quantum. See bench/audio_bench.c for the method.
#
#   latency: click trains on a grid of CLOCK_MONOTONIC instants, every
#            recorded cycle stamped with its graph time; "added" is the path
#            through the level minus the direct path, per direction.
#   CPU:     utime + stime of each process group over SECONDS, in % of one
#            core: the mux, the core PipeWire, each level's PipeWire (with
#            its strata-audio-level and pipewire-pulse).
#
# Usage: bench/audio.sh [BUILDDIR] [SECONDS]
# Prints two tables and writes the raw figures to BUILDDIR/bench-audio.txt.
set -euo pipefail

BUILD=$(cd "${1:-build}" && pwd)
SECS=${2:-10}
SRC=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$BUILD/tests/audio/strata-audio-bench
for f in "$BENCH" "$BUILD/audio-mux/strata-audio-mux" "$BUILD/audio-mux/strata-audio-level" \
		"$BUILD/tests/audio/strata-audio-probe"; do
	[ -x "$f" ] || { echo "bench: $f not built" >&2; exit 1; }
done
command -v pipewire >/dev/null || { echo "bench: pipewire is missing" >&2; exit 1; }

export STRATA_AUDIO_MUX_BIN=$BUILD/audio-mux/strata-audio-mux
export STRATA_AUDIO_LEVEL_BIN=$BUILD/audio-mux/strata-audio-level
export STRATA_AUDIO_PROBE_BIN=$BUILD/tests/audio/strata-audio-probe
export STRATA_AUDIO_CONF_DIR=$SRC/audio-mux

OUT=$BUILD/bench-audio.txt
: >"$OUT"
for q in 1024 256; do
	echo "bench: quantum $q ($((SECS * 3 + 8)) s)..." >&2
	"$BENCH" "$q" "$SECS" | grep -v '^#' >>"$OUT"
done

# key QUANTUM -> value
get() { awk -v q="$2" -v k="$1" '$1 == "quantum" { cur = $2 } cur == q && $1 == k { print $2 }' "$OUT"; }
ms_frames() { awk -v v="$1" -v q="$2" 'BEGIN { printf "%.1f ms (%.2f quantum)", v, v * 48 / q }'; }
added() { awk -v a="$1" -v b="$2" -v q="$3" 'BEGIN { v = a - b; printf "%.1f ms (%.2f quantum)", v, v * 48 / q }'; }

echo
echo "Latency (median over ~12 clicks; quantum 1024 = 21.3 ms, 256 = 5.3 ms)"
echo
echo "| quantum | direction | direct | through level + mux | added |"
echo "|---|---|---|---|---|"
for q in 1024 256; do
	for dir in playback mic; do
		d=$(get "latency.$dir.direct_ms" "$q")
		l=$(get "latency.$dir.level_ms" "$q")
		echo "| $q | $dir | $(ms_frames "$d" "$q") | $(ms_frames "$l" "$q") | $(added "$l" "$d" "$q") |"
	done
done
echo
echo "CPU, % of one core over $SECS s (2 cores; level = its pipewire + strata-audio-level + pipewire-pulse)"
echo
echo "| quantum | what plays | mux | mux per level | core pipewire | level low | level high | player(s) |"
echo "|---|---|---|---|---|---|---|---|"
for q in 1024 256; do
	for phase in direct levels idle; do
		mux=$(get "cpu.$phase.mux" "$q")
		per=$(awk -v m="$mux" 'BEGIN { printf "%.2f", m / 2 }')
		player=$(get "cpu.$phase.player" "$q")
		player2=$(get "cpu.$phase.player2" "$q")
		case $phase in
		direct) what="1 tone into the core" ;;
		levels) what="1 tone in each level" ;;
		idle) what="nothing" ;;
		esac
		echo "| $q | $what | $mux | $per | $(get "cpu.$phase.core" "$q") | $(get "cpu.$phase.level_low" "$q") | $(get "cpu.$phase.level_high" "$q") | ${player:--}${player2:+ + $player2} |"
	done
done
