#!/bin/bash
# SPDX-License-Identifier: MIT
# Long fuzzing: each libFuzzer target of tests/fuzz/ (config, wire, proxy,
# guard, client) runs for a given time from its committed corpus, with ASan and
# UBSan; what it finds that covers something new is merged back into the
# committed corpus (tests/fuzz/corpus/TARGET, which the fuzz suite replays in
# every build): the named inputs stay, and the inputs named by their SHA-1
# are minimised again, old and new together (libFuzzer -merge=1 on edges,
# at most 4 KiB each). A table is written.
#
# Usage: bench/fuzz.sh [--minutes N] [--cpu] [--parallel] [--build DIR]
#                      [--no-merge] [TARGET...]
#   --minutes N   per target (default 60)
#   --cpu         the minutes are the fuzzer's own CPU time (user + system,
#                 from /proc), not wall time: on a machine shared with other
#                 work, a wall-time run fuzzes only as long as it got a core.
#                 The fuzzer is stopped with SIGINT (libFuzzer prints its
#                 final statistics) once it has used them.
#   --parallel    every target at once (with --cpu, each still gets its own
#                 minutes; the run takes as long as the machine needs)
#   --build DIR   the clang fuzz build (default build-fuzz in the source
#                 tree); configured and built here when missing:
#                 CC=clang meson setup DIR -Dfuzz=true
#                 -Db_sanitize=address,undefined --buildtype=debugoptimized
#   --no-merge    leave tests/fuzz/corpus/ as it is
#   TARGET...     default: every target
#
# Each target runs on one core (one after the other unless --parallel),
# nice'd (the machine is shared). A target's
# run stops at its first crash, leak, timeout or out-of-memory: the input is
# kept in the work directory and named in the table, and the script exits
# non-zero at the end.
#
# The table (appended to bench/results/DATE-fuzz.txt, also printed):
#   execs       inputs run (libFuzzer's number_of_executed_units), and per s
#   edges       coverage (libFuzzer's "cov": edges of the instrumented code)
#               of the committed corpus before the run, reached during the
#               run, and of the committed corpus after the merge
#   crashes     crash, leak, timeout and oom inputs found (0 or 1: the run
#               stops at the first)
#   cpu_s       the fuzzer's CPU time (user + system), sampled every 5 s
#               and when it is stopped
#   corpus      files/KiB of the committed corpus before and after
#
# client is the compositor itself, in the fuzzer's process, fed a level
# client's byte stream (tests/fuzz/fuzz_client.c); its hand-made seeds are
# written by tests/fuzz/client_seeds.py.
set -euo pipefail

cd "$(dirname "$0")/.."
SRC=$PWD
MINUTES=60
BUILD=$SRC/build-fuzz
MERGE=1
CPU=0
PARALLEL=0
TARGETS=()
while [ $# -gt 0 ]; do
	case $1 in
	--minutes)
		MINUTES=${2:?--minutes needs a number}
		shift
		;;
	--build)
		BUILD=${2:?--build needs a directory}
		shift
		;;
	--no-merge) MERGE=0 ;;
	--cpu) CPU=1 ;;
	--parallel) PARALLEL=1 ;;
	-h | --help)
		sed -n '/^# Usage:/,/^#   TARGET/s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	-*)
		echo "fuzz: unknown option $1" >&2
		exit 2
		;;
	*) TARGETS+=("$1") ;;
	esac
	shift
done
[[ $MINUTES =~ ^[0-9]+$ ]] && [ "$MINUTES" -ge 1 ] || {
	echo "fuzz: --minutes wants a whole number of minutes" >&2
	exit 2
}
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(config wire proxy guard client)
for t in "${TARGETS[@]}"; do
	[ -d "$SRC/tests/fuzz/corpus/$t" ] || {
		echo "fuzz: no target $t (no tests/fuzz/corpus/$t)" >&2
		exit 2
	}
done

if [ ! -f "$BUILD/meson-private/coredata.dat" ]; then
	command -v clang >/dev/null || { echo "fuzz: clang is missing" >&2; exit 1; }
	echo "fuzz: configuring $BUILD"
	CC=clang meson setup "$BUILD" "$SRC" -Dfuzz=true -Dtests=true \
		-Db_sanitize=address,undefined -Db_lundef=false --buildtype=debugoptimized \
		-Dman-pages=disabled >"$BUILD.setup.log" 2>&1 ||
		{ tail -20 "$BUILD.setup.log" >&2; exit 1; }
	rm -f "$BUILD.setup.log"
fi
nice -n 10 ninja -C "$BUILD" $(printf 'tests/fuzz/fuzz-%s ' "${TARGETS[@]}") >/dev/null

WORK=$(mktemp -d /tmp/strata-fuzz.XXXXXX)
echo "fuzz: work directory $WORK (kept: logs and any crash input)"
# No fuzzer outlives this script (killed, or failed): the targets run in the
# background (--parallel) are ended first, so none goes on to merge its
# corpus; the fuzzers still running are stopped as libFuzzer is, with SIGINT.
stop_fuzzers() {
	local p
	if [ -f "$WORK/jobs" ]; then
		# Each in a process group of its own (set -m): its merge and
		# coverage passes go with it.
		while read -r p; do
			kill -TERM -- "-$p" 2>/dev/null || true
		done <"$WORK/jobs"
	fi
	[ -f "$WORK/pids" ] || return 0
	while read -r p; do
		if grep -qa 'fuzz-' "/proc/$p/cmdline" 2>/dev/null; then
			kill -INT "$p" 2>/dev/null || true
		fi
	done <"$WORK/pids"
}
trap stop_fuzzers EXIT
trap 'exit 130' INT TERM
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# Third-party leaks only (fontconfig's caches, reached when the compositor of
# the client target draws a title): the suppressions of the ASan test run.
export LSAN_OPTIONS=suppressions=$SRC/scripts/lsan.supp
if [ -x /usr/lib/llvm-14/bin/llvm-symbolizer ]; then
	export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
fi

# corpus_size DIR: "files/KiB" (bytes of the files, not blocks)
corpus_size() {
	local files bytes
	files=$(find "$1" -maxdepth 1 -type f | wc -l)
	bytes=$(find "$1" -maxdepth 1 -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
	echo "$files/$(((bytes + 1023) / 1024))"
}

# sha1_named DIR FIND_ACTION...: on the files of DIR named by libFuzzer (a
# SHA-1); hand_named: on the others.
sha1_named() {
	local dir=$1
	shift
	find "$dir" -maxdepth 1 -type f -regextype posix-extended -regex '.*/[0-9a-f]{40}' "$@"
}
hand_named() {
	local dir=$1
	shift
	find "$dir" -maxdepth 1 -type f -regextype posix-extended ! -regex '.*/[0-9a-f]{40}' "$@"
}

# corpus_edges FUZZER DIR: the coverage of DIR's inputs (one pass, no fuzzing)
corpus_edges() {
	local log
	log=$(mktemp "$WORK/edges.XXXXXX")
	nice -n 10 "$1" -runs=0 "$2" >"$log" 2>&1 || true
	grep -oE '(INITED|DONE) +cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$' || echo "?"
}

DATE=$(date -u +%Y-%m-%d)
RESULTS=$SRC/bench/results/$DATE-fuzz.txt
# cpu_ticks PID: the process's user + system time in clock ticks (fields 14
# and 15 of /proc/PID/stat, counted after the parenthesised name)
cpu_ticks() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat
	echo $((${12} + ${13}))
}

# run_target T: fuzz, merge and measure one target; its table row goes to
# $WORK/T/row, and $WORK/T/failed is created if it found something or the
# merge failed.
run_target() {
	local t=$1 fuzzer tree dir size_before edges_before rc execs rate edges_run
	local crashes note size_after edges_after pid ticks=0 budget interrupted=0 wall
	fuzzer=$BUILD/tests/fuzz/fuzz-$t
	tree=$SRC/tests/fuzz/corpus/$t
	dir=$WORK/$t
	mkdir -p "$dir/corpus"
	cp "$tree"/* "$dir/corpus/"
	size_before=$(corpus_size "$tree")
	edges_before=$(corpus_edges "$fuzzer" "$tree")
	echo "fuzz: $t for $MINUTES min$([ $CPU -eq 0 ] || echo " of CPU time") (corpus $size_before files/KiB, $edges_before edges)"
	rc=0
	# With --cpu, libFuzzer's own wall-time limit is only a backstop (ten
	# times the minutes); the loop below stops it on CPU time.
	wall=$((MINUTES * 60))
	[ $CPU -eq 0 ] || wall=$((MINUTES * 600))
	budget=$((MINUTES * 60 * $(getconf CLK_TCK)))
	nice -n 10 "$fuzzer" -max_total_time=$wall -print_final_stats=1 \
		-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$dir/" "$dir/corpus" \
		>"$dir/fuzz.log" 2>&1 &
	pid=$!
	echo "$pid" >>"$WORK/pids"
	while kill -0 "$pid" 2>/dev/null; do
		ticks=$(cpu_ticks "$pid") || break
		if [ $CPU -eq 1 ] && [ "$ticks" -ge "$budget" ]; then
			interrupted=1
			kill -INT "$pid" 2>/dev/null || true
			# libFuzzer prints its statistics and exits at once; one
			# that has not within 60 s is killed (the run then counts
			# as failed: exit status 137, not 72)
			for _ in $(seq 60); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 1
			done
			kill -KILL "$pid" 2>/dev/null || true
			break
		fi
		sleep 5
	done
	wait "$pid" || rc=$?
	# libFuzzer ends a run it was interrupted in with its final statistics
	# and exit status 72 (-interrupted_exitcode)
	if [ $interrupted -eq 1 ] && [ $rc -eq 72 ] && grep -q 'run interrupted; exiting' "$dir/fuzz.log"; then
		rc=0
		echo "Done (stopped after $MINUTES CPU-minutes)" >>"$dir/fuzz.log"
	fi
	execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$dir/fuzz.log" |
		grep -oE '[0-9]+$' || echo 0)
	rate=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$dir/fuzz.log" |
		grep -oE '[0-9]+$' || echo 0)
	edges_run=$(grep -oE ' cov: [0-9]+' "$dir/fuzz.log" | tail -1 | grep -oE '[0-9]+' || echo "?")
	crashes=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' \
		-o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
	note=""
	if [ "$crashes" -gt 0 ] || { [ "$rc" -ne 0 ] && ! grep -q 'Done [0-9]* runs' "$dir/fuzz.log"; }; then
		touch "$dir/failed"
		note="  FOUND: $(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' \
			-o -name 'timeout-*' -o -name 'oom-*' \) -printf '%p ' || true)(exit $rc, log $dir/fuzz.log)"
		[ "$crashes" -gt 0 ] || crashes="?"
	fi
	if [ $MERGE -eq 1 ]; then
		# The named inputs (hand-written seeds, past crashes) stay as
		# they are; of the others (named by libFuzzer with their SHA-1),
		# old and new, only those that add edges to the named ones and
		# to each other are kept, smallest first (-merge=1 on edges
		# alone, -use_counters=0: hit counts would keep hundreds).
		mkdir "$dir/keep"
		hand_named "$tree" -exec cp {} "$dir/keep/" \;
		mkdir "$dir/found"
		sha1_named "$tree" -exec cp {} "$dir/found/" \;
		if nice -n 10 "$fuzzer" -merge=1 -use_counters=0 -max_len=4096 "$dir/keep" \
			"$dir/found" "$dir/corpus" >"$dir/merge.log" 2>&1; then
			# New ones in first, then the old ones not kept out:
			# stopped in between, the tree has them all, lost none.
			sha1_named "$dir/keep" -exec cp {} "$tree/" \;
			local f
			for f in $(sha1_named "$tree" -printf '%f\n'); do
				[ -e "$dir/keep/$f" ] || rm -f "$tree/$f"
			done
		else
			echo "fuzz: merge of $t failed (log $dir/merge.log)" >&2
			touch "$dir/failed"
		fi
	fi
	size_after=$(corpus_size "$tree")
	edges_after=$(corpus_edges "$fuzzer" "$tree")
	printf '%-7s %12s %8s %8s %8s %8s %8s %12s %12s %7s%s\n' "$t" "$execs" "$rate" \
		"$edges_before" "$edges_run" "$edges_after" "$crashes" "$size_before" \
		"$size_after" "$((ticks / $(getconf CLK_TCK)))" "$note" >"$dir/row"
	echo "fuzz: $t: $execs execs, edges $edges_before -> $edges_after, $crashes crashes"
}

# With --parallel, each target runs as a job of its own process group.
[ $PARALLEL -eq 0 ] || set -m
for t in "${TARGETS[@]}"; do
	if [ $PARALLEL -eq 1 ]; then
		run_target "$t" &
		echo "$!" >>"$WORK/jobs"
	else
		run_target "$t"
	fi
done
wait
set +m
rm -f "$WORK/jobs" # all ended: nothing of theirs to stop any more
FAILED=0
for t in "${TARGETS[@]}"; do
	[ -f "$WORK/$t/row" ] || { echo "fuzz: $t gave no result" >&2; FAILED=1; }
	[ ! -e "$WORK/$t/failed" ] || FAILED=1
done

[ ! -s "$RESULTS" ] || echo >>"$RESULTS"
{
	echo "# bench/fuzz.sh --minutes $MINUTES$([ $CPU -eq 0 ] || echo " --cpu")$([ $PARALLEL -eq 0 ] || echo " --parallel"), ended $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$SRC" rev-parse --short HEAD)"
	echo "# clang $(clang -dumpversion), -fsanitize=fuzzer,address,undefined, -O2; one core each, nice 10,"
	echo "# on $(nproc) cores shared with other work. edges: libFuzzer's cov of the committed"
	echo "# corpus before / reached in the run / committed corpus after the merge; corpus: files/KiB;"
	echo "# exec/s: over wall time; cpu_s: the fuzzer's user + system time."
	printf '%-7s %12s %8s %8s %8s %8s %8s %12s %12s %7s\n' target execs exec/s edges0 run edges1 \
		crashes corpus0 corpus1 cpu_s
	for t in "${TARGETS[@]}"; do
		cat "$WORK/$t/row" 2>/dev/null || echo "$t: no result"
	done
} | tee -a "$RESULTS"
echo "fuzz: table in ${RESULTS#"$SRC"/}"
exit $FAILED
