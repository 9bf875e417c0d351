#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""common.py - what the refgcctl test files share: the TAP-like result
counters, running refgcctl, and running scripts in --json mode."""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(os.path.dirname(HERE), "examples")
DEBUGFS = os.environ.get("REFGC_DEBUGFS", "/sys/kernel/debug/refgc")
QUICK = "--quick" in sys.argv     # skip the big tests
FULL = "--full" in sys.argv       # the 10^6 chain too
ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
CTL = os.path.join(ARGS[0] if ARGS else ".", "refgcctl")
TMP = tempfile.mkdtemp(prefix="refgcctl-test.")

counts = {"pass": 0, "fail": 0, "skip": 0}


def ok(name, cond, detail=""):
    if cond:
        counts["pass"] += 1
        print("ok - %s" % name)
    else:
        counts["fail"] += 1
        print("not ok - %s%s" % (name, (": " + str(detail)) if detail else ""))
    return cond


def watchdog(seconds):
    """A test run still going after SECONDS is stuck: print where (this
    process's Python stack, then each child's state and kernel stack; not
    its wchan, which UML's KASAN kernel reads out of bounds), count one
    failure, print the summary line, exit 1."""
    import faulthandler
    import threading

    def fire():
        print("not ok - refgcctl tests still running after %d s: stuck"
              % seconds, flush=True)
        faulthandler.dump_traceback(file=sys.stdout, all_threads=True)
        me = str(os.getpid())
        pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
        for pid in pids:
            try:
                with open("/proc/%d/stat" % pid) as f:
                    st = f.read()
            except OSError:
                continue
            fields = st[st.rindex(")") + 2:].split()
            if fields[1] != me:
                continue
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").decode()[:200]
                with open("/proc/%d/stack" % pid) as f:
                    stack = f.read().splitlines()[:12]
            except OSError:
                cmd, stack = "?", []
            print("# child %d %s: %s" % (pid, fields[0], cmd))
            for line in stack:
                print("#     %s" % line)
        print("refgcctl: %d passed, %d failed, %d skipped" %
              (counts["pass"], counts["fail"] + 1, counts["skip"]),
              flush=True)
        os._exit(1)

    t = threading.Timer(seconds, fire)
    t.daemon = True
    t.start()


def skip(name, why):
    counts["skip"] += 1
    print("ok - %s # SKIP %s" % (name, why))


# --json lines seen without "v": 1 (refgcctl(1), JSON), checked at the end.
unversioned = []


def check_version(line):
    try:
        rec = json.loads(line)
    except ValueError:
        rec = None
    if not isinstance(rec, dict) or rec.get("v") != 1:
        unversioned.append(line)


def run_ctl(args, stdin=None, timeout=600):
    p = subprocess.run([CTL] + args, input=stdin, capture_output=True,
                       text=True, timeout=timeout)
    if "--json" in args:
        for line in p.stdout.splitlines():
            check_version(line)
    return p.returncode, p.stdout, p.stderr


def script(text, *opts, name="t.rgc"):
    """Run a script with --json; return (rc, results, stderr)."""
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    rc, out, err = run_ctl(["run", "--json"] + list(opts) + [path])
    res = []
    for line in out.splitlines():
        try:
            res.append(json.loads(line))
        except ValueError:
            res.append({"cmd": "?", "ok": False, "unparsed": line})
    return rc, res, err


def by_line(res):
    return {r.get("line"): r for r in res}


def desc_ok(d, typ=None, label=None):
    return (isinstance(d, dict) and set(d) == {"id", "type", "label"} and
            isinstance(d["id"], int) and (typ is None or d["type"] == typ)
            and (label is None or d["label"] == label))


