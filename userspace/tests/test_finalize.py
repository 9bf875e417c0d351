# SPDX-License-Identifier: GPL-2.0
"""test_finalize.py - __del__ and weakref callback bodies: `def T.__del__:`,
`weakref W V callback:`, self, resurrection, bodies run inside collect and
right after a refcount death, errors reported and ignored, nesting, and
where their output goes (JSON records, text order, stderr)."""
import os
import re

from common import TMP, ok, run_ctl, script


def top(res, line):
    """The top-level result of LINE (body results carry "in")."""
    return [r for r in res if r.get("line") == line and "in" not in r][0]


def body(res, what):
    """(index, result) of the results of body WHAT, in order."""
    return [(i, r) for i, r in enumerate(res) if r.get("in") == what]


def nodesc(text):
    return re.sub(r"#\d+>", ">", text)


# Lines 1-10: a finalizer cycle, collected.
CYCLE = """type Person finalizer
disable
def Person.__del__: print bye self
new a Person
new b Person
link a b
link b a
del a
del b
collect
"""


def test_del_bodies():
    rc, res, err = script(CYCLE + """def Person.__del__: print resurrected self ; let keep self
new c Person
link c c
del c
collect
is_finalized keep
getrefcount keep
del keep
collect
def Person.__del__: print bye self
new d Person
del d
print after
events
def Person.__del__: print first ; getrefcount nosuch ; print never
new e Person
del e
print next
def Person.__del__: collect
new h Person
link h h
del h
collect
""")
    ok("def: result names the body", rc == 0 and
       top(res, 3)["def"] == "Person.__del__" and
       top(res, 3)["commands"] == 1, (rc, err, res[:3]))
    col = top(res, 10)
    ci = res.index(col)
    fin = [e["object"]["label"] for e in col["events"]
           if e["type"] == "finalize"]
    byes = [(i, r) for i, r in body(res, "Person.__del__") if i < ci]
    ok("collect: a finalizer cycle is freed, 2", col["unreachable"] == 2 and
       col["collected"] == 2 and sorted(fin) == ["a", "b"], col)
    ok("collect: bodies run inside it, in the order of its finalize records",
       [nodesc(r["text"]) for _, r in byes] ==
       ["bye <Person %s>" % x for x in fin] and
       [i for i, _ in byes] == [ci - 2, ci - 1] and
       all(r["line"] == 3 and r["cmd"] == "print" for _, r in byes), byes)
    res_c = [r for _, r in body(res, "Person.__del__")
             if r["cmd"] == "print" and "resurrected" in r.get("text", "")]
    ok("resurrection: let keep self, collect finds 0, body ran once",
       top(res, 15)["unreachable"] == 0 and len(res_c) == 1 and
       top(res, 16)["finalized"] is True and
       top(res, 17)["handles"] == 1, (top(res, 15), res_c))
    col = top(res, 19)
    ok("resurrection: after del keep, collect frees it, no body again",
       col["unreachable"] == 1 and col["collected"] == 1 and
       not [e for e in col["events"] if e["type"] == "finalize"] and
       not [r for i, r in body(res, "Person.__del__")
            if res.index(top(res, 18)) < i < res.index(col)], col)
    di = res.index(top(res, 22))
    ok("refcount death: the body runs right after del",
       nodesc(res[di + 1].get("text", "")) == "bye <Person d>" and
       res[di + 1].get("in") == "Person.__del__" and
       res[di + 2] == top(res, 23), res[di:di + 3])
    ok("events: still shows the finalize record of a refcount death",
       [e["object"]["label"] for e in top(res, 24)["events"]
        if e["type"] == "finalize"] == ["d"], top(res, 24))
    ei = res.index(top(res, 27))
    ok("body error: reported, ignored, the body ends, the script goes on",
       rc == 0 and res[ei + 1].get("text") == "first" and
       res[ei + 2]["ok"] is False and res[ei + 2]["ignored"] is True and
       res[ei + 2]["errno"] == "ENOENT" and
       res[ei + 2]["in"] == "Person.__del__" and
       res[ei + 3] == top(res, 28) and
       "Exception ignored in: Person.__del__ of <Person e#" in err,
       (res[ei:ei + 4], err))
    col = top(res, 33)
    nested = [r for i, r in body(res, "Person.__del__")
              if r["cmd"] == "collect" and i < res.index(col)]
    ok("collect inside a finalizer that collect runs finds 0",
       len(nested) == 1 and nested[0]["unreachable"] == 0 and
       col["unreachable"] == 1 and col["collected"] == 1, (nested, col))


def test_callback_bodies():
    # g is a finalizer object (no body): collect stops for it, and runs
    # the callbacks while it waits.
    rc, res, err = script("""type list
type F finalizer
disable
new f list
weakref w f callback: print cb self ; deref self
del f
new g F
link g g
weakref wg g callback: print cbg
weakref plain g callback
del g
collect
events
""")
    cb = body(res, "w.callback")
    di = res.index(top(res, 6))
    ok("weakref callback body: runs after the referent's death, self is W",
       rc == 0 and [i for i, _ in cb] == [di + 1, di + 2] and
       nodesc(cb[0][1]["text"]) == "cb <weakref w>" and
       cb[1][1]["alive"] is False, (rc, err, cb))
    col = top(res, 12)
    cbg = body(res, "wg.callback")
    ok("weakref callback body: runs inside collect, before its result",
       len(cbg) == 1 and cbg[0][1]["text"] == "cbg" and
       cbg[0][0] < res.index(col) and col["unreachable"] == 1 and
       sorted(e["weakref"] for e in col["events"]
              if e["type"] == "weakref") == ["plain", "wg"], (cbg, col))
    ok("weakref callback without a body: a record only",
       not body(res, "plain.callback"), res)


def test_body_errors():
    rc, res, err = script("""type list
type Person finalizer
def list.__del__: pass
def Nope.__del__: pass
def Person.__init__: pass
def Person.__del__ : pass ; print ok
""", "--keep-going")
    e = {r["line"]: r for r in res}
    ok("def: a type without finalizer is EINVAL", rc == 1 and
       not e[3]["ok"] and e[3]["errno"] == "EINVAL" and
       "finalizer" in e[3]["error"], e[3])
    ok("def: unknown type is ENOENT", e[4]["errno"] == "ENOENT", e[4])
    ok("def: only __del__", e[5]["errno"] == "EINVAL" and
       "__del__" in e[5]["error"], e[5])
    ok("def: T.__del__ : with a separate colon", e[6]["ok"] and
       e[6]["commands"] == 2, e[6])
    rc, res, err = script("""type Person finalizer
def Person.__del__:
def Person.__del__: repeat 2 pass
def Person.__del__: def Person.__del__: pass
new a Person
weakref w2 a callback:
repeat 2 weakref w3 a callback: pass
""")
    e = {r["line"]: r for r in res}
    ok("bodies: syntax errors reported before anything runs",
       rc == 1 and sorted(e) == [2, 3, 4, 6] and
       not any(r["ok"] for r in res), res)
    ok("bodies: no repeat or def inside",
       "cannot be in a body" in e[3]["error"] and
       "cannot be in a body" in e[4]["error"], (e[3], e[4]))
    rc, res, err = script("""type list
new a list
repeat 2 weakref w3 a callback: pass
""")
    ok("a callback body cannot be nested in repeat", rc == 1 and
       "cannot be nested" in res[-1]["error"], res)


def test_nesting_text():
    path = os.path.join(TMP, "fin.rgc")
    with open(path, "w") as f:
        f.write(CYCLE + """new e Person
def Person.__del__: frob_not_a_name_error ; print never
""")
    rc, out, err = run_ctl(["run", path])
    ok("text: a body's parse error stops the script before it runs",
       rc == 1 and out == "" and ":12:21: error: unknown command" in err,
       (out, err))
    with open(path, "w") as f:
        f.write(CYCLE + """type N finalizer
def Person.__del__: getrefcount nosuch
new e Person
del e
def N.__del__: print n ; new x N ; del x
new x N
del x
print end
""")
    rc, out, err = run_ctl(["run", path])
    lines = out.splitlines()
    ok("text: body output in order, before collect's number",
       rc == 0 and [nodesc(x) for x in lines[1:4]] ==
       ["bye <Person a>", "bye <Person b>", "2"], (rc, out, err))
    ok("text: Exception ignored in, then the error with its caret",
       re.search(r"Exception ignored in: Person.__del__ of <Person e#\d+>\n"
                 + re.escape(path) + r":12:33: error: unbound name 'nosuch'",
                 err) is not None, err)
    ok("text: finalizers freeing finalizer objects stop at the nesting bound",
       lines[4:] == ["n"] * 8 + ["end"] and
       "finalizers nested more than 8 deep" in err, (lines, err))
