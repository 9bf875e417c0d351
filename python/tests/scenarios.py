# SPDX-License-Identifier: GPL-2.0
"""Scenarios of the differential harness, written once as real Python.

Each scenario(env) builds objects from env.Obj (a list subclass, or an
arena.Object subclass), lets them die or collects them, and returns what
it observed: collect() numbers, which finalizers and callbacks ran (in
order), what weakrefs return, the garbage list.  test_differential runs
each in both worlds and requires the same observations; EXPECTED holds
what CPython 3.11 gives, which the seeds teach.
"""

import os
import sys

KEEP = []       # "a global": module state outlives the scenario
EXPECTED = {}


def scenario(expected=None):
    def deco(fn):
        SCENARIOS.append(fn)
        if expected is not None:
            EXPECTED[fn.__name__] = expected
        return fn
    return deco


SCENARIOS = []


@scenario({"alive": [False, False], "collect": 0})
def local_list_freed_on_return(env):
    def work():
        items = env.Obj()
        items.append(env.Obj())
        return env.ref(items), env.ref(items[0])
    r1, r2 = work()
    return {"alive": [r1() is not None, r2() is not None],
            "collect": env.collect()}


@scenario({"alive": True, "collect": 0, "len": 2, "after": False})
def global_kept_alive(env):
    g = env.Obj()
    g.append(env.Obj())
    g.append(env.Obj())
    KEEP.append(g)
    r = env.ref(g[1])
    del g
    out = {"collect": env.collect(), "alive": r() is not None,
           "len": len(KEEP[0])}
    KEEP.clear()
    out["after"] = r() is not None
    return out


@scenario({"before": True, "collect": 2, "after": None})
def cycle_freed_by_collect(env):
    a, b = env.Obj(), env.Obj()
    a.append(b)
    b.append(a)
    ra = env.ref(a)
    del a, b
    before = ra() is not None
    n = env.collect()
    return {"before": before, "collect": n, "after": ra()}


@scenario({"before": [], "collect": 2, "ran": ["a", "b"]})
def del_in_a_cycle(env):
    ran = []

    class Person(env.Obj):
        def __del__(self):
            ran.append(self.name)
    a, b = Person(), Person()
    a.name, b.name = "a", "b"
    a.append(b)
    b.append(a)
    del a, b
    before = list(ran)
    n = env.collect()
    return {"before": before, "collect": n, "ran": ran}


@scenario({"ran": ["a", "b"], "collect": 0})
def del_cycle_fixed_with_a_weakref(env):
    ran = []

    class Person(env.Obj):
        def __del__(self):
            ran.append(self.name)
    a, b = Person(), Person()
    a.name, b.name = "a", "b"
    a.append(b)                 # parent -> child: strong
    b.parent = env.ref(a)       # child -> parent: weak
    del a, b
    return {"ran": list(ran), "collect": env.collect()}


@scenario({"slots_seen": ["b", "a"], "collect": 2})
def finalizers_see_their_slots(env):
    seen = []

    class Node(env.Obj):
        def __del__(self):
            seen.append(self[0].name)
    a, b = Node(), Node()
    a.name, b.name = "a", "b"
    a.append(b)
    b.append(a)
    del a, b
    n = env.collect()
    return {"slots_seen": seen, "collect": n}


@scenario({"ran": 1, "first": 0, "alive": True, "second": 2})
def resurrection_runs_del_once(env):
    ran = []
    saved = []

    class Phoenix(env.Obj):
        def __del__(self):
            ran.append(1)
            saved.append(self)
    a, b = Phoenix(), Phoenix()
    a.append(b)
    b.append(a)
    del a, b
    first = env.collect()
    alive = len(saved) == 2 and saved[0][0] is saved[1] or \
        saved[0][0] is not None
    saved.clear()
    second = env.collect()
    return {"ran": len(ran) // 2, "first": first, "alive": alive,
            "second": second}


@scenario({"log": [("cb", True), "del"], "collect": 2})
def weakref_callback_inside_collect(env):
    log = []

    class Thing(env.Obj):
        def __del__(self):
            log.append("del")
    a, b = Thing(), env.Obj()
    a.append(b)
    b.append(a)
    r = env.ref(b, lambda ref: log.append(("cb", ref() is None)))
    del a, b
    n = env.collect()
    del r
    return {"log": log, "collect": n}


@scenario({"collect": 0, "handlers": 10, "after": 0})
def cache_leak(env):
    class Handler(env.Obj):
        pass
    _cache = env.Obj()

    def handle(i):
        h = Handler()
        h.name = i
        _cache.append(h)    # the leak: every handler is cached
    for i in range(10):
        handle(i)
    out = {"collect": env.collect(), "handlers": env.count(Handler)}
    _cache.clear()
    out["after"] = env.count(Handler)
    return out


@scenario({"collect": 3, "garbage": ["x", "y", "z"], "again": 3,
           "after": 0})
def saveall_hunt(env):
    class Node(env.Obj):
        pass
    env.set_debug(env.DEBUG_SAVEALL)
    x, y, z = Node(), Node(), Node()
    x.name, y.name, z.name = "x", "y", "z"
    x.append(y)
    y.append(z)
    z.append(x)
    del x, y, z
    n = env.collect()
    names = [o.name for o in env.garbage()]
    env.set_debug(0)
    env.clear_garbage()
    again = env.collect()
    return {"collect": n, "garbage": names, "again": again,
            "after": len(env.garbage())}


@scenario({"collect": 3, "alive": [True, True, False, False, False]})
def unreachable_graph(env):
    root = env.Obj()
    n1, n2, n3, n4, n5 = (env.Obj() for _ in range(5))
    root.append(n1)
    n1.append(n2)
    n3.append(n4)
    n4.append(n3)
    n4.append(n1)       # unreachable pointing into the reachable part
    n5.append(n5)
    refs = [env.ref(n) for n in (n1, n2, n3, n4, n5)]
    del n1, n2, n3, n4, n5
    n = env.collect()
    alive = [r() is not None for r in refs]
    del root
    return {"collect": n, "alive": alive}


@scenario({"events": [("start", 2, 0, 0), ("stop", 2, 2, 0)]})
def gc_callbacks(env):
    events = []

    def cb(phase, info):
        events.append((phase, info["generation"], info["collected"],
                       info["uncollectable"]))
    a, b = env.Obj(), env.Obj()
    a.append(b)
    b.append(a)
    del a, b
    env.callbacks.append(cb)
    env.collect()
    env.callbacks.remove(cb)
    return {"events": events}


@scenario({"same": True, "count": 1, "counts_cb": 2})
def weakref_identity_and_count(env):
    a = env.Obj()
    r1, r2 = env.ref(a), env.ref(a)
    out = {"same": r1 is r2, "count": env.getweakrefcount(a)}
    r3 = env.ref(a, lambda r: None)
    out["counts_cb"] = env.getweakrefcount(a)
    del r3
    return out


@scenario({"young": 2, "old": 0, "alive": True, "full": 2})
def generations(env):
    a, b = env.Obj(), env.Obj()
    a.append(b)
    b.append(a)
    del a, b
    young = env.collect(0)
    c, d = env.Obj(), env.Obj()
    c.append(d)
    d.append(c)
    env.collect(0)      # survivors move to generation 1
    r = env.ref(c)
    del c, d
    old = env.collect(0)    # generation 1 is not collected
    alive = r() is not None
    return {"young": young, "old": old, "alive": alive,
            "full": env.collect()}


@scenario({"order": ["outer", "inner"], "collect": 0})
def del_frees_another_finalizer(env):
    order = []

    class Fin(env.Obj):
        def __del__(self):
            order.append(self.name)
    outer, inner = Fin(), Fin()
    outer.name, inner.name = "outer", "inner"
    outer.append(inner)
    del inner
    del outer       # outer's __del__, then inner dies with outer's slots
    return {"order": order, "collect": env.collect()}


@scenario({"order": ["n%d" % i for i in range(100)], "collect": 0})
def finalizer_chain_dies_in_order(env):
    order = []

    class Fin(env.Obj):
        def __del__(self):
            order.append(self.name)
    head = prev = Fin()
    head.name = "n0"
    for i in range(1, 100):
        n = Fin()
        n.name = "n%d" % i
        prev.append(n)
        prev = n
    del n, prev
    del head        # each death frees the next: deaths cascade
    return {"order": order, "collect": env.collect()}


@scenario({"collect": 2, "ran": ["a", "b"], "garbage": 2, "names": ["a", "b"]})
def saveall_keeps_finalized_objects(env):
    ran = []

    class Fin(env.Obj):
        def __del__(self):
            ran.append(self.name)
    env.set_debug(env.DEBUG_SAVEALL)
    a, b = Fin(), Fin()
    a.name, b.name = "a", "b"
    a.append(b)
    b.append(a)
    del a, b
    n = env.collect()
    g = env.garbage()
    out = {"collect": n, "ran": sorted(ran), "garbage": len(g),
           "names": sorted(o.name for o in g)}
    del g
    env.set_debug(0)
    env.clear_garbage()
    env.collect()
    return out


@scenario({"deltas": [[2, 2, 0], [1, 3, 0], [1, 3, 0]]})
def stats_deltas(env):
    def cycle(n):
        objs = [env.Obj() for _ in range(n)]
        for x, y in zip(objs, objs[1:] + objs[:1]):
            x.append(y)
    before = env.get_stats()
    cycle(2)
    env.collect(0)
    cycle(3)
    env.collect(1)
    env.collect(0)
    cycle(3)
    env.collect(2)
    after = env.get_stats()
    return {"deltas": [[a[k] - b[k] for k in ("collections", "collected",
                                                "uncollectable")]
                       for a, b in zip(after, before)]}


@scenario({"collect": 2, "made": 1, "kept_alive": True, "later": 0})
def del_makes_new_objects(env):
    made = []

    class Maker(env.Obj):
        def __del__(self):
            x = env.Obj()
            x.append(env.Obj())
            made.append(x)      # a new object, kept by Python
    a, b = Maker(), Maker()
    a.append(b)
    b.append(a)
    del a, b
    n = env.collect()
    out = {"collect": n, "made": len(made) // 2,
           "kept_alive": len(made[0]) == 1}
    made.clear()
    out["later"] = env.collect()    # refcounting freed them
    return out


GRAPH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                     "userspace", "examples", "08-unreachable.graph")


@scenario({"by_refcount": ["orphan", "tail"], "collect": 3,
           "unreachable": ["cycle1", "cycle2", "orphan", "self_loop",
                           "tail"]})
def unreachable_graph_exercise(env):
    """userspace/examples/08-unreachable.graph, as real objects."""
    roots, edges = [], []
    with open(GRAPH) as f:
        for line in f:
            line = line.split("#")[0].strip()
            if line.startswith("roots:"):
                roots = line[6:].split()
            elif "->" in line:
                edges.append([w.strip() for w in line.split("->")])

    class Node(env.Obj):
        pass
    nodes = {}
    for a, b in edges:
        for n in (a, b):
            if n not in nodes:
                nodes[n] = Node()
                nodes[n].name = n
        nodes[a].append(nodes[b])
    refs = {n: env.ref(o) for n, o in nodes.items()}
    held = {n: nodes[n] for n in roots}
    nodes.clear()
    dead = sorted(n for n, r in refs.items() if r() is None)
    n = env.collect()
    out = {"by_refcount": dead, "collect": n,
           "unreachable": sorted(n for n, r in refs.items()
                                 if r() is None)}
    held.clear()
    return out


@scenario({"collect": 2, "ignored": [("ValueError", "callback"),
                                     ("RuntimeError", "__del__"),
                                     ("RuntimeError", "__del__")]})
def exceptions_are_ignored(env):
    """An exception out of __del__ or a callback is "Exception ignored
    in: <the function>", and the collection goes on."""
    seen = []

    class Bad(env.Obj):
        def __del__(self):
            raise RuntimeError("boom")

    def callback(ref):
        raise ValueError("bang")
    old = sys.unraisablehook
    # Keep names only: the traceback would keep self alive.
    sys.unraisablehook = lambda u: seen.append(
        (type(u.exc_value).__name__, u.object.__name__))
    try:
        a, b = Bad(), Bad()
        a.append(b)
        b.append(a)
        r = env.ref(a, callback)
        del a, b
        n = env.collect()
    finally:
        sys.unraisablehook = old
    del r
    return {"collect": n, "ignored": seen}


@scenario({"referents": ["c", "b"], "referrers": ["a", "c"],
           "tracked": True, "generations": [0, 1, 2],
           "finalized": [False, True]})
def introspection(env):
    """get_referents, get_referrers, is_tracked, get_objects(generation)
    and is_finalized (after a resurrection) on the same objects."""
    saved = []

    class Node(env.Obj):
        def __del__(self):
            saved.append(self)
    a, b, c = Node(), Node(), Node()
    a.name, b.name, c.name = "a", "b", "c"
    a.append(b)
    a.append(c)
    c.append(b)
    gens = []
    for g in (0, 1, 2):
        gens += [g for gen in (0, 1, 2) if env.in_generation(a, gen) and
                 gen == g]
        env.collect(g)
    out = {"referents": [x.name for x in env.get_referents(a)],
           "referrers": [x.name for x in env.get_referrers(b)],
           "tracked": env.is_tracked(a), "generations": gens}
    before = env.is_finalized(c)
    c.clear()
    a.clear()
    del c       # resurrected by its __del__
    out["finalized"] = [before, env.is_finalized(saved[0])]
    saved.clear()
    return out


@scenario({"referrers": ["young", "old"]})
def referrers_young_first(env):
    """gc.get_referrers() scans generation 0 first."""
    z = env.Obj()
    old = env.Obj()
    old.name = "old"
    old.append(z)
    env.collect(0)          # old (and z) move to generation 1
    young = env.Obj()
    young.name = "young"
    young.append(z)
    return {"referrers": [x.name for x in env.get_referrers(z)]}
