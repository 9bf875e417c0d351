#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""cpython_bench.py - the CPython side of `make bench`.

Builds the same graphs as bench/refgc_bench.c (same shapes, same
splitmix64 stream, same seed) out of lists of a list subclass with
__slots__ = (), and times construction and full collections with gc
disabled, as refgc_bench does with threshold0 = 0.  Prints one JSON object
per measurement.

usage: cpython_bench.py SHAPE N [SEED]
"""
import gc
import json
import sys
import time

MASK = (1 << 64) - 1


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
    out = []
    for i in range(n):
        if shape == "random":
            out.append((i, rng.next() % n))
            out.append((i, rng.next() % n))
        elif shape == "ring":
            out.append((i, (i + 1) % n))
        elif shape == "chain":
            if i + 1 < n:
                out.append((i, i + 1))
        elif shape == "tree":
            if 2 * i + 1 < n:
                out.append((i, 2 * i + 1))
            if 2 * i + 2 < n:
                out.append((i, 2 * i + 2))
        else:
            sys.exit(f"cpython_bench: unknown shape {shape}")
    return out


def build(n, edge_list):
    t0 = time.perf_counter()
    objs = [Node() for _ in range(n)]
    for s, d in edge_list:
        objs[s].append(objs[d])
    return objs, time.perf_counter() - t0


def report(bench, shape, n, secs, objects, **extra):
    rec = {"system": "cpython", "bench": bench, "shape": shape, "n": n,
           "ns_per_object": round(secs * 1e9 / objects, 1)}
    rec.update(extra)
    print(json.dumps(rec, separators=(",", ":")), flush=True)


def main():
    shape = sys.argv[1] if len(sys.argv) > 1 else "random"
    n = int(sys.argv[2], 0) if len(sys.argv) > 2 else 100000
    seed = int(sys.argv[3], 0) if len(sys.argv) > 3 else 42
    edge_list = edges(shape, n, SplitMix64(seed))
    gc.disable()
    gc.collect()

    objs, secs = build(n, edge_list)
    report("B3", shape, n, secs, n, batch=0)
    del objs
    gc.collect()

    # B1: full collection, everything live.
    objs, _ = build(n, edge_list)
    t0 = time.perf_counter()
    gc.collect()
    report("B1", shape, n, time.perf_counter() - t0, n, collected=0)

    # B2: everything garbage: drop every reference, then collect.
    del objs
    t0 = time.perf_counter()
    collected = gc.collect()
    report("B2", shape, n, time.perf_counter() - t0, n, collected=collected)


if __name__ == "__main__":
    main()
