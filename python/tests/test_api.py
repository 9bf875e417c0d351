# SPDX-License-Identifier: GPL-2.0
"""refgc's own API, in the VM: containers as lists, wrapper identity,
payloads, the gc-module calls, errors carrying errno and changing
nothing, finalizers and callbacks run after refcount deaths and
automatic collections, and "Exception ignored in"."""
import errno
import sys

import pytest

from envs import refgc


def test_list_like(arena):
    a, b, c = arena.Object(), arena.Object(), arena.Object()
    a.append(b)
    a.extend([c, b])
    assert len(a) == 3 and a[0] is b and a[1] is c and a[-1] is b
    assert list(a) == [b, c, b] and a[0:2] == [b, c]
    assert b in a and a.index(c) == 1 and a.count(b) == 2
    a.remove(b)
    assert list(a) == [c, b]
    a[0] = b
    assert list(a) == [b, b]
    del a[0]
    assert a.pop() is b and len(a) == 0
    a.append(c)
    a.clear()
    assert len(a) == 0
    with pytest.raises(IndexError):
        a[0]
    with pytest.raises(TypeError):
        a.append(object())


def test_same_wrapper_while_it_lives(arena):
    a = arena.Object()
    a.append(arena.Object())
    first = a[0]
    assert a[0] is first
    first.tag = "kept"
    oid = first.oid
    del first
    again = a[0]                 # a new wrapper: the attributes stay
    assert again.oid == oid and again.tag == "kept"


def test_payload_and_atomic(arena):
    class Blob(arena.Atomic):
        pass
    x = Blob(payload=b"hello")
    assert x.payload == b"hello"
    x.payload = b"HELLO"
    assert x.payload == b"HELLO"
    with pytest.raises(ValueError):
        x.payload = b"too long for it"
    assert not arena.is_tracked(x)
    c = arena.Object(payload=b"\x01\x02")
    assert c.payload == b"\x01\x02" and arena.is_tracked(c)
    c.append(x)
    assert c[0] is x
    with pytest.raises(AttributeError):
        x.append(c)


def test_gc_controls(arena):
    assert arena.isenabled()
    arena.disable()
    assert not arena.isenabled()
    arena.enable()
    arena.set_threshold(100, 5, 3)
    assert arena.get_threshold() == (100, 5, 3)
    arena.set_debug(refgc.DEBUG_SAVEALL | refgc.DEBUG_STATS)
    assert arena.get_debug() == refgc.DEBUG_SAVEALL | refgc.DEBUG_STATS
    arena.set_debug(0)
    objs = [arena.Object() for _ in range(3)]
    assert arena.get_count()[0] == 3
    assert sorted(o.oid for o in arena.get_objects(0)) == \
        sorted(o.oid for o in objs)
    arena.collect(0)
    assert arena.get_objects(0) == [] and len(arena.get_objects(1)) == 3
    st = arena.get_stats()
    assert st[0]["collections"] == 1 and st[2]["collections"] == 0
    arena.freeze()
    assert arena.get_freeze_count() == 3 and arena.get_objects() == []
    arena.unfreeze()
    assert arena.get_freeze_count() == 0 and len(arena.get_objects()) == 3
    with pytest.raises(ValueError):
        arena.collect(3)


def test_referrers_and_referents(arena):
    cache, h = arena.Object(), arena.Object()
    cache.append(h)
    assert arena.get_referrers(h) == [cache]
    assert arena.get_referents(cache) == [h]


def test_is_finalized(arena):
    kept = []

    class Fin(arena.Object):
        def __del__(self):
            kept.append(self)
    x = Fin()
    assert not arena.is_finalized(x)
    del x
    assert arena.is_finalized(kept[0])


def test_limit_error_changes_nothing(arena):
    a = arena.Object()
    arena.set_limits(max_objects=2)
    b = arena.Object()
    count = arena.get_count()
    with pytest.raises(refgc.LimitError) as ei:
        arena.Object()
    assert ei.value.errno == errno.ENOSPC
    assert isinstance(ei.value, OSError)
    assert arena.get_count() == count and len(arena.get_objects()) == 2
    a.append(b)
    assert len(a) == 1


def test_errors_carry_errno(arena):
    a, b = arena.Object(), arena.Object()
    with pytest.raises(refgc.NoSuchObjectError) as ei:
        a.remove(b)
    assert ei.value.errno == errno.ENOENT and len(a) == 0
    with pytest.raises(ValueError):         # as list.remove()
        a.remove(b)
    with pytest.raises(refgc.InvalidError) as ei:
        arena.set_debug(1 << 10)
    assert ei.value.errno == errno.EINVAL and arena.get_debug() == 0
    other = refgc.Arena()
    try:
        with pytest.raises(TypeError):
            a.append(other.Object())
    finally:
        other.close()


def test_del_runs_at_refcount_death(arena):
    ran = []

    class Fin(arena.Object):
        def __del__(self):
            ran.append(self.name)
    x = Fin()
    x.name = "x"
    del x
    assert ran == ["x"]
    holder = arena.Object()
    holder.append(Fin())
    holder[0].name = "slot"
    holder.clear()
    assert ran == ["x", "slot"]


def test_collect_inside_del_returns_zero(arena):
    inner = []

    class Fin(arena.Object):
        def __del__(self):
            inner.append(arena.collect())
    a, b = Fin(), Fin()
    a.append(b)
    b.append(a)
    del a, b
    assert arena.collect() == 2 and inner == [0, 0]


def test_exception_in_del_is_ignored(arena, monkeypatch):
    seen = []
    # Keep the type only: the traceback would keep self alive.
    monkeypatch.setattr(sys, "unraisablehook",
                        lambda u: seen.append(type(u.exc_value)))

    class Bad(arena.Object):
        def __del__(self):
            raise RuntimeError("boom")
    a, b = Bad(), Bad()
    a.append(b)
    b.append(a)
    del a, b
    assert arena.collect() == 2
    assert seen == [RuntimeError] * 2


def test_automatic_collection_runs_finalizers(arena):
    ran = []

    class Fin(arena.Object):
        def __del__(self):
            ran.append(1)
    arena.set_threshold(10)
    a, b = Fin(), Fin()
    a.append(b)
    b.append(a)
    del a, b
    junk = [arena.Object() for _ in range(50)]
    for _ in range(100):
        if ran:
            break
        junk.append(arena.Object())     # each operation drains
    assert ran == [1, 1]
    assert arena.get_stats()[0]["collections"] >= 1


def test_weakref_api(arena):
    a = arena.Object()
    r = refgc.ref(a)
    assert r() is a and refgc.getweakrefcount(a) == 1
    del a
    assert r() is None and "dead" in repr(r)
    with pytest.raises(TypeError):
        refgc.ref(object())


def test_closed_arena(arena):
    a = arena.Object()
    arena.close()
    with pytest.raises(ValueError):
        a.append(a)
    del a


def test_legacy_finalizers(arena):
    ran = []

    class Node(arena.Object):
        def __del__(self):
            ran.append(self.name)
    arena.legacy_finalizers = True
    assert arena.legacy_finalizers
    a, b = Node(), Node()
    a.name, b.name = "a", "b"
    a.append(b)
    b.append(a)
    del a, b
    assert arena.collect() == 2       # Python 2.7: 2, nothing freed
    assert [o.name for o in arena.garbage] == ["a", "b"] and ran == []
    for o in arena.garbage:
        o.clear()                     # break the cycle by hand
    del o, arena.garbage[:]
    assert sorted(ran) == ["a", "b"] and len(arena.get_objects()) == 0


def test_debug_stats_prints_as_gc(arena, capfd):
    arena.set_debug(refgc.DEBUG_STATS)
    a = arena.Object()
    a.append(a)
    del a
    arena.collect()
    err = capfd.readouterr().err.splitlines()
    assert err[0] == "gc: collecting generation 2..."
    assert err[1].startswith("gc: objects in each generation: ")
    assert err[-1].startswith("gc: done, 1 unreachable, 0 uncollectable, ")


def test_nothing_left_behind(arena):
    """Attributes, wrappers and refs go with their objects."""
    class Fin(arena.Object):
        def __del__(self):
            pass
    for i in range(200):
        a, b = Fin(), arena.Object()
        a.name = b.name = i
        a.append(b)
        b.append(a)
        blob = arena.Atomic(payload=b"x")
        blob.tag = i
        r = refgc.ref(a, lambda r: None)
        del a, b, blob, r
    assert arena.collect() == 400
    assert arena.get_objects() == [] and arena.garbage == []
    assert len(arena._dicts) == 0 and len(arena._wrappers) == 0
    assert len(arena._refs) == 0
