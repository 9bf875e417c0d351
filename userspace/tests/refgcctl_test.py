#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""refgcctl_test.py - tests of refgcctl and librefgc, run inside the VM.

Needs /dev/refgc (refgc.ko loaded), root for the debugfs tests, and
graphviz `dot` for the DOT tests (skipped without it).  Checks every
command of the script language in --json mode (test_script.py), the
__del__ and callback bodies (test_finalize.py), the
examples, the README's and refgcctl(1)'s examples (test_docs.py), `refgcctl unreachable` against a BFS oracle, and the debugfs
files and control file (test_tools.py), `arenas` and `-a ID`: their
JSON keys and their errors (test_arenas.py), and that refgcctl(1)
covers every command of the tool (test_docs.py).  The last line is
"refgcctl: N passed, M failed, K skipped".

Usage: refgcctl_test.py [--quick|--full] BUILD_DIR  (normally through ./run)
"""
import os
import shutil
import sys

sys.dont_write_bytecode = True
import test_cli as c  # noqa: E402
import test_docs as docs  # noqa: E402
import test_finalize as fz  # noqa: E402
import test_script as s  # noqa: E402
import test_tools as t  # noqa: E402
import test_arenas as ar  # noqa: E402
from common import TMP, counts, ok, skip, unversioned, watchdog  # noqa: E402


def main():
    # Normally 40 s on the debug UML kernel: a run that takes this long
    # is stuck, and says where before the VM's own timeout hides it.
    watchdog(int(os.environ.get("REFGC_TEST_DEADLINE", "1200")))
    c.test_check()      # needs no device: runs on the host too
    c.test_without_device()  # hides /dev/refgc where it exists
    docs.test_man_pages()   # the same
    ar.test_fake_debugfs()  # the same
    if not os.path.exists("/dev/refgc"):
        skip("all", "/dev/refgc missing")
    else:
        for f in [s.test_json_shape, s.test_types_objects,
                  s.test_links_refcounts, s.test_collector_cmds,
                  s.test_garbage_legacy_events, s.test_print,
                  s.test_weakref_deref, fz.test_del_bodies,
                  fz.test_callback_bodies, fz.test_body_errors,
                  fz.test_nesting_text,
                  s.test_events_overflow, s.test_repeat,
                  s.test_repeat_million, s.test_objgraph,
                  s.test_objgraph_more, s.test_dot,
                  s.test_errors_text_mode, c.test_run_parses_first,
                  c.test_aliases, c.test_shell_tty, t.test_examples,
                  docs.test_readme, docs.test_man_examples,
                  t.test_unreachable, t.test_debugfs, ar.test_arenas,
                  docs.test_man_covers_commands]:
            try:
                f()
            except Exception as e:      # a crash is one failure, go on
                ok("%s ran to the end" % f.__name__, False, repr(e))
    ok("json: every record of every --json run has \"v\": 1",
       not unversioned, unversioned[:3])
    shutil.rmtree(TMP, ignore_errors=True)
    print("refgcctl: %d passed, %d failed, %d skipped" %
          (counts["pass"], counts["fail"], counts["skip"]))
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
