#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""demo_abi.py - the raw refgc ABI from Python, for `make demo`.

Opens an arena, shows the ABI version, builds objects and prints their
refcounts, then shows the seeds' a <-> b cycle surviving refcounting and
being collected by REFGC_IOC_COLLECT.  Uses only fcntl.ioctl and struct.
"""
import fcntl
import os
import struct

MAGIC = 0xB9
IOC_WRITE, IOC_READ = 1, 2


def ioc(direction, nr, size):
    return (direction << 30) | (size << 16) | (MAGIC << 8) | nr


VERSION = ioc(IOC_READ, 0x00, 24)
TYPE_REGISTER = ioc(IOC_READ | IOC_WRITE, 0x01, 40)
OP = ioc(IOC_READ | IOC_WRITE, 0x03, 56)
GET_MEMORY = ioc(IOC_READ, 0x08, 48)
COLLECT = ioc(IOC_READ | IOC_WRITE, 0x23, 40)
OP_NEW, OP_DECREF, OP_LINK, OP_GET_INFO = 1, 3, 4, 12
OP_FMT = "=IIQQQQQiI"
INFO_FMT = "=QIIQQQQiI"


class Arena:
    def __init__(self):
        self.fd = os.open("/dev/refgc", os.O_RDWR)
        self.names = {}

    def ioctl(self, cmd, buf):
        buf = bytearray(buf)
        ret = fcntl.ioctl(self.fd, cmd, buf, True)
        return ret, buf

    def op(self, code, oid=0, arg=0, arg2=0, addr=0):
        buf = struct.pack(OP_FMT, code, 0, oid, arg, arg2, addr, 0, 0, 0)
        _, out = self.ioctl(OP, buf)
        return struct.unpack(OP_FMT, out)[6]

    def type(self, name):
        _, out = self.ioctl(TYPE_REGISTER,
                            struct.pack("=II32s", 0, 0, name.encode()))
        return struct.unpack("=II32s", out)[0]

    def new(self, tid, label, payload=0):
        oid = self.op(OP_NEW, arg=tid, arg2=payload)
        self.names[oid] = label
        return oid

    def info(self, oid):
        buf = bytearray(struct.calcsize(INFO_FMT))
        addr = (ctypes_addr(buf))
        self.op(OP_GET_INFO, oid, 0, len(buf), addr)
        return struct.unpack(INFO_FMT, buf)

    def memory(self):
        _, out = self.ioctl(GET_MEMORY, bytes(48))
        return struct.unpack("=6Q", out)

    def collect(self, gen=2):
        ret, out = self.ioctl(COLLECT, struct.pack("=iI4Q", gen, 0, 0, 0, 0, 0))
        return ret, struct.unpack("=iI4Q", out)


def ctypes_addr(buf):
    import ctypes
    return ctypes.addressof(ctypes.c_char.from_buffer(buf))


def show(arena, oid):
    try:
        i = arena.info(oid)
    except OSError as e:
        print(f"  {arena.names[oid]:>2}: freed ({os.strerror(e.errno)})")
        return
    print(f"  {arena.names[oid]:>2}: id {i[0]}, refcount {i[3]}, handles {i[4]},"
          f" slots {i[5]}, generation {i[7]}")


def main():
    a = Arena()
    _, v = a.ioctl(VERSION, bytes(24))
    abi, max_batch, features = struct.unpack("=IIQ8x", v)
    print(f"refgc ABI version {abi}, features {features:#x}, max batch {max_batch}")

    lst = a.type("list")
    print("\n# a = list(); b = list(); a.append(b)")
    x, y = a.new(lst, "a", 4096), a.new(lst, "b")
    a.op(OP_LINK, x, y)
    show(a, x), show(a, y)
    objects, nbytes = a.memory()[:2]
    print(f"  arena: {objects} objects, {nbytes} bytes")

    print("\n# del a   (refcounting frees a at once; b loses a reference)")
    a.op(OP_DECREF, x)
    show(a, x), show(a, y)
    a.op(OP_DECREF, y)

    print("\n# a <-> b: a.append(b); b.append(a); del a, b")
    x, y = a.new(lst, "a"), a.new(lst, "b")
    a.op(OP_LINK, x, y)
    a.op(OP_LINK, y, x)
    a.op(OP_DECREF, x)
    a.op(OP_DECREF, y)
    print("  after del: refcounting cannot free the cycle")
    show(a, x), show(a, y)
    ret, c = a.collect(2)
    print(f"\n# gc.collect() -> {ret}   (collected {c[2]}, uncollectable {c[3]},"
          f" visited {c[4]}, {c[5]} ns)")
    show(a, x), show(a, y)
    print(f"  arena: {a.memory()[0]} objects")
    os.close(a.fd)


if __name__ == "__main__":
    main()
