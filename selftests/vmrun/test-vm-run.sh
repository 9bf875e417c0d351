#!/usr/bin/env bash
# selftests/vmrun/test-vm-run.sh — owned by the refgc runners.
# Proves a runner (scripts/vm-run, or scripts/uml-run) catches kernel
# problems: builds the throwaway warn/warn_on_load.ko (and, with KASAN=1,
# kasan/kasan_oob.ko), then boots (a) a clean run (exit status, output,
# --rw write-back, REFGC_* env and cwd), (b) a run whose module WARN()s,
# (c) a hung command that must hit --timeout, (d) a cwd below /tmp, (f)
# -i on a pseudo-terminal (pty-run.py), and (e) with KASAN=1, a run whose module reads past a slab object.
# Prints TAP and a summary line "NAME: N passed, M failed, K skipped".
# Env: VM_RUN (runner, default scripts/vm-run), RUN_ARGS (its options,
# e.g. --debug --kernel TREE), KDIR (kernel build dir), KMAKE_ARGS (e.g.
# ARCH=um), KASAN=1, NAME (summary name, default vmrun).
set -euo pipefail

if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then
  echo "Usage: selftests/vmrun/test-vm-run.sh   (env: VM_RUN, RUN_ARGS, KDIR, KMAKE_ARGS, KASAN, NAME)"; exit 0
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
vmrun=${VM_RUN:-$repo/scripts/vm-run}
runner=$(basename "$vmrun")
name=${NAME:-vmrun}
# shellcheck disable=SC2206  # word lists
run_args=(${RUN_ARGS:-})
# shellcheck disable=SC2206
kmake_args=(${KMAKE_ARGS:-})
kasan=${KASAN:-0}
if [[ -z "${KDIR:-}" ]]; then
  KDIR=$(compgen -G '/usr/src/linux-headers-*-amd64' | sort -V | tail -n1 || true)
  [[ -n "$KDIR" ]] || KDIR=$(compgen -G '/lib/modules/*/build' | sort -V | tail -n1 || true)
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/refgc-vmrun-test.XXXXXX")
bgpid=""
cleanup() { [[ -n "$bgpid" ]] && kill "$bgpid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

pass=0 fail=0 n=0
ok()     { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; }
check()  { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
show()   { sed 's/^/# /' "$@"; }

echo "TAP version 13"
echo "1..$((13 + 2 * kasan))"

# (c) runs in the background while (a), (b) and (d) boot: it mostly sleeps.
start_c=$(date +%s)
(
  rc=0
  "$vmrun" "${run_args[@]}" --timeout 40 --no-module -- sleep 1000 >"$tmp/c.out" 2>"$tmp/c.err" || rc=$?
  date +%s >"$tmp/c.end"
  exit "$rc"
) &
bgpid=$!

# (a) clean boot: status passthrough, output, --rw, env, cwd.
mkdir -p "$tmp/share"
export REFGC_SELFTEST_TOKEN="a b'c\$d"
set +e
# shellcheck disable=SC2016  # the guest shell expands these
(cd "$repo" && "$vmrun" "${run_args[@]}" --no-module --rw "$tmp/share" -- sh -c '
  echo hello
  echo "token=$REFGC_SELFTEST_TOKEN cwd=$(pwd) home=$HOME"
  echo written-in-guest >"$1/out"
  exit 3' sh "$tmp/share") >"$tmp/a.out" 2>"$tmp/a.err"
rc_a=$?
set -e
check "clean boot: CMD exit status 3 passed through (got $rc_a)" test "$rc_a" -eq 3
check "clean boot: CMD output streamed (hello)" grep -qx hello "$tmp/a.out"
check "clean boot: --rw share written back to host" grep -qx written-in-guest "$tmp/share/out"
check "clean boot: REFGC_* env passed, cwd and HOME set" \
  grep -qxF "token=$REFGC_SELFTEST_TOKEN cwd=$repo home=/tmp" "$tmp/a.out"
if ((rc_a != 3)); then show "$tmp/a.out" "$tmp/a.err"; fi

# (b) module that WARN()s on load must fail the run.
# The modules build in a copy, so that runs for two kernels never share
# object files.
cp -r "$here/warn" "$here/kasan" "$tmp/"
ko=$tmp/warn/warn_on_load.ko
if ! make -C "$KDIR" "${kmake_args[@]}" M="$tmp/warn" modules >"$tmp/build.log" 2>&1; then
  show "$tmp/build.log"
  not_ok "build warn_on_load.ko (KDIR=$KDIR)"
  not_ok "WARN module: run fails"
  not_ok "WARN module: stderr names the WARNING"
else
  ok "build warn_on_load.ko (KDIR=$KDIR)"
  set +e
  "$vmrun" "${run_args[@]}" --module "$ko" -- true >"$tmp/b.out" 2>"$tmp/b.err"
  rc_b=$?
  set -e
  check "WARN module: run fails (got $rc_b)" test "$rc_b" -ne 0
  if grep -q "^$runner: kernel log: .*WARNING:" "$tmp/b.err" &&
     grep -q 'deliberate warning' "$tmp/b.err" &&
     grep -q "^$runner: FAIL: kernel log reported problems" "$tmp/b.err"; then
    ok "WARN module: stderr names the WARNING"
  else
    not_ok "WARN module: stderr names the WARNING"; show "$tmp/b.err"
  fi
fi

# (d) a cwd below the host's /tmp (a clone there) with a --rw share below
# it, as `make bench` from such a clone: both must be visible in the guest.
mkdir -p "$tmp/proj/out"
printf '#!/bin/sh\necho from-tmp-cwd >out/res\n' >"$tmp/proj/run.sh"
chmod +x "$tmp/proj/run.sh"
set +e
(cd "$tmp/proj" && "$vmrun" "${run_args[@]}" --no-module --rw "$tmp/proj/out" -- ./run.sh) \
  >"$tmp/d.out" 2>"$tmp/d.err"
rc_d=$?
set -e
check "cwd below /tmp: CMD found and run (got $rc_d)" test "$rc_d" -eq 0
check "cwd below /tmp: --rw share below it written back" \
  grep -qx from-tmp-cwd "$tmp/proj/out/res"
if ((rc_d != 0)); then show "$tmp/d.out" "$tmp/d.err"; fi

# (f) -i on a terminal: CMD's stdin and stdout are the host's terminal.
set +e
# shellcheck disable=SC2016  # the guest shell expands these
"$here/pty-run.py" ready $'hello\n' -- "$vmrun" "${run_args[@]}" -i --no-module -- \
  bash -c 'if [ -t 0 ] && [ -t 1 ]; then echo on-a-tty; fi
           echo ready; read -r x; echo "got:$x"; exit 4' >"$tmp/f.out" 2>&1
rc_f=$?
set -e
check "-i: CMD on a terminal, exit status passed through (got $rc_f)" \
  test "$rc_f" -eq 4
f_ok() { grep -qx on-a-tty "$tmp/f.out" && grep -qx got:hello "$tmp/f.out"; }
check "-i: stdin and stdout are a tty, typed text reaches CMD" f_ok
if ((rc_f != 4)); then show "$tmp/f.out"; fi

# (c) collect the hung run.
set +e
wait "$bgpid"
rc_c=$?
set -e
bgpid=""
dur_c=$(($(cat "$tmp/c.end" 2>/dev/null || date +%s) - start_c))
check "hung CMD: exit 124 (got $rc_c)" test "$rc_c" -eq 124
if grep -q "^$runner: TIMEOUT after 40 s" "$tmp/c.err" && ((dur_c <= 60)); then
  ok "hung CMD: TIMEOUT message within 60 s (took $dur_c s)"
else
  not_ok "hung CMD: TIMEOUT message within 60 s (took $dur_c s)"; show "$tmp/c.err"
fi

# (e) a slab out-of-bounds read on a KASAN kernel must fail the run.
if ((kasan)); then
  ko=$tmp/kasan/kasan_oob.ko
  if ! make -C "$KDIR" "${kmake_args[@]}" M="$tmp/kasan" modules >"$tmp/kbuild.log" 2>&1; then
    show "$tmp/kbuild.log"
    not_ok "build kasan_oob.ko (KDIR=$KDIR)"
    not_ok "KASAN module: run fails and stderr names the KASAN report"
  else
    ok "build kasan_oob.ko (KDIR=$KDIR)"
    set +e
    "$vmrun" "${run_args[@]}" --module "$ko" -- true >"$tmp/e.out" 2>"$tmp/e.err"
    rc_e=$?
    set -e
    if ((rc_e != 0)) && grep -q "^$runner: kernel log: .*KASAN: slab-out-of-bounds" "$tmp/e.err" &&
       grep -q "^$runner: FAIL: kernel log reported problems" "$tmp/e.err"; then
      ok "KASAN module: run fails (got $rc_e) and stderr names the KASAN report"
    else
      not_ok "KASAN module: run fails (got $rc_e) and stderr names the KASAN report"
      show "$tmp/e.err"
    fi
  fi
fi

echo "$name: $pass passed, $fail failed, 0 skipped"
((fail == 0))
