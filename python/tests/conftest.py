# SPDX-License-Identifier: GPL-2.0
"""pytest fixtures: `env` (one world of the differential harness) and
`arena` (a fresh refgc arena; skipped where /dev/refgc is absent)."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import envs  # noqa: E402


@pytest.fixture
def arena():
    if not envs.have_device():
        pytest.skip("no /dev/refgc (run in the VM: make check)")
    a = envs.refgc.Arena()
    yield a
    a.close()


def make_env(kind):
    if kind == "refgc" and not envs.have_device():
        pytest.skip("no /dev/refgc (run in the VM: make check)")
    return envs.ENVS[kind]()


@pytest.fixture(params=["python", "refgc"])
def env(request):
    e = make_env(request.param)
    yield e
    e.close()
