#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""pty-run.py - owned by the refgc runners' tests (test-vm-run.sh).

Usage: pty-run.py WAIT TEXT -- CMD [ARGS...]

Runs CMD on a new pseudo-terminal (the way a user runs `vm-run -i`),
waits until CMD's output shows WAIT, types TEXT, waits for CMD to end,
then prints everything the terminal showed and exits with CMD's status
(124 if WAIT never came or CMD did not end; 300 s each)."""
import os
import pty
import select
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        sys.stderr.write(__doc__)
        return 2
    wait, text, cmd = sys.argv[1].encode(), sys.argv[2], sys.argv[4:]
    master, slave = pty.openpty()
    p = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave,
                         start_new_session=True)
    os.close(slave)
    shown, typed, rc = b"", False, 124
    deadline = time.time() + 300
    while time.time() < deadline:
        if select.select([master], [], [], 0.5)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:         # EIO: CMD closed the terminal
                chunk = b""
            if not chunk:
                break
            shown += chunk
        if not typed and wait in shown:
            time.sleep(0.5)
            os.write(master, text.encode())
            typed = True
            deadline = time.time() + 300
    try:
        rc = p.wait(timeout=max(1, deadline - time.time()))
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    os.close(master)
    sys.stdout.write(shown.decode(errors="replace").replace("\r", ""))
    return rc if typed else 124


if __name__ == "__main__":
    sys.exit(main())
