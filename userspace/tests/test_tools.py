# SPDX-License-Identifier: GPL-2.0
"""test_tools.py - the examples' expected outcomes, `refgcctl unreachable`
against a BFS oracle, and the debugfs files, control file, `arenas` and
`-a ID` (root only)."""
import json
import os
import random
import re
import subprocess
import time

from common import (CTL, DEBUGFS, EXAMPLES, QUICK, TMP, check_version, ok,
                    run_ctl, skip)
from test_script import dot_valid, have_dot

# ---------------------------------------------------------------- examples


def ex(name):
    rc, out, err = run_ctl(["run", "--json", os.path.join(EXAMPLES, name)])
    return rc, [json.loads(x) for x in out.splitlines()], err


def cmds(res, name):
    """The top-level results of command NAME (not those of bodies)."""
    return [r for r in res if r["cmd"] == name and "in" not in r]


def test_examples():
    rc, res, err = ex("01-local-list.rgc")
    mem, col = cmds(res, "memory"), cmds(res, "collect")
    ok("example 01: local list freed at return", rc == 0 and
       mem[0]["objects"] == 2 and mem[1]["objects"] == 0 and
       col[0]["unreachable"] == 0, (rc, err, mem, col))

    rc, res, err = ex("02-global.rgc")
    ok("example 02: global keeps it alive", rc == 0 and
       cmds(res, "collect")[0]["unreachable"] == 0 and
       cmds(res, "memory")[0]["objects"] == 2 and
       [d["label"] for d in cmds(res, "referrers")[0]["referrers"]] ==
       ["_registry"], (rc, err))

    rc, res, err = ex("03-cycle.rgc")
    col = cmds(res, "collect")[0]
    ok("example 03: cycle collected only by collect", rc == 0 and
       cmds(res, "memory")[0]["objects"] == 2 and
       len(cmds(res, "leaking")[0]["leaking"]) == 2 and
       col["unreachable"] == 2 and col["collected"] == 2 and
       cmds(res, "memory")[1]["objects"] == 0, (rc, err, col))

    rc, res, err = ex("04-person-finalizer.rgc")
    col, evs = cmds(res, "collect"), cmds(res, "events")
    fin = [[e["object"]["label"] for e in x["events"]
            if e["type"] == "finalize"] for x in evs]
    derefs = cmds(res, "deref")
    fin0 = [e["object"]["label"] for e in col[0]["events"]
            if e["type"] == "finalize"]
    # The bodies' print records, and where they sit among the results.
    byes = [(i, r["text"]) for i, r in enumerate(res)
            if r.get("in") == "Person.__del__" and r["cmd"] == "print"]
    at = res.index(col[0])
    ok("example 04: __del__ bodies run inside collect, which frees the cycle",
       rc == 0 and col[0]["unreachable"] == 2 and
       sorted(fin0) == ["alice", "bob"] and
       [re.sub(r"#\d+", "", t) for _, t in byes[:2]] ==
       ["bye <Person %s>" % x for x in fin0] and
       [i for i, _ in byes[:2]] == [at - 2, at - 1] and
       col[1]["unreachable"] == 0 and
       fin[0] == [] and cmds(res, "memory")[1]["objects"] == 0,
       (rc, err, col, byes))
    ok("example 04: with weakrefs, refcounting frees each Person",
       fin[1] == ["alice"] and fin[2] == ["bob"] and
       derefs[0]["alive"] is True and derefs[1]["alive"] is False and
       col[2]["unreachable"] == 0 and
       cmds(res, "memory")[2]["objects"] == 0, (fin, derefs, col))
    ok("example 04: bye alice right after `del alice`",
       len(byes) == 4 and byes[2][1].startswith("bye <Person alice#") and
       res[byes[2][0] - 1]["cmd"] == "del" and
       byes[3][1].startswith("bye <Person bob#") and
       res[byes[3][0] - 1]["cmd"] == "del", byes)

    rc, res, err = ex("05-cache-leak.rgc")
    gr = cmds(res, "growth")
    ok("example 05: growth shows Result +100", rc == 0 and
       gr[1]["growth"][0] == {"type": "Result", "count": 100,
                              "delta": 100}, gr)
    ok("example 05: chain from _cache",
       [(d["label"], d["type"]) for d in cmds(res, "chain")[0]["chain"]] ==
       [("_cache", "list"), ("result", "Result")], cmds(res, "chain"))

    rc, res, err = ex("06-legacy-del.rgc")
    col = cmds(res, "collect")[0]
    ok("example 06: legacy __del__ cycle ends in garbage", rc == 0 and
       col["unreachable"] == 2 and col["uncollectable"] == 2 and
       sorted(d["label"] for d in cmds(res, "garbage")[0]["garbage"]) ==
       ["a", "b"] and not [e for e in cmds(res, "events")[0]["events"]
                           if e["type"] == "finalize"] and
       not [r for r in res if "in" in r], (rc, err, col))

    rc, res, err = ex("07-saveall.rgc")
    col, gb = cmds(res, "collect"), cmds(res, "garbage")
    ok("example 07: DEBUG_SAVEALL keeps the cycle on garbage", rc == 0 and
       col[0]["unreachable"] == 3 and
       sorted(d["label"] for d in gb[0]["garbage"]) ==
       ["child", "children", "parent"] and gb[1]["cleared"] == 3 and
       col[1]["unreachable"] == 3 and
       cmds(res, "memory")[0]["objects"] == 0, (rc, err, col))

    rc, out, err = run_ctl(["unreachable",
                            os.path.join(EXAMPLES, "08-unreachable.graph")])
    ok("example 08: unreachable graph", rc == 0 and out.split() ==
       ["cycle1", "cycle2", "orphan", "self_loop", "tail"], (out, err))

    for name in sorted(os.listdir(EXAMPLES)):
        if not name.endswith(".rgc"):
            continue
        rc, out, err = run_ctl(["run", os.path.join(EXAMPLES, name)])
        ok("example %s runs in text mode" % name, rc == 0 and not err, err)


# ------------------------------------------------------------- unreachable


def oracle(nodes, edges, roots):
    adj = {n: [] for n in nodes}
    for a, b in edges:
        adj[a].append(b)
    seen, todo = set(roots), list(roots)
    while todo:
        for b in adj[todo.pop()]:
            if b not in seen:
                seen.add(b)
                todo.append(b)
    return sorted(n for n in nodes if n not in seen)


def random_graph(rng, n, m, nroots):
    nodes = ["n%d" % i for i in range(n)]
    edges = [(rng.choice(nodes), rng.choice(nodes)) for _ in range(m)]
    roots = rng.sample(nodes, nroots)
    return nodes, edges, roots


def write_graph(path, nodes, edges, roots):
    with open(path, "w") as f:
        f.write("# random graph\nroots: %s\n" % " ".join(roots))
        for a, b in edges:
            f.write("%s -> %s\n" % (a, b))
        used = set(roots) | {x for e in edges for x in e}
        for n in nodes:
            if n not in used:
                f.write("%s -> %s\n" % (n, n))   # isolated: a self loop
                edges.append((n, n))


def test_unreachable():
    rng = random.Random(1234)
    path = os.path.join(TMP, "g.graph")
    sizes = [(1, 0, 1), (10, 15, 2), (50, 60, 3), (200, 150, 5),
             (1000, 2500, 10), (3000, 3000, 1)]
    for i, (n, m, r) in enumerate(sizes * 2):
        nodes, edges, roots = random_graph(rng, n, m, r)
        write_graph(path, nodes, edges, roots)
        rc, out, err = run_ctl(["unreachable", path])
        want = oracle(nodes, edges, roots)
        ok("unreachable vs BFS oracle: %d nodes, %d edges" % (n, len(edges)),
           rc == 0 and out.split() == want,
           (err, len(out.split()), len(want)))
    if QUICK:
        skip("unreachable: 10^6 edges", "--quick")
    else:
        nodes, edges, roots = random_graph(rng, 200000, 1000000, 3)
        write_graph(path, nodes, edges, roots)
        t0 = time.time()
        rc, out, err = run_ctl(["unreachable", path])
        ok("unreachable: 10^6 edges vs oracle (%.1f s)" % (time.time() - t0),
           rc == 0 and out.split() == oracle(nodes, edges, roots), err)
        nodes = ["c%d" % i for i in range(100000)]
        edges = [(nodes[i], nodes[(i + 1) % len(nodes)])
                 for i in range(len(nodes))]
        write_graph(path, nodes, edges, [])
        rc, out, err = run_ctl(["unreachable", path])
        ok("unreachable: one 10^5 cycle, no roots",
           rc == 0 and len(out.split()) == 100000, err)
    bad = [("roots: a\na -> b\nfoo bar\n", 3), ("a -> \n", 1),
           ("\n\n-> b\n", 3), ("a b -> c\n", 1), ("a -> b c\n", 1),
           ("roots: x:\n", 1)]
    for text, line in bad:
        with open(path, "w") as f:
            f.write(text)
        rc, out, err = run_ctl(["unreachable", path])
        ok("unreachable: bad input reported at line %d: %r" % (line, text),
           rc == 1 and (":%d:" % line) in err and not out, err)
    rc, out, err = run_ctl(["unreachable", "-"],
                           stdin="roots: r\nr->a\na ->b\nc-> c\n")
    ok("unreachable: arrows without spaces, stdin", rc == 0 and
       out.split() == ["c"], (out, err))
    test_unreachable_json(path)


def test_unreachable_json(path):
    """--json: one record per dead node, with the line that first names
    it; bad input is one failure record with its line."""
    with open(path, "w") as f:
        f.write("# g\nroots: r\nr -> a\nz -> y\ny -> z\n\nq -> q\n"
                "a -> x\n")
    rc, out, err = run_ctl(["unreachable", "--json", path])
    recs = [json.loads(x) for x in out.splitlines()]
    ok("unreachable --json: one record per dead node, sorted, with keys "
       "v cmd line ok node",
       rc == 0 and err == "" and recs == [
           {"v": 1, "cmd": "unreachable", "line": 7, "ok": True,
            "node": "q"},
           {"v": 1, "cmd": "unreachable", "line": 4, "ok": True,
            "node": "y"},
           {"v": 1, "cmd": "unreachable", "line": 4, "ok": True,
            "node": "z"}], (rc, out, err))
    rc, text, _ = run_ctl(["unreachable", path])
    ok("unreachable --json: the same nodes as the text",
       [r["node"] for r in recs] == text.split(), (recs, text))
    with open(path, "w") as f:
        f.write("roots: a\na -> b\nfoo bar\n")
    rc, out, err = run_ctl(["unreachable", path, "--json"])
    recs = [json.loads(x) for x in out.splitlines()]
    ok("unreachable --json: bad input is one failure record with its line",
       rc == 1 and len(recs) == 1 and recs[0]["ok"] is False and
       recs[0]["line"] == 3 and recs[0]["errno"] == "EINVAL" and
       recs[0]["error"].startswith(path + ":3: "), (rc, out, err))
    rc, out, err = run_ctl(["unreachable", "--json",
                            os.path.join(TMP, "nope.graph")])
    recs = [json.loads(x) for x in out.splitlines()]
    ok("unreachable --json: a missing file is one ENOENT record",
       rc == 1 and len(recs) == 1 and recs[0]["errno"] == "ENOENT" and
       "line" not in recs[0], (rc, out, err))


# ----------------------------------------------------------------- debugfs


class Shell:
    """refgcctl shell --json on a pipe: a live arena to look at."""

    def __init__(self):
        self.p = subprocess.Popen([CTL, "shell", "--json"],
                                  stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True,
                                  bufsize=1)

    def __call__(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        check_version(line)
        return json.loads(line)

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=60)


def arena_of(pid):
    base = os.path.join(DEBUGFS, "arenas")
    for d in os.listdir(base):
        try:
            st = open(os.path.join(base, d, "stats")).read()
        except OSError:
            continue
        if re.search(r"^owner_pid: %d$" % pid, st, re.M):
            return d
    return None


def read(path):
    with open(path) as f:
        return f.read()


def control(arena, cmd):
    path = os.path.join(DEBUGFS, "arenas", arena, "control")
    try:
        fd = os.open(path, os.O_WRONLY)
    except OSError as e:
        return -e.errno
    try:
        return os.write(fd, cmd.encode())
    except OSError as e:
        return -e.errno
    finally:
        os.close(fd)


def kv(text):
    return dict(line.split(": ", 1) for line in text.splitlines()
                if ": " in line and not line.startswith("#"))


def test_debugfs():
    if not os.path.isdir(DEBUGFS):
        return skip("debugfs", "%s missing" % DEBUGFS)
    if os.geteuid() != 0:
        return skip("debugfs", "not root")
    sh = Shell()
    for line in ["type list", "type Person finalizer", "disable",
                 "new a list", "new b list", "link a b", "link b a",
                 "new p Person", "weakref w p"]:
        sh(line)
    arena = arena_of(sh.p.pid)
    if not ok("debugfs: arena directory of a new arena", arena, arena):
        sh.close()
        return
    d = os.path.join(DEBUGFS, "arenas", arena)
    modes = {f: os.stat(os.path.join(d, f)).st_mode & 0o777
             for f in os.listdir(d)}
    ok("debugfs: files and modes", modes == {
        "stats": 0o400, "objects": 0o400, "garbage": 0o400,
        "graph.dot": 0o400, "control": 0o600}, modes)
    st = kv(read(os.path.join(d, "stats")))
    ok("debugfs stats: owner and counts",
       st.get("owner_pid") == str(sh.p.pid) and st.get("objects") == "4" and
       st.get("owner_comm") == "refgcctl" and st.get("enabled") == "0" and
       st.get("gen0", "").startswith("objects 4 "), st)
    g = kv(read(os.path.join(DEBUGFS, "stats")))
    ok("debugfs: global stats", int(g.get("arenas", 0)) >= 1 and
       int(g.get("objects", 0)) >= 4, g)

    objs = [line.split() for line in read(os.path.join(d, "objects"))
            .splitlines() if not line.startswith("#")]
    ok("debugfs objects: one line per object, 8 fields",
       len(objs) == 4 and all(len(o) == 8 for o in objs), objs)
    by_type = sorted(o[1] for o in objs)
    ok("debugfs objects: types", by_type == ["Person", "list", "list",
                                             "weakref"], by_type)
    a = [o for o in objs if o[1] == "list"][0]
    ok("debugfs objects: refcount handles generation flags slots",
       a[2] == "2" and a[3] == "1" and a[4] == "0" and a[5] == "tracked"
       and a[6] == "1" and int(a[7]) > 0, a)
    w = [o for o in objs if o[1] == "weakref"][0]
    ok("debugfs objects: weakref flags", w[5] == "tracked,weakref", w)

    graph = os.path.join(TMP, "arena.dot")
    with open(graph, "w") as f:
        f.write(read(os.path.join(d, "graph.dot")))
    text = read(graph)
    ok("debugfs graph.dot: nodes and edges", text.startswith("digraph")
       and text.count("[label=") == 4 and text.count(" -> ") == 3 and
       text.rstrip().endswith("}"), text)
    if have_dot():
        ok("debugfs graph.dot: valid for dot -Tsvg", dot_valid(graph))
    else:
        skip("debugfs graph.dot: valid for dot -Tsvg", "no graphviz")

    ctl = os.path.join(d, "control")
    before = read(ctl)
    bad = ["\n", "frob", "collect 3", "collect -1", "collect 1 2",
           "collect x", "enable now", "threshold", "threshold 1 2 3 4",
           "threshold x", "threshold -5", "debug", "debug bogus",
           "debug stats,", "debug stats bogus", "freeze 1",
           "collect\ncollect", "enable\0", "x" * 200]
    errs = {b: control(arena, b) for b in bad}
    ok("debugfs control: bad commands are EINVAL",
       all(e == -22 for e in errs.values()), errs)
    ok("debugfs control: bad commands change nothing",
       read(ctl) == before and kv(read(os.path.join(d, "stats")))
       ["gen2"] == st["gen2"], read(ctl))
    ok("debugfs control: reads settings", kv(before).get("threshold") ==
       "700 10 10" and kv(before).get("debug") == "none", before)

    ok("control: threshold", control(arena, "threshold 50 5 6\n") > 0 and
       sh("threshold")["threshold"] == [50, 5, 6])
    ok("control: threshold partial", control(arena, "threshold 60") > 0 and
       sh("threshold")["threshold"] == [60, 5, 6])
    ok("control: enable/disable", control(arena, "enable") > 0 and
       sh("isenabled")["enabled"] is True and
       control(arena, "disable\n") > 0 and
       sh("isenabled")["enabled"] is False)
    ok("control: debug", control(arena, "debug stats,leak") > 0 and
       sh("debug")["debug"] == ["stats", "collectable", "uncollectable",
                                "saveall"] and
       control(arena, "debug none") > 0 and sh("debug")["debug"] == [])
    ok("control: freeze/unfreeze", control(arena, "freeze") > 0 and
       sh("freeze_count")["freeze_count"] == 4 and
       control(arena, "unfreeze") > 0 and
       sh("freeze_count")["freeze_count"] == 0)
    sh("del a")
    sh("del b")
    ok("control: collect", control(arena, "collect 2") > 0 and
       sh("objects")["objects"] and
       kv(read(os.path.join(d, "stats")))["gen2"].split()[9] == "2",
       read(os.path.join(d, "stats")))
    ev = sh("events")["events"]
    ok("control: collect queues gc events",
       [e["type"] for e in ev][:2] == ["gc_start", "gc_stop"], ev)

    # The same through refgcctl -a.
    rc, out, err = run_ctl(["-a", arena, "--json", "stats"])
    js = json.loads(out) if rc == 0 else {}
    ok("refgcctl -a ID stats", js.get("objects") == 2 and
       js.get("owner_comm") == "refgcctl", (out, err))
    sh("new c list")
    sh("link c c")
    sh("del c")
    rc, out, err = run_ctl(["-a", arena, "--json", "collect"])
    js = json.loads(out) if rc == 0 else {}
    ok("refgcctl -a ID collect", js.get("collected") == 1, (out, err))
    rc, out, err = run_ctl(["-a", arena, "threshold", "11", "12", "13"])
    ok("refgcctl -a ID threshold", rc == 0 and
       sh("threshold")["threshold"] == [11, 12, 13], err)
    rc, out, err = run_ctl(["-a", arena, "--json", "threshold"])
    ok("refgcctl -a ID threshold (get)", rc == 0 and
       json.loads(out)["threshold"] == [11, 12, 13], (out, err))
    rc, out, err = run_ctl(["-a", arena, "debug", "saveall"])
    ok("refgcctl -a ID debug", rc == 0 and
       sh("debug")["debug"] == ["saveall"], err)
    rc, out, err = run_ctl(["-a", arena, "debug"])
    ok("refgcctl -a ID debug (get)", rc == 0 and out == "debug: saveall\n",
       (out, err))
    run_ctl(["-a", arena, "enable"])
    ok("refgcctl -a ID enable", sh("isenabled")["enabled"] is True)
    run_ctl(["-a", arena, "disable"])
    sh("new s list")
    sh("link s s")
    sh("del s")
    run_ctl(["-a", arena, "collect", "0"])
    rc, out, err = run_ctl(["-a", arena, "--json", "garbage"])
    js = json.loads(out) if rc == 0 else {}
    ok("refgcctl -a ID garbage (saveall)", rc == 0 and
       [g["type"] for g in js.get("garbage", [])] == ["list"], out)
    rc, out, err = run_ctl(["-a", arena, "--json", "objects"])
    js = json.loads(out) if rc == 0 else {}
    ok("refgcctl -a ID objects", rc == 0 and len(js.get("objects", [])) == 3,
       out)
    rc, out, err = run_ctl(["-a", arena, "bogus"])
    ok("refgcctl -a ID: bad command fails", rc != 0, out)
    if have_dot():
        svg = os.path.join(TMP, "arena.svg")
        rc, out, err = run_ctl(["-a", arena, "dot", svg])
        ok("refgcctl -a ID dot FILE.svg", rc == 0 and
           "<svg" in read(svg), err)
    else:
        skip("refgcctl -a ID dot", "no graphviz")
    rc, out, err = run_ctl(["arenas"])
    ok("refgcctl arenas: table with the shell's arena",
       rc == 0 and re.search(r"^%s\s+%d\s+0\s+refgcctl\s" %
                             (arena, sh.p.pid), out, re.M), out)
    rc, out, err = run_ctl(["arenas", "--json"])
    js = json.loads(out) if rc == 0 else {}
    mine = [x for x in js.get("arenas", []) if str(x["id"]) == arena]
    ok("refgcctl arenas --json", mine and mine[0]["owner_pid"] == sh.p.pid
       and len(mine[0]["generations"]) == 3, out)

    # A big arena read while it changes.
    sh("enable")
    sh("repeat 20000 new n list ; link n n")
    big = read(os.path.join(d, "objects"))
    lines = [x for x in big.splitlines() if not x.startswith("#")]
    ok("debugfs objects: large dump, one line each",
       len(lines) >= 3 and all(len(x.split()) == 8 for x in lines),
       len(lines))
    ids = [int(x.split()[0]) for x in lines]
    ok("debugfs objects: ascending ids, no duplicates",
       ids == sorted(set(ids)), len(ids))
    stop = [False]
    pid = os.fork()
    if pid == 0:
        try:
            for _ in range(20):
                read(os.path.join(d, "graph.dot"))
                read(os.path.join(d, "objects"))
        finally:
            os._exit(0)
    r = sh("repeat 30 new m list ; link m n ; link n m ; collect 0")
    os.waitpid(pid, 0)
    ok("debugfs: dumps while the arena changes", r["ok"], r)
    text = read(os.path.join(d, "graph.dot"))
    ok("debugfs graph.dot: large dump ends once", text.count("}") == 1, "")
    held = [os.open(os.path.join(d, f), os.O_RDONLY)
            for f in ("objects", "graph.dot", "stats", "control")]
    os.read(held[0], 100)               # a dump in the middle
    sh.close()
    time.sleep(0.2)
    ok("debugfs: directory removed with the arena",
       not os.path.exists(d), d)
    errs = []
    for fd in held:
        try:
            os.read(fd, 4096)
            errs.append(0)
        except OSError as e:
            errs.append(e.errno)
        os.close(fd)
    ok("debugfs: files held open across the arena's end fail with EIO",
       errs == [5, 5, 5, 5], errs)
