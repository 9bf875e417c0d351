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


@rule('legacy-refcount-order',
      'legacy mode, refcount death of a finalizer object with a weakref '
      'callback: CPython (subtype_dealloc, as Python 2.7) clears the '
      'weakrefs, calling their callbacks, before tp_del; refgc queues the '
      'finalize event first and the callback when the object then dies')
def _legacy_refcount_order(s, rgc, kt, pt, n):
    ke, pe = _events_of(kt, n), _events_of(pt, n)
    if not ke or ke == pe:
        return False
    line = int(kt[n].split(' ', 1)[0][1:])
    op = rgc.splitlines()[line - 1].split()[0]
    if op == 'collect' or ' fin ' not in kt[n] or ' cb ' not in pt[n]:
        return False
    # The same events in another order; or, when the finalizer body
    # resurrects the object, CPython has run the callbacks and refgc
    # never does (patch() then stops comparing: the states differ from there on).
    return sorted(ke) == sorted(pe) or _resurrects(rgc)


@rule('legacy-refcount-order-deref',
      'as legacy-refcount-order: the weakref cleared before tp_del in '
      'CPython is dead after the body resurrects its referent; in refgc '
      'it still answers the referent')
def _legacy_refcount_deref(s, rgc, kt, pt, n):
    return (_resurrects(rgc) and ' deref alive ' in kt[n] and
            pt[n].endswith(' deref dead'))


def _resurrects(rgc):
    return any(x.startswith('def ') and ' self' in x
               for x in rgc.splitlines())


@rule('legacy-reachable-from-garbage',
      'legacy mode, a finalizer object k outside the cycle it hangs off '
      '(q <-> q2 -> k -> l): CPython counts uncollectable after '
      'delete_garbage(), by when clearing q and q2 has freed k (tp_del runs) '
      'and l by refcount: (2, 0, []); refgc reports k as uncollectable')
def _legacy_reachable(s, rgc, kt, pt, n):
    k, p = kt[n].split(), pt[n].split()
    return (k[1] == p[1] == 'collect' and k[2] == p[2] and
            int(k[5]) > int(p[5]))


@rule('legacy-refinalize',
      'legacy mode, a finalizer body resurrects its object, which then '
      'dies again: CPython (tp_del, as Python 2.7) runs the finalizer '
      'again at each death and gc.is_finalized() stays False; refgc '
      'finalizes once (PEP 442) and reports is_finalized true')
def _legacy_refinalize(s, rgc, kt, pt, n):
    return _resurrects(rgc) and (' fin ' in pt[n] or
                                 kt[n].endswith('is_finalized 1'))


@rule('callback-weakref-freed-first',
      'a weakref held only by its referent (linked into it), the referent '
      'dies by refcount: CPython calls the callback while the weakref is '
      'alive (PyObject_ClearWeakRefs before the referent is cleared), so '
      'the callback can keep it; refgc drops the referent\'s slots first, '
      'and the callback body finds self freed ("Exception ignored")',
      legacy_only=False)
def _callback_freed_first(s, rgc, kt, pt, n):
    return '!ignored in ' in kt[n] and '.callback' in kt[n]


STOP = {'legacy-reachable-from-garbage', 'legacy-refinalize',
        'legacy-refcount-order-deref',
        'callback-weakref-freed-first'}


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
