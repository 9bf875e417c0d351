#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""test_docs.py - the documentation's examples run as written: the
refgcctl script of README.md's "Your own script" (its heredoc, with
build/mine/ moved to the guest's /tmp, since the tree is read-only here)
and every `$ ...` command of refgcctl(1)'s EXAMPLES, whose output must
match the lines printed under it ("..." at the end of a line matches any
rest).  The make targets and runner lines around them are host-side and
too slow for this suite."""
import json
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


def man_text():
    with open(os.path.join(TOP, "Documentation", "refgcctl.1")) as f:
        return f.read()


def section(man, name):
    start = man.index(".SH " + name + "\n")
    end = man.find("\n.SH ", start + 1)
    return man[start:end if end >= 0 else len(man)]


def item_heads(sec):
    """The header line of every .TP item of a man page section."""
    lines = sec.splitlines()
    return [lines[i + 1].replace("\\-", "-") for i, x in enumerate(lines)
            if x == ".TP" and i + 1 < len(lines)]


def tool_commands():
    """(subcommands, commands of -a ID) from `refgcctl --help`, and the
    script verbs and aliases from the script language's `help`."""
    _, out, _ = run_ctl(["--help"])
    subs, arena = [], []
    for line in out.splitlines():
        m = re.match(r"^(?:usage:)?\s+refgcctl (\S+)(?: ID (\S+))?", line)
        if not m or m.group(1) == "COMMAND":
            continue
        if m.group(1) == "-a" and not m.group(2).startswith("["):
            arena.append(m.group(2))
        elif m.group(1) not in subs:
            subs.append(m.group(1))
    _, out, _ = run_ctl(["run", "--json", "-"], stdin="help\n")
    verbs = json.loads(out.splitlines()[0])["commands"] if out else []
    return subs, arena, verbs


def test_man_covers_commands():
    """refgcctl(1) covers every entry of the tool's command tables: each
    subcommand in SYNOPSIS and in an item of SUBCOMMANDS, each command of
    -a ID in the -a item, each script verb in the header of an item of
    SCRIPT LANGUAGE, each alias in the table of Python's names; and each
    JSON key that refgcctl_test checks is in the JSON section."""
    from test_arenas import GEN_KEYS, OBJECT_KEYS, STATS_KEYS
    man = man_text()
    subs, arena, verbs = tool_commands()
    ok("refgcctl(1): the tool lists its commands",
       "run" in subs and "-a" in subs and "collect" in arena and
       "link" in verbs and "get_count" in verbs, (subs, arena, verbs))
    syn = section(man, "SYNOPSIS").replace("\\-", "-")
    heads = item_heads(section(man, "SUBCOMMANDS"))
    missing = [s for s in subs if not s.startswith("--") and
               (not re.search(r"^\.BR? refgcctl %s\b" % re.escape(s), syn,
                              re.M) or
                not any(re.match(r'^\.B[IR]* "?%s\b' % re.escape(s), h)
                        for h in heads))]
    ok("refgcctl(1): every subcommand in SYNOPSIS and SUBCOMMANDS",
       not missing, missing)
    sub = section(man, "SUBCOMMANDS")
    a_item = sub[sub.index('.BI "-a "'.replace("-", "\\-")):]
    missing = [c for c in arena
               if not re.search(r"^\.B[IR]* .*\b%s\b" % c, a_item, re.M)]
    ok("refgcctl(1): every command of -a ID in its item", not missing,
       missing)
    lang = section(man, "SCRIPT LANGUAGE")
    heads = item_heads(lang)
    table = lang[lang.index(".TS"):lang.index(".TE")].splitlines()
    aliases = {row.split()[0] for row in table if "\t" in row}
    missing = [v for v in verbs if v not in aliases and not any(
        re.search(r'(^|[\s"])%s\b' % re.escape(v), h) for h in heads)]
    ok("refgcctl(1): every script verb and alias (%d) documented" %
       len(verbs), verbs and not missing, missing)
    js = section(man, "JSON")
    keys = set(STATS_KEYS + GEN_KEYS + OBJECT_KEYS + ["node", "arena"])
    missing = sorted(k for k in keys if not re.search(
        r"\b%s\b" % re.escape(k), js))
    ok("refgcctl(1): every key of arenas, -a and unreachable in JSON",
       not missing, missing)


def test_man_pages():
    """Runs on the host too: librefgc(3) names every function of
    <refgc/librefgc.h>, and refgc(4) every ioctl of <linux/refgc.h>."""
    def page(name):
        with open(os.path.join(TOP, "Documentation", name)) as f:
            return f.read().replace("\\-", "-").replace("\\_", "_")
    with open(os.path.join(TOP, "userspace", "lib", "librefgc.h")) as f:
        fns = sorted(set(re.findall(r"\b(refgc_\w+)\s*\(", f.read())))
    man = page("librefgc.3")
    missing = [f for f in fns if not re.search(r"\b%s\b" % f, man)]
    ok("librefgc(3): every function of librefgc.h (%d)" % len(fns),
       len(fns) > 40 and not missing, missing)
    with open(os.path.join(TOP, "uapi", "linux", "refgc.h")) as f:
        iocs = sorted(set(re.findall(r"^#define REFGC_IOC_(\w+)\s+_IO",
                                     f.read(), re.M)))
    man = page("refgc.4")
    table = man[man.index(".TS"):man.index(".TE")]
    missing = [i for i in iocs if not re.search(r"(^|, )%s\b" % i, table,
                                                 re.M)]
    ok("refgc(4): every ioctl of <linux/refgc.h> (%d) in its table" %
       len(iocs), len(iocs) > 20 and not missing, missing)
