# SPDX-License-Identifier: GPL-2.0
#
# tests/difftest/rt.py - owned by the CPython differential test.  The
# CPython side of a scenario: the types, the helpers the translated
# program calls, and the trace it prints (the same normalized lines
# run.py makes of `refgcctl run --json`).
#
# Isolation: begin() collects, then freezes every object the interpreter
# (and this module) owns, so gc.collect(), get_count(), get_stats(),
# get_referrers() see scenario objects only.  The helpers allocate no
# tracked object that outlives them, but count0 counts real allocations
# of tracked objects: one taken from a free list (list, dict, tuple) does
# not count and one put back is not discounted, and a full collection
# empties the free lists, so a helper's temporaries (gc.get_stats()'s
# dicts, gc.get_count()'s tuple) would leave count0 off by a few.  Each
# helper therefore puts count0 back as it found it (after its own
# gc.collect()), through ctypes: _count0 is found once, by setting
# distinctive thresholds and finding them 24 bytes apart (struct
# gc_generation) in the PyInterpreterState.  While the scenario has
# automatic collection on, every helper runs with the collector disabled,
# so only the scenario's own T() and weakref.ref() calls can start a
# collection.
#
# run.py runs many scenarios in one interpreter: begin(g) first drops the
# previous scenario (its globals dict g, frozen objects, garbage).
import ctypes
import gc
import struct
import sys
import weakref
from array import array

try:
    import _testcapi
except ImportError:         # legacy scenarios are skipped (run.py)
    _testcapi = None

_out = []       # trace lines (str only: untracked)
_ev = []        # finalizer / callback records since the last op
_lab = {}       # id(weakref) -> label
_cbody = {}     # id(weakref) -> its callback's body
_fbody = [()]   # the finalizer type's body
_g = [None]     # the scenario's globals
_st = {'auto': False, 'interp': 0, 'frozen': True, 'roots': False}
_base = array('q', [0] * 9)


class T(list):
    __slots__ = ('label', '__weakref__')


class F(T):
    __slots__ = ()

    def __del__(self):
        _ev.append('fin ' + self.label)
        body(_fbody[0], self)


class LF(T):    # legacy: tp_del, no tp_finalize (set up below)
    __slots__ = ()

    def __tp_del__(self):
        _ev.append('fin ' + self.label)
        body(_fbody[0], self)


if _testcapi is not None:
    _testcapi.with_tp_del(LF)
_TYPES = (T, F, LF)


def _L(o):
    if type(o) in _TYPES:
        return o.label
    return _lab.get(id(o), '?')


def _cb(wr):
    _ev.append('cb ' + _L(wr))
    body(_cbody.get(id(wr), ()), wr)


def body(ops, x):
    """A finalizer's or callback's body (gen.py --bodies), self = x:
    ('print', WORD), ('keep',): keep = self, ('sink',): sink.append(self).
    It runs inside a collection or a deallocation, where the tuple
    iterator it allocates cannot start another collection."""
    for op in ops:
        if op[0] == 'print':
            _ev.append('text ' + op[1])
        elif op[0] == 'keep':
            _g[0]['keep'] = x
        elif op[0] == 'sink':
            _g[0]['sink'].append(x)


def off():
    """A helper starts: no collection, and note count0."""
    gc.disable()
    _saved[0] = _count0.value


def on():
    """A helper ends: count0 as it was (it allocates nothing the scenario
    sees), and automatic collection back if the scenario had it."""
    _count0.value = _saved[0]
    if _st['auto']:
        gc.enable()


def _find_count0():
    gc.disable()
    gc.set_threshold(77771, 77772, 77773)
    get = ctypes.pythonapi.PyInterpreterState_Get
    get.restype = ctypes.c_void_p
    base = get()
    buf = ctypes.string_at(base, 1 << 16)
    off = buf.find(struct.pack('i', 77771))
    while off >= 0:
        if struct.unpack_from('ii', buf, off + 24)[0] == 77772 and \
                struct.unpack_from('i', buf, off + 48)[0] == 77773:
            break
        off = buf.find(struct.pack('i', 77771), off + 1)
    gc.set_threshold(700, 10, 10)
    if off < 0:
        raise RuntimeError('rt: gc generation 0 not found')
    c = ctypes.c_int.from_address(base + off + 4)
    if c.value != gc.get_count()[0]:
        raise RuntimeError('rt: gc generation 0 count not found')
    # (off is generations[0].threshold.)  struct _gc_runtime_state (3.11)
    # after generations[3]: generation0,
    # permanent_generation, generation_stats[3], collecting, garbage,
    # callbacks, long_lived_total, long_lived_pending.
    p = ctypes.c_void_p
    if p.from_address(base + off + 168).value != id(gc.garbage) or \
            p.from_address(base + off + 176).value != id(gc.callbacks):
        raise RuntimeError('rt: gc long_lived_total not found')
    return (c, ctypes.c_ssize_t.from_address(base + off + 184),
            ctypes.c_ssize_t.from_address(base + off + 192))


# count0; long_lived_total and _pending, which begin() zeroes as in a new
# arena (the interpreter's own objects, frozen, would count in them).
_count0, _llt, _llp = _find_count0()
_api = ctypes.pythonapi
_api.PyObject_GC_UnTrack.argtypes = [ctypes.py_object]
_api.PyObject_GC_Track.argtypes = [ctypes.py_object]
_saved = array('q', [0])
SCENARIO_NAMES = tuple('abcdefgh') + ('w1', 'w2', 'w3', 'keep', 'sink')



def begin(g=None, fbody=()):
    gc.disable()
    gc.set_debug(0)
    gc.set_threshold(700, 10, 10)
    _fbody[0] = ()      # the previous scenario's bodies must not run now
    _cbody.clear()
    if g is not None:
        for k in SCENARIO_NAMES:
            g.pop(k, None)
    gc.unfreeze()
    while True:     # legacy cycles come back until their slots are cleared
        for x in gc.garbage:
            if type(x) in _TYPES:
                x.clear()
        x = None    # or the last one would outlive the freeze below
        del gc.garbage[:]
        if not gc.collect() and not gc.garbage:
            break
    del _ev[:]
    del _out[:]
    _lab.clear()
    _fbody[0] = fbody
    _g[0] = g
    _st['auto'] = False
    _st['frozen'] = True
    _st['roots'] = False
    if g is not None and not gc.is_tracked(g):
        _api.PyObject_GC_Track(g)     # frozen below with the interpreter
    # Until nothing changes: a full collection untracks tuples and dicts
    # of untracked objects, and one whose contents it untracks goes on
    # the next; frozen while tracked, it would leave the count of frozen
    # interpreter objects at a scenario's unfreeze + collect 2 + freeze.
    m = -1
    while m != len(gc.get_objects()):
        m = len(gc.get_objects())
        gc.collect()
    gc.freeze()
    _st['interp'] = gc.get_freeze_count()
    s = gc.get_stats()
    for i in range(3):
        _base[3 * i] = s[i]['collections']
        _base[3 * i + 1] = s[i]['collected']
        _base[3 * i + 2] = s[i]['uncollectable']
    del s
    prime()
    _count0.value = 0
    _llt.value = 0
    _llp.value = 0
    _st['auto'] = True      # a new arena collects automatically
    gc.enable()


def prime():
    """PyObject_ClearWeakRefs() holds the callbacks of a dying object
    with two or more in a tuple of twice as many: a temporary of the
    interpreter's, not a scenario object.  Leave two tuples of each such
    size on the free list (as a full collection empties it), so that it
    leaves count0 alone.  The caller puts count0 back."""
    for n in range(4, 42, 2):
        a = (None,) * n
        b = (None,) * n
        del a, b


def out(line, text):
    c = _count0.value       # the (line, text) tuple is a temporary too
    e = gc.isenabled()
    gc.disable()
    _out.append('L%d %s' % (line, text))
    _count0.value = c
    if e:
        gc.enable()


def flush(line):
    """After each op: the finalizers and callbacks it ran, in order."""
    roots()
    if not _ev:
        return
    off()               # the list iterator is tracked
    for e in _ev:
        out(line, '  ' + e)
    del _ev[:]
    on()


def new(cls, label):
    x = cls()
    x.label = label
    return x


def wref(v, label, cb, cbody=()):
    off()
    # weakref.ref() is called through an argument tuple: put one of each
    # size on the free lists, so that that temporary leaves count0 alone.
    t = (v,)
    t = (v, v)
    del t
    on()
    w = weakref.ref(v, _cb) if cb else weakref.ref(v)
    off()
    # The label is the last name given to `weakref` for the object (a
    # basic weakref returned again is relabeled, as refgc does).
    _lab[id(w)] = label
    if cbody:
        _cbody[id(w)] = cbody
    on()
    return w


def unlink(a, b):
    i = 0
    while a[i] is not b:
        i += 1
    del a[i]


def deref(line, w):
    off()
    x = w()
    if x is None:
        out(line, 'deref dead')
    else:
        out(line, 'deref alive ' + _L(x))
    del x
    on()


def collect(line, g):
    off()
    roots()
    s = gc.get_stats()[g]
    c0 = s['collected']
    u0 = s['uncollectable']
    del s
    n = gc.collect(g)
    _saved[0] = _count0.value
    if g == 2:
        prime()     # a full collection empties the free lists
    s = gc.get_stats()[g]
    c = s['collected'] - c0
    u = s['uncollectable'] - u0
    del s
    out(line, 'collect %d %d %d %d' % (g, n, c, u))
    on()


def count(line):
    off()
    c = gc.get_count()
    out(line, 'count %d %d %d' % c)
    del c
    on()


def stats(line):
    off()
    s = gc.get_stats()
    for g in range(3):
        out(line, 'stats %d %d %d %d' % (
            g, s[g]['collections'] - _base[3 * g],
            s[g]['collected'] - _base[3 * g + 1],
            s[g]['uncollectable'] - _base[3 * g + 2]))
    del s
    on()


def labels(xs):
    return ' '.join(sorted(_L(x) for x in xs
                           if type(x) in _TYPES or id(x) in _lab))


def garbage(line, clear):
    off()
    t = labels(gc.garbage)
    if clear:
        n = len(gc.garbage)
        out(line, 'garbage clear %d [%s]' % (n, t))
        del t
        on()
        del gc.garbage[:]
        return
    out(line, 'garbage [%s]' % t)
    del t
    on()


def referrers(line, v):
    off()
    roots()
    r = gc.get_referrers(v)
    t = labels(r)
    del r
    out(line, 'referrers [%s]' % t)
    del t
    on()


def refcount(line, v):
    # sys.getrefcount() sees two more: this frame's v and its argument.
    out(line, 'refcount %d' % (sys.getrefcount(v) - 2))


def objects(line, g):
    off()
    roots()
    xs = gc.get_objects() if g is None else gc.get_objects(g)
    t = labels(xs)
    del xs
    out(line, 'objects %s [%s]' % ('all' if g is None else g, t))
    del t
    on()


def tracked(line, v):
    out(line, 'is_tracked %d' % gc.is_tracked(v))


def finalized(line, v):
    out(line, 'is_finalized %d' % gc.is_finalized(v))


def freeze_count(line):
    n = gc.get_freeze_count()
    if _st['frozen']:
        n -= _st['interp']
    out(line, 'freeze_count %d' % n)


def freeze(line):
    roots()
    gc.freeze()
    _st['frozen'] = True
    freeze_count(line)


def unfreeze(line):
    gc.unfreeze()
    _st['frozen'] = False
    if not _st['roots']:
        # Unfrozen, the scenario's globals dict and gc.garbage would be
        # containers inside the collected generations, and the objects
        # they hold would be moved as only internally referenced
        # (move_unreachable), changing the order of finalizers; for refgc
        # names and the garbage list are roots.  Keep them out of the
        # collector, as the frozen interpreter is.
        _st['roots'] = True
        _st['interp'] -= _untrack(_g[0]) + _untrack(gc.garbage)
    freeze_count(line)


def _untrack(x):
    if x is None or not gc.is_tracked(x):
        return 0
    c = _count0.value       # ctypes' argument objects are temporaries
    e = gc.isenabled()
    gc.disable()
    _api.PyObject_GC_UnTrack(x)
    _count0.value = c
    if e:
        gc.enable()
    return 1


def roots():
    """Binding a name tracks the globals dict again: untrack it (after
    each op, and before each helper that looks at the collector)."""
    if _st['roots']:
        _untrack(_g[0])


def debug(line, flags):
    gc.set_debug(gc.DEBUG_SAVEALL if flags == 'saveall' else 0)


def threshold(line, t):
    off()
    gc.set_threshold(*t)
    out(line, 'threshold %d %d %d' % gc.get_threshold())
    on()


def enable(line):
    _st['auto'] = True
    gc.enable()


def disable(line):
    _st['auto'] = False
    gc.disable()


def text(line, words):
    out(line, 'text ' + words)


def end(quiet=False):
    gc.disable()
    if not quiet:
        sys.stdout.write(''.join(x + '\n' for x in _out))
        sys.stdout.flush()
