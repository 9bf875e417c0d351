# SPDX-License-Identifier: GPL-2.0
#
# tests/difftest/known.py - owned by the CPython differential test.  The
# disagreements between refgc and CPython that are known and open: each
# entry names the case and a test on the first differing trace lines.
# A disagreement that matches is put in CPython's order and the comparison
# goes on; a scenario whose only disagreements are known is counted as
# skipped, with their names.  Remove an entry when its fix lands.
WHY = {}
RULES = []


def rule(name, why, legacy_only=True):
    def deco(f):
        WHY[name] = why
        RULES.append((name, f, legacy_only))
        return f
    return deco


def match(s, rgc, kt, pt, n):
    """The name of the known-open entry this disagreement is, or None.
    Every rule is about two differing lines; most about legacy mode."""
    if n >= len(kt) or n >= len(pt):
        return None
    for name, f, legacy_only in RULES:
        if (s.kind == 'legacy' or not legacy_only) and f(s, rgc, kt, pt, n):
            return name
    return None


def _events_of(trace, n):
    """The event lines ("Lk   ...") of the op of trace line n."""
    if n >= len(trace):
        return []
    head = trace[n].split(' ', 1)[0]
    return [x for x in trace if x.startswith(head + '   ')]


def _resurrects(rgc):
    return any(x.startswith('def ') and ' self' in x
               for x in rgc.splitlines())


@rule('legacy-refinalize',
      'legacy mode, a finalizer body resurrects its object, which then '
      'dies again: CPython (tp_del, as Python 2.7) runs the finalizer '
      'again at each death and gc.is_finalized() stays False; refgc '
      'finalizes once (PEP 442) and reports is_finalized true.  When a '
      'finalizer run during a collection\'s deletion resurrects by '
      'replacing a resurrected object, CPython\'s second tp_del can free '
      'what refgc keeps, or keep what refgc frees: another uncollectable '
      'count')
def _legacy_refinalize(s, rgc, kt, pt, n):
    return _resurrects(rgc) and (' fin ' in pt[n] or
                                 kt[n].endswith('is_finalized 1') or
                                 _more_uncollectable(kt[n], pt[n]))


def _more_uncollectable(k, p):
    """Both lines the same collect, as many collected, another number of
    uncollectable objects (either way: a second tp_del may free what
    refgc keeps, or resurrect what refgc frees)."""
    k, p = k.split(), p.split()
    return (len(k) > 5 and len(p) > 5 and k[1] == p[1] == 'collect' and
            k[2] == p[2] and k[4] == p[4] and k[5] != p[5])


@rule('callback-weakref-freed-first',
      'a weakref held only by its referent (linked into it), the referent '
      'dies by refcount: CPython calls the callback while the weakref is '
      'alive (PyObject_ClearWeakRefs before the referent is cleared), so '
      'the callback can keep it; refgc drops the referent\'s slots first, '
      'and the callback body finds self freed ("Exception ignored")',
      legacy_only=False)
def _callback_freed_first(s, rgc, kt, pt, n):
    return '!ignored in ' in kt[n] and '.callback' in kt[n]


STOP = {'legacy-refinalize', 'callback-weakref-freed-first'}


def patch(kt, pt, n, name):
    """The kernel trace with the events of trace line n's op in
    CPython's order, so that the comparison can go on past a known
    disagreement about an order; for one in STOP (the states differ from
    there on), the rest of the kernel trace is CPython's."""
    if name in STOP or sorted(_events_of(kt, n)) != sorted(
            _events_of(pt, n)):
        return kt[:n] + pt[n:]
    head = kt[n].split(' ', 1)[0] + '   '
    pe = iter(x for x in pt if x.startswith(head))
    return [next(pe) if x.startswith(head) else x for x in kt]
