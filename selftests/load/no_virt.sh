#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run in a test host whose CPU lacks SVM (vmtest --cpu EPYC,-svm --no-mvm):
# insmod must fail, say why in one kernel log line, and leave no /dev/mvm.
set -u
ko=${MVM_KO:?MVM_KO not set}
if grep -qw svm /proc/cpuinfo; then
	echo "no_virt: this test host has svm; run it with --cpu EPYC,-svm" >&2
	exit 1
fi
if insmod "$ko" 2>/tmp/insmod.err; then
	echo "no_virt: insmod succeeded on a CPU without SVM/VMX" >&2
	rmmod mvm
	exit 1
fi
echo "insmod failed as expected: $(cat /tmp/insmod.err)"
line=$(dmesg | grep -c 'mvm: not loading: the CPU has neither AMD SVM nor Intel VMX')
if [ "$line" -ne 1 ]; then
	echo "no_virt: expected exactly one 'mvm: not loading' log line, found $line" >&2
	dmesg | grep mvm >&2
	exit 1
fi
[ ! -e /dev/mvm ] || { echo "no_virt: /dev/mvm exists" >&2; exit 1; }
echo "no_virt: ok"
