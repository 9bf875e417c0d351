# SPDX-License-Identifier: GPL-2.0
#
# refgc top-level Makefile.  `make demo` and `make check` install what is
# missing (scripts/deps) and need nothing else; see README.md.
#
# KDIR: the kernel build tree.  Defaults to the installed Debian headers,
# never `uname -r` (the host kernel has no /lib/modules of its own).

KDIR ?= $(lastword $(sort $(wildcard /lib/modules/*/build)))
BUILD := $(CURDIR)/build
KSFT_INC := $(BUILD)/kselftest
CHECKPATCH := $(BUILD)/checkpatch/checkpatch.pl
LINUX_SRC_TAR ?= /usr/src/linux-source-6.1.tar.xz
VM_RUN := $(CURDIR)/scripts/vm-run
UML_RUN := $(CURDIR)/scripts/uml-run
KO := $(CURDIR)/refgc.ko

SOURCES := $(wildcard module/*.c module/*.h) uapi/linux/refgc.h \
	   $(wildcard userspace/*/*.c userspace/*/*.h) \
	   $(wildcard selftests/refgc/*.c selftests/refgc/*.h) \
	   $(wildcard host/*.c host/*.h host/shim/linux/*.h bench/*.c bench/*.h) \
	   $(wildcard python/src/*.c python/src/*.h)

.PHONY: all deps module userspace selftests host-tests lint checkpatch \
	sparse w1 check check-run demo demo-run clean ksft-headers uapi-check \
	bench bench-build check-debug soak fuzz python python-check shell-python \
	shell

all: module userspace selftests

deps:
	@scripts/deps python3-dev python3-setuptools python3-pytest

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# kselftest.h, kselftest_harness.h and checkpatch.pl come from the installed
# linux-source-6.1 at build time; they are never committed.
ksft-headers: $(KSFT_INC)/kselftest_harness.h

$(KSFT_INC)/kselftest_harness.h $(CHECKPATCH):
	@scripts/extract-kernel-files $(LINUX_SRC_TAR) $(BUILD)

userspace:
	@if [ -f userspace/Makefile ]; then $(MAKE) -C userspace BUILD=$(BUILD); fi

selftests: ksft-headers
	$(MAKE) -C selftests/refgc KSFT_INC=$(KSFT_INC) \
		UAPI_INC=$(CURDIR)/uapi OUTPUT=$(BUILD)/selftests

host-tests:
	@if [ -f host/Makefile ]; then $(MAKE) -C host BUILD=$(BUILD) run; fi

# The libFuzzer harness of the collector core against the model
# (host/fuzz_model.c).  FUZZ_TIME seconds; `make check` runs a short
# fixed-seed smoke of it.
FUZZ_TIME ?= 600
fuzz:
	$(MAKE) -C host BUILD=$(BUILD) fuzz
	$(BUILD)/host/fuzz_model -max_total_time=$(FUZZ_TIME) -max_len=512 \
		-artifact_prefix=$(BUILD)/host/

lint: checkpatch sparse w1

# checkpatch --strict on everything we write.  uapi headers cannot use
# BIT().  Userspace code uses stdint types and <inttypes.h> (PRIu64), has
# no __printf()/__maybe_unused, keeps long format strings whole, and the
# host shim's list macros reuse arguments as the kernel's own do.
CP := $(CHECKPATCH) --strict --no-tree --quiet --show-types -f
CP_IGNORE := FILE_PATH_CHANGES,SPDX_LICENSE_TAG
# (Built up without line continuations: those would put spaces in the list.)
CP_USER_IGNORE := BIT_MACRO,PREFER_KERNEL_TYPES,NEW_TYPEDEFS,CAMELCASE
CP_USER_IGNORE := $(CP_USER_IGNORE),PREFER_DEFINED_ATTRIBUTE_MACRO
CP_USER_IGNORE := $(CP_USER_IGNORE),LONG_LINE_STRING,MACRO_ARG_REUSE
CP_USER_IGNORE := $(CP_USER_IGNORE),MACRO_ARG_PRECEDENCE
checkpatch: $(CHECKPATCH)
	$(CP) --ignore $(CP_IGNORE) $(filter module/%,$(SOURCES))
	$(CP) --ignore $(CP_IGNORE),BIT_MACRO uapi/linux/refgc.h
	$(CP) --ignore $(CP_IGNORE),$(CP_USER_IGNORE) \
		$(filter-out module/% uapi/%,$(filter %.c %.h,$(SOURCES)))

sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 CF="-D__CHECK_ENDIAN__" modules 2>&1 | \
		tee $(BUILD)/sparse.log
	@! grep -E "warning:|error:" $(BUILD)/sparse.log

w1:
	@mkdir -p $(BUILD)
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules 2>&1 | tee $(BUILD)/w1.log
	@! grep -E "warning:|error:" $(BUILD)/w1.log

# All tests, with the last line "N passed, M failed, K skipped".
check: deps
	@$(MAKE) --no-print-directory check-run

check-run:
	@scripts/check

# The in-VM suites again, on a KASAN/UBSAN/lockdep/kmemleak kernel built
# from linux-source-6.1 (cached outside the clone; about 6 min once).
check-debug: deps
	@scripts/check --debug

demo: deps
	@$(MAKE) --no-print-directory demo-run

demo-run: module userspace
	@mkdir -p $(BUILD)/demo
	$(VM_RUN) --module $(KO) --rw $(BUILD)/demo -- $(CURDIR)/scripts/demo

# refgcctl shell in the QEMU VM with the module loaded, on your terminal
# (vm-run -i; the boot takes a minute or two under TCG).  UML=1 runs it in
# User-Mode Linux instead (uml-run -i: about a second once its kernel is
# built).
shell: deps
	@$(MAKE) --no-print-directory userspace $(if $(UML),,module)
	$(if $(UML),$(UML_RUN),$(VM_RUN) --module $(KO)) -i -- \
		$(BUILD)/userspace/refgcctl shell

# The kselftests with REFGC_SOAK=1: the model-based random driver and the
# hostile-input test scale up to >= 10^6 operations/calls; then 10^4
# scenarios of the CPython differential test (scripts/difftest; `make
# check` runs 300).  Not part of `make check`.
soak: deps
	@$(MAKE) --no-print-directory module selftests
	REFGC_SOAK=1 $(VM_RUN) --module $(KO) --timeout 14400 -- \
		$(CURDIR)/selftests/refgc/run_tests.sh $(BUILD)/selftests
	@$(MAKE) --no-print-directory userspace
	DIFFTEST_TIMEOUT=14400 scripts/difftest --count $${DIFFTEST_COUNT:-10000}

bench-build:
	$(MAKE) -C bench BUILD=$(BUILD)

# ---- import refgc (python/) ----
#
# python: the package with its C extension, built with Debian's python3
# into build/python (put it on PYTHONPATH).  python-check: its pytest
# suite in the VM.  shell-python: python3 in the VM, refgc importable.
PYTHON ?= /usr/bin/python3

python:
	@mkdir -p $(BUILD)
	cd python && $(PYTHON) setup.py -q build --build-base $(BUILD)/python-tmp \
		--build-lib $(BUILD)/python >$(BUILD)/python-build.log 2>&1 || \
		{ cat $(BUILD)/python-build.log; exit 1; }

python-check: deps
	@scripts/python-tests

shell-python: deps python
	$(UML_RUN) -i -- env PYTHONPATH=$(BUILD)/python \
		PYTHONDONTWRITEBYTECODE=1 $(PYTHON) -q

# Benchmarks against CPython, not tests: natively (the host build of the
# collector core against the host's python3), in User-Mode Linux (the
# module at native speed against the guest's python3; the plain UML
# kernel is built once, about 3 min), then in the QEMU VM (the module
# under TCG); bench/run --report merges them into
# build/bench/results.{txt,json} and build/bench/ns_per_object.png.
bench: deps
	@scripts/deps gnuplot-nox
	@$(MAKE) --no-print-directory module bench-build
	@mkdir -p $(BUILD)/bench
	bench/run --place native --out $(BUILD)/bench/native.json
	$(UML_RUN) --timeout 3000 --rw $(BUILD)/bench -- \
		$(CURDIR)/bench/run --place uml --out $(BUILD)/bench/uml.json
	$(VM_RUN) --timeout 3000 --module $(KO) --rw $(BUILD)/bench -- \
		$(CURDIR)/bench/run --place vm --out $(BUILD)/bench/vm.json
	bench/run --report $(BUILD)/bench

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)
	@if [ -f userspace/Makefile ]; then $(MAKE) -C userspace clean; fi
	@if [ -f host/Makefile ]; then $(MAKE) -C host clean; fi
	$(MAKE) -C bench BUILD=$(BUILD) clean

# uapi/linux/refgc.h must compile alone in a plain userspace C file.
uapi-check:
	@mkdir -p $(BUILD)
	printf '#include <linux/refgc.h>\nint main(void) { return sizeof(struct refgc_op) != 56; }\n' > $(BUILD)/uapi_check.c
	$(CC) -Wall -Wextra -Werror -std=c99 -pedantic -I$(CURDIR)/uapi -o $(BUILD)/uapi_check $(BUILD)/uapi_check.c
	$(BUILD)/uapi_check

# ---- install / uninstall ----
#
# make install [DESTDIR=...] [PREFIX=/usr/local] [KDIR=...]: the module
# into /lib/modules/<release>/updates (then depmod, unless DESTDIR is set:
# a packager runs it), the udev rule, modules-load.d and modprobe.d
# examples, librefgc (.so, .a, header, pkg-config), the uapi header,
# refgcctl, the man pages and the Python package refgc (PYTHONDIR).  make
# uninstall removes exactly those files (and refgc's __pycache__).
# The module is installed unsigned (the kernel's key is not ours).
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
UDEVRULESDIR ?= $(SYSCONFDIR)/udev/rules.d
DOCDIR ?= $(PREFIX)/share/doc/refgc
# The release the headers were made for (kernel.release may differ).
KVER ?= $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
MOD_INSTALL_DIR := $(DESTDIR)/lib/modules/$(KVER)/updates
INSTALL ?= install
# import refgc: the package goes where Debian's python3 looks for local
# packages (/usr/local/lib/python3.X/dist-packages); PYTHONDIR overrides.
PYVER = $(shell $(PYTHON) -c 'import sys; print("python%d.%d" % sys.version_info[:2])')
EXT_SUFFIX = $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
PYTHONDIR ?= $(PREFIX)/lib/$(PYVER)/dist-packages
PYPKG = $(DESTDIR)$(PYTHONDIR)/refgc
PYFILES := $(notdir $(wildcard python/refgc/*.py))

.PHONY: install uninstall
install: module userspace python
	@test -n "$(KVER)" || { echo "install: no kernel release in $(KDIR)"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=updates KERNELRELEASE=$(KVER) DEPMOD=true \
		CONFIG_MODULE_SIG_ALL= modules_install
	$(if $(DESTDIR),,depmod -a $(KVER))
	$(INSTALL) -D -m 0644 udev/99-refgc.rules \
		$(DESTDIR)$(UDEVRULESDIR)/99-refgc.rules
	$(INSTALL) -D -m 0644 conf/modules-load.d/refgc.conf \
		$(DESTDIR)$(DOCDIR)/examples/modules-load.d/refgc.conf
	$(INSTALL) -D -m 0644 conf/modprobe.d/refgc.conf \
		$(DESTDIR)$(DOCDIR)/examples/modprobe.d/refgc.conf
	for f in $(PYFILES); do \
		$(INSTALL) -D -m 0644 python/refgc/$$f $(PYPKG)/$$f || exit 1; \
	done
	$(INSTALL) -D -m 0644 $(BUILD)/python/refgc/_refgc$(EXT_SUFFIX) \
		$(PYPKG)/_refgc$(EXT_SUFFIX)
	$(MAKE) -C userspace BUILD=$(BUILD) PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) \
		install

uninstall:
	rm -f $(MOD_INSTALL_DIR)/refgc.ko $(MOD_INSTALL_DIR)/refgc.ko.xz \
		$(MOD_INSTALL_DIR)/refgc.ko.zst $(MOD_INSTALL_DIR)/refgc.ko.gz
	$(if $(DESTDIR),,depmod -a $(KVER))
	rm -f $(DESTDIR)$(UDEVRULESDIR)/99-refgc.rules \
		$(DESTDIR)$(DOCDIR)/examples/modules-load.d/refgc.conf \
		$(DESTDIR)$(DOCDIR)/examples/modprobe.d/refgc.conf
	-rmdir $(DESTDIR)$(DOCDIR)/examples/modules-load.d \
		$(DESTDIR)$(DOCDIR)/examples/modprobe.d \
		$(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null
	rm -f $(addprefix $(PYPKG)/,$(PYFILES)) $(PYPKG)/_refgc$(EXT_SUFFIX)
	rm -rf $(PYPKG)/__pycache__
	-rmdir $(PYPKG) 2>/dev/null
	$(MAKE) -C userspace BUILD=$(BUILD) PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) \
		uninstall
