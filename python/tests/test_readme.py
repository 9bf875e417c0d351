# SPDX-License-Identifier: GPL-2.0
"""The README's "Your own Python" example, run as written (its script,
taken from the README), must print what the README says it prints; and
the same code over plain Python (list and the real gc) prints the same."""
import os
import re
import subprocess
import sys

import envs

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def readme_example():
    """The script of the example, and the lines the README promises."""
    with open(os.path.join(TOP, "README.md")) as f:
        text = f.read()
    sect = text[text.index("## Your own Python"):]
    script = re.search(r"cat > build/mine/cycle\.py <<'EOS'\n(.*?)\nEOS\n",
                       sect, re.S).group(1)
    prose = sect[sect.index("```\n\nprints ") + 5:]
    prose = prose[:prose.index(": the weakref")]
    promised = [s.replace("\n", " ") for s in re.findall(r"`([^`]*)`",
                                                         prose)]
    return script, promised


def run(code, env=None):
    p = subprocess.run([sys.executable, "-c", code], capture_output=True,
                       text=True, env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.splitlines()


def test_readme_python_example_runs_as_written():
    if not envs.have_device():
        import pytest
        pytest.skip("no /dev/refgc (run in the VM: make check)")
    script, promised = readme_example()
    assert promised, "the README no longer says what the example prints"
    env = dict(os.environ)
    assert run(script, env) == promised


def test_readme_python_example_is_cpythons():
    """The same program over list and gc: CPython 3.11's own answer."""
    script, promised = readme_example()
    plain = (script.replace("import refgc\n", "import gc, weakref\n")
             .replace("arena = refgc.Arena()", "arena = None")
             .replace("arena.disable()", "gc.disable()")
             .replace("(arena.Object)", "(list)")
             .replace("refgc.ref(", "weakref.ref(")
             .replace("arena.collect()", "gc.collect()")
             .replace("arena.garbage", "gc.garbage"))
    assert run(plain) == promised
