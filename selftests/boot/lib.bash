# shellcheck shell=bash disable=SC2034 # BOOT_*, INIT_* and INITRD are for the tests
# SPDX-License-Identifier: GPL-2.0-only
# Shared by the boot/ tests (sourced, never run): TAP output, the skip decision, the
# guest initramfs, and starting/watching/ending a VMM that boots the test host's own
# kernel.  The tests run inside a scripts/vmtest test host, installed as
# selftests/build/boot/<name>.
#
# MVM_TEST_HV=kvm runs the same tests on the reference instead of mvm: QEMU with
# -accel kvm -M microvm on kvm_amd, with the same kernel, initramfs and command lines.
# Both VMMs print the guest's console on stdout; BOOT_RC/BOOT_ERR give their exit status
# and stderr.
set -u -o pipefail

SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
REPO=$(cd "$SELFTESTS/.." && pwd -P)
TOOLS=$SELFTESTS/build/.boot
HV=${MVM_TEST_HV:-mvm}
KVER=$(uname -r)
KCACHE=${MVM_CACHE:-${HOME:-/root}/.cache/mvm}
KERNEL=$KCACHE/kernels/$KVER/boot/vmlinuz-$KVER
TEST_NAME=${0##*/}
# A hung guest fails its test instead of stalling the run.
BOOT_TIMEOUT=${MVM_BOOT_TIMEOUT:-300}

# ---- TAP ----

tap_n=0 tap_fail=0 tap_skip=0
tap_plan() {
	echo "TAP version 13"
	echo "1..$1"
}
ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n $*"
}
not_ok() {
	tap_n=$((tap_n + 1))
	tap_fail=$((tap_fail + 1))
	echo "not ok $tap_n $*"
}
skip() {
	tap_n=$((tap_n + 1))
	tap_skip=$((tap_skip + 1))
	echo "ok $tap_n # SKIP $*"
}
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
# Result of one check: `check NAME COMMAND...` is ok when COMMAND succeeds.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
# Exit status for the runner: 1 on any failure, 4 when everything skipped.
tap_exit() {
	if [ $tap_fail -gt 0 ]; then exit 1; fi
	if [ $tap_skip -gt 0 ] && [ $tap_skip = $tap_n ]; then exit 4; fi
	exit 0
}
# Every planned case skips (the hypervisor lacks what Linux needs).
skip_all() {
	local i
	for ((i = 0; i < $1; i++)); do skip "$2"; done
	exit 4
}
fatal() {
	diag "$TEST_NAME: $*"
	exit 1
}

# ---- can this hypervisor boot Linux? ----

# Prints why not, or nothing.  A missing MVM_CAP_IRQCHIP (or no /dev/kvm for the
# reference) is a reason to skip; anything else missing is a failure, found later.
boot_skip_reason() {
	local v
	case $HV in
	mvm)
		[ -x "$TOOLS/hvcap" ] || return 0 # fails in boot_prepare
		if [ ! -e "${MVM_DEVICE:-/dev/mvm}" ]; then
			echo "no ${MVM_DEVICE:-/dev/mvm} (mvm.ko is not loaded)"
			return 0
		fi
		v=$("$TOOLS/hvcap" IRQCHIP 2>/dev/null)
		# Exit 1 (an ioctl error) is a bug, not a skip: boot_prepare's check fails.
		[ $? = 4 ] && echo "mvm.ko has no in-kernel irqchip (MVM_CAP_IRQCHIP = ${v:-0})"
		;;
	kvm) [ -e /dev/kvm ] || echo "no /dev/kvm" ;;
	*) echo "unknown MVM_TEST_HV '$HV'" ;;
	esac
}

# boot_begin N: the plan of N checks, all of them skipped when this hypervisor
# cannot boot Linux here; then what a boot needs (boot_prepare).
boot_begin() {
	local why
	tap_plan "$1"
	why=$(boot_skip_reason)
	[ -z "$why" ] || skip_all "$1" "$why"
	boot_prepare
}

# Everything else a boot needs; any gap is a failure.
WORK=""
boot_prepare() {
	local t
	for t in hvcap stamp guest_clock guest_pattern; do
		[ -x "$TOOLS/$t" ] || fatal "no $TOOLS/$t (build the selftests: make -C selftests)"
	done
	if [ "$HV" = mvm ]; then
		"$TOOLS/hvcap" IRQCHIP >/dev/null || fatal "MVM_CHECK_EXTENSION failed"
		[ -x "$REPO/userspace/mvm" ] || fatal "no $REPO/userspace/mvm (make userspace)"
	fi
	[ -f "$KERNEL" ] || fatal "no kernel image $KERNEL for the running kernel"
	INITRD=$("$REPO/scripts/guest-initramfs" --kver "$KVER" \
		--add "$TOOLS/guest_clock:/bin/guest_clock" \
		--add "$TOOLS/guest_pattern:/bin/guest_pattern") || fatal "scripts/guest-initramfs failed"
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/mvm-boot.XXXXXX")
	trap boot_cleanup EXIT
}

# ---- one VMM run ----

# vmm_cmd CPUS MEM CMDLINE [KERNEL]: the VMM's command line, in the array VMM.
vmm_cmd() {
	local cpus=$1 mem=$2 cmdline=$3 kernel=${4:-$KERNEL}
	case $HV in
	mvm)
		VMM=("$REPO/userspace/mvm" run --kernel "$kernel" --initrd "$INITRD"
			--cmdline "$cmdline" --mem "$mem" --cpus "$cpus")
		;;
	kvm)
		# pvpanic (ISA, found through ACPI) + exit-failure: QEMU's way to end with a
		# non-zero status when the guest panics, as mvm run does.
		VMM=(qemu-system-x86_64 -accel kvm -M microvm -cpu host -smp "$cpus" -m "$mem"
			-nodefaults -no-user-config -display none -serial stdio -no-reboot
			-device pvpanic -action panic=exit-failure
			-kernel "$kernel" -initrd "$INITRD" -append "$cmdline")
		;;
	esac
}

# boot_start NAME CPUS MEM CMDLINE [interactive] [KERNEL]: start the VMM in the
# background.  Its console goes to $WORK/NAME.out, each line stamped with the seconds
# since the start (selftests/boot/tools/stamp.c), stderr to NAME.err, the exit status
# to NAME.rc.  "interactive": stdin is a FIFO the test writes to with boot_send.
declare -A BOOT_PID=() BOOT_IN=()
boot_start() {
	local name=$1 cpus=$2 mem=$3 cmdline=$4 mode=${5:-} kernel=${6:-$KERNEL}
	vmm_cmd "$cpus" "$mem" "$cmdline" "$kernel"
	[ "$HV" = mvm ] && VMM+=("${BOOT_MVM_ARGS[@]}")
	boot_run "$name" "$mode"
}
# Extra words for mvm run's command line (--api-sock ...).
BOOT_MVM_ARGS=()
# stamp's option for the consoles: none (seconds from the VMM's start), -a or -r.
BOOT_STAMP=()

# boot_run NAME [interactive]: start the command in the array VMM as boot_start does
# (mvm restore, for one).
boot_run() {
	local name=$1 mode=${2:-} fd
	local w=$WORK/$name
	# Kept for boot_rescue: the command and its mode.
	{ declare -p VMM; printf 'mode=%q\n' "$mode"; } >"$w.cmd"
	rm -f "$w".{out,err,rc,in}
	: >"$w.out"
	if [ "$mode" = interactive ]; then
		mkfifo "$w.in"
		# Held open read-write by the test: the VMM never sees end-of-file, and
		# opening it never blocks.
		exec {fd}<>"$w.in"
		BOOT_IN[$name]=$fd
		(
			"$TOOLS/stamp" "${BOOT_STAMP[@]}" -- timeout -k 5 "$BOOT_TIMEOUT" "${VMM[@]}" <"$w.in" >"$w.out" 2>"$w.err"
			echo $? >"$w.rc"
		) &
	else
		(
			"$TOOLS/stamp" "${BOOT_STAMP[@]}" -- timeout -k 5 "$BOOT_TIMEOUT" "${VMM[@]}" </dev/null >"$w.out" 2>"$w.err"
			echo $? >"$w.rc"
		) &
	fi
	BOOT_PID[$name]=$!
}

# boot_rescue NAME: NAME's guest kernel died on QEMU TCG's stale-int3 erratum while it
# patched its own code at boot (README: a vCPU runs its stale translation of the int3 a
# text_poke_bp() put there and took away; the test host's own kernel dies of it too,
# which scripts/check answers the same way): "Oops: int3" on a console that has no line
# of the test's guest program (MVM-...) yet.  Then NAME boots once more, said in a diag,
# and this returns 0.  Once per name: a second death is a failure like any other.
declare -A BOOT_RESCUED=()
boot_rescue() {
	local name=$1 w=$WORK/$1 VMM mode
	[ -f "$w.rc" ] && [ -z "${BOOT_RESCUED[$name]:-}" ] || return 1
	grep -qE '^[^ ]+ \[ *[0-9]+\.[0-9]+\] Oops: int3' "$w.out" 2>/dev/null || return 1
	grep -qE '^[^ ]+ MVM-' "$w.out" && return 1
	BOOT_RESCUED[$name]=1
	diag "$name: the guest's kernel died on QEMU TCG's stale-int3 erratum at boot (README): booted once more"
	diag "  $(grep -m 1 -E 'RIP: ' "$w.out")"
	# shellcheck disable=SC1090 # written by boot_run
	. "$w.cmd"
	wait "${BOOT_PID[$name]}" 2>/dev/null
	boot_run "$name" "$mode"
}

# boot_wait NAME ERE [SECS]: wait until a console line (stamp stripped) matches ERE.
# Fails when the VMM exits first or SECS (default BOOT_TIMEOUT) pass.
boot_wait() {
	local name=$1 re=$2 secs=${3:-$BOOT_TIMEOUT} w=$WORK/$1 i
	for ((i = 0; i < secs * 5; i++)); do
		boot_line "$name" "$re" >/dev/null && return 0
		if [ -f "$w.rc" ]; then
			boot_line "$name" "$re" >/dev/null && return 0
			boot_rescue "$name" && continue
			diag "$name: the VMM exited ($(cat "$w.rc")) before printing /$re/"
			return 1
		fi
		sleep 0.2
	done
	diag "$name: no /$re/ on the console after $secs s"
	return 1
}

# boot_line NAME ERE: the first console line matching ERE, as "<seconds> <line>".
boot_line() {
	awk -v re="$2" '{ t = $1; sub(/^[^ ]* /, "") } $0 ~ re { print t, $0; found = 1; exit }
		END { exit !found }' "$WORK/$1.out"
}

# boot_lines NAME: the whole console without stamps; boot_lines_stamped: with them.
boot_lines() { sed 's/^[^ ]* //' "$WORK/$1.out"; }
boot_lines_stamped() { cat "$WORK/$1.out"; }

# boot_send NAME TEXT: one line to the guest's console input.
boot_send() { printf '%s\n' "$2" >&"${BOOT_IN[$1]}"; }

# boot_end NAME [SECS]: wait for the VMM to exit; sets BOOT_RC (124: timed out) and
# BOOT_ERR (its stderr).  On a timeout the VMM is killed.
boot_end() {
	local name=$1 secs=${2:-$BOOT_TIMEOUT} w=$WORK/$1 i fd
	for ((i = 0; i < secs * 5; i++)); do
		[ -f "$w.rc" ] && break
		sleep 0.2
	done
	if [ ! -f "$w.rc" ]; then
		diag "$name: the VMM is still running after $secs s: killing it"
		boot_kill "$name"
		# A VMM stuck in the kernel cannot be killed: report it, never wait forever.
		for ((i = 0; i < 50; i++)); do
			[ -f "$w.rc" ] && break
			sleep 0.2
		done
	fi
	if [ -f "$w.rc" ]; then
		wait "${BOOT_PID[$name]}" 2>/dev/null
	else
		diag "$name: the VMM survives SIGKILL (stuck in the kernel?): $(boot_stack "$name")"
	fi
	unset "BOOT_PID[$name]"
	if [ -n "${BOOT_IN[$name]:-}" ]; then
		fd=${BOOT_IN[$name]}
		exec {fd}>&-
		unset "BOOT_IN[$name]"
	fi
	BOOT_RC=$(cat "$w.rc" 2>/dev/null || echo 124)
	BOOT_ERR=$(cat "$w.err" 2>/dev/null)
}

# The stamp process leads the run: its children (timeout, then the VMM) are ended
# through timeout, which forwards the signal to its process group.
boot_kill() {
	local pid=${BOOT_PID[$1]:-} c
	[ -n "$pid" ] || return 0
	for c in $(pgrep -P "$pid" 2>/dev/null); do # the stamp process
		pkill -TERM -P "$c" 2>/dev/null        # timeout(1)
	done
	sleep 1
	for c in $(pgrep -P "$pid" 2>/dev/null); do
		pkill -KILL -P "$c" 2>/dev/null
		kill -KILL "$c" 2>/dev/null
	done
}

# The kernel stacks of the VMM's threads (a VMM stuck in mvm.ko shows where).
boot_stack() {
	local p t
	for p in $(pgrep -P "${BOOT_PID[$1]}"); do
		for t in $(pgrep -P "$p") $(pgrep -P "$(pgrep -P "$p" | head -n 1)" 2>/dev/null); do
			cat /proc/"$t"/task/*/stack 2>/dev/null | head -n 12
		done
	done | paste -sd ' '
}

# Show what a failed boot printed.
boot_show() {
	local w=$WORK/$1
	diag "--- $1: console (last 25 lines) ---"
	[ -f "$w.out" ] && diag "$(tail -n 25 "$w.out")"
	diag "--- $1: stderr ---"
	[ -f "$w.err" ] && diag "$(tail -n 10 "$w.err")"
	diag "--- $1: exit status $(cat "$w.rc" 2>/dev/null || echo none) ---"
}

boot_cleanup() {
	local n
	for n in "${!BOOT_PID[@]}"; do
		boot_kill "$n"
		# Only a run that ended is waited for (see boot_end).
		[ -f "$WORK/$n.rc" ] && wait "${BOOT_PID[$n]}" 2>/dev/null
	done
	[ -n "$WORK" ] && rm -rf "$WORK"
}

# ---- the pattern guest (tools/guest_pattern.c, mvm_test=pattern) ----

# A whole round line.  Only those count: a migration or a kill can cut the console
# mid-line, and the cut line is the last (or, on the destination, the first) there is.
PATTERN_LINE='^MVM-PATTERN round=[0-9]+ mismatches=[0-9]+ total=[0-9]+ wall=[0-9]+[.][0-9]+$'

# The last round line of NAME's console: "R M T WALL" (round, mismatches, total, wall).
last_round() {
	boot_lines "$1" | awk -v re="$PATTERN_LINE" '$0 ~ re {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		r = v["round"] " " v["mismatches"] " " v["total"] " " v["wall"] }
		END { if (r == "") exit 1; print r }'
}

# The round of NAME's first round line.
first_round() {
	boot_lines "$1" | awk -v re="$PATTERN_LINE" '$0 ~ re { sub(/^round=/, "", $2); print $2; found = 1; exit }
		END { exit !found }'
}

# Guest realtime less host realtime, from NAME's last 20 round lines: the line's wall
# against its stamp, which needs BOOT_STAMP=(-r).  A line is stamped when it has
# come through the console, later than the guest wrote it, which only ever makes
# the difference smaller: so the largest of them.
offset() {
	boot_lines_stamped "$1" | awk -v re="$PATTERN_LINE" '{ t = $1; sub(/^[^ ]* /, "") }
		$0 ~ re { split($5, kv, "="); o[n++ % 20] = kv[2] - t }
		END { if (!n) exit 1; m = o[0]; for (i in o) if (o[i] > m) m = o[i]; printf "%.3f", m }'
}

# Wait until NAME's console has a round line past round $2 (at most $3 s).
round_past() {
	local i r
	for ((i = 0; i < $3 * 2; i++)); do
		r=$(last_round "$1") && [ "${r%% *}" -gt "$2" ] && return 0
		[ -f "$WORK/$1.rc" ] && ! boot_rescue "$1" && return 1
		sleep 0.5
	done
	return 1
}

# The total of mismatches on NAME's last round line (1 when it has none).
mismatches() {
	local r t
	r=$(last_round "$1") || { echo 1; return; }
	read -r _ _ t _ <<<"$r"
	echo "$t"
}

# ---- live migration (mvm only) ----

# The VMM process of NAME (under the stamp and timeout processes boot_run starts).
vmm_pid() {
	local p
	p=$(pgrep -P "${BOOT_PID[$1]}" | head -n 1) &&	# stamp
		p=$(pgrep -P "$p" | head -n 1) &&		# timeout(1)
		pgrep -P "$p" | head -n 1
}

# err_wait NAME ERE [SECS]: wait until a line of NAME's stderr matches ERE (default 60 s).
err_wait() {
	local i
	for ((i = 0; i < ${3:-60} * 5; i++)); do
		grep -qE "$2" "$WORK/$1.err" 2>/dev/null && return 0
		[ -f "$WORK/$1.rc" ] && break
		sleep 0.2
	done
	grep -qE "$2" "$WORK/$1.err" 2>/dev/null
}

# incoming_start NAME ADDR [ARGS...]: start a destination (mvm run --incoming ADDR
# --api-sock $WORK/NAME.api ARGS), prefixed by the words in MIG_PREFIX (ip netns exec
# NS), and wait until it listens.  Fails when it does not within 60 s.
MIG_PREFIX=()
incoming_start() {
	local name=$1 addr=$2
	shift 2
	VMM=("${MIG_PREFIX[@]}" "$REPO/userspace/mvm" run --incoming "$addr"
		--api-sock "$WORK/$name.api" "$@")
	boot_run "$name"
	err_wait "$name" '^mvm: incoming: listening on ' 60 && return 0
	diag "$name: not listening on $addr: $(tail -n 3 "$WORK/$name.err" 2>/dev/null)"
	return 1
}

# migrate SOCK ADDR [OPTIONS...]: mvm ctl SOCK migrate ADDR OPTIONS, waiting for its
# end (at most 600 s); MIG_RC is its exit status, MIG_OUT its output (stdout+stderr).
migrate() {
	local sock=$1
	shift
	MIG_OUT=$(timeout -k 5 600 "$REPO/userspace/mvm" ctl "$sock" migrate "$@" 2>&1)
	MIG_RC=$?
}

# migrate_bg NAME SOCK ADDR [OPTIONS...]: the same in the background, its output in
# $WORK/NAME.out, its exit status in NAME.rc (migrate_end NAME reads them).
migrate_bg() {
	local name=$1 sock=$2
	shift 2
	rm -f "$WORK/$name".{out,rc}
	(
		timeout -k 5 600 "$REPO/userspace/mvm" ctl "$sock" migrate "$@" >"$WORK/$name.out" 2>&1
		echo $? >"$WORK/$name.rc"
	) &
	MIG_BG[$name]=$!
}
declare -A MIG_BG=()
# migrate_end NAME [SECS]: wait for it (default 120 s); sets MIG_RC (124: still
# running, then ended) and MIG_OUT.
migrate_end() {
	local i
	for ((i = 0; i < ${2:-120} * 5; i++)); do
		[ -f "$WORK/$1.rc" ] && break
		sleep 0.2
	done
	[ -f "$WORK/$1.rc" ] || pkill -TERM -P "${MIG_BG[$1]}" 2>/dev/null
	wait "${MIG_BG[$1]}" 2>/dev/null
	unset "MIG_BG[$1]"
	MIG_RC=$(cat "$WORK/$1.rc" 2>/dev/null || echo 124)
	MIG_OUT=$(cat "$WORK/$1.out" 2>/dev/null)
}

# mig_of STATUS KEY: a field of the migration object in a status reply (empty when
# there is none).
mig_of() {
	sed -n 's/.*"migration": *{[^}]*"'"$2"'": *"\{0,1\}\([a-z0-9.]*\).*/\1/p' <<<"$1"
}

# mig_field SOCK KEY: that field in mvm ctl SOCK status now.
mig_field() {
	mig_of "$("$REPO/userspace/mvm" ctl "$1" status 2>/dev/null)" "$2"
}

# mig_active SOCK [SECS]: wait until a migration is active and its stream under way,
# 2 MB of it sent (status counts them as they go), at most SECS (default 60).  Active
# alone is not enough: that begins before the connection and the handshake.  One
# status request a look.
mig_active() {
	local i s b
	for ((i = 0; i < ${2:-60} * 5; i++)); do
		s=$("$REPO/userspace/mvm" ctl "$1" status 2>/dev/null)
		if [ "$(mig_of "$s" state)" = active ]; then
			b=$(mig_of "$s" sent)
			[ "${b:-0}" -ge 2000000 ] && return 0
		fi
		sleep 0.2
	done
	return 1
}

# The bytes of the stream a migration's last reply (MIG_OUT) counts (0: none).
mig_sent() {
	sed -n 's/.*"migration":{[^}]*"sent":\([0-9]*\).*/\1/p' <<<"$MIG_OUT" | grep . || echo 0
}

# Parse "MVM-INIT-OK cpus=<n> mem_kb=<k> uptime=<s>": sets INIT_CPUS, INIT_MEM_KB,
# INIT_AT (host seconds from the VMM's start to the marker).
init_marker() {
	local l
	l=$(boot_line "$1" '^MVM-INIT-OK ') || return 1
	INIT_AT=${l%% *}
	INIT_CPUS=$(sed -n 's/.* cpus=\([0-9]*\).*/\1/p' <<<"$l")
	INIT_MEM_KB=$(sed -n 's/.* mem_kb=\([0-9]*\).*/\1/p' <<<"$l")
	[ -n "$INIT_CPUS" ] && [ -n "$INIT_MEM_KB" ]
}

# size_kb 512M -> 524288
size_kb() {
	local n=${1%[KMGTkmgt]} u=${1: -1}
	case $u in
	K | k) echo "$n" ;;
	M | m) echo $((n * 1024)) ;;
	G | g) echo $((n * 1024 * 1024)) ;;
	T | t) echo $((n * 1024 * 1024 * 1024)) ;;
	*) echo $(($1 / 1024)) ;;
	esac
}

# The console options every test boots with: quiet keeps the serial output (one exit
# per byte) small; dmesg is printed on request.
BOOT_ARGS="console=ttyS0 quiet"
