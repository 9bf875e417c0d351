# SPDX-License-Identifier: GPL-2.0
"""objgraph's helpers over an arena: count, typestats, most_common_types,
show_growth, find_backref_chain, show_refs and show_backrefs.

This file owns those helpers.  They read the kernel's lists and slots by
id, and make wrappers (handles) only for what they return, so that
looking does not change what is looked at.  A root, for
find_backref_chain, is an object Python holds: one with a live wrapper
when the search starts.
"""
import collections
import os
import subprocess
import sys

from . import _refgc

__all__ = ["count", "typestats", "most_common_types", "growth",
           "show_growth", "find_backref_chain", "show_refs",
           "show_backrefs"]


def _tracked(arena):
    fd = arena._fdno()
    for g in (0, 1, 2):
        yield from _refgc.list(fd, _refgc.LIST_OBJECTS, g)


def _type_name(arena, tid):
    cls = arena._types.get(tid)
    if cls is not None:
        return cls.__name__
    return "weakref" if tid == _refgc.TYPE_WEAKREF_ID else "type%d" % tid


def typestats(arena):
    """{type name: number of tracked objects}, as objgraph.typestats()."""
    c = collections.Counter(_type_name(arena, e[1]) for e in _tracked(arena))
    return dict(c)


def count(arena, typename):
    """Tracked objects of the type named typename, as objgraph.count()."""
    return typestats(arena).get(typename, 0)


def most_common_types(arena, limit=10):
    """[(name, count)], the most common first, as objgraph's."""
    stats = sorted(typestats(arena).items(), key=lambda kv: (-kv[1], kv[0]))
    return stats[:limit] if limit else stats


def growth(arena, limit=10, peak_stats=None):
    """[(name, count, increase)] of the types whose count grew above their
    peak since the last call (the arena keeps the peaks unless
    peak_stats is given), as objgraph.growth()."""
    if peak_stats is None:
        peak_stats = arena.__dict__.setdefault("_peak_stats", {})
    out = []
    for name, n in typestats(arena).items():
        old = peak_stats.get(name, 0)
        if n > old:
            out.append((name, n, n - old))
            peak_stats[name] = n
    out.sort(key=lambda t: (-t[2], t[0]))
    return out[:limit] if limit else out


def show_growth(arena, limit=10, peak_stats=None, file=None):
    """Print growth(): one "name  count  +increase" line per type."""
    rows = growth(arena, limit, peak_stats)
    f = file or sys.stdout
    width = max([len(r[0]) for r in rows] + [0])
    for name, n, d in rows:
        f.write("%-*s %9d %+9d\n" % (width, name, n, d))
    return rows


def find_backref_chain(obj, predicate=None, max_depth=20):
    """The shortest chain [root, ..., obj] of slot references leading to
    obj from an object that satisfies predicate (default: one Python
    holds), as objgraph.find_backref_chain(); [obj] if there is none."""
    arena = obj._arena
    fd = arena._fdno()
    held = set(arena._wrappers.keys()) - {obj.oid}

    def is_root(oid):
        if predicate is None:
            return oid in held
        return predicate(arena._wrap(oid))
    parent = {obj.oid: None}
    queue = collections.deque([(obj.oid, 0)])
    while queue:
        oid, depth = queue.popleft()
        if oid != obj.oid and is_root(oid):
            chain = []
            while oid is not None:
                chain.append(arena._wrap(oid))
                oid = parent[oid]
            return chain
        if depth >= max_depth:
            continue
        for r in _refgc.get_referrers(fd, oid):
            if r not in parent:
                parent[r] = oid
                queue.append((r, depth + 1))
    return [obj]


def _label(arena, oid):
    w = arena._wrappers.get(oid)
    name = arena._dicts.get(oid, {}).get("name")
    tid = _refgc.info(arena._fdno(), oid)[1]
    s = "%s #%d" % (_type_name(arena, tid), oid)
    return s + ("\\n%s" % name if isinstance(name, str) else "") + \
        ("" if w is None else "\\n(held)")


def _graph(objs, filename, max_depth, back):
    arena = objs[0]._arena
    fd = arena._fdno()
    seen = {o.oid: 0 for o in objs}
    queue = collections.deque(seen)
    edges = []
    while queue:
        oid = queue.popleft()
        if seen[oid] >= max_depth:
            continue
        nxt = _refgc.get_referrers(fd, oid) if back else \
            _refgc.get_slots(fd, oid)
        for n in nxt:
            edges.append((n, oid) if back else (oid, n))
            if n not in seen:
                seen[n] = seen[oid] + 1
                queue.append(n)
    lines = ["digraph refgc {", "  node [shape=box];"]
    for oid in seen:
        style = ', style=filled, fillcolor="#bbddff"' if seen[oid] == 0 \
            else ""
        lines.append('  o%d [label="%s"%s];' % (oid, _label(arena, oid),
                                                 style))
    lines += ["  o%d -> o%d;" % e for e in edges]
    lines.append("}")
    dot = "\n".join(lines) + "\n"
    ext = os.path.splitext(filename)[1].lower()
    if ext in (".png", ".svg", ".pdf"):
        subprocess.run(["dot", "-T" + ext[1:], "-o", filename],
                       input=dot.encode(), check=True)
    else:
        with open(filename, "w") as f:
            f.write(dot)
    return dot


def show_refs(objs, filename, max_depth=3):
    """What objs reference, through slots, as a graph: .dot written as
    DOT, .png, .svg or .pdf rendered by Graphviz.  Returns the DOT."""
    if not isinstance(objs, (list, tuple)):
        objs = [objs]
    return _graph(list(objs), filename, max_depth, back=False)


def show_backrefs(objs, filename, max_depth=3):
    """What references objs, through slots, as show_refs()."""
    if not isinstance(objs, (list, tuple)):
        objs = [objs]
    return _graph(list(objs), filename, max_depth, back=True)
