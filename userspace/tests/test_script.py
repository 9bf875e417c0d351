# SPDX-License-Identifier: GPL-2.0
"""test_script.py - every command of the script language, in --json mode
(and a few in text mode): results, errors, repeat and its batches,
objgraph commands and DOT output."""
import json
import os
import re
import shutil
import subprocess
import time

from common import (EXAMPLES, FULL, QUICK, TMP, by_line, desc_ok, ok, run_ctl,
                    script, skip)

# ---------------------------------------------------------------- commands


def test_json_shape():
    rc, res, _ = script("""# comment only
type list

new a list   # trailing comment
del a
""")
    ok("json: one result per command, comments/blank lines silent",
       rc == 0 and len(res) == 3, res)
    ok("json: cmd/line/ok members",
       all({"cmd", "line", "ok"} <= set(r) for r in res) and
       [r["line"] for r in res] == [2, 4, 5], res)


def test_types_objects():
    rc, res, _ = script("""type list
type blob atomic
type Person finalizer
type Both atomic finalizer
type list
type bad frobnicate
new a list
new b blob 100
new c nosuchtype
let d a
del d
del d
new e weakref
""", "--keep-going")
    r = by_line(res)
    t = r[1].get("type", {})
    ok("type: descriptor", r[1]["ok"] and t.get("name") == "list" and
       t.get("atomic") is False and t.get("finalizer") is False and
       isinstance(t.get("id"), int), r[1])
    ok("type atomic/finalizer flags",
       r[2]["type"]["atomic"] and not r[2]["type"]["finalizer"] and
       r[3]["type"]["finalizer"] and r[4]["type"]["atomic"] and
       r[4]["type"]["finalizer"], res[1:4])
    ok("type: duplicate is EEXIST",
       not r[5]["ok"] and r[5]["errno"] == "EEXIST", r[5])
    ok("type: bad flag word is EINVAL with its column",
       not r[6]["ok"] and r[6]["errno"] == "EINVAL" and
       "column 10" in r[6]["error"], r[6])
    ok("new: object descriptor",
       r[7]["ok"] and desc_ok(r[7]["object"], "list", "a"), r[7])
    ok("new with payload bytes", r[8]["ok"] and
       desc_ok(r[8]["object"], "blob", "b"), r[8])
    ok("new: unknown type is ENOENT",
       not r[9]["ok"] and r[9]["errno"] == "ENOENT", r[9])
    ok("let: same object, original label",
       r[10]["ok"] and r[10]["object"] == r[7]["object"], r[10])
    ok("del; del of an unbound name is ENOENT with column",
       r[11]["ok"] and not r[12]["ok"] and r[12]["errno"] == "ENOENT" and
       "line 12, column 5" in r[12]["error"], res[10:12])
    ok("new of the weakref type is refused", not r[13]["ok"], r[13])
    ok("--keep-going runs on and exits 1", rc == 1 and len(res) == 13, rc)


def test_links_refcounts():
    rc, res, _ = script("""type list
type atom atomic
disable
new a list
new b list
link a b
link a b
getrefcount b
referents a
referrers b
unlink a b
getrefcount b
clear a
getrefcount b
unlink a b
new x atom
link x a
link a x
clear x
is_tracked a
is_tracked x
is_finalized a
memory
""", "--keep-going")
    r = by_line(res)
    ok("link: slot index", r[6]["slot"] == 0 and r[7]["slot"] == 1, res[5:7])
    ok("getrefcount: refcount and handles",
       r[8]["refcount"] == 3 and r[8]["handles"] == 1, r[8])
    ok("referents: descriptors in slot order",
       [d["label"] for d in r[9]["referents"]] == ["b", "b"] and
       all(desc_ok(d, "list") for d in r[9]["referents"]), r[9])
    ok("referrers: each referrer once",
       [d["label"] for d in r[10]["referrers"]] == ["a"], r[10])
    ok("unlink removes one reference", r[11]["ok"] and
       r[12]["refcount"] == 2, res[10:12])
    ok("clear drops every slot", r[13]["ok"] and r[13].get("dropped") == 1
       and r[14]["refcount"] == 1, res[12:14])
    ok("unlink of a missing reference is ENOENT",
       not r[15]["ok"] and r[15]["errno"] == "ENOENT", r[15])
    ok("link from an atomic object is EINVAL",
       not r[17]["ok"] and r[17]["errno"] == "EINVAL", r[17])
    ok("link to an atomic object", r[18]["ok"], r[18])
    ok("clear of an atomic object is EINVAL",
       not r[19]["ok"] and r[19]["errno"] == "EINVAL", r[19])
    ok("is_tracked", r[20]["tracked"] is True and
       r[21]["tracked"] is False, res[19:21])
    ok("is_finalized", r[22]["finalized"] is False, r[22])
    ok("memory: bytes and objects", r[23]["objects"] == 3 and
       r[23]["bytes"] > 0, r[23])


def test_collector_cmds():
    rc, res, _ = script("""type list
disable
isenabled
enable
isenabled
disable
threshold
threshold 100
threshold 100 20 30
count
new a list
new b list
link a b
link b a
del a
del b
count
collect 0
collect 1
collect
collect
collect 3
stats
debug
debug stats,collectable
debug leak
debug none
debug bogus
freeze_count
new c list
freeze
is_tracked c
objects
unfreeze
freeze_count
objects 1
objects 2
sync
""", "--keep-going")
    r = by_line(res)
    ok("disable/isenabled/enable", r[2]["enabled"] is False and
       r[3]["enabled"] is False and r[4]["enabled"] is True and
       r[5]["enabled"] is True and r[6]["enabled"] is False, res[1:6])
    ok("threshold get", r[7]["threshold"] == [700, 10, 10], r[7])
    ok("threshold set partial", r[8]["threshold"] == [100, 10, 10], r[8])
    ok("threshold set all", r[9]["threshold"] == [100, 20, 30], r[9])
    ok("count", r[10]["count"] == [0, 0, 0] and r[17]["count"][0] == 2,
       (r[10], r[17]))
    c0, c1, c2 = r[18], r[19], r[20]
    ok("collect 0: generation, cycle found",
       c0["generation"] == 0 and c0["unreachable"] == 2 and
       c0["collected"] == 2 and c0["uncollectable"] == 0, c0)
    ok("collect: unreachable = collected + uncollectable",
       all(x["unreachable"] == x["collected"] + x["uncollectable"]
           for x in (c0, c1, c2, r[21])), res[17:21])
    ok("collect 1 / collect (default 2)",
       c1["generation"] == 1 and c2["generation"] == 2, (c1, c2))
    ok("collect 3 is EINVAL", not r[22]["ok"] and
       r[22]["errno"] == "EINVAL", r[22])
    st = r[23].get("stats", [])
    ok("stats: 3 generations with all members",
       len(st) == 3 and all({"collections", "collected", "uncollectable",
                             "visited", "total_ns", "max_ns"} <= set(g)
                            for g in st) and
       st[0]["collections"] == 1 and st[0]["collected"] == 2 and
       st[2]["collections"] == 2, st)
    ok("debug get/set", r[24]["debug"] == [] and
       r[25]["debug"] == ["stats", "collectable"] and
       r[26]["debug"] == ["collectable", "uncollectable", "saveall"] and
       r[27]["debug"] == [], res[23:27])
    ok("debug: bad name is EINVAL", not r[28]["ok"] and
       r[28]["errno"] == "EINVAL", r[28])
    ok("freeze/freeze_count/unfreeze",
       r[29]["freeze_count"] == 0 and r[31]["freeze_count"] == 1 and
       r[34]["freeze_count"] == 0 and r[35]["freeze_count"] == 0,
       (r[29], r[31], r[34], r[35]))
    ok("frozen objects are tracked but not in objects",
       r[32]["tracked"] is True and r[33]["objects"] == [], res[31:33])
    ok("objects GEN: unfrozen into generation 2",
       r[36]["objects"] == [] and
       [d["label"] for d in r[37]["objects"]] == ["c"], res[35:37])
    ok("sync", r[38]["ok"], r[38])


def test_garbage_legacy_events():
    rc, res, _ = script("""type Node finalizer
type list
disable
legacy
legacy on
debug uncollectable
new a Node
new b Node
link a b
link b a
del a
del b
collect
garbage
events
garbage clear
garbage
collect
legacy off
debug collectable
new p Node
new q list
link p q
link q p
weakref w q callback
weakref w2 q
del p
del q
collect
events
events
collect
events
deref w
deref w2
""", "--keep-going")
    r = by_line(res)
    ok("legacy get/set", r[4]["legacy"] is False and r[5]["legacy"] is True,
       res[3:5])
    ok("legacy: __del__ cycle is uncollectable",
       r[13]["unreachable"] == 2 and r[13]["uncollectable"] == 2 and
       r[13]["collected"] == 0, r[13])
    ok("garbage lists both, labelled",
       sorted(d["label"] for d in r[14]["garbage"]) == ["a", "b"] and
       all(desc_ok(d, "Node") for d in r[14]["garbage"]), r[14])
    ev = r[15]["events"]
    ok("events: gc_start, uncollectable x2, gc_stop",
       [e["type"] for e in ev] == ["gc_start", "uncollectable",
                                   "uncollectable", "gc_stop"] and
       ev[0]["generation"] == 2 and desc_ok(ev[1]["object"], "Node") and
       {"generation", "collected", "uncollectable", "visited",
        "duration_ns"} <= set(ev[3]) and ev[3]["uncollectable"] == 2, ev)
    ok("garbage clear: returns what was cleared",
       r[16]["cleared"] == 2 and len(r[16]["garbage"]) == 2 and
       r[17]["garbage"] == [], (r[16], r[17]))
    ok("after clear the cycle is garbage again (legacy)",
       r[18]["uncollectable"] == 2, r[18])
    ok("weakref: descriptor of the weakref object",
       desc_ok(r[25]["weakref"], "weakref", "w"), r[25])
    # The records queued while collect waited for its finalizers are in
    # collect's own "events"; gc_stop comes after, to `events`.
    ev = r[29]["events"] + r[30]["events"]
    types = [e["type"] for e in ev]
    ok("events: collectable, weakref callback, finalize",
       types.count("collectable") == 2 and "finalize" in types and
       [e["weakref"] for e in ev if e["type"] == "weakref"] == ["w"] and
       [e["object"]["label"] for e in ev if e["type"] == "finalize"] ==
       ["p"], ev)
    ok("events: drained", r[31]["events"] == [], r[31])
    ok("finalized objects are freed inside the collection",
       r[29]["unreachable"] == 2 and r[29]["collected"] == 2 and
       r[32]["unreachable"] == 0, (r[29], r[32]))
    ok("deref of dead referents", r[34]["alive"] is False and
       r[35]["alive"] is False, res[33:35])


def test_print():
    rc, res, _ = script("""print hello   world
print
print a -> b   # comment
type list
new a list
print a is a list
""")
    r = by_line(res)
    ok("print: words joined by one space", rc == 0 and
       r[1]["text"] == "hello world", r[1])
    ok("print: nothing is an empty line", r[2]["text"] == "", r[2])
    ok("print: the comment is not printed", r[3]["text"] == "a -> b", r[3])
    ok("print: a bound name prints as its object",
       r[6]["text"] == "<list a#%d> is <list a#%d> list" %
       ((r[5]["object"]["id"],) * 2), r[6])


def test_weakref_deref():
    rc, res, _ = script("""type list
new a list
weakref w a
deref w
deref w x
getrefcount a
del x
del a
deref w
deref w y
getrefcount w
repeat 1 new nw list ; deref nw
weakref w3 zz
weakref w4 w bogus
""", "--keep-going")
    r = by_line(res)
    ok("deref alive", r[4]["alive"] is True and
       r[4]["object"]["label"] == "a", r[4])
    ok("deref W V binds V", r[5]["alive"] and r[6]["handles"] == 2, res[4:6])
    ok("deref after death", r[9]["alive"] is False and
       r[10]["alive"] is False, res[8:10])
    ok("a weakref is an object with a handle", r[11]["handles"] == 1, r[11])
    ok("deref of a non-weakref is EINVAL", not r[12]["ok"] and
       r[12]["errno"] == "EINVAL", r[12])
    ok("weakref to an unbound name is ENOENT", r[13]["errno"] == "ENOENT",
       r[13])
    ok("weakref bad option is EINVAL", r[14]["errno"] == "EINVAL", r[14])


def test_events_overflow():
    rc, res, _ = script("""disable
repeat 300 collect 0
events
events
""")
    ev = res[2]["events"]
    ok("events: overflow record first, with the count lost",
       ev and ev[0]["type"] == "overflow" and ev[0]["lost"] == 600 - 512 and
       len(ev) == 513 and res[3]["events"] == [], (len(ev), ev[:2]))


def test_repeat():
    rc, res, _ = script("""type list
type atom atomic
disable
new prev list
repeat 1000 new n list ; link n prev ; let prev n
memory
repeat 3 new n list ; collect 0 ; link n n
count
new a list
new x list
repeat 10 new n list ; link a n ; unlink a x
getrefcount n
referents a
memory
repeat 100 new m atom ; link m m
getrefcount m
memory
repeat 5 new k list ; link k zz
repeat 0 new k list
""", "--keep-going")
    # Syntax errors stop a run before it starts (lines 1-3 here).
    _, serr, _ = script("""repeat 2 repeat 2 new k list
repeat 2 new k list ;
repeat 2 nosuch
""", "--keep-going")
    s3 = by_line(serr)
    r20, r21, r22 = s3.get(1), s3.get(2), s3.get(3)
    r = by_line(res)
    ok("repeat: one result with count", r[5]["cmd"] == "repeat" and
       r[5]["count"] == 1000 and len([x for x in res if x["line"] == 5])
       == 1, r[5])
    ok("repeat chain: objects alive", r[6]["objects"] == 1001, r[6])
    ok("repeat with non-batch commands", r[7]["ok"] and r[7]["count"] == 3,
       r[7])
    ok("repeat: failing op names the iteration and command",
       not r[11]["ok"] and r[11]["errno"] == "ENOENT" and
       "iteration 1" in r[11]["error"] and "unlink" in r[11]["error"],
       r[11])
    ok("repeat failure: names consistent with the arena",
       r[12]["ok"] and r[12]["handles"] == 1 and r[12]["refcount"] == 2 and
       [d["label"] for d in r[13]["referents"]] == ["n"], res[11:13])
    ok("repeat failure: nothing leaked", r[14]["objects"] ==
       r[6]["objects"] + 3 + 3, (r[6], r[14]))
    ok("repeat pool: failure at iteration 1",
       not r[15]["ok"] and r[15]["errno"] == "EINVAL" and
       "iteration 1" in r[15]["error"], r[15])
    ok("repeat pool: name bound, unused objects released",
       r[16]["handles"] == 1 and r[17]["objects"] == r[14]["objects"] + 1,
       (r[16], r[17]))
    ok("repeat: unbound name is an error",
       not r[18]["ok"] and r[18]["errno"] == "ENOENT", r[18])
    ok("repeat 0", r[19]["ok"] and r[19]["count"] == 0, r[19])
    ok("nested repeat refused", r20 and not r20["ok"], r20)
    ok("empty command in repeat refused", r21 and not r21["ok"], r21)
    ok("unknown command in repeat refused with column",
       r22 and not r22["ok"] and "column 10" in r22["error"], r22)


def test_repeat_million():
    if QUICK:
        return skip("repeat: big chain", "--quick")
    n = 1000000 if FULL else 200000
    t0 = time.time()
    rc, res, _ = script("""type list
new prev list
repeat %d new n list ; link n prev ; let prev n
memory
del n
del prev
collect
memory
""" % n)
    dt = time.time() - t0
    ok("repeat: %d-object chain built with batches (%.1f s)" % (n, dt),
       rc == 0 and res[2]["count"] == n and
       res[3]["objects"] == n + 1 and res[7]["objects"] == 0, res)


def test_objgraph():
    rc, res, _ = script("""type list
type Foo
type Bar
disable
new root list
repeat 5 new f Foo ; link root f
new b Bar
types
types 1
growth
repeat 3 new g Foo ; link root g
growth
growth
new c1 list
new c2 list
link c1 c2
link c2 c1
del c1
del c2
leaking
chain g
chain root
chain c3
new lone Foo
chain lone
""", "--keep-going")
    r = by_line(res)
    ok("types: most common first",
       r[8]["types"][:2] == [{"type": "Foo", "count": 5},
                             {"type": "Bar", "count": 1}] or
       r[8]["types"][:1] == [{"type": "Foo", "count": 5}], r[8])
    ok("types N limits", len(r[9]["types"]) == 1, r[9])
    ok("growth: first call is the baseline",
       {"type": "Foo", "count": 5, "delta": 5} in r[10]["growth"], r[10])
    ok("growth: delta since the previous call",
       r[12]["growth"] == [{"type": "Foo", "count": 8, "delta": 3}], r[12])
    ok("growth: no change, empty", r[13]["growth"] == [], r[13])
    ok("leaking: the cycle nothing reaches",
       sorted(d["label"] for d in r[20]["leaking"]) == ["c1", "c2"], r[20])
    ok("chain: from a handle to the object",
       [d["label"] for d in r[21]["chain"]] == ["root", "g"], r[21])
    ok("chain: found", r[21]["found"] is True, r[21])
    ok("chain: an object held only by its own name has no other root: "
       "objgraph's [obj], found false",
       [d["label"] for d in r[22]["chain"]] == ["root"] and
       r[22]["found"] is False, r[22])
    ok("chain: unbound name", r[23]["errno"] == "ENOENT", r[23])
    ok("chain: unreferenced object",
       [d["label"] for d in r[25]["chain"]] == ["lone"] and
       r[25]["found"] is False, r[25])


def test_objgraph_more():
    """count TYPE, by_type, chain refs/backrefs TYPE (find_ref_chain,
    find_backref_chain with a type), and dot's too_many, filter,
    highlight and refcounts."""
    d = {k: os.path.join(TMP, "og-%s.dot" % k) for k in
         ("all", "few", "flt", "not", "hl", "rc", "alias")}
    rc, res, _ = script("""type list
type Foo
type Bar
disable
new root list
repeat 12 new f Foo ; link root f
new b Bar
link f b
count Foo
count Bar
count
by_type Bar
by_type Foo
chain root refs Bar
chain b backrefs list
chain b Foo
chain root refs Baz
chain b refs Foo
find_ref_chain root Bar
dot root %(all)s too_many 100
dot root %(few)s
dot root %(flt)s filter Bar
dot root %(not)s filter not Bar too_many 3
dot root %(hl)s highlight Bar too_many 12
dot root %(rc)s refcounts
show_refs root %(alias)s too_many 2
count Nope
""" % d, "--keep-going")
    r = by_line(res)
    ok("count TYPE: objgraph.count()",
       r[9]["count"] == 12 and r[9]["type"] == "Foo" and
       r[10]["count"] == 1, (r[9], r[10]))
    ok("count: without a type still gc.get_count()",
       isinstance(r[11]["count"], list), r[11])
    ok("by_type: the objects of the type",
       [x["label"] for x in r[12]["objects"]] == ["b"] and
       len(r[13]["objects"]) == 12 and
       all(desc_ok(x, "Foo") for x in r[13]["objects"]), (r[12], r[13]))
    ok("chain refs TYPE: find_ref_chain from V to an object of TYPE",
       [x["type"] for x in r[14]["chain"]] == ["list", "Foo", "Bar"] and
       r[14]["chain"][0]["label"] == "root" and r[14]["found"], r[14])
    ok("chain backrefs TYPE: from an object of TYPE to V",
       [x["type"] for x in r[15]["chain"]] == ["list", "Foo", "Bar"] and
       r[15]["found"], r[15])
    ok("chain V TYPE: backrefs by default",
       [x["type"] for x in r[16]["chain"]] == ["Foo", "Bar"], r[16])
    ok("chain: unknown type is ENOENT", r[17]["errno"] == "ENOENT", r[17])
    ok("chain refs: no chain found is [V], found false",
       [x["label"] for x in r[18]["chain"]] == ["b"] and
       r[18]["found"] is False, r[18])
    ok("find_ref_chain V TYPE is chain V refs TYPE",
       r[19]["chain"] == r[14]["chain"] and
       r[19]["cmd"] == "find_ref_chain", r[19])
    ok("dot too_many 100: all 14 objects",
       r[20]["nodes"] == 14, r[20])
    few = open(d["few"]).read()
    ok("dot: objgraph's too_many 10 by default, the rest in one box",
       r[21]["nodes"] == 11 and "2 more references" in few and
       few.count("too_many_o") == 2, (r[21], few))
    ok("dot filter TYPE: only neighbours of that type",
       r[22]["nodes"] == 1, r[22])
    ok("dot filter not TYPE, too_many 3",
       r[23]["nodes"] == 4 and "9 more references" in open(d["not"]).read(),
       r[23])
    hl = open(d["hl"]).read()
    ok("dot highlight TYPE: its objects in blue, only them",
       hl.count("#8fb4f0") == 1 and "Bar" in hl, hl)
    rcs = open(d["rc"]).read()
    ok("dot refcounts: the reference count after the type, as objgraph",
       re.search(r"list \[\d+\] #", rcs) and
       re.search(r"Foo \[\d+\] #", rcs) and
       not re.search(r"\[\d+\] #", few), rcs)
    ok("show_refs takes dot's options",
       r[26]["ok"] and r[26]["nodes"] == 3, r[26])
    ok("count TYPE: unknown type is ENOENT", r[27]["errno"] == "ENOENT",
       r[27])
    if have_dot():
        ok("dot with too_many boxes: valid DOT",
           dot_valid(d["few"]) and dot_valid(d["not"]))


def have_dot():
    return shutil.which("dot") is not None


def dot_valid(path):
    p = subprocess.run(["dot", "-Tsvg", path], capture_output=True)
    return p.returncode == 0 and b"<svg" in p.stdout


def test_dot():
    d1, d2 = os.path.join(TMP, "r.dot"), os.path.join(TMP, "b.gv")
    svg, png = os.path.join(TMP, "r.svg"), os.path.join(TMP, "r.png")
    rc, res, _ = script("""type list
type "Quoted"
new a list
new b list
new c list
link a b
link b c
link c a
weakref w a
dot a %s
dot c %s backrefs depth 1
dot a %s refs depth 10
dot a %s
dot a %s/x.txt
dot a %s depth x
""" % (d1, d2, svg, png, TMP, d1), "--keep-going")
    r = by_line(res)
    ok("dot: writes the file", r[10]["ok"] and r[10]["file"] == d1 and
       os.path.exists(d1), r[10])
    if not have_dot():
        return skip("dot: validated with dot -Tsvg", "no graphviz")
    ok("dot refs: valid DOT", dot_valid(d1))
    text = open(d1).read()
    ok("dot refs: every node and edge of the cycle",
       text.count("->") == 3 and text.count("[label=") == 3, text)
    ok("dot backrefs depth 1: valid DOT with 2 nodes",
       dot_valid(d2) and r[11]["nodes"] == 2, r[11])
    ok("dot: .svg rendered by graphviz", r[12]["ok"] and
       open(svg).read().find("<svg") >= 0, r[12])
    ok("dot: .png rendered by graphviz", r[13]["ok"] and
       open(png, "rb").read(4) == b"\x89PNG", r[13])
    ok("dot: bad extension is EINVAL", r[14]["errno"] == "EINVAL", r[14])
    ok("dot: bad depth is EINVAL", r[15]["errno"] == "EINVAL", r[15])


def test_errors_text_mode():
    path = os.path.join(TMP, "e.rgc")
    with open(path, "w") as f:
        f.write("type list\nnew a list\n  frob a\nlink a zz\n")
    rc, out, err = run_ctl(["run", path])
    ok("text mode: unknown command is FILE:LINE:COL: error, nothing runs",
       rc == 1 and path + ":3:3: error: unknown command 'frob'" in err and
       "\n   frob a\n   ^" in err and out == "", (out, err))
    rc, out, _ = run_ctl(["run", "--json", path])
    lines = out.splitlines()
    ok("json: a syntax error is reported before anything runs",
       rc == 1 and len(lines) == 1 and json.loads(lines[0])["ok"] is False
       and json.loads(lines[0])["line"] == 3, lines)
    path2 = os.path.join(TMP, "e2.rgc")
    with open(path2, "w") as f:
        f.write("type list\nnew a list\nlink a zz\ncount\n")
    rc, out, err = run_ctl(["run", "--keep-going", path2])
    ok("text mode: unbound name is FILE:LINE:COL with a caret",
       rc == 1 and path2 + ":3:8: error:" in err and "zz" in err and
       "\n link a zz\n        ^" in err, err)
    rc, out, _ = run_ctl(["run", "--json", path2])
    lines = out.splitlines()
    ok("json: the run stops at the first failure",
       rc == 1 and len(lines) == 3 and
       json.loads(lines[2])["ok"] is False, lines)
    rc, out, _ = run_ctl(["run", "--json", "-"], stdin="type list\ncount\n")
    ok("run - reads stdin", rc == 0 and len(out.splitlines()) == 2, out)
    rc, out, err = run_ctl(["run", os.path.join(TMP, "missing.rgc")])
    ok("missing script: exit 2", rc == 2 and "missing" in err, err)
    rc, out, err = run_ctl(["bogus"])
    ok("bad subcommand: usage, exit 2", rc == 2 and "usage" in err, err)
    rc, out, err = run_ctl(["shell", "--json"],
                           stdin="type list\nfrob\ncount\n")
    ok("shell: not a tty, no prompt, runs on after errors",
       rc == 1 and len(out.splitlines()) == 3 and "refgc>" not in out, out)
    rc, out, err = run_ctl(["run", path], stdin=None)
    rc2, out2, _ = run_ctl(["run", os.path.join(EXAMPLES,
                                                 "05-cache-leak.rgc")])
    ok("text mode: objgraph-style tables",
       rc2 == 0 and re.search(r"^Result\s+100\s+\+100$", out2, re.M) and
       re.search(r"^Result\s+100$", out2, re.M), out2)
    rc, out, _ = run_ctl(["run", "-"], stdin="debug stats\ncollect\n")
    ok("text mode: gc: lines with debug stats",
       "gc: collecting generation 2..." in out and
       "gc: done, 0 unreachable, 0 uncollectable" in out, out)
