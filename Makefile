# SPDX-License-Identifier: GPL-2.0-only
#
# mvm: top-level build.  `make` builds mvm.ko against KDIR (default: the
# running kernel's build dir when it exists, else the newest installed
# Debian linux-headers-*-amd64), the userspace VMM and the selftests.
# Kbuild (beside this file) is what the kernel build reads.

KDIR ?= $(shell scripts/kdir)

# scripts/setup is idempotent and quiet (~0.1 s) when nothing is missing.
SETUP := $(shell scripts/setup >&2 || echo failed)
ifneq ($(SETUP),)
$(error scripts/setup failed)
endif

.PHONY: all module modules-all userspace selftests setup check demo lint \
	dkms-check bench fuzz clean help

all: module userspace selftests

help:
	@echo "make            build mvm.ko (KDIR=$(KDIR)), userspace/mvm, selftests"
	@echo "make check      everything: both kernels, dkms, lint, all selftests"
	@echo "make demo       boot a test host, load mvm.ko, run the VMM there"
	@echo "make bench      mvm and KVM figures from one test-host boot"
	@echo "make fuzz       the ioctl and guest fuzzers in a 6.1 and a 6.12 test host"
	@echo "make lint       checkpatch --strict and sparse on the module"
	@echo "make setup      install what the build and the tests need"

setup:
	scripts/setup

module:
	@test -d "$(KDIR)" || { echo "KDIR $(KDIR) does not exist" >&2; exit 1; }
	$(MAKE) -C "$(KDIR)" M="$(CURDIR)" W=1 modules

# mvm.ko for each kernel series under build/<kver>/mvm.ko
modules-all:
	scripts/build-module 6.1
	scripts/build-module 6.12

userspace:
	$(MAKE) -C userspace

selftests:
	$(MAKE) -C selftests

lint:
	scripts/lint

dkms-check:
	scripts/dkms-check

check:
	scripts/check

demo:
	scripts/demo

bench:
	scripts/bench

fuzz:
	scripts/fuzz

clean:
	-$(MAKE) -C "$(KDIR)" M="$(CURDIR)" clean
	$(MAKE) -C userspace clean
	$(MAKE) -C selftests clean
	rm -rf build
