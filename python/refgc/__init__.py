# SPDX-License-Identifier: GPL-2.0
"""refgc: arenas of refcounted containers, collected by the kernel with
CPython 3.11's cycle GC, driven from Python.

This file owns the Python layer: Arena (the gc module's API over one
open of /dev/refgc), the per-arena base classes Object and Atomic (list-
like wrappers of kernel objects, one wrapper per live object), ref and
getweakrefcount (the weakref module's), the running of __del__ and weakref
callbacks (inside Arena.collect() through the synchronous protocol, and
after each operation for the records queued asynchronously), and the
errno exceptions.  refgc._refgc is librefgc, call for call.

    arena = refgc.Arena()
    class Person(arena.Object):
        def __del__(self):
            print("bye", self.name)

A wrapper holds exactly one kernel handle; references made through the
container API (append, __setitem__, ...) are kernel references.  Python
attributes stay in Python: they are kept per object id while the kernel
object lives, and never seen by the kernel's collector.
"""
import errno as _errno
import sys as _sys
import weakref as _weakref

from . import _refgc

__all__ = ["Arena", "ref", "getweakrefcount", "RefgcError", "LimitError",
           "MemoryLimitError", "PayloadTooBigError", "NoSuchObjectError",
           "NotInContainerError", "InvalidError", "BusyError",
           "DEBUG_STATS", "DEBUG_COLLECTABLE", "DEBUG_UNCOLLECTABLE",
           "DEBUG_SAVEALL", "DEBUG_LEAK"]

DEBUG_STATS = _refgc.DEBUG_STATS
DEBUG_COLLECTABLE = _refgc.DEBUG_COLLECTABLE
DEBUG_UNCOLLECTABLE = _refgc.DEBUG_UNCOLLECTABLE
DEBUG_SAVEALL = _refgc.DEBUG_SAVEALL
DEBUG_LEAK = _refgc.DEBUG_LEAK

# Finalizers and callbacks run one inside another (a __del__ that frees a
# finalizer object) at most this deep; deeper records wait for the outer
# drain, so none is lost.
MAX_DEPTH = 32


class RefgcError(OSError):
    """A refgc call failed; .errno says why.  A failed call changes
    nothing."""


class LimitError(RefgcError):
    """ENOSPC: the arena's max_objects limit."""


class MemoryLimitError(RefgcError, MemoryError):
    """ENOMEM: the arena's max_bytes limit."""


class PayloadTooBigError(RefgcError):
    """EFBIG: a payload above max_payload."""


class NoSuchObjectError(RefgcError, LookupError):
    """ENOENT: no such object (or slot, or the weakref is dead)."""


class NotInContainerError(NoSuchObjectError, ValueError):
    """remove(x) of an x the container does not hold: ENOENT, and the
    ValueError list.remove() raises."""


class InvalidError(RefgcError, ValueError):
    """EINVAL: an argument the kernel refuses."""


class BusyError(RefgcError):
    """EBUSY."""


_refgc.set_error_classes({
    _errno.ENOSPC: LimitError,
    _errno.ENOMEM: MemoryLimitError,
    _errno.EFBIG: PayloadTooBigError,
    _errno.ENOENT: NoSuchObjectError,
    _errno.EINVAL: InvalidError,
    _errno.EBUSY: BusyError,
    **{e: RefgcError for e in (_errno.EPERM, _errno.E2BIG, _errno.ERANGE,
                               _errno.EEXIST, _errno.ELOOP,
                               _errno.EOVERFLOW, _errno.ENOTTY,
                               _errno.EBADF, _errno.EINTR, _errno.EAGAIN)},
})

_INFO_FLAGS, _INFO_SLOTS, _INFO_PAYLOAD, _INFO_GEN = 2, 5, 6, 7


class _Base(_refgc.Handle):
    """What Object and Atomic share: creation, identity, payload."""
    _arena = None
    _atomic = False

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        # __del__ is the kernel object's finalizer, not the wrapper's:
        # take it out of Python's sight (tp_finalize), keep it for
        # FINALIZE records.
        if "__del__" in cls.__dict__:
            cls._refgc_del = cls.__dict__["__del__"]
            delattr(cls, "__del__")
        if "_refgc_tid" not in cls.__dict__:
            cls._refgc_tid = None

    def __new__(cls, *args, payload=b"", size=None, **kw):
        arena = cls._arena
        if arena is None:
            raise TypeError("subclass arena.Object or arena.Atomic")
        payload = bytes(payload)
        n = len(payload) if size is None else size
        tid = arena._type_id(cls)
        oid = _refgc.new(arena._fdno(), tid, n)
        self = _refgc.Handle.__new__(cls)
        self._own(arena._fd, oid)
        arena._adopt(self)
        if payload:
            _refgc.write(arena._fdno(), oid, 0, payload)
        arena._drain()
        return self

    def __init__(self, *args, payload=b"", size=None, **kw):
        super().__init__(**kw)

    def _info(self):
        return _refgc.info(self._arena._fdno(), self.oid)

    @property
    def payload(self):
        """The payload, as bytes."""
        n = self._info()[_INFO_PAYLOAD]
        return _refgc.read(self._arena._fdno(), self.oid, 0, n) if n else b""

    @payload.setter
    def payload(self, data):
        data = bytes(data)
        if len(data) != self._info()[_INFO_PAYLOAD]:
            raise ValueError("a payload keeps the size it was created with")
        _refgc.write(self._arena._fdno(), self.oid, 0, data)

    def __repr__(self):
        return "<%s #%d>" % (type(self).__qualname__, self.oid)


class Object(_Base):
    """A container: its slots are kernel references, used like a list."""

    def __init__(self, items=(), *args, payload=b"", size=None, **kw):
        super().__init__(**kw)
        self.extend(items)

    def _check(self, x):
        if not isinstance(x, _Base) or x._arena is not self._arena:
            raise TypeError("slots hold objects of the same arena, not %s"
                            % type(x).__name__)
        return x.oid

    def _ids(self):
        return _refgc.get_slots(self._arena._fdno(), self.oid)

    def _index(self, i):
        n = len(self)
        if not isinstance(i, int):
            raise TypeError("slot indices must be integers")
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("slot index out of range")
        return i

    def append(self, x):
        a = self._arena
        _refgc.link(a._fdno(), self.oid, self._check(x))
        a._drain()

    def extend(self, items):
        for x in items:
            self.append(x)

    def remove(self, x):
        a = self._arena
        try:
            _refgc.remove(a._fdno(), self.oid, self._check(x))
        except NoSuchObjectError as e:
            raise NotInContainerError(e.errno, "%r is not in %r"
                                      % (x, self)) from None
        finally:
            a._drain()

    def clear(self):
        a = self._arena
        _refgc.clear(a._fdno(), self.oid)
        a._drain()

    def pop(self, i=-1):
        a = self._arena
        i = self._index(i)
        x = a._wrap(self._ids()[i])
        _refgc.unlink(a._fdno(), self.oid, i)
        a._drain()
        return x

    def index(self, x):
        oid = self._check(x)
        ids = self._ids()
        if oid not in ids:
            raise ValueError("%r is not in %r" % (x, self))
        return ids.index(oid)

    def count(self, x):
        return self._ids().count(self._check(x))

    def __len__(self):
        return self._info()[_INFO_SLOTS]

    def __getitem__(self, i):
        ids = self._ids()
        if isinstance(i, slice):
            return [self._arena._wrap(x) for x in ids[i]]
        return self._arena._wrap(ids[self._index(i)])

    def __setitem__(self, i, x):
        a = self._arena
        dst = self._check(x)
        _refgc.set(a._fdno(), self.oid, self._index(i), dst)
        a._drain()

    def __delitem__(self, i):
        a = self._arena
        _refgc.unlink(a._fdno(), self.oid, self._index(i))
        a._drain()

    def __iter__(self):
        a = self._arena
        return iter([a._wrap(x) for x in self._ids()])

    def __contains__(self, x):
        return isinstance(x, _Base) and x._arena is self._arena and \
            x.oid in self._ids()

    def __repr__(self):
        return "<%s #%d: %d slots>" % (type(self).__qualname__, self.oid,
                                       len(self))


class Atomic(_Base):
    """An atomic object: a payload, no slots, never tracked."""
    _atomic = True


class ref(_refgc.Handle):
    """ref(obj, callback=None): a weak reference, as weakref.ref.

    Calling it gives obj back while it lives, else None.  callback(ref)
    runs when obj dies: inside Arena.collect() for garbage, or right
    after the operation that freed obj."""

    def __new__(cls, obj, callback=None):
        if not isinstance(obj, _Base):
            raise TypeError("cannot create weak reference to %r object"
                            % type(obj).__name__)
        a = obj._arena
        wid = _refgc.weakref_new(a._fdno(), obj.oid, 0, callback is not None)
        old = a._refs.get(wid) if callback is None else None
        if old is not None:
            _refgc.weakref_drop(a._fdno(), wid)  # ref(x) is ref(x)
            return old
        self = _refgc.Handle.__new__(cls)
        self._own(a._fd, wid, True)
        self._arena = a
        self._referent = obj.oid
        self.__callback__ = callback
        a._refs[wid] = self
        return self

    def __init__(self, obj, callback=None):
        pass

    def __call__(self):
        a = self._arena
        try:
            oid = _refgc.weakref_get(a._fdno(), self.oid)
        except NoSuchObjectError:
            return None
        return a._wrap(oid, owned=True)

    def __repr__(self):
        o = self()
        if o is None:
            return "<refgc.ref at #%d; dead>" % self.oid
        return "<refgc.ref at #%d; to %r>" % (self.oid, o)


def getweakrefcount(obj):
    """The number of refgc.ref objects to obj, as weakref's."""
    a = obj._arena
    n = 0
    for r in list(a._refs.values()):
        if r._referent != obj.oid:
            continue
        try:
            _refgc.decref(a._fdno(), _refgc.weakref_get(a._fdno(), r.oid))
        except NoSuchObjectError:
            continue
        n += 1
    return n


class _Garbage:
    """arena.garbage: gc.garbage's view of the kernel's garbage list.
    `del arena.garbage[:]` and `arena.garbage.clear()` empty it."""

    def __init__(self, arena):
        self._arena = arena

    def _list(self):
        a = self._arena
        return [a._wrap(e[0]) for e in
                _refgc.list(a._fdno(), _refgc.LIST_GARBAGE, 0)]

    def __len__(self):
        return len(_refgc.list(self._arena._fdno(), _refgc.LIST_GARBAGE, 0))

    def __iter__(self):
        return iter(self._list())

    def __getitem__(self, i):
        return self._list()[i]

    def __delitem__(self, i):
        if i != slice(None):
            raise TypeError("only del garbage[:] empties the garbage list")
        self.clear()

    def clear(self):
        a = self._arena
        _refgc.clear_garbage(a._fdno())
        a._drain()

    def __eq__(self, other):
        return self._list() == list(other)

    def __repr__(self):
        return repr(self._list())


class Arena:
    """One open of /dev/refgc, with the gc module's API.

    arena.Object and arena.Atomic are this arena's base classes; every
    subclass is a kernel type, with the FINALIZER flag when it (or a base)
    defines __del__."""

    def __init__(self):
        self._fd = _refgc.Fd()
        self._wrappers = _weakref.WeakValueDictionary()   # id -> wrapper
        self._dicts = {}          # id -> the Python attributes
        self._types = {}          # type id -> class
        self._names = set()
        self._refs = _weakref.WeakValueDictionary()       # wid -> ref
        self._depth = 0
        self._in_collect = False
        self.callbacks = []
        self.garbage = _Garbage(self)
        self.Object = type("Object", (Object,), {"_arena": self,
                                                 "__module__": __name__})
        self.Atomic = type("Atomic", (Atomic,), {"_arena": self,
                                                 "__module__": __name__})
        self._fd.on_release = self._released

    # ---- plumbing ----

    def _fdno(self):
        fd = self._fd.fd
        if fd < 0:
            raise ValueError("the arena is closed")
        return fd

    def close(self):
        """Close the arena: the kernel frees every object, no finalizer
        runs."""
        self._fd.close()
        self._wrappers.clear()
        self._dicts.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _type_id(self, cls):
        tid = cls.__dict__.get("_refgc_tid")
        if tid is not None:
            return tid
        base = cls.__qualname__.replace(".<locals>.", ".")
        base = "".join(c if c.isalnum() or c in "._" else "_"
                       for c in base)[-24:] or "T"
        name, i = base, 1
        while name in self._names:
            i += 1
            name = "%s~%d" % (base, i)
        flags = _refgc.TYPE_ATOMIC if cls._atomic else 0
        if getattr(cls, "_refgc_del", None) is not None:
            flags |= _refgc.TYPE_FINALIZER
        tid = _refgc.type_register(self._fdno(), name, flags)
        self._names.add(name)
        self._types[tid] = cls
        cls._refgc_tid = tid
        return tid

    def _adopt(self, w):
        """A new wrapper for w.oid: the one the arena hands out."""
        self._wrappers[w.oid] = w
        d = self._dicts.get(w.oid)
        if d is None:
            self._dicts[w.oid] = w.__dict__
        else:
            w.__dict__ = d

    def _wrap(self, oid, owned=False):
        """The wrapper of object oid.  owned: the caller hands over one
        handle (dropped if the wrapper already exists)."""
        w = self._wrappers.get(oid)
        if w is not None:
            if owned:
                _refgc.decref(self._fdno(), oid)
            return w
        if not owned:
            _refgc.incref(self._fdno(), oid)
        try:
            tid = _refgc.info(self._fdno(), oid)[1]
            cls = self._types.get(tid)
            if cls is None:
                raise TypeError("object #%d: type %d has no class"
                                % (oid, tid))
            w = _refgc.Handle.__new__(cls)
        except BaseException:
            _refgc.decref(self._fdno(), oid)
            raise
        w._own(self._fd, oid)
        self._adopt(w)
        return w

    def _released(self, oid):
        """A wrapper dropped its handle (from its tp_dealloc)."""
        if oid in self._dicts and oid not in self._wrappers:
            try:
                _refgc.info(self._fdno(), oid)
            except (NoSuchObjectError, ValueError):
                self._dicts.pop(oid, None)
        self._drain()

    def _prune(self):
        """Forget the attributes of objects that died."""
        if not self._dicts or self._fd.fd < 0:
            return
        live = {e[0] for e in _refgc.list(self._fdno(), _refgc.LIST_OBJECTS,
                                          _refgc.LIST_ALL_GENERATIONS)}
        live.update(e[0] for e in
                    _refgc.list(self._fdno(), _refgc.LIST_OBJECTS,
                                _refgc.GEN_UNTRACKED))
        live.update(e[0] for e in
                    _refgc.list(self._fdno(), _refgc.LIST_OBJECTS,
                                _refgc.GEN_PERMANENT))
        for oid in [k for k in self._dicts if k not in live]:
            del self._dicts[oid]

    def _drain(self):
        """Run the records refcount deaths and automatic collections
        queued: __del__, weakref callbacks, gc.callbacks."""
        if self._in_collect or self._depth >= MAX_DEPTH or self._fd.fd < 0:
            return
        while True:
            evs = _refgc.event_read(self._fd.fd, 1)
            if not evs:
                return
            self._record(evs[0])

    def _record(self, ev):
        typ, gen, oid, cookie, collected, uncollectable = ev[:6]
        if typ == _refgc.EV_FINALIZE:
            self._finalize(oid)
        elif typ == _refgc.EV_WEAKREF:
            r = self._refs.get(oid)
            cb = r.__callback__ if r is not None else None
            if cb is not None:
                r.__callback__ = None
                self._run(cb, r, cb)
        elif typ in (_refgc.EV_GC_START, _refgc.EV_GC_STOP):
            phase = "start" if typ == _refgc.EV_GC_START else "stop"
            self._stats_line(phase, gen, collected, uncollectable, ev[7])
            info = {"generation": gen, "collected": collected,
                    "uncollectable": uncollectable}
            for cb in list(self.callbacks):
                self._run(cb, phase, cb, info)
        elif typ in (_refgc.EV_COLLECTABLE, _refgc.EV_UNCOLLECTABLE):
            w = self._wrappers.get(oid)
            what = "collectable" if typ == _refgc.EV_COLLECTABLE else \
                "uncollectable"
            print("gc: %s <%s #%d>" % (what, type(w).__name__ if w else
                                       "object", oid), file=_sys.stderr)
        elif typ == _refgc.EV_OVERFLOW:
            import warnings
            warnings.warn("refgc: %d events lost (queue overflow): some "
                          "weakref callbacks did not run" % ev[8],
                          RuntimeWarning)

    def _debug_stats(self):
        try:
            return bool(_refgc.get_debug(self._fdno()) & DEBUG_STATS)
        except (OSError, ValueError):
            return False

    def _stats_line(self, phase, gen, collected, uncollectable, ns):
        """DEBUG_STATS: what CPython prints to stderr."""
        if not self._debug_stats():
            return
        if phase == "start":
            print("gc: collecting generation %d..." % gen, file=_sys.stderr)
            print("gc: objects in each generation: %s" %
                  " ".join(str(c) for c in self.get_count()),
                  file=_sys.stderr)
        else:
            print("gc: done, %d unreachable, %d uncollectable, %.4fs "
                  "elapsed" % (collected + uncollectable, uncollectable,
                               ns / 1e9), file=_sys.stderr)

    def _run(self, fn, arg, where, *more):
        self._depth += 1
        try:
            fn(arg, *more)
        except BaseException as e:
            _refgc.write_unraisable(e, where)
        finally:
            self._depth -= 1

    def _finalize(self, oid):
        """A FINALIZE record: its handle stands for self."""
        try:
            self_ = self._wrap(oid, owned=True)
        except BaseException as e:
            _refgc.write_unraisable(e, None)
            return
        fin = getattr(type(self_), "_refgc_del", None)
        if fin is not None:
            self._run(fin, self_, fin)
        del self_   # unless __del__ kept it: the handle goes

    # ---- the gc module's API ----

    def enable(self):
        _refgc.enable(self._fdno())

    def disable(self):
        _refgc.disable(self._fdno())

    def isenabled(self):
        return bool(_refgc.isenabled(self._fdno()))

    def collect(self, generation=2):
        """Collect generation 0..generation; __del__ and weakref
        callbacks of the garbage run inside.  Returns collected +
        uncollectable, as gc.collect()."""
        if generation not in (0, 1, 2):
            raise ValueError("invalid generation")
        fd = self._fdno()
        self._drain()
        outer = self._in_collect
        self._in_collect = True
        try:
            c = _refgc.collect_fin(fd, generation, self._record)
        finally:
            self._in_collect = outer
        if not outer:
            self._drain()
            self._prune()
        return c[0] + c[1]

    def get_count(self):
        return _refgc.get_count(self._fdno())

    def get_threshold(self):
        return _refgc.get_threshold(self._fdno())

    def set_threshold(self, threshold0, threshold1=None, threshold2=None):
        t = list(self.get_threshold())
        t[0] = threshold0
        if threshold1 is not None:
            t[1] = threshold1
        if threshold2 is not None:
            t[2] = threshold2
        _refgc.set_threshold(self._fdno(), *t)

    def get_stats(self):
        return [{"collections": c, "collected": n, "uncollectable": u}
                for c, n, u in _refgc.get_stats(self._fdno())]

    def set_debug(self, flags):
        _refgc.set_debug(self._fdno(), flags)

    def get_debug(self):
        return _refgc.get_debug(self._fdno())

    def freeze(self):
        _refgc.freeze(self._fdno())

    def unfreeze(self):
        _refgc.unfreeze(self._fdno())

    def get_freeze_count(self):
        return _refgc.freeze_count(self._fdno())

    def get_objects(self, generation=None):
        """The tracked objects of generation (None: 0 to 2)."""
        if generation is None:
            gens = (0, 1, 2)    # not the permanent generation, as gc's
        elif generation in (0, 1, 2):
            gens = (generation,)
        else:
            raise ValueError("generation parameter must be 0, 1 or 2")
        return [self._wrap(e[0]) for g in gens for e in
                _refgc.list(self._fdno(), _refgc.LIST_OBJECTS, g)
                if e[1] != _refgc.TYPE_WEAKREF_ID]

    def get_referrers(self, *objs):
        """The containers whose slots refer to any of objs, generation 0
        first, as gc.get_referrers() scans them.  The kernel answers in
        id order; within a generation that order stays (CPython's is the
        generation list's)."""
        fd = self._fdno()
        found = {}
        for o in objs:
            found.update(dict.fromkeys(_refgc.get_referrers(fd, o.oid)))
        ids = sorted(found, key=lambda oid: _refgc.info(fd, oid)[_INFO_GEN])
        return [self._wrap(oid) for oid in ids]

    def get_referents(self, *objs):
        """What objs' slots refer to, in the order CPython's
        gc.get_referents() gives for lists: each object's slots last
        first, as list_traverse() visits them."""
        return [self._wrap(oid) for o in objs if isinstance(o, Object)
                for oid in reversed(o._ids())]

    def is_tracked(self, obj):
        return bool(obj._info()[_INFO_FLAGS] & _refgc.INFO_TRACKED)

    def is_finalized(self, obj):
        return bool(obj._info()[_INFO_FLAGS] & _refgc.INFO_FINALIZED)

    @property
    def legacy_finalizers(self):
        """Python 2.7's rules: a cycle with __del__ is not finalized but
        kept on garbage (uncollectable), as gc.garbage then."""
        return bool(_refgc.get_flags(self._fdno()) &
                    _refgc.ARENA_LEGACY_FINALIZERS)

    @legacy_finalizers.setter
    def legacy_finalizers(self, on):
        flags = _refgc.get_flags(self._fdno())
        if on:
            flags |= _refgc.ARENA_LEGACY_FINALIZERS
        else:
            flags &= ~_refgc.ARENA_LEGACY_FINALIZERS
        _refgc.set_flags(self._fdno(), flags)

    def get_limits(self):
        return _refgc.get_limits(self._fdno())

    def set_limits(self, max_objects=0, max_bytes=0, max_payload=0):
        _refgc.set_limits(self._fdno(), max_objects, max_bytes, max_payload)
