#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/uml-init.sh - owned by the UML runner (scripts/uml-run).  PID 1
# of a User-Mode Linux guest whose root is the host root, read-only
# through hostfs.  It mounts the pseudo filesystems and a private
# writable /tmp, shares the run's directory (UMLRUN_DIR, from the kernel
# command line) read-write, loads the module(s) under test, runs the
# command on the second console (con1: the runner's stdout), unloads,
# scans kmemleak, and leaves the exit status and the kernel log in
# UMLRUN_DIR for the host to judge.  The kernel console (con0) goes to a
# file.  Settings come from $UMLRUN_DIR/config, written by uml-run.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
bb=/bin/busybox
KMEMLEAK=/sys/kernel/debug/kmemleak
loaded=""

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=1777 tmpfs /var/tmp 2>/dev/null
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /dev/pts /dev/shm /run/umlrun
mount -t devpts devpts /dev/pts 2>/dev/null
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t hostfs -o "$UMLRUN_DIR" none /run/umlrun || {
	echo "uml-init: cannot mount $UMLRUN_DIR" >/dev/console
	$bb poweroff -f
}
run=/run/umlrun
# shellcheck source=/dev/null
. "$run/config"
fail() { echo "$*" >>"$run/fail"; }
# What the guest is doing, with its uptime: the host names the last one
# if the run times out.
stage() { echo "$(cut -d ' ' -f 1 /proc/uptime) s: $*" >>"$run/stages"; }

finish() {	# $1 = exit status to report
	local m out
	for m in $loaded; do	# newest first
		stage "rmmod $m (CMD exited $1)"
		if ! out=$(rmmod "$m" 2>&1); then
			fail "rmmod $m failed: $out"
		fi
	done
	if [ -w "$KMEMLEAK" ]; then
		stage "kmemleak scan (CMD exited $1)"
		echo scan >"$KMEMLEAK"; echo scan >"$KMEMLEAK"
		cat "$KMEMLEAK" >"$run/kmemleak"
	fi
	stage "dmesg, poweroff (CMD exited $1)"
	[ -n "${watchdog:-}" ] && kill "$watchdog" 2>/dev/null
	dmesg >"$run/dmesg"
	echo "$1" >"$run/exit"
	sync
	$bb poweroff -f
}

# A cwd below /tmp (a clone there) is hidden by the private /tmp: share
# it again, read-only, before the --rw shares that may lie below it.
case "$CWD" in
/tmp/*)
	mkdir -p "$CWD" && mount -t hostfs -o ro,"$CWD" none "$CWD" ;;
esac
for d in "${RW[@]}"; do
	mkdir -p "$d" 2>/dev/null
	if ! mount -t hostfs -o "$d" none "$d"; then
		fail "cannot mount --rw share $d"
		finish 125
	fi
done

# Judge the kernel log from here on: UML 6.1 reports suspicious RCU
# usage from its own code at the first fork, before any module is loaded.
if [ -w "$KMEMLEAK" ]; then	# forget boot-time leaks, report new ones
	echo scan >"$KMEMLEAK"; echo clear >"$KMEMLEAK"
fi
echo "@@KLOG-IGNORE-BEFORE@@" >/dev/kmsg
for i in "${!MODS[@]}"; do
	if ! out=$(insmod "${MODS[$i]}" 2>&1); then
		fail "insmod ${MODS[$i]} failed: $out"
		finish 125
	fi
	loaded="${NAMES[$i]} $loaded"
done

# The hang report: shortly before the host's timeout, what every task of
# the guest is doing (state, kernel stack), on CMD's output and in
# $run/hang, then the blocked tasks' stacks (sysrq w) on the console.
# The host adds the last stage.  If the report never appears, the guest
# kernel itself was stuck.
hang_report() {
	local p st cmd
	echo "uml-init: hang: the guest's tasks at $1 s:"
	for p in /proc/[0-9]*; do
		cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null | cut -c 1-100)
		[ -n "$cmd" ] || continue	# a kernel thread
		st=$(cut -d ')' -f 2 "$p/stat" 2>/dev/null | cut -d ' ' -f 2)
		# Not wchan: UML's get_wchan() reads out of its stack (KASAN).
		echo "uml-init: hang: pid ${p#/proc/} $st: $cmd"
		case "$cmd" in
		*uml-init*|*sleep\ *) ;;
		*)	sed -n '1,12s/^/uml-init: hang:     /p' "$p/stack" \
				2>/dev/null ;;
		esac
	done
	echo w >/proc/sysrq-trigger 2>/dev/null
}
if [ "${TIMEOUT:-0}" -gt 90 ]; then
	(
		sleep $((TIMEOUT - 45))
		hang_report "$(cut -d ' ' -f 1 /proc/uptime)" >"$run/hang" 2>&1
		cat "$run/hang" >/dev/tty1
	) &
	watchdog=$!
fi

# Not interactive: CMD's output goes to a file or a pipe, byte for byte
# (no \r before each \n).
[ "$CMD_STDIN" = /dev/null ] && stty -F /dev/tty1 -opost 2>/dev/null
stage "CMD"
/usr/bin/env -i /bin/bash "$run/cmd.sh" <"$CMD_STDIN" >/dev/tty1 2>&1
finish $?
