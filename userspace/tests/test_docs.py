#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""test_docs.py - the documentation's examples run as written: the
refgcctl script of README.md's "Your own script" (its heredoc, with
build/mine/ moved to the guest's /tmp, since the tree is read-only here)
and every `$ ...` command of refgcctl(1)'s EXAMPLES, whose output must
match the lines printed under it ("..." at the end of a line matches any
rest).  The make targets and runner lines around them are host-side and
too slow for this suite."""
import os
import re
import subprocess

from common import CTL, TMP, ok, run_ctl

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def readme_scripts():
    """(name, text) of each `cat > FILE.rgc <<'EOS'` heredoc of README.md."""
    with open(os.path.join(TOP, "README.md")) as f:
        text = f.read()
    return re.findall(r"^cat > (\S+\.rgc) <<'(\w+)'\n(.*?)^\2$", text,
                      re.M | re.S)


def test_readme():
    scripts = readme_scripts()
    ok("README: has its own-script example", len(scripts) >= 1, scripts)
    for name, _, text in scripts:
        where = os.path.join(TMP, "readme")
        os.makedirs(where, exist_ok=True)
        body = text.replace(os.path.dirname(name) + "/", where + "/")
        path = os.path.join(where, os.path.basename(name))
        with open(path, "w") as f:
            f.write(body)
        rc, out, err = run_ctl(["check", path])
        ok("README %s: check is clean" % name, rc == 0 and err == "", err)
        rc, out, err = run_ctl(["run", "--echo", path])
        ok("README %s: runs as written" % name, rc == 0 and err == "",
           (rc, out, err))
        # The outcomes its comments promise.
        if "getrefcount a" in body:
            ok("README %s: getrefcount 2, objects 2 then 0, collect 2" % name,
               re.search(r"^>>> getrefcount a.*\nrefcount: 2$", out, re.M)
               and re.search(r"^>>> collect.*\n2$", out, re.M) and
               re.findall(r"^objects: (\d+)$", out, re.M) == ["2", "0"],
               out)


def man_examples():
    """(command, expected lines) of refgcctl(1)'s EXAMPLES section."""
    with open(os.path.join(TOP, "Documentation", "refgcctl.1")) as f:
        man = f.read()
    sec = man[man.index(".SH EXAMPLES"):man.index(".SH SEE ALSO")]
    found = []
    for block in re.findall(r"^\.nf\n(.*?)^\.fi$", sec, re.M | re.S):
        lines = block.replace("\\-", "-").replace("\\\\", "\\").splitlines()
        cmd, want = None, []
        for line in lines:
            if line.startswith("$ ") and cmd is None:
                cmd = line[2:]
            elif cmd is not None and cmd.endswith("\\") and not want:
                cmd += "\n" + line
            else:
                want.append(line)
        if cmd:
            found.append((cmd, want))
    return found


def lines_match(got, want):
    if len(got) != len(want):
        return False
    for g, w in zip(got, want):
        if w.endswith("...}") and g.startswith(w[:-4]) and g.endswith("}"):
            continue
        if g != w:
            return False
    return True


def test_man_examples():
    examples = man_examples()
    ok("refgcctl(1): EXAMPLES found", len(examples) >= 2, examples)
    env = dict(os.environ,
               PATH=os.path.dirname(os.path.abspath(CTL)) + ":" +
               os.environ.get("PATH", ""))
    for cmd, want in examples:
        p = subprocess.run(["sh", "-c", cmd], capture_output=True,
                           text=True, env=env, timeout=120)
        ok("refgcctl(1) example runs as written: %s" % cmd.splitlines()[0],
           p.returncode == 0 and lines_match(p.stdout.splitlines(), want),
           (p.returncode, p.stdout, p.stderr, want))
