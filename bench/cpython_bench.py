#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""cpython_bench.py - the CPython side of `make bench`.

Builds the same graphs as bench/refgc_bench.c (same shapes, same
splitmix64 stream, same seed) out of lists of a list subclass with
__slots__ = (), and times construction and full collections with gc
disabled, as refgc_bench does with threshold0 = 0.  Prints one JSON object
per measurement.

usage: cpython_bench.py SHAPE N [SEED]
  SHAPE random|ring|chain|tree: B3 construction, B1, B1R and B2
      collections
  SHAPE young: B4, automatic collection (default thresholds) while N
      objects die young, the workload of bench/refgc_bench_b45.c; pauses
      from gc.callbacks with time.perf_counter_ns
  SHAPE memory: B5, tracemalloc bytes per object and per reference, and
      in all ("real B/object": objects and their 2 references)
"""
import gc
import json
from array import array
import sys
import time
import tracemalloc

MASK = (1 << 64) - 1
PYTHON = f"{sys.executable} {sys.version.split()[0]}"


class Node(list):
    __slots__ = ()


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def edges(shape, n, rng):
    """The edges as a flat array('q') of (source, destination) pairs: not
    a container, so the collector never sees them (a list of tuples would
    add 2N tracked tuples to CPython's collections)."""
    out = array("q")
    for i in range(n):
        if shape == "random":
            out.extend((i, rng.next() % n, i, rng.next() % n))
        elif shape == "ring":
            out.extend((i, (i + 1) % n))
        elif shape == "chain":
            if i + 1 < n:
                out.extend((i, i + 1))
        elif shape == "tree":
            if 2 * i + 1 < n:
                out.extend((i, 2 * i + 1))
            if 2 * i + 2 < n:
                out.extend((i, 2 * i + 2))
        else:
            sys.exit(f"cpython_bench: unknown shape {shape}")
    return out


def build(n, edge_list):
    t0 = time.perf_counter()
    objs = [Node() for _ in range(n)]
    for k in range(0, len(edge_list), 2):
        objs[edge_list[k]].append(objs[edge_list[k + 1]])
    return objs, time.perf_counter() - t0


def report(bench, shape, n, secs, objects, **extra):
    rec = {"system": "cpython", "bench": bench, "shape": shape, "n": n,
           "ns_per_object": round(secs * 1e9 / objects, 1),
           "python": PYTHON}
    rec.update(extra)
    print(json.dumps(rec, separators=(",", ":")), flush=True)


YOUNG_CHUNK = 256


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def bench_young(n, rng):
    """B4: see bench/refgc_bench_b45.c for the workload."""
    pauses = []
    cpu = [0]
    coll = [0, 0, 0]
    start = [0, 0]

    def callback(phase, info):
        if phase == "start":
            start[0] = time.perf_counter_ns()
            start[1] = time.thread_time_ns()
        else:
            pauses.append(time.perf_counter_ns() - start[0])
            cpu[0] += time.thread_time_ns() - start[1]
            coll[info["generation"]] += 1

    kept = []
    gc.collect()
    gc.set_threshold(700, 10, 10)
    base = peak = rss_bytes()
    gc.callbacks.append(callback)
    gc.enable()
    t0 = time.perf_counter_ns()
    for c in range(0, n, YOUNG_CHUNK):
        m = min(YOUNG_CHUNK, n - c)
        objs = [Node() for _ in range(m)]
        for j in range(m):
            o = objs[j]
            o.append(objs[j - j % 4] if j % 4 == 3 or j == m - 1
                     else objs[j + 1])
            if kept:
                o.append(kept[rng.next() % len(kept)])
            if rng.next() % 100 == 0:
                kept.append(o)
        del objs, o
        if c % (16 * YOUNG_CHUNK) == 0:
            peak = max(peak, rss_bytes())
    wall = time.perf_counter_ns() - t0
    gc.disable()
    gc.callbacks.remove(callback)
    peak = max(peak, rss_bytes())
    end_objects = sum(1 for x in gc.get_objects() if type(x) is Node)
    pauses.sort()
    rec = {"system": "cpython", "bench": "B4", "shape": "young", "n": n,
           "python": PYTHON,
           "collections": coll, "end_objects": end_objects,
           "wall_ns_per_object": round(wall / n, 1),
           "metrics": {
               "gc ns/obj": round(sum(pauses) / n, 1),
               "gc cpu ns/obj": round(cpu[0] / n, 1),
               "max pause us": round(pauses[-1] / 1e3, 1) if pauses else 0,
               "p99 pause us": round(pauses[len(pauses) * 99 // 100] / 1e3, 1)
               if pauses else 0,
               "peak MB": round((peak - base) / 1e6, 2)}}
    print(json.dumps(rec, separators=(",", ":")), flush=True)


def bench_memory(n, rng):
    """B5: tracemalloc bytes per Node and per reference, 2 refs each."""
    tracemalloc.start()
    m0 = tracemalloc.get_traced_memory()[0]
    objs = [None] * n
    m1 = tracemalloc.get_traced_memory()[0]
    for i in range(n):
        objs[i] = Node()
    m2 = tracemalloc.get_traced_memory()[0]
    for i in range(2 * n):
        objs[i // 2].append(objs[rng.next() % n])
    m3 = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    rec = {"system": "cpython", "bench": "B5", "shape": "random", "n": n,
           "python": PYTHON,
           "getsizeof_plus_gc_header": sys.getsizeof(Node()) + 16,
           "holder_list_bytes": m1 - m0,
           "metrics": {"B/object": round((m2 - m1) / n, 1),
                       "B/ref": round((m3 - m2) / (2 * n), 2),
                       "real B/object": round((m3 - m1) / n, 1)}}
    print(json.dumps(rec, separators=(",", ":")), flush=True)


def main():
    shape = sys.argv[1] if len(sys.argv) > 1 else "random"
    n = int(sys.argv[2], 0) if len(sys.argv) > 2 else 100000
    seed = int(sys.argv[3], 0) if len(sys.argv) > 3 else 42
    # The interpreter's own objects (modules, functions...) move to the
    # permanent generation, so that collections see only the benchmark's
    # objects, as refgc's arena holds only them.
    gc.disable()
    gc.collect()
    gc.freeze()
    if shape in ("young", "memory"):
        gc.disable()
        fn = bench_young if shape == "young" else bench_memory
        fn(n, SplitMix64(seed))
        return
    edge_list = edges(shape, n, SplitMix64(seed))

    objs, secs = build(n, edge_list)
    report("B3", shape, n, secs, n, batch=0)
    del objs
    gc.collect()

    # B1 and B1R: full collection, everything live, held by one list (in
    # CPython both are this; refgc's B1 holds a handle on each object,
    # its B1R one root container, like this list).
    for bench in ("B1", "B1R"):
        objs, _ = build(n, edge_list)
        t0 = time.perf_counter()
        gc.collect()
        report(bench, shape, n, time.perf_counter() - t0, n, collected=0)
        if bench == "B1":
            del objs
            gc.collect()

    # B2: everything garbage: drop every reference, then collect.
    del objs
    t0 = time.perf_counter()
    collected = gc.collect()
    report("B2", shape, n, time.perf_counter() - t0, n, collected=collected)


if __name__ == "__main__":
    main()
