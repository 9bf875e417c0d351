# SPDX-License-Identifier: GPL-2.0
"""test_arenas.py - `refgcctl arenas` and `refgcctl -a ID` under --json:
exactly the documented keys (refgcctl(1), JSON), with the values of the
debugfs files parsed independently here; and their errors: the full
debugfs path and the reason (no such arena, no module, debugfs not
mounted, not root)."""
import json
import os
import shutil
import subprocess

from common import CTL, DEBUGFS, TMP, check_version, ok, run_ctl, skip
from test_tools import Shell, arena_of, kv, read

# The members of a stats record after "v", "cmd", "ok" and "arena" (or
# "id" in `arenas`), in order; and of each of its "generations".
STATS_KEYS = ["owner_pid", "owner_uid", "owner_comm", "objects", "bytes",
              "payload_bytes", "slots", "types", "enabled", "legacy",
              "debug", "garbage", "events_queued", "events_lost",
              "finalize_pending", "permanent", "generations"]
GEN_KEYS = ["objects", "count", "threshold", "collections", "collected",
            "uncollectable", "visited", "total_ns", "max_ns", "max_roots_ns",
            "max_move_ns"]
OBJECT_KEYS = ["id", "type", "refcount", "handles", "generation", "flags",
               "slots", "bytes"]
BOOLS = ("enabled", "legacy")


def words(text, sep):
    return [w for w in text.split(sep) if w not in ("", "none", "-")]


def expected_stats(text):
    """What the stats record must hold, from the debugfs text."""
    st = kv(text)
    want = {}
    for k in STATS_KEYS[:-1]:
        if k in BOOLS:
            want[k] = st[k] == "1"
        elif k == "debug":
            want[k] = words(st[k], ",")
        elif k == "owner_comm":
            want[k] = st[k]          # plain ASCII here: nothing escaped
        else:
            want[k] = int(st[k])
    want["generations"] = []
    for g in range(3):
        f = st["gen%d" % g].split()
        want["generations"].append({f[i]: int(f[i + 1])
                                    for i in range(0, len(f), 2)})
    return want


def jrun(args, env=None):
    p = subprocess.run([CTL] + args, capture_output=True, text=True,
                       env=env, timeout=120)
    for line in p.stdout.splitlines():
        check_version(line)
    try:
        return p.returncode, json.loads(p.stdout), p.stderr
    except ValueError:
        return p.returncode, p.stdout, p.stderr


def volatile(x):
    """A stats record without what an idle arena may still change."""
    return {k: v for k, v in x.items() if k not in ("generations",)}


def test_keys(sh, arena):
    d = os.path.join(DEBUGFS, "arenas", arena)
    rc, js, err = jrun(["-a", arena, "--json", "stats"])
    text = read(os.path.join(d, "stats"))
    ok("-a ID --json stats: exactly the documented keys, in order",
       rc == 0 and list(js) == ["v", "cmd", "ok", "arena"] + STATS_KEYS and
       all(list(g) == GEN_KEYS for g in js["generations"]), (js, err))
    want = expected_stats(text)
    got = {k: js[k] for k in STATS_KEYS}
    ok("-a ID --json stats: values parsed from the stats file",
       js["arena"] == int(arena) and got == want and
       isinstance(js["enabled"], bool) and isinstance(js["debug"], list),
       (got, want))
    sh("debug saveall")
    rc, js, _ = jrun(["-a", arena, "--json", "stats"])
    ok("-a ID --json stats: debug flags as a list",
       js.get("debug") == ["saveall"], js)
    sh("debug none")

    rc, js, err = jrun(["arenas", "--json"])
    mine = [x for x in js.get("arenas", []) if x.get("id") == int(arena)] \
        if isinstance(js, dict) else []
    ok("arenas --json: each arena has id and the stats keys",
       rc == 0 and list(js) == ["v", "cmd", "ok", "arenas"] and mine and
       list(mine[0]) == ["id"] + STATS_KEYS and
       volatile(mine[0]) == volatile(dict(
           id=int(arena), **expected_stats(read(os.path.join(d, "stats"))))),
       (js, err))

    objs = [line.split() for line in read(os.path.join(d, "objects"))
            .splitlines() if not line.startswith("#")]
    rc, js, err = jrun(["-a", arena, "--json", "objects"])
    got = js.get("objects", []) if isinstance(js, dict) else []
    want = [{"id": int(o[0]), "type": o[1], "refcount": int(o[2]),
             "handles": int(o[3]), "generation": int(o[4]),
             "flags": words(o[5], ","), "slots": int(o[6]),
             "bytes": int(o[7])} for o in objs]
    ok("-a ID --json objects: documented keys, flags as a list",
       rc == 0 and got == want and
       all(list(x) == OBJECT_KEYS for x in got) and
       any(x["flags"] == ["tracked", "weakref"] for x in got), (got, want))

    rc, js, err = jrun(["-a", arena, "--json", "threshold"])
    ctl = kv(read(os.path.join(d, "control")))
    ok("-a ID --json threshold: numbers from the control file",
       rc == 0 and js["threshold"] == [int(x) for x in
                                       ctl["threshold"].split()], js)
    rc, js, err = jrun(["-a", arena, "--json", "enable"])
    ok("-a ID --json enable: {arena} only", rc == 0 and js == {
        "v": 1, "cmd": "enable", "ok": True, "arena": int(arena)} and
       sh("isenabled")["enabled"] is True, js)
    run_ctl(["-a", arena, "disable"])
    rc, js, err = jrun(["-a", arena, "--json", "collect", "3"])
    ok("-a ID collect 3: a usage error (GEN is 0, 1 or 2)",
       rc == 2 and js["ok"] is False and js["errno"] == "EINVAL", js)
    rc, js, err = jrun(["-a", arena, "--json", "debug", "bogus"])
    ok("-a ID debug bogus: the control file's refusal, with the path and "
       "the command", rc == 1 and js["errno"] == "EINVAL" and
       js["error"].startswith(os.path.join(DEBUGFS, "arenas", arena,
                                           "control") +
                              ": 'debug bogus' refused: "), js)
    rc, out, err = run_ctl(["-a", arena, "stats", "extra"])
    ok("-a ID stats extra: the command's usage, exit 2",
       rc == 2 and "usage: refgcctl -a ID stats" in err, err)
    rc, out, err = run_ctl(["-a", arena, "collect", "--help"])
    ok("-a ID collect --help: its usage on stdout",
       rc == 0 and out.startswith("usage: refgcctl -a ID collect [GEN]"),
       out)


def as_nobody(args):
    setpriv = shutil.which("setpriv")
    if not setpriv:
        return None
    # The binary must be reachable by nobody: a copy in the guest's /tmp.
    ctl = os.path.join(TMP, "nobody", "refgcctl")
    os.makedirs(os.path.dirname(ctl), exist_ok=True)
    shutil.copy(CTL, ctl)
    os.chmod(TMP, 0o755)
    os.chmod(os.path.dirname(ctl), 0o755)
    os.chmod(ctl, 0o755)
    p = subprocess.run([setpriv, "--reuid=65534", "--regid=65534",
                        "--clear-groups", ctl] + args, capture_output=True,
                       text=True, timeout=60)
    return p


def test_errors(arena):
    path = os.path.join(DEBUGFS, "arenas", "999999999", "stats")
    rc, out, err = run_ctl(["-a", "999999999", "stats"])
    ok("-a ID, no such arena: the full path and 'no such arena'",
       rc == 1 and err.startswith("refgcctl: %s: no such arena 999999999"
                                  % path), err)
    rc, js, _ = jrun(["-a", "999999999", "--json", "collect"])
    ok("-a ID --json, no such arena: one failure record, ENOENT",
       rc == 1 and isinstance(js, dict) and js["ok"] is False and
       js["errno"] == "ENOENT" and "no such arena" in js["error"] and
       os.path.join(DEBUGFS, "arenas", "999999999") in js["error"], js)

    env = dict(os.environ, REFGC_DEBUGFS=DEBUGFS + "-missing")
    rc, js, _ = jrun(["-a", arena, "--json", "stats"], env=env)
    ok("-a ID, debugfs there but no refgc directory: 'not loaded'",
       rc == 1 and isinstance(js, dict) and
       (DEBUGFS + "-missing/arenas/%s/stats" % arena) in js["error"] and
       "refgc module is not loaded" in js["error"], js)

    # debugfs not mounted: unmounted in a mount namespace of our own.
    parent = os.path.dirname(DEBUGFS)
    p = subprocess.run(["unshare", "-m", "sh", "-c",
                        'umount "$0" && exec "$@"', parent, CTL, "-a",
                        arena, "stats"], capture_output=True, text=True,
                       timeout=60)
    if "unshare" in p.stderr or "umount" in p.stderr:
        skip("-a ID, debugfs not mounted", "no mount namespace here: " +
             p.stderr.strip())
    else:
        ok("-a ID, debugfs not mounted: the path and 'not mounted'",
           p.returncode == 1 and p.stderr.startswith(
               "refgcctl: %s/arenas/%s/stats: debugfs is not mounted on %s"
               % (DEBUGFS, arena, parent)), p.stderr)

    p = as_nobody(["-a", arena, "stats"])
    if p is None:
        skip("-a ID as nobody", "no setpriv")
    else:
        ok("-a ID, not root: the path and 'permission denied'",
           p.returncode == 1 and p.stderr.startswith(
               "refgcctl: %s/arenas/%s/stats: permission denied"
               % (DEBUGFS, arena)) and "root" in p.stderr, p.stderr)
        p = as_nobody(["arenas", "--json"])
        js = json.loads(p.stdout) if p.stdout.startswith("{") else {}
        ok("arenas --json, not root: EACCES record with the path",
           p.returncode == 1 and js.get("errno") == "EACCES" and
           js.get("error", "").startswith(DEBUGFS + "/arenas: "), p.stdout)


def test_arenas():
    if not os.path.isdir(DEBUGFS):
        return skip("arenas", "%s missing" % DEBUGFS)
    if os.geteuid() != 0:
        return skip("arenas", "not root")
    sh = Shell()
    for line in ["type list", "disable", "new a list", "new b list",
                 "link a b", "link b a", "new p list", "weakref w p"]:
        sh(line)
    arena = arena_of(sh.p.pid)
    if ok("arenas: the shell's arena is found", arena, arena):
        test_keys(sh, arena)
        test_errors(arena)
    sh.close()


FAKE_STATS = """id: 7
owner_pid: 123
owner_uid: 1000
owner_comm: a\\012b c\\134
objects: 4
bytes: 1000
payload_bytes: 8
slots: 3
types: 2
enabled: 1
legacy: 0
debug: stats,saveall
garbage: 1
events_queued: 2
events_lost: 0
finalize_pending: 0
gen0: objects 4 count 4 threshold 700 collections 0 collected 0 uncollectable 0 visited 0 total_ns 0 max_ns 0 max_roots_ns 0 max_move_ns 0
gen1: objects 0 count 0 threshold 10 collections 0 collected 0 uncollectable 0 visited 0 total_ns 0 max_ns 0 max_roots_ns 0 max_move_ns 0
gen2: objects 0 count 0 threshold 10 collections 1 collected 2 uncollectable 0 visited 4 total_ns 100 max_ns 90 max_roots_ns 30 max_move_ns 40
permanent: 5
a_key_of_a_newer_module: 9
"""


def test_fake_debugfs():
    """Runs on the host too: arenas and -a ID over a debugfs tree made
    here ($REFGC_DEBUGFS): the parsed fields, comm unescaped in JSON and
    escaped in the table, an unknown key left out, a missing one EPROTO,
    a missing file of an existing arena not called 'no such arena'."""
    top = os.path.join(TMP, "fakedfs", "refgc")
    a7 = os.path.join(top, "arenas", "7")
    os.makedirs(a7)
    with open(os.path.join(a7, "stats"), "w") as f:
        f.write(FAKE_STATS)
    env = dict(os.environ, REFGC_DEBUGFS=top)
    rc, js, err = jrun(["-a", "7", "--json", "stats"], env=env)
    ok("fake debugfs: -a ID --json stats, the fields parsed",
       rc == 0 and list(js) == ["v", "cmd", "ok", "arena"] + STATS_KEYS and
       js["owner_comm"] == "a\nb c\\" and js["enabled"] is True and
       js["legacy"] is False and js["debug"] == ["stats", "saveall"] and
       js["permanent"] == 5 and js["payload_bytes"] == 8 and
       js["generations"][2] == dict(zip(GEN_KEYS, [0, 0, 10, 1, 2, 0, 4,
                                                   100, 90, 30, 40])), (js, err))
    p = subprocess.run([CTL, "arenas"], capture_output=True, text=True,
                       env=env)
    rows = p.stdout.splitlines()
    ok("fake debugfs: arenas table, one row per arena, comm escaped",
       p.returncode == 0 and len(rows) == 2 and rows[1].split() ==
       ["7", "123", "1000", "a\\012b\\040c\\134", "4", "1000", "4", "0",
        "0", "1"], p.stdout)
    with open(os.path.join(a7, "stats"), "w") as f:
        f.write(FAKE_STATS.replace("payload_bytes: 8\n", ""))
    rc, js, err = jrun(["arenas", "--json"], env=env)
    ok("fake debugfs: a documented key missing is EPROTO, named",
       rc == 1 and js["errno"] == "EPROTO" and
       js["error"] == os.path.join(a7, "stats") +
       ": unexpected format: no 'payload_bytes' line", js)
    rc, out, err = run_ctl_env(["-a", "7", "objects"], env)
    ok("fake debugfs: a file missing in an existing arena is its errno",
       rc == 1 and err == "refgcctl: %s: No such file or directory\n" %
       os.path.join(a7, "objects"), err)
    rc, out, err = run_ctl_env(["-a", "8", "objects"], env)
    ok("fake debugfs: an arena missing is 'no such arena'",
       rc == 1 and err.startswith("refgcctl: %s: no such arena 8 " %
                                  os.path.join(top, "arenas", "8",
                                               "objects")), err)
    env["REFGC_DEBUGFS"] = os.path.join(TMP, "nodebugfs", "refgc")
    rc, out, err = run_ctl_env(["arenas"], env)
    ok("fake debugfs: no refgc directory on a non-debugfs: 'not mounted'",
       rc == 1 and err.startswith(
           "refgcctl: %s/arenas: debugfs is not mounted on %s " %
           (env["REFGC_DEBUGFS"], os.path.dirname(env["REFGC_DEBUGFS"]))),
       err)


def run_ctl_env(args, env):
    p = subprocess.run([CTL] + args, capture_output=True, text=True,
                       env=env, timeout=60)
    return p.returncode, p.stdout, p.stderr
