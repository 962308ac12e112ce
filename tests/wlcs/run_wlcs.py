#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs wlcs against strata and holds the result to the reviewed lists.

    run_wlcs.py --runner WLCS --module MODULE.so --expected expected-failures.txt
                --refused refused-by-design.txt --not-applicable not-applicable.txt
                --mode direct|proxy
                [--log FILE] [--gtest-filter F] [--preload LIB]

Fails (exit 1) when:
- the runner or the module is missing, or the runner crashed or timed out
  (the test it was in is named), or no test ran;
- a test failed that expected-failures.txt does not list (a new failure);
- a test that expected-failures.txt or refused-by-design.txt lists passed,
  was skipped or does not exist (an unexpected pass: the lists must stay
  true), or one test is in both lists;
- a test was skipped for an extension that not-applicable.txt does not list
  (strata would have stopped offering something a level should have).

expected-failures.txt: one test a line, "NAME  reason" (the reason is
required). NAME may hold fnmatch wildcards (every test it matches must
fail) and may start with "direct:" or "proxy:" for one mode only.
refused-by-design.txt, the same format: tests that ask a level for what a
level must never do (a rule of strata's security, named with the file that
enforces it). They are run like every test and must fail, but they are
counted apart: the pass rate is given over every test run (skips aside),
and over the tests run minus these.
not-applicable.txt: "EXTENSION  reason", one extension a line: the
extensions levels never get (wlcs skips their tests).
"""
import argparse
import fnmatch
import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET


def read_list(path, what):
    entries = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 1)
            if len(parts) < 2 or not parts[1].strip():
                raise SystemExit(f"{path}:{number}: {what} without a reason: {line}")
            entries.append((parts[0], parts[1].strip(), number))
    return entries


def expected_for_mode(entries, mode):
    out = []
    for name, reason, number in entries:
        if ":" in name.split(".")[0] and name.split(":", 1)[0] in ("direct", "proxy"):
            entry_mode, name = name.split(":", 1)
            if entry_mode != mode:
                continue
        out.append((name, reason, number))
    return out


def crashed_in(log_text):
    """The last test the runner started and never finished."""
    running = None
    for line in log_text.splitlines():
        m = re.match(r"\[ RUN      \] (\S+)", line)
        if m:
            running = m.group(1)
        elif re.match(r"\[ +(OK|FAILED|SKIPPED) +\] ", line):
            running = None
    return running


def classify_leaks(log_text):
    """LeakSanitizer's reports: a leak allocated by the runner itself (a frame
    of the wlcs executable on its stack and none of strata's: the module,
    compositor/, common/) is wlcs's own; every other leak is counted as
    ours (a stack cut short by a library without frame pointers included)."""
    ours, theirs = [], []
    for block in re.findall(r"^(?:Direct|Indirect) leak of .*?(?=^\s*$)", log_text,
                            re.M | re.S):
        strata = re.search(r"strata_wlcs|/compositor/|/common/|/cage-proxy/", block)
        runner = re.search(r"/wlcs/wlcs(\.asan)?\+0x", block)
        if runner and not strata:
            theirs.append(block)
        else:
            ours.append(block)
    return ours, theirs


def parse_results(xml_path):
    results = {}  # name -> ("pass" | "fail" | "skip", detail)
    root = ET.parse(xml_path).getroot()
    for case in root.iter("testcase"):
        name = f"{case.get('classname')}.{case.get('name')}"
        failures = case.findall("failure") + case.findall("error")
        skip_reason = None
        for prop in case.iter("property"):
            if prop.get("name") == "wlcs-skip-test":
                skip_reason = prop.get("value")
        skipped = case.find("skipped") is not None or case.get("result") == "skipped"
        if case.get("status") == "notrun" or case.get("result") == "suppressed":
            continue
        if skip_reason is not None or skipped:
            results[name] = ("skip", skip_reason or "skipped")
        elif failures:
            message = failures[0].get("message") or failures[0].text or ""
            results[name] = ("fail", message.strip().splitlines()[0] if message.strip() else "")
        else:
            results[name] = ("pass", "")
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runner", required=True)
    ap.add_argument("--module", required=True)
    ap.add_argument("--expected", required=True)
    ap.add_argument("--refused", required=True)
    ap.add_argument("--not-applicable", required=True)
    ap.add_argument("--mode", required=True, choices=["direct", "proxy"])
    ap.add_argument("--log")
    ap.add_argument("--gtest-filter")
    ap.add_argument("--preload", help="a library to LD_PRELOAD into the runner (sanitizers)")
    ap.add_argument("--timeout", type=int, default=1500)
    ap.add_argument("--sanitized", action="store_true",
                    help="the module is built with ASan+UBSan: judge the runner's reports")
    ap.add_argument("--lsan-suppressions", action="append", default=[],
                    help="LeakSanitizer suppression files, merged (may be repeated)")
    args = ap.parse_args()

    problems = []
    for path, what in ((args.runner, "runner"), (args.module, "module")):
        if not os.access(path, os.X_OK if what == "runner" else os.R_OK):
            print(f"not ok: the wlcs {what} {path} is missing "
                  "(Debian package wlcs; scripts/install-deps.sh)")
            return 1
    expected = expected_for_mode(read_list(args.expected, "expected failure"), args.mode)
    refused = expected_for_mode(read_list(args.refused, "refused-by-design test"), args.mode)
    not_applicable = {name: reason for name, reason, _ in read_list(args.not_applicable,
                                                                      "extension")}

    log_path = args.log or os.path.join(tempfile.gettempdir(), f"wlcs-{args.mode}.log")
    xml_fd, xml_path = tempfile.mkstemp(prefix="wlcs-", suffix=".xml")
    os.close(xml_fd)
    os.unlink(xml_path)
    command = [os.path.abspath(args.runner), os.path.abspath(args.module), f"--gtest_output=xml:{xml_path}"]
    if args.gtest_filter:
        command.append(f"--gtest_filter={args.gtest_filter}")
    env = dict(os.environ)
    if args.preload:
        env["LD_PRELOAD"] = args.preload
    if args.sanitized:
        # Reports are judged here (the runner's own leaks are not ours):
        # no abort, distinct exit codes, whole stacks.
        env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":detect_leaks=1:abort_on_error=0"
                               ":exitcode=66").lstrip(":")
        # One suppressions file: ours merged (the caller's is replaced).
        lsan = re.sub(r"(^|:)suppressions=[^:]*", "", env.get("LSAN_OPTIONS", ""))
        if args.lsan_suppressions:
            supp_fd, supp_path = tempfile.mkstemp(prefix="wlcs-lsan-", suffix=".supp")
            with os.fdopen(supp_fd, "w") as supp:
                for path in args.lsan_suppressions:
                    with open(path, encoding="utf-8") as part:
                        supp.write(part.read() + "\n")
            lsan += f":suppressions={supp_path}"
        env["LSAN_OPTIONS"] = (lsan + ":exitcode=23:print_suppressions=0").lstrip(":")
        env.setdefault("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1")
        if os.access("/usr/lib/llvm-14/bin/llvm-symbolizer", os.X_OK):
            env.setdefault("ASAN_SYMBOLIZER_PATH", "/usr/lib/llvm-14/bin/llvm-symbolizer")
    start = time.monotonic()
    with open(log_path, "w", encoding="utf-8", errors="replace") as log:
        try:
            proc = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, env=env,
                                  timeout=args.timeout, cwd=tempfile.gettempdir())
            rc = proc.returncode
        except subprocess.TimeoutExpired:
            rc = None
    elapsed = time.monotonic() - start
    if args.sanitized and args.lsan_suppressions:
        os.unlink(supp_path)
    with open(log_path, encoding="utf-8", errors="replace") as log:
        log_text = log.read()
    print(f"wlcs {args.mode}: {' '.join(command)}")
    print(f"wlcs {args.mode}: full output in {log_path}; {elapsed:.1f} s")

    leaks_ours, leaks_wlcs = classify_leaks(log_text)
    if rc is None:
        problems.append(f"the runner timed out after {args.timeout} s "
                        f"(in {crashed_in(log_text) or 'no test'})")
    elif rc == 23 and args.sanitized and not leaks_ours:
        pass  # LeakSanitizer's exit: only the runner's own leaks (below)
    elif rc < 0 or rc > 1 or not os.path.exists(xml_path):
        where = crashed_in(log_text)
        problems.append(f"the runner crashed (exit {rc}) in {where or 'no test'}")
    if re.search(r"ERROR: (AddressSanitizer|UndefinedBehaviorSanitizer)|runtime error:",
                 log_text):
        problems.append("a sanitizer reported an error (see the log)")
    if leaks_ours:
        problems.append(f"LeakSanitizer: {len(leaks_ours)} leak(s) not shown to be the "
                        f"runner's own; the first:\n" + leaks_ours[0])
    if leaks_wlcs:
        print(f"wlcs {args.mode}: {len(leaks_wlcs)} leak(s) of the wlcs runner itself "
              "(no strata frame on their stack): not ours, not counted")

    results = parse_results(xml_path) if os.path.exists(xml_path) else {}
    if os.path.exists(xml_path):
        os.unlink(xml_path)
    passed = sorted(n for n, (r, _) in results.items() if r == "pass")
    failed = sorted(n for n, (r, _) in results.items() if r == "fail")
    skipped = sorted(n for n, (r, _) in results.items() if r == "skip")

    def listed(entries, name):
        for pattern, reason, number in entries:
            if fnmatch.fnmatchcase(name, pattern):
                return pattern, reason
        return None

    def expectation(name):
        return listed(expected, name) or listed(refused, name)

    def list_of(name):
        return args.refused if listed(refused, name) else args.expected

    in_both = [n for n in results if listed(expected, n) and listed(refused, n)]
    refused_failed = [n for n in failed if listed(refused, n)]
    new_failures = [n for n in failed if expectation(n) is None]
    unexpected_passes = [n for n in passed if expectation(n) is not None]
    skipped_but_expected = [n for n in skipped if expectation(n) is not None]
    # With a filter, entries for tests left out are not checked.
    unmatched = [] if args.gtest_filter else [
        (path, p) for path, entries in ((args.expected, expected), (args.refused, refused))
        for p, _, _ in entries if not any(fnmatch.fnmatchcase(n, p) for n in results)]
    bad_skips = []
    skip_extensions = {}
    not_applicable_count = 0
    for n in skipped:
        reason = results[n][1]
        m = re.match(r"Missing extension: ([A-Za-z0-9_]+)", reason)
        key = m.group(1) if m else None
        if key in not_applicable:
            not_applicable_count += 1
        else:
            key = next((k for k in not_applicable if "." in k and fnmatch.fnmatchcase(n, k)),
                       None)
        if key is None:
            bad_skips.append(f"{n} ({reason})")
        else:
            skip_extensions[key] = skip_extensions.get(key, 0) + 1

    expected_failed = len(failed) - len(new_failures) - len(refused_failed)
    run = len(passed) + len(failed)  # skips aside
    applicable = run - len(refused_failed)
    rate = 100.0 * len(passed) / applicable if applicable else 0.0
    rate_all = 100.0 * len(passed) / run if run else 0.0
    print(f"wlcs {args.mode}: {len(results)} in the runner's report: {len(passed)} pass, "
          f"{expected_failed} expected failure, {len(refused_failed)} refused-by-design, "
          f"{not_applicable_count} not applicable, "
          f"{len(skipped) - not_applicable_count} skipped otherwise"
          + (f", {len(new_failures)} new failure" if new_failures else ""))
    print(f"wlcs {args.mode}: {rate_all:.1f} % of all {run} tests run pass; "
          f"{rate:.1f} % of the {applicable} left when the {len(refused_failed)} refused by "
          f"design are set apart")
    for ext in sorted(skip_extensions):
        print(f"  skipped: {skip_extensions[ext]:4d} tests of {ext}: {not_applicable[ext]}")

    if not results and not problems:
        problems.append("no test ran")
    for n in new_failures:
        problems.append(f"new failure: {n}: {results[n][1]}")
    for n in in_both:
        problems.append(f"{n} is in both {args.expected} and {args.refused}")
    for n in unexpected_passes:
        problems.append(f"unexpected pass: {n} (listed as {expectation(n)[0]}: "
                        f"{expectation(n)[1]}); remove it from {list_of(n)}")
    for n in skipped_but_expected:
        problems.append(f"listed as failing (in {list_of(n)}) but skipped: {n}")
    for path, p in unmatched:
        problems.append(f"{path}: {p} matches no test that ran")
    for s in bad_skips:
        problems.append(f"skipped for an extension not in {args.not_applicable}: {s}")

    if problems:
        for p in problems:
            print(f"not ok: {p}")
        print(f"wlcs {args.mode}: FAIL ({len(problems)} problem(s))")
        return 1
    print(f"wlcs {args.mode}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
