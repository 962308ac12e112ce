#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The compositor's files call each other without a loop.

Reads the symbols of every object of libstrata-compositor (nm on the
archive): an edge A -> B when A's object uses a function or variable that B's
defines. Callbacks through wl_signal and function pointers are not edges:
that is how a lower file tells a higher one (focus, status, bindings). The
test prints the graph (TAP) and fails on any cycle, and also when the graph
is empty or misses the files it is about (a broken nm must not pass).
"""
import collections
import subprocess
import sys


def read_graph(archive):
    out = subprocess.run(["nm", "-A", archive], capture_output=True, text=True, check=True).stdout
    defined, used = {}, collections.defaultdict(set)
    for line in out.splitlines():
        # "archive:member.c.o:<value> T name" or "archive:member.c.o: U name"
        head, _, rest = line.rpartition(":")
        member = head.rsplit(":", 1)[-1] if ":" in head else head
        name = member.split("/")[-1].replace(".c.o", "")
        parts = rest.split()
        if len(parts) == 3 and parts[1] in "TDBR":
            defined[parts[2]] = name
        elif len(parts) == 2 and parts[0] == "U":
            used[name].add(parts[1])
    files = set(defined.values()) | set(used)
    edges = {f: set() for f in files}
    for f, symbols in used.items():
        for s in symbols:
            if s in defined and defined[s] != f:
                edges[f].add(defined[s])
    return edges


def cycles(edges):
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def main():
    if len(sys.argv) != 2:
        print("usage: call_graph.py LIBSTRATA_COMPOSITOR.a", file=sys.stderr)
        return 2
    edges = read_graph(sys.argv[1])
    print("1..2")
    needed = {"seat", "banner", "audio", "view", "transfer", "clipboard", "server"}
    missing = needed - set(edges)
    if missing or sum(len(e) for e in edges.values()) < 20:
        print(f"not ok 1 the graph is read (missing {sorted(missing)}, "
              f"{sum(len(e) for e in edges.values())} edges)")
    else:
        print(f"ok 1 the graph is read ({len(edges)} files)")
    for f in sorted(edges):
        print(f"# {f} -> {', '.join(sorted(edges[f])) or '-'}")
    found = cycles(edges)
    if found:
        for c in found:
            print(f"# call loop: {' <-> '.join(c)}")
        print("not ok 2 no call loop between the compositor's files")
    else:
        print("ok 2 no call loop between the compositor's files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
