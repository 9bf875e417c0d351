# SPDX-License-Identifier: GPL-2.0
#
# tests/difftest/gen.py - owned by the CPython differential test.  Random
# scenarios: one generator walks a small model of the names and the slots
# of the objects they name, and writes each step twice, as a refgcctl
# script line and as the Python 3.11 statement(s) of rt.py it means.
#
# Kinds of scenario (Scenario.kind):
#   plain   - cycles, finalizers (PEP 442), weakrefs with and without
#             callbacks, collect 0/1/2, SAVEALL, garbage [clear],
#             freeze/unfreeze/freeze_count, referrers, objects [GEN],
#             getrefcount, is_tracked/is_finalized, deref, count/stats,
#             and a directed shape: a cycle holding a finalizer object
#             that holds another.  Starts with `disable` (AUTO_NO_
#             FINALIZERS below; a new arena collects automatically).
#   legacy  - `legacy on`: finalizer types are tp_del types
#             (_testcapi.with_tp_del) in CPython.
#   cadence - enable + threshold, allocations, count/stats.  Deliberate
#             difference AUTO_NO_FINALIZERS: the kernel's automatic
#             collections run on a workqueue and cannot run userspace
#             finalizers or callbacks synchronously, so cadence scenarios
#             have no finalizer type and no weakref callback.  `sync`
#             after each op waits for the queued collection.
#
# The kernel queues a finalize event for a refcount death; the object
# lives until `events` delivers it (refgcctl(1)), and a delivery can
# free more objects.  Each op that can drop a reference is followed by
# enough `events` lines (one per finalizer object created so far, plus
# one) to reach the same state as CPython, which runs __del__ at once.
# (A refgcctl with bodies takes the events itself: the lines find none.)
#
# bodies=True (run.py --bodies): the finalizer type gets a body, and a
# callback weakref may: no-op, record that it ran (print WORD), resurrect
# (let keep self), link elsewhere (link sink self), alone or together;
# keep and sink are made first, and ops look at them and drop them.
import random

NAMES = 'abcdefgh'
WNAMES = ('w1', 'w2', 'w3')


class Scenario:
    """A scenario is a list of units, one per op: the script line, its
    Python ('@' stands for the script line number), how many `events`
    lines follow it, whether a `sync` does; assemble() numbers them
    (and run.py --reduce drops units)."""
    def __init__(self, kind):
        self.kind = kind
        self.head = 'begin(globals())'
        self.units = []

    def op(self, rgc, py, drain=0, sync=False, **extra):
        u = dict(rgc=rgc, py=py, drain=drain, sync=sync)
        u.update(extra)
        self.units.append(u)
        return u

    def assemble(self):
        self.rgc = []           # script lines
        self.py = [self.head]   # Python lines
        self.internal = set()   # script lines that only drain events
        self.objgen = {}        # line of `objects G` -> G
        for u in self.units:
            self.rgc.append(u['rgc'])
            line = len(self.rgc)
            self.py.append(u['py'].replace('@', str(line)))
            self.py.append('flush(%d)' % line)
            if 'objgen' in u:
                self.objgen[line] = u['objgen']
            for _ in range(u['drain']):
                self.rgc.append('events')
                self.internal.add(len(self.rgc))
            if u['sync']:
                self.rgc.append('sync')
                self.internal.add(len(self.rgc))
        self.py.append('end()')
        return self


# Verbs on one object or weakref: the Python helper each becomes.
ONE_OBJECT = {'referrers': 'referrers', 'getrefcount': 'refcount',
              'is_tracked': 'tracked', 'is_finalized': 'finalized'}

def generate(rng, legacy_ok=True, bodies=False):
    r = rng.random()
    if r < 0.15:
        kind = 'cadence'
    elif r < 0.27 and legacy_ok:
        kind = 'legacy'
    else:
        kind = 'plain'
    s = Scenario(kind)
    fin = kind != 'cadence'
    names = {}          # name -> model object id
    kindof = {}         # model object id -> 'T' | 'F' | 'W'
    slots = {}          # model object id -> [model object id]
    nfin = [0]
    nobj = [0]
    if kind == 'legacy':
        s.op('legacy on', 'pass')
    s.op('type T', 'pass')
    if fin:
        s.op('type F finalizer', 'pass')
    if bodies and fin:
        fb = body(rng, 'fin')
        if fb:
            s.op('def F.__del__: ' + fb[0], 'pass')
            s.head = 'begin(globals(), %r)' % (fb[1],)
        s.op('new keep T', "keep = new(T, 'keep')")
        s.op('new sink T', "sink = new(T, 'sink')")
    fcls = 'LF' if kind == 'legacy' else 'F'
    auto = kind == 'cadence'

    def drain():
        return nfin[0] + 1 if fin else 0

    def emit(rgc, py, drops=False, **extra):
        return s.op(rgc, py, drain() if drops else 0, auto, **extra)

    def objs():
        return [n for n in names if kindof[names[n]] != 'W']

    def wrs():
        return [n for n in names if kindof[names[n]] == 'W']

    def fresh(k):
        nobj[0] += 1
        kindof[nobj[0]] = k
        slots[nobj[0]] = []
        return nobj[0]

    if not auto:
        # A new arena collects automatically, as CPython does; AUTO_NO_
        # FINALIZERS: scenarios with finalizers turn that off first.
        emit('disable', 'disable(@)')
    if auto:
        t0 = rng.randint(2, 12)
        t1 = rng.randint(1, 4)
        t2 = rng.randint(1, 4)
        emit('threshold %d %d %d' % (t0, t1, t2),
             'threshold(@, (%d, %d, %d))' % (t0, t1, t2))
        emit('enable', 'enable(@)')
    nops = rng.randint(8, 40) if not auto else rng.randint(20, 80)
    for _ in range(nops):
        o = objs()
        w = wrs()
        choices = ['new'] * 5 + ['link'] * 5 + ['del'] * 3 + ['collect'] * 3
        if o:
            choices += ['let', 'clear', 'unlink', 'referrers',
                        'is_tracked', 'is_finalized', 'getrefcount']
        if o:
            choices += ['weakref'] * 2
        if w:
            choices += ['deref']
        choices += ['count', 'stats', 'garbage', 'freeze_count', 'print',
                    'objects']
        if not auto:
            choices += ['freeze', 'unfreeze', 'debug', 'garbage_clear']
        if bodies and fin:
            choices += ['keep_fin', 'keep_drop', 'sink_clear', 'keep_refs']
        if auto:
            choices += ['new'] * 10 + ['del'] * 3
        if fin:
            choices += ['shape']
        c = rng.choice(choices)
        if c == 'new':
            v = rng.choice(NAMES)
            k = 'F' if fin and rng.random() < 0.3 else 'T'
            names[v] = fresh(k)
            if k == 'F':
                nfin[0] += 1
            cls = fcls if k == 'F' else 'T'
            emit('new %s %s' % (v, k), "%s = new(%s, '%s')" % (v, cls, v),
                 drops=True)
        elif c == 'link' and o:
            a = rng.choice(o)
            b = rng.choice(o + w)
            slots[names[a]].append(names[b])
            emit('link %s %s' % (a, b), '%s.append(%s)' % (a, b))
        elif c == 'unlink':
            cand = [(a, b) for a in o for b in o + w
                    if names[b] in slots[names[a]]]
            if not cand:
                continue
            a, b = rng.choice(cand)
            slots[names[a]].remove(names[b])
            emit('unlink %s %s' % (a, b), 'unlink(%s, %s)' % (a, b),
                 drops=True)
        elif c == 'clear':
            a = rng.choice(o)
            slots[names[a]] = []
            emit('clear %s' % a, '%s.clear()' % a, drops=True)
        elif c == 'del' and names:
            v = rng.choice(list(names))
            del names[v]
            emit('del %s' % v, 'del %s' % v, drops=True)
        elif c == 'let':
            v = rng.choice(NAMES)
            src = rng.choice(o + w)
            if v == src:
                continue
            names[v] = names[src]
            emit('let %s %s' % (v, src), '%s = %s' % (v, src), drops=True)
        elif c == 'weakref':
            wn = rng.choice(WNAMES)
            v = rng.choice(o)
            cb = not auto and rng.random() < 0.6   # AUTO_NO_FINALIZERS
            names[wn] = fresh('W')
            cbb = body(rng, 'cb' + wn) if cb and bodies else None
            if cbb:
                emit('weakref %s %s callback: %s' % (wn, v, cbb[0]),
                     "%s = wref(%s, '%s', True, %r)" % (wn, v, wn, cbb[1]),
                     drops=True)
            else:
                emit('weakref %s %s%s' % (wn, v, ' callback' if cb else ''),
                     "%s = wref(%s, '%s', %s)" % (wn, v, wn, cb),
                     drops=True)
        elif c == 'deref':
            wn = rng.choice(w)
            emit('deref %s' % wn, 'deref(@, %s)' % wn)
        elif c == 'collect':
            g = rng.choice((0, 1, 2, 2))
            emit('collect %d' % g, 'collect(@, %d)' % g, drops=True)
        elif c in ONE_OBJECT:
            v = rng.choice(o + w)
            emit('%s %s' % (c, v), '%s(@, %s)' % (ONE_OBJECT[c], v))
        elif c == 'objects':
            g = rng.choice((None, 0, 1, 2))
            emit('objects' if g is None else 'objects %d' % g,
                 'objects(@, %s)' % g, objgen='all' if g is None else g)
        elif c in ('count', 'stats', 'freeze_count', 'freeze', 'unfreeze'):
            emit(c, '%s(@)' % c)
        elif c == 'garbage':
            emit('garbage', 'garbage(@, False)')
        elif c == 'garbage_clear':
            emit('garbage clear', 'garbage(@, True)', drops=True)
        elif c == 'debug':
            f = rng.choice(('saveall', 'none'))
            emit('debug %s' % f, "debug(@, '%s')" % f)
        elif c == 'shape':
            # A cycle q <-> q2 holding a finalizer object k (not in a
            # cycle) holding l; then its names go, in a random order.
            q, q2, k, l = rng.sample(NAMES, 4)
            for v, t in ((q, 'T'), (q2, 'T'), (k, 'F'), (l, 'T')):
                names[v] = fresh(t)
                if t == 'F':
                    nfin[0] += 1
                emit('new %s %s' % (v, t), "%s = new(%s, '%s')" % (
                    v, fcls if t == 'F' else 'T', v), drops=True)
            for a, b in ((q, q2), (q2, q), (q2, k), (k, l)):
                slots[names[a]].append(names[b])
                emit('link %s %s' % (a, b), '%s.append(%s)' % (a, b))
            for v in rng.sample((q, q2, k, l), rng.randint(2, 4)):
                del names[v]
                emit('del %s' % v, 'del %s' % v, drops=True)
        elif c == 'keep_fin':
            emit('is_finalized keep', 'finalized(@, keep)')
        elif c == 'keep_refs':
            emit('referrers keep', 'referrers(@, keep)')
        elif c == 'keep_drop':
            emit('let keep sink', 'keep = sink', drops=True)
        elif c == 'sink_clear':
            emit('clear sink', 'sink.clear()', drops=True)
        elif c == 'print':
            t = 'p%d' % rng.randint(0, 99)
            emit('print %s' % t, "text(@, '%s')" % t)
    # Every scenario ends by looking at the whole state.
    emit('collect 2', 'collect(@, 2)', drops=True)
    for c in ('count', 'stats', 'freeze_count'):
        emit(c, '%s(@)' % c)
    emit('garbage', 'garbage(@, False)')
    return s.assemble()


def body(rng, word):
    """A finalizer's or callback's body: (script text, rt.body() ops), or
    None for none (pass).  No-op, record that it ran, resurrect (keep =
    self) and link elsewhere (sink.append(self)), alone or together."""
    parts = [p for p in ('print', 'keep', 'sink') if rng.random() < 0.4]
    if not parts:
        return None if rng.random() < 0.5 else ('print ' + word,
                                                (('print', word),))
    rgc = {'print': 'print ' + word, 'keep': 'let keep self',
           'sink': 'link sink self'}
    ops = {'print': ('print', word), 'keep': ('keep',), 'sink': ('sink',)}
    rng.shuffle(parts)
    return (' ; '.join(rgc[p] for p in parts),
            tuple(ops[p] for p in parts))


def scenario(seed, index, **kw):
    return generate(random.Random('%s-%d' % (seed, index)), **kw)
