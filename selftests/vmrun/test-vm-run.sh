#!/usr/bin/env bash
# selftests/vmrun/test-vm-run.sh — owned by the refgc VM runner.
# Proves scripts/vm-run catches kernel problems: builds the throwaway
# warn/warn_on_load.ko, then boots (a) a clean run (exit status, output,
# --rw write-back, REFGC_* env and cwd), (b) a run whose module WARN()s,
# (c) a hung command that must hit --timeout. Prints TAP and a summary line.
# Env: KDIR (kernel build dir), VM_RUN (runner, default scripts/vm-run).
set -euo pipefail

if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then
  echo "Usage: selftests/vmrun/test-vm-run.sh   (env: KDIR, VM_RUN)"; exit 0
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
vmrun=${VM_RUN:-$repo/scripts/vm-run}
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
echo "1..11"

# (c) runs in the background while (a), (b) and (d) boot: it mostly sleeps.
start_c=$(date +%s)
(
  rc=0
  "$vmrun" --timeout 40 --no-module -- sleep 1000 >"$tmp/c.out" 2>"$tmp/c.err" || rc=$?
  date +%s >"$tmp/c.end"
  exit "$rc"
) &
bgpid=$!

# (a) clean boot: status passthrough, output, --rw, env, cwd.
mkdir -p "$tmp/share"
export REFGC_SELFTEST_TOKEN="a b'c\$d"
set +e
# shellcheck disable=SC2016  # the guest shell expands these
(cd "$repo" && "$vmrun" --no-module --rw "$tmp/share" -- sh -c '
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
ko=$here/warn/warn_on_load.ko
if ! make -C "$KDIR" M="$here/warn" modules >"$tmp/build.log" 2>&1; then
  show "$tmp/build.log"
  not_ok "build warn_on_load.ko (KDIR=$KDIR)"
  not_ok "WARN module: run fails"
  not_ok "WARN module: stderr names the WARNING"
else
  ok "build warn_on_load.ko (KDIR=$KDIR)"
  set +e
  "$vmrun" --module "$ko" -- true >"$tmp/b.out" 2>"$tmp/b.err"
  rc_b=$?
  set -e
  check "WARN module: run fails (got $rc_b)" test "$rc_b" -ne 0
  if grep -q '^vm-run: kernel log: .*WARNING:' "$tmp/b.err" &&
     grep -q 'deliberate warning' "$tmp/b.err" &&
     grep -q '^vm-run: FAIL: kernel log reported problems' "$tmp/b.err"; then
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
(cd "$tmp/proj" && "$vmrun" --no-module --rw "$tmp/proj/out" -- ./run.sh) \
  >"$tmp/d.out" 2>"$tmp/d.err"
rc_d=$?
set -e
check "cwd below /tmp: CMD found and run (got $rc_d)" test "$rc_d" -eq 0
check "cwd below /tmp: --rw share below it written back" \
  grep -qx from-tmp-cwd "$tmp/proj/out/res"
if ((rc_d != 0)); then show "$tmp/d.out" "$tmp/d.err"; fi

# (c) collect the hung run.
set +e
wait "$bgpid"
rc_c=$?
set -e
bgpid=""
dur_c=$(($(cat "$tmp/c.end" 2>/dev/null || date +%s) - start_c))
check "hung CMD: exit 124 (got $rc_c)" test "$rc_c" -eq 124
if grep -q '^vm-run: TIMEOUT after 40 s' "$tmp/c.err" && ((dur_c <= 60)); then
  ok "hung CMD: TIMEOUT message within 60 s (took $dur_c s)"
else
  not_ok "hung CMD: TIMEOUT message within 60 s (took $dur_c s)"; show "$tmp/c.err"
fi

echo "vmrun: $pass passed, $fail failed, 0 skipped"
((fail == 0))
