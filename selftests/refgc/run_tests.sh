#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run_tests.sh DIR - run every refgc_*_test binary in DIR: base first,
# then the others in the order below (quick before heavy), then any others
# in name order.  Each binary's own kselftest output is printed unchanged
# (so that its "# Totals:" line stays parseable), framed by a
# kselftest-runner style TAP line per binary.  The exit status is non-zero
# if any binary failed (1) or none was found (4).

dir=${1:-$(dirname "$0")}
ksft_skip=4

if [ ! -d "$dir" ]; then
	echo "run_tests.sh: no such directory: $dir" >&2
	exit 1
fi

tests=""
for t in refgc_base_test refgc_abi_test refgc_object_test refgc_hostile_test \
	 refgc_limits_test refgc_batch_test refgc_gc_basic_test \
	 refgc_gc_finalizer_test refgc_gc_generations_test \
	 refgc_gc_random_test refgc_model_test refgc_isolation_test \
	 refgc_memcg_test refgc_fault_test refgc_stress_test \
	 refgc_lifecycle_test refgc_concurrency_test; do
	[ -x "$dir/$t" ] && tests="$tests $t"
done
for f in "$dir"/refgc_*_test; do
	[ -x "$f" ] || continue
	t=$(basename "$f")
	case " $tests " in
	*" $t "*) ;;
	*) tests="$tests $t" ;;
	esac
done

set -- $tests
if [ $# -eq 0 ]; then
	echo "TAP version 13"
	echo "1..0 # SKIP no refgc_*_test binary in $dir"
	exit $ksft_skip
fi

echo "TAP version 13"
echo "1..$#"
n=0
rc=0
for t in "$@"; do
	n=$((n + 1))
	echo "# selftests: refgc: $t"
	start=$(date +%s)
	"$dir/$t"
	st=$?
	secs=$(( $(date +%s) - start ))
	case $st in
	0)
		echo "ok $n selftests: refgc: $t # ${secs} s" ;;
	$ksft_skip)
		echo "ok $n selftests: refgc: $t # SKIP" ;;
	*)
		echo "not ok $n selftests: refgc: $t # exit=$st, ${secs} s"
		rc=1 ;;
	esac
done
exit $rc
