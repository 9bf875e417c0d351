# SPDX-License-Identifier: GPL-2.0
#
# tests/difftest/known.py - owned by the CPython differential test.  The
# disagreements between refgc and CPython that are known and open: each
# entry names the case and a test on the first differing trace lines.
# A disagreement that matches is counted as skipped, with its name; remove
# an entry when its fix lands.
WHY = {}
RULES = []


def rule(name, why):
    def deco(f):
        WHY[name] = why
        RULES.append((name, f))
        return f
    return deco


def match(s, rgc, kt, pt, n):
    """The name of the known-open entry this disagreement is, or None."""
    for name, f in RULES:
        if f(s, rgc, kt, pt, n):
            return name
    return None
