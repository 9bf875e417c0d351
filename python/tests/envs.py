# SPDX-License-Identifier: GPL-2.0
"""The two worlds the differential harness runs a scenario in.

RefgcEnv: objects of a fresh refgc arena (arena.Object subclasses, kernel
slots, arena.collect(), refgc.ref).  PyEnv: plain Python objects (list
subclasses) and the interpreter's own gc and weakref modules, with the
interpreter's own objects frozen and automatic collection off, so that
gc.collect() sees only what the scenario made.  Both offer the same names;
a scenario is written once against them.
"""
import gc
import os
import weakref

try:
    import refgc
except ImportError:     # pragma: no cover - the extension is not built
    refgc = None


def have_device():
    return refgc is not None and os.path.exists("/dev/refgc")


class PyEnv:
    name = "python"
    DEBUG_SAVEALL = gc.DEBUG_SAVEALL
    ref = staticmethod(weakref.ref)
    getweakrefcount = staticmethod(weakref.getweakrefcount)

    def __init__(self):
        class Obj(list):
            pass
        self.Obj = Obj
        self.callbacks = gc.callbacks
        self._was_enabled = gc.isenabled()
        gc.disable()
        gc.collect()
        gc.freeze()

    def collect(self, generation=2):
        return gc.collect(generation)

    def set_debug(self, flags):
        gc.set_debug(flags)

    def garbage(self):
        return list(gc.garbage)

    def clear_garbage(self):
        del gc.garbage[:]

    def count(self, cls):
        return sum(1 for o in gc.get_objects() if type(o) is cls)

    def get_stats(self):
        return gc.get_stats()

    def get_referents(self, obj):
        return [x for x in gc.get_referents(obj) if isinstance(x, self.Obj)]

    def get_referrers(self, obj):
        return [x for x in gc.get_referrers(obj) if isinstance(x, self.Obj)]

    is_tracked = staticmethod(gc.is_tracked)
    is_finalized = staticmethod(gc.is_finalized)

    def in_generation(self, obj, generation):
        return any(x is obj for x in gc.get_objects(generation))

    def close(self):
        gc.set_debug(0)
        del gc.garbage[:]
        del gc.callbacks[:]
        gc.unfreeze()
        gc.collect()
        if self._was_enabled:
            gc.enable()


class RefgcEnv:
    name = "refgc"

    def __init__(self):
        self.arena = refgc.Arena()
        self.Obj = self.arena.Object
        self.callbacks = self.arena.callbacks
        self.DEBUG_SAVEALL = refgc.DEBUG_SAVEALL
        self.ref = refgc.ref
        self.getweakrefcount = refgc.getweakrefcount

    def collect(self, generation=2):
        return self.arena.collect(generation)

    def set_debug(self, flags):
        self.arena.set_debug(flags)

    def garbage(self):
        return list(self.arena.garbage)

    def clear_garbage(self):
        del self.arena.garbage[:]

    def count(self, cls):
        return sum(1 for o in self.arena.get_objects() if type(o) is cls)

    def get_stats(self):
        return self.arena.get_stats()

    def get_referents(self, obj):
        return self.arena.get_referents(obj)

    def get_referrers(self, obj):
        return self.arena.get_referrers(obj)

    def is_tracked(self, obj):
        return self.arena.is_tracked(obj)

    def is_finalized(self, obj):
        return self.arena.is_finalized(obj)

    def in_generation(self, obj, generation):
        return any(x is obj for x in self.arena.get_objects(generation))

    def close(self):
        self.arena.close()


ENVS = {"python": PyEnv, "refgc": RefgcEnv}
