# SPDX-License-Identifier: GPL-2.0
"""objgraph's helpers over an arena, with the seeds' _cache leak: found
with show_growth, explained with find_backref_chain, drawn with
show_backrefs."""
import io
import os
import shutil

import pytest

from envs import refgc

if refgc is not None:
    from refgc import objgraph


def test_cache_leak_found(arena):
    class Handler(arena.Object):
        pass
    _cache = arena.Object()
    _cache.name = "_cache"
    objgraph.show_growth(arena, file=io.StringIO())     # the baseline

    def handle(i):
        h = Handler()
        h.name = "h%d" % i
        _cache.append(h)
    for i in range(10):
        handle(i)
    out = io.StringIO()
    rows = objgraph.show_growth(arena, file=out)
    assert rows == [("Handler", 10, 10)]
    assert out.getvalue().split() == ["Handler", "10", "+10"]
    assert objgraph.show_growth(arena, file=io.StringIO()) == []
    assert objgraph.count(arena, "Handler") == 10
    assert objgraph.most_common_types(arena, 1) == [("Handler", 10)]
    h = _cache[3]
    assert objgraph.find_backref_chain(h) == [_cache, h]
    assert objgraph.find_backref_chain(
        h, lambda o: getattr(o, "name", "") == "_cache") == [_cache, h]


def test_chain_without_root(arena):
    a, b = arena.Object(), arena.Object()
    a.append(b)
    b.append(a)
    ra = refgc.ref(a)
    del a
    # b's only referrer is a, which Python does not hold: no root.
    assert objgraph.find_backref_chain(b) == [b]
    del ra


def test_show_refs_and_backrefs(arena, tmp_path):
    a, b, c = arena.Object(), arena.Object(), arena.Object()
    a.name = "a"
    a.append(b)
    b.append(c)
    dot = objgraph.show_refs(a, str(tmp_path / "refs.dot"))
    assert (tmp_path / "refs.dot").read_text() == dot
    assert dot.count("->") == 2 and "a\\n(held)" in dot
    dot = objgraph.show_backrefs([c], str(tmp_path / "back.dot"),
                                 max_depth=1)
    assert dot.count("->") == 1
    if shutil.which("dot") is None:
        pytest.skip("no Graphviz dot")
    objgraph.show_backrefs(c, str(tmp_path / "back.png"))
    assert (tmp_path / "back.png").read_bytes()[:4] == b"\x89PNG"
