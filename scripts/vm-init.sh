#!/bin/busybox sh
# shellcheck shell=dash
# scripts/vm-init.sh — owned by the refgc VM runner (scripts/vm-run).
# Becomes /init of the throwaway busybox initramfs that vm-run builds.
# It mounts the host root read-only over 9p at /mnt, loads the module(s)
# under test, runs the command in `chroot /mnt`, unloads the modules, dumps
# the kernel log and powers off. Talks to the host over ttyS1 using
# @@VMRUN-...@@ marker lines; the kernel console (ttyS0) goes to a file.
# Settings come from /vmrun/config, written by vm-run.

/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t devtmpfs dev /dev
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
echo 8 >/proc/sys/kernel/printk    # every kernel message goes to ttyS0 (log file)
stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1 </dev/null

d="" name="" file="" INTERACTIVE=0 ROWS=24 COLS=80
# shellcheck source=/dev/null
. /vmrun/config

fail() { echo "@@VMRUN-FAIL $*@@" >&3; }
KMEMLEAK=/sys/kernel/debug/kmemleak
loaded=""

finish() {  # $1 = exit status to report
	for m in $loaded; do   # newest first
		if ! out=$(rmmod "$m" 2>&1); then
			fail "rmmod $m failed: $out"
		fi
	done
	if [ -w "$KMEMLEAK" ]; then
		echo scan >"$KMEMLEAK"; sleep 5; echo scan >"$KMEMLEAK"
	fi
	echo "@@VMRUN-DMESG-BEGIN@@" >&3
	dmesg >&3
	[ -r "$KMEMLEAK" ] && cat "$KMEMLEAK" >&3
	echo "@@VMRUN-DMESG-END@@" >&3
	echo "@@VMRUN-EXIT $1@@" >&3
	sync
	reboot -f
	sleep 10; echo o >/proc/sysrq-trigger 2>/dev/null; exit "$1"
}

# --- 9p stack (modules absent from /vmrun/kmod are assumed built in) ---
for ko in /vmrun/kmod/*.ko; do
	[ -e "$ko" ] && insmod "$ko" 2>/dev/null
done
if ! grep -qw 9p /proc/filesystems; then
	fail "guest kernel has no 9p filesystem (need virtio-pci + 9p, built in or via --modules)"
	finish 125
fi
if ! mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /mnt; then
	fail "cannot mount host root over 9p (virtio-9p missing?)"
	finish 125
fi

# --- writable scratch, pseudo filesystems inside the chroot ---
mkdir -p /hosttmp
mount -o bind /mnt/tmp /hosttmp         # the host's /tmp, for a cwd below it
mount -t tmpfs -o mode=1777 tmpfs /mnt/tmp
mount -t tmpfs -o mode=1777 tmpfs /mnt/var/tmp 2>/dev/null
mount -t tmpfs -o mode=755 tmpfs /mnt/run 2>/dev/null
mount -t devtmpfs dev /mnt/dev
mkdir -p /mnt/dev/pts /mnt/dev/shm
mount -t devpts devpts /mnt/dev/pts 2>/dev/null
mount -t tmpfs -o mode=1777 tmpfs /mnt/dev/shm
mount -t proc proc /mnt/proc
mount -t sysfs sys /mnt/sys
mount -t debugfs debugfs /mnt/sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /mnt/sys/kernel/tracing 2>/dev/null

# A cwd below the host's /tmp (a clone there): bind it back in, before
# the --rw shares, which may lie below it.
case "$CWD" in
/tmp/*)
	if [ ! -d "/mnt$CWD" ] && [ -d "/hosttmp${CWD#/tmp}" ]; then
		mkdir -p "/mnt$CWD" && mount -o bind "/hosttmp${CWD#/tmp}" "/mnt$CWD"
	fi ;;
esac
i=0
while [ "$i" -lt "$NRW" ]; do
	eval "d=\$RW_$i"
	mkdir -p "/mnt$d" 2>/dev/null
	if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 "rw$i" "/mnt$d"; then
		fail "cannot mount --rw share $d"
		finish 125
	fi
	i=$((i + 1))
done

# --- module(s) under test ---
if [ -w "$KMEMLEAK" ]; then    # forget leaks from boot, report only new ones
	echo scan >"$KMEMLEAK"; echo clear >"$KMEMLEAK"
fi
i=0
while [ "$i" -lt "$NMUT" ]; do
	eval "name=\$MUT_NAME_$i; file=\$MUT_FILE_$i"
	if ! out=$(insmod "/vmrun/mut/$i.ko" 2>&1); then
		fail "insmod $file failed: $out"
		finish 125
	fi
	loaded="$name $loaded"
	i=$((i + 1))
done

# --- the command ---
mkdir -p /mnt/tmp/.vmrun
cp /vmrun/cmd.sh /mnt/tmp/.vmrun/cmd.sh
if [ "$INTERACTIVE" = 1 ]; then
	# vm-run -i: CMD on ttyS2 (the host's terminal), its controlling
	# terminal in a session of its own, so that ^C reaches it.
	stty -F /dev/ttyS2 sane rows "$ROWS" cols "$COLS" 2>/dev/null
	chroot /mnt /usr/bin/setsid --wait --ctty \
		/usr/bin/env -i /bin/bash /tmp/.vmrun/cmd.sh \
		</dev/ttyS2 >/dev/ttyS2 2>&1
else
	chroot /mnt /usr/bin/env -i /bin/bash /tmp/.vmrun/cmd.sh \
		</dev/null >&3 2>&3
fi
finish $?
