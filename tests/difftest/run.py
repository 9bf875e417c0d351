#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# tests/difftest/run.py - owned by the CPython differential test.  Runs
# inside the guest (scripts/difftest boots it): for each random scenario
# of gen.py, runs the script with `refgcctl run --json`, runs the Python
# translation (rt.py) in this interpreter (rt.begin() isolates it), normalizes
# both to trace lines and compares them.  A disagreement prints the seed,
# the index, both programs and the first differing line; a scenario
# whose disagreements all match entries of known.py is counted as skipped
# and they are named.
# Not compared, deliberately: ids, visited, durations (not CPython's),
# gc_start/gc_stop records, the order of the labels in a list (sorted).
# Last line: "difftest: N passed, M failed, K skipped".
import argparse
import gc
import json
import os
import subprocess
import sys
import time
import traceback

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import gen    # noqa: E402
import known  # noqa: E402
import rt     # noqa: E402

TEXT = {'count': 'count', 'threshold': 'threshold'}


def ktrace(s, records):
    """The normalized trace of refgcctl's JSON records."""
    out = []
    last = 0
    texts = []          # body prints not yet given an op
    for r in records:
        line = r.get('line', 0)
        cmd = r.get('cmd')
        if 'in' in r:
            # A __del__ or callback body's command (--bodies): it prints
            # its own record, line = the body's definition.  Its prints
            # are events of the op that ran the body: the collect they
            # come before, or the command they come after.
            if cmd == 'print' and r.get('ok'):
                texts.append(r['text'])
            elif not r.get('ok'):
                # CPython's "Exception ignored in": no CPython body fails
                texts.append('!ignored in %s: %s %s' % (
                    r['in'], cmd, r.get('errno')))
            continue
        if texts:
            at = line if cmd == 'collect' and line not in s.internal \
                else last
            out.extend('L%d   text %s' % (at, t) for t in texts)
            texts = []
        if line not in s.internal and line:
            last = line
        line = last

        def o(t):
            out.append('L%d %s' % (line, t))
        if not r.get('ok'):
            o('error %s %s' % (cmd, r.get('errno')))
            continue
        if cmd == 'collect':
            o('collect %d %d %d %d' % (r['generation'], r['unreachable'],
                                       r['collected'], r['uncollectable']))
        elif cmd in TEXT:
            o('%s %s' % (cmd, ' '.join(str(x) for x in r[TEXT[cmd]])))
        elif cmd == 'stats':
            for g, x in enumerate(r['stats']):
                o('stats %d %d %d %d' % (g, x['collections'], x['collected'],
                                         x['uncollectable']))
        elif cmd == 'garbage':
            t = ' '.join(sorted(str(d['label']) for d in r['garbage']))
            if 'cleared' in r:
                o('garbage clear %d [%s]' % (r['cleared'], t))
            else:
                o('garbage [%s]' % t)
        elif cmd == 'referrers':
            o('referrers [%s]' % ' '.join(sorted(str(d['label'])
                                                 for d in r['referrers'])))
        elif cmd == 'getrefcount':
            o('refcount %d' % r['refcount'])
        elif cmd == 'objects':
            g = s.objgen.get(line, 'all')
            o('objects %s [%s]' % (g, ' '.join(sorted(
                str(d['label']) for d in r['objects']))))
        elif cmd == 'is_tracked':
            o('is_tracked %d' % r['tracked'])
        elif cmd == 'is_finalized':
            o('is_finalized %d' % r['finalized'])
        elif cmd in ('freeze', 'unfreeze', 'freeze_count'):
            o('freeze_count %d' % r['freeze_count'])
        elif cmd == 'deref':
            o('deref alive %s' % r['object']['label'] if r['alive']
              else 'deref dead')
        elif cmd == 'print':
            o('text ' + r['text'])
        for e in r.get('events', ()):
            if e['type'] == 'finalize':
                o('  fin %s' % e['object']['label'])
            elif e['type'] == 'weakref':
                o('  cb %s' % e['weakref'])
            elif e['type'] == 'text':
                o('  text %s' % e['text'])
            elif e['type'] == 'overflow':
                o('  overflow')
    out.extend('L%d   text %s' % (last, t) for t in texts)
    return normal(out)


def normal(trace):
    """Each op's lines, then its events: finalizers and callbacks in the
    order they ran, then what their bodies printed, in order (refgcctl
    prints a body's records apart from the events)."""
    ops = {}
    for x in trace:
        head, _, rest = x.partition(' ')
        ev = rest.startswith('  ')
        k = 2 if rest.startswith('  text ') else 1 if ev else 0
        ops.setdefault(head, ([], [], []))[k].append(x)
    return [x for g in ops.values() for part in g for x in part]


def run_kernel(ctl, path):
    p = subprocess.run([ctl, 'run', '--json', path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    recs = []
    if p.returncode:
        recs.append({'ok': False, 'cmd': 'exit', 'errno': p.returncode})
    for ln in p.stderr.splitlines():
        if not ln.startswith('Exception ignored in'):   # the JSON has it
            recs.append({'ok': False, 'cmd': 'stderr', 'errno': repr(ln)})
    for ln in p.stdout.splitlines():
        try:
            recs.append(json.loads(ln))
        except ValueError:
            recs.append({'ok': False, 'cmd': 'output', 'errno': repr(ln)})
    return recs


G = dict(rt.__dict__)


def run_python(code):
    """Run the translation in this interpreter; return its trace lines.
    The scenario's names live in G, which rt.begin() empties of
    rt.SCENARIO_NAMES (gen.NAMES, gen.WNAMES) before the next one."""
    c = compile(code.replace('end()', 'end(True)'), 'prog.py', 'exec')
    try:
        exec(c, G)
    except BaseException:
        rt.end(True)
        return rt._out + ['L0 python-exception'] + \
            traceback.format_exc().splitlines()
    return list(rt._out)


def standalone(code):
    return ('import sys\nsys.path.insert(0, %r)\nfrom rt import *  # noqa\n'
            % here) + code


def attempt(s, a):
    """Run scenario s both ways: (script, python, kernel trace, cpython
    trace, known-open names met, index of the first difference)."""
    rgc = ''.join(x + '\n' for x in s.rgc)
    code = ''.join(x + '\n' for x in s.py)
    path = os.path.join(a.dir, 's.rgc')
    with open(path, 'w') as f:
        f.write(rgc)
    kt = ktrace(s, run_kernel(a.ctl, path))
    pt = normal(run_python(code))
    kn = []
    n = 0
    while kt != pt:
        n = next((j for j in range(min(len(kt), len(pt)))
                  if kt[j] != pt[j]), min(len(kt), len(pt)))
        k = known.match(s, rgc, kt, pt, n)
        if not k or len(kn) > 50:
            break
        kn.append(k)
        kt = known.patch(kt, pt, n, k)
    return rgc, code, kt, pt, kn, n


def what(t, n):
    return t[n].split()[1] if n < len(t) else '<end>'


def reduce(s, a):
    """Drop ops while the scenario still disagrees the same way (the same
    kinds of first differing lines); print what is left."""
    rgc, code, kt, pt, kn, n = attempt(s, a)
    sig = (what(kt, n), what(pt, n))
    changed = True
    while changed:
        changed = False
        for j in range(len(s.units) - 1, -1, -1):
            u = s.units.pop(j)
            s.assemble()
            r = attempt(s, a)
            bad = any(' error ' in x for x in r[2]) or \
                any('python-exception' in x for x in r[3])
            if r[2] != r[3] and not bad and \
                    (what(r[2], r[5]), what(r[3], r[5])) == sig:
                changed = True
            else:
                s.units.insert(j, u)
    s.assemble()
    rgc, code, kt, pt, kn, n = attempt(s, a)
    print('# reduced: %d ops\n# --- refgcctl script\n%s# --- python\n%s'
          '# --- kernel trace\n%s\n# --- cpython trace\n%s' % (
              len(s.units), rgc, standalone(code), '\n'.join(kt),
              '\n'.join(pt)))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--seed', default=None)
    ap.add_argument('--count', type=int, default=300)
    ap.add_argument('--only', type=int, default=None,
                    help='run scenario INDEX of the seed only')
    ap.add_argument('--bodies', choices=('auto', 'on', 'off'),
                    default='auto', help='finalizer and callback bodies '
                    '(refgcctl def); auto: if refgcctl knows def')
    ap.add_argument('--ctl', default=os.path.join(
        here, '..', '..', 'build', 'userspace', 'refgcctl'))
    ap.add_argument('--dir', default='/tmp/difftest')
    ap.add_argument('--max-fail', type=int, default=3,
                    help='stop after this many disagreements shown')
    ap.add_argument('--reduce', action='store_true',
                    help='reduce each disagreement shown to a minimal one')
    ap.add_argument('--show', action='store_true',
                    help='print every scenario and trace')
    a = ap.parse_args()
    if a.bodies == 'auto':
        p = subprocess.run([a.ctl, 'check', '-'], input='type F finalizer\n'
                           'def F.__del__: pass\n', text=True,
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        a.bodies = 'on' if p.returncode == 0 else 'off'
    a.bodies = a.bodies == 'on'
    seed = a.seed if a.seed is not None else str(int(time.time()))
    print('difftest: seed %s, %d scenarios%s' % (
        seed, a.count, ' (bodies)' if a.bodies else ''), flush=True)
    legacy_ok = rt._testcapi is not None
    if not legacy_ok:
        print('# no _testcapi: legacy scenarios skipped')
    os.makedirs(a.dir, exist_ok=True)
    gc.collect()
    passed = failed = skipped = 0
    kinds = {}
    cover = {}          # what the CPython traces observed, by kind
    hits = {}
    t0 = time.time()
    idx = [a.only] if a.only is not None else range(a.count)
    for i in idx:
        s = gen.scenario(seed, i, legacy_ok=legacy_ok, bodies=a.bodies)
        kinds[s.kind] = kinds.get(s.kind, 0) + 1
        rgc, code, kt, pt, kn, n = attempt(s, a)
        for x in pt:
            w = x.split()
            k = w[1] + (' ' + w[2] if w[1] in ('collect', 'is_finalized',
                                               'deref', 'objects') else '')
            cover[k] = cover.get(k, 0) + 1
        if a.show:
            print('--- scenario %d (%s)\n%s--- python\n%s--- kernel\n%s\n'
                  '--- cpython\n%s' % (i, s.kind, rgc, code, '\n'.join(kt),
                                       '\n'.join(pt)))
        if kt == pt and not kn:
            passed += 1
            continue
        if kt == pt:
            skipped += 1
            for k in set(kn):
                hits[k] = hits.get(k, 0) + 1
            continue
        kl = kt[n] if n < len(kt) else '<end>'
        pl = pt[n] if n < len(pt) else '<end>'
        failed += 1
        if failed > a.max_fail:
            print('not ok - seed %s scenario %d (%s): line %d: kernel %r, '
                  'cpython %r' % (seed, i, s.kind, n + 1, kl, pl))
        else:
            with open(os.path.join(a.dir, 'fail-%d.rgc' % i), 'w') as f:
                f.write(rgc)
            with open(os.path.join(a.dir, 'fail-%d.py' % i), 'w') as f:
                f.write(standalone(code))
            print('not ok - seed %s scenario %d (%s): first difference at '
                  'trace line %d\n#  kernel:  %s\n#  cpython: %s'
                  % (seed, i, s.kind, n + 1, kl, pl))
            print('# --- refgcctl script\n' + rgc + '# --- python\n' + code +
                  '# --- kernel trace\n' + '\n'.join(kt) +
                  '\n# --- cpython trace\n' + '\n'.join(pt))
            if a.reduce:
                reduce(s, a)
    dt = time.time() - t0
    print('# kinds: %s; %.1f s (%.1f ms/scenario)' % (
        ', '.join('%s %d' % kv for kv in sorted(kinds.items())), dt,
        1000 * dt / max(1, len(idx))))
    print('# observed: ' + ', '.join('%s %d' % kv for kv in
                                     sorted(cover.items())))
    for k, n in sorted(hits.items()):
        print('# known open %s: %d scenarios (%s)' % (k, n, known.WHY[k]))
    if failed:
        print('# reproduce: tests/difftest/run.py --seed %s --only INDEX '
              '--show' % seed)
    print('difftest: %d passed, %d failed, %d skipped' %
          (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
