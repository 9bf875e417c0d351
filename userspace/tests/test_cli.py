#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""test_cli.py - refgcctl's command line: `check` (no device needed),
errors as FILE:LINE:COL with the source line and a caret, "did you mean",
`--help` on every subcommand, Python's names as aliases of the verbs, and
`refgcctl shell` on a pseudo-terminal (line editing, history; these need
/dev/refgc)."""
import json
import os
import re

from common import CTL, TMP, EXAMPLES, ok, run_ctl, script, skip  # noqa: F401

SUBCOMMANDS = [["run"], ["check"], ["shell"], ["unreachable"], ["arenas"],
               ["-a", "1"]]

ALIASES = {  # alias line -> the verb line it stands for
    "get_count": "count",
    "get_threshold": "threshold",
    "set_threshold 500 5 5": "threshold 500 5 5",
    "get_referrers a": "referrers a",
    "get_referents a": "referents a",
    "get_objects": "objects",
    "get_objects 0": "objects 0",
    "get_stats": "stats",
    "get_debug": "debug",
    "set_debug stats": "debug stats",
    "show_growth 5": "growth 5",
    "show_most_common_types 5": "types 5",
    "find_backref_chain b": "chain b",
}


def strip_ids(x):
    """A result without its command name and object ids (fresh each run)."""
    if isinstance(x, dict):
        return {k: strip_ids(v) for k, v in x.items() if k not in
                ("cmd", "id")}
    if isinstance(x, list):
        return [strip_ids(v) for v in x]
    return x


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def test_check():
    """Runs on the host too: check never opens the device."""
    for ex in sorted(os.listdir(EXAMPLES)):
        if ex.endswith(".rgc"):
            rc, out, err = run_ctl(["check", os.path.join(EXAMPLES, ex)])
            ok("check: example %s is clean" % ex, rc == 0 and err == "",
               err)
    path = write("bad.rgc", "type list\nnew a list\n\tfrob a\nlink a\n"
                 "repeat 3 new x list ; lnk x x\ncolect\nget_count\n"
                 "set_threshold\nshow_refs a a.dot\n")
    rc, out, err = run_ctl(["check", path])
    ok("check: exit 1 on errors, nothing on stdout", rc == 1 and out == "",
       (rc, out))
    ok("check: FILE:LINE:COL: error, the line, a caret under the column "
       "(tabs kept)",
       path + ":3:2: error: unknown command 'frob'\n \tfrob a\n \t^\n" in err,
       err)
    ok("check: wrong word count points past the last word",
       path + ":4:7: error: usage: link A B\n link a\n       ^\n" in err, err)
    ok("check: the body of repeat is checked, with did-you-mean",
       path + ":5:23: error: unknown command 'lnk'; did you mean 'link'?"
       in err, err)
    ok("check: did you mean for a misspelt verb",
       "did you mean 'collect'?" in err, err)
    ok("check: aliases are known; their word counts are checked",
       path + ":7:" not in err and path + ":9:" not in err and
       path + ":8:14: error: usage: set_threshold T0 [T1 [T2]]" in err, err)
    ok("check: every error is reported", err.count(": error: ") == 5, err)
    rc, out, err = run_ctl(["check", "--json", path])
    recs = [json.loads(x) for x in out.splitlines()]
    ok("check --json: one failure record per error, on stdout",
       rc == 1 and [r["line"] for r in recs] == [3, 4, 5, 6, 8] and
       all(r["ok"] is False and r["errno"] == "EINVAL" for r in recs), out)
    rc, out, err = run_ctl(["check", "-"], stdin="count\ncollect 2\n")
    ok("check -: reads stdin, exit 0", rc == 0 and out == "" and err == "",
       (rc, err))
    rc, out, err = run_ctl(["check", os.path.join(TMP, "nope.rgc")])
    ok("check: a missing file is exit 2", rc == 2 and "nope.rgc" in err, err)
    rc, out, err = run_ctl(["frobnicate"])
    ok("unknown subcommand: 'unknown command', usage, exit 2",
       rc == 2 and "unknown command 'frobnicate'" in err and "usage" in err,
       err)
    for sub in SUBCOMMANDS:
        rc, out, err = run_ctl(sub + ["--help"])
        ok("%s --help: usage on stdout, exit 0" % " ".join(sub),
           rc == 0 and out.startswith("usage: refgcctl " + sub[0]) and
           err == "", (rc, out, err))
    rc, out, err = run_ctl(["--help"])
    ok("--help lists check", rc == 0 and "refgcctl check" in out, out)
    arena_cmds = re.findall(r"^\s+refgcctl -a ID (\w+)", out, re.M)
    ok("--help lists the commands of -a ID",
       {"stats", "collect", "threshold", "unfreeze"} <= set(arena_cmds),
       out)
    for cmd in arena_cmds:
        rc, out, err = run_ctl(["-a", "1", cmd, "--help"])
        ok("-a ID %s --help: its usage on stdout, exit 0" % cmd,
           rc == 0 and out.startswith("usage: refgcctl -a ID " + cmd) and
           err == "", (rc, out, err))
    rc, out, err = run_ctl(["-a", "1", "frob"])
    ok("-a ID, unknown command: 'unknown command', exit 2",
       rc == 2 and "unknown command 'frob'" in err, err)
    rc, out, err = run_ctl(["chek", "x"])
    ok("unknown subcommand: did you mean",
       rc == 2 and "did you mean 'check'?" in err, err)
    rc, out, err = run_ctl(["--version"])
    ok("--version on stdout, exit 0",
       rc == 0 and re.match(r"^refgcctl \S+ \(ABI \d+\)$", out), out)
    test_json_errors()


def test_json_errors():
    """Under --json, errors outside a script are one record on stdout."""
    def rec(args, stdin=None):
        rc, out, err = run_ctl(args, stdin=stdin)
        lines = out.splitlines()
        try:
            return rc, json.loads(lines[0]) if len(lines) == 1 else lines
        except ValueError:
            return rc, lines
    cases = [(["frobnicate", "--json"], "frobnicate", "EINVAL"),
             (["run", "--json"], "run", "EINVAL"),
             (["run", "--json", "--bogus", "x"], "run", "EINVAL"),
             (["check", "--json", os.path.join(TMP, "nope.rgc")], "check",
              "ENOENT"),
             (["arenas", "--json", "extra"], "arenas", "EINVAL"),
             (["-a", "x", "--json", "stats"], "-a", "EINVAL")]
    if not os.path.exists("/dev/refgc"):
        cases.append((["run", "--json", "-"], "run", "ENOENT"))
    for args, cmd, errno in cases:
        rc, r = rec(args)
        ok("--json error: %s is one record on stdout" % " ".join(args),
           rc == 2 and isinstance(r, dict) and r["v"] == 1 and
           r["cmd"] == cmd and r["ok"] is False and r["errno"] == errno and
           r["error"], (rc, r))


def test_run_parses_first():
    """A syntax error on the last line: nothing at all ran (no output)."""
    rc, res, err = script("type list\nnew a list\ncount\nfrob\n")
    ok("run: a syntax error anywhere runs nothing",
       rc == 1 and len(res) == 1 and res[0]["line"] == 4 and
       not res[0]["ok"], res)


def test_aliases():
    setup = ("type list\ndisable\nnew a list\nnew b list\nlink a b\n"
             "link b a\nnew c list\nlink c b\n")
    for alias, verb in ALIASES.items():
        _, ra, _ = script(setup + alias + "\n")
        _, rv, _ = script(setup + verb + "\n")
        a, v = strip_ids(ra[-1]), strip_ids(rv[-1])
        ok("alias %s is %s" % (alias, verb), a["ok"] and a == v, (a, v))
    f = {k: os.path.join(TMP, k + ".dot") for k in ("r", "b", "rv", "bv")}
    _, r, _ = script(setup + "show_refs a %s\nshow_backrefs a %s\n"
                     "dot a %s refs\ndot a %s backrefs\n" %
                     (f["r"], f["b"], f["rv"], f["bv"]))
    ok("show_refs/show_backrefs are dot refs/backrefs",
       all(x["ok"] for x in r[-4:]) and
       open(f["r"]).read() == open(f["rv"]).read() and
       open(f["b"]).read() == open(f["bv"]).read() and
       open(f["r"]).read() != open(f["b"]).read(), r[-4:])
    rc, out, _ = run_ctl(["run", "-"], stdin="help\n")
    ok("help lists the aliases", rc == 0 and all(
        (" %s " % a.split()[0]) in out or ("  %s\n" % a.split()[0]) in out
        for a in ALIASES), out)


def pty_session(args, keys, env):
    """Run refgcctl ARGS on a pseudo-terminal, type KEYS (a list of
    strings, each sent once the previous output settles), then ^D; return
    (exit status, everything the terminal showed)."""
    import pty
    import select
    import subprocess
    master, slave = pty.openpty()
    p = subprocess.Popen([CTL] + args, stdin=slave, stdout=slave,
                         stderr=slave, env=env, close_fds=True)
    os.close(slave)
    shown = b""

    def drain(wait):
        nonlocal shown
        while select.select([master], [], [], wait)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:         # EIO: the child closed the terminal
                return False
            if not chunk:
                return False
            shown += chunk
            wait = 0.3
        return True

    drain(2)
    for k in keys + ["\x04"]:
        os.write(master, k.encode())
        if not drain(2):
            break
    try:
        rc = p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
    drain(0.1)
    os.close(master)
    return rc, shown.decode(errors="replace")


def test_shell_tty():
    """refgcctl shell on a terminal: the prompt, line editing (backspace),
    history (up arrow, and $HOME/.refgcctl_history) from libedit."""
    home = os.path.join(TMP, "home")
    os.makedirs(home, exist_ok=True)
    env = dict(os.environ, HOME=home, TERM="vt100")
    rc, shown = pty_session(["shell", "--json"],
                            ["type list\n", "new a list\n", "cxx\b\bount\n",
                             "\x1b[A\n"], env)
    recs = [json.loads(x[x.index("{"):]) for x in shown.splitlines()
            if x.count("{") and x.rstrip().endswith("}")]
    ok("shell on a tty: a prompt", "refgc> " in shown, shown)
    with open(CTL, "rb") as f:
        if b"libedit.so" not in f.read():
            skip("shell on a tty: line editing", "built without libedit")
            return
    ok("shell on a tty: backspace edits, up arrow recalls the last line",
       rc == 0 and [r["cmd"] for r in recs] ==
       ["type", "new", "count", "count"], (rc, shown))
    hist = os.path.join(home, ".refgcctl_history")
    ok("shell on a tty: history saved in $HOME/.refgcctl_history",
       os.path.exists(hist) and "count" in open(hist).read(), shown)


def without_device(args):
    """Run refgcctl ARGS where /dev/refgc is missing: on a host without
    it as is, else in a mount namespace with an empty /dev.  None if
    that cannot be made."""
    import subprocess
    cmd = [CTL] + args
    if os.path.exists("/dev/refgc"):
        cmd = ["unshare", "-m", "sh", "-c",
               'mount -t tmpfs none /dev && exec "$@"', "sh"] + cmd
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except OSError:
        return None
    if "unshare:" in p.stderr or "mount:" in p.stderr:
        return None
    return p


def test_without_device():
    """`check` needs no module; run and unreachable say how to get one."""
    ex = os.path.join(EXAMPLES, "04-person-finalizer.rgc")
    p = without_device(["check", ex])
    if p is None:
        skip("without /dev/refgc", "no mount namespace to hide it in")
        return
    ok("without /dev/refgc: check works (exit 0, silent)",
       p.returncode == 0 and p.stdout == "" and p.stderr == "",
       (p.returncode, p.stderr))
    p = without_device(["check", write("bad2.rgc", "colect\n")])
    ok("without /dev/refgc: check still finds errors",
       p.returncode == 1 and "did you mean 'collect'?" in p.stderr,
       p.stderr)
    for args in (["run", ex],
                 ["unreachable",
                  os.path.join(EXAMPLES, "08-unreachable.graph")]):
        p = without_device(args)
        ok("without /dev/refgc: %s says how to load the module" % args[0],
           p.returncode in (1, 2) and
           "/dev/refgc: No such file or directory" in p.stderr and
           "sudo modprobe refgc" in p.stderr and
           "refgcctl check FILE" in p.stderr, p.stderr)
