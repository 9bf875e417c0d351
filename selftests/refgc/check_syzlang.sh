#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# check_syzlang.sh SYZ HEADER - fail unless the syzlang file SYZ
# describes every REFGC_IOC_* ioctl that the uapi HEADER defines (as
# ioctl$REFGC_IOC_<NAME>), and names no ioctl the header lacks.
syz=$1 hdr=$2
[ -r "$syz" ] && [ -r "$hdr" ] || { echo "usage: $0 SYZ HEADER" >&2; exit 2; }
rc=0
for m in $(sed -n 's/^#define[[:space:]]\{1,\}\(REFGC_IOC_[A-Z0-9_]*\)[[:space:]]\{1,\}_IO.*/\1/p' "$hdr"); do
	if ! grep -q "^ioctl\\\$$m(.*cmd const\\[$m\\]" "$syz"; then
		echo "$syz: no ioctl\$$m" >&2
		rc=1
	fi
done
for m in $(sed -n 's/^ioctl\$[A-Z0-9_]*(.*cmd const\[\(REFGC_IOC_[A-Z0-9_]*\)\].*/\1/p' "$syz" | sort -u); do
	if ! grep -q "^#define[[:space:]]*$m[[:space:]]" "$hdr"; then
		echo "$syz: $m is not in $hdr" >&2
		rc=1
	fi
done
exit $rc
