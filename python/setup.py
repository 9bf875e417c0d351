# python/setup.py - the C extension refgc._refgc, with librefgc compiled in
# (src/lib.c includes ../userspace/lib/*.c): no runtime dependency on an
# installed librefgc, only on the device.  Metadata is in pyproject.toml.
import os

from setuptools import Extension, setup

here = os.path.dirname(os.path.abspath(__file__))
top = os.path.dirname(here)

with open(os.path.join(top, "VERSION")) as f:
    version = f.read().strip()

setup(
    version=version,
    ext_modules=[
        Extension(
            "refgc._refgc",
            sources=["src/_refgc.c", "src/types.c", "src/calls.c",
                     "src/lib.c"],
            include_dirs=[os.path.join(top, "uapi"),
                          os.path.join(top, "userspace", "lib")],
            define_macros=[("_GNU_SOURCE", None)],
            extra_compile_args=["-std=gnu11", "-Wall", "-Wno-unused-parameter",
                                "-fvisibility=hidden"],
            depends=[os.path.join(top, "userspace", "lib", n) for n in
                     ("librefgc.c", "gc.c", "batch.c", "events.c",
                      "librefgc.h", "internal.h")] +
                    [os.path.join(top, "uapi", "linux", "refgc.h"),
                     os.path.join(here, "src", "_refgc.h")],
        )
    ],
)
