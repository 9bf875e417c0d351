# SPDX-License-Identifier: GPL-2.0
"""The differential harness: every scenario runs once over refgc and once
over plain Python with the real gc module; their observations must be
equal, and equal to what CPython 3.11 is known to give."""
import pytest

import scenarios
from conftest import make_env


def run(kind, sc):
    env = make_env(kind)
    try:
        return sc(env)
    finally:
        env.close()


ids = [sc.__name__ for sc in scenarios.SCENARIOS]


@pytest.mark.parametrize("sc", scenarios.SCENARIOS, ids=ids)
@pytest.mark.parametrize("kind", ["python", "refgc"])
def test_scenario(kind, sc):
    got = run(kind, sc)
    if sc.__name__ in scenarios.EXPECTED:
        assert got == scenarios.EXPECTED[sc.__name__]


@pytest.mark.parametrize("sc", scenarios.SCENARIOS, ids=ids)
def test_same_in_both(sc):
    py = run("python", sc)
    rg = run("refgc", sc)
    assert rg == py
