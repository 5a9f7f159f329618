# Sourced by every bench test case (tests/cases/*.sh). A case is one file
# that runs twice: on the host, where it boots a guest with the NICs it
# needs and re-runs itself inside (`vm_run ... -- guest`), and in the guest,
# where it drives the NICs with the tools. Checks on either side count
# towards "N passed, M failed"; any failure makes the case exit non-zero.
#
# Environment: IXL_BUILD (the CMake build dir, default <top>/build).
set -uo pipefail

IXL_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IXL_BUILD=${IXL_BUILD:-$IXL_TOP/build}
export IXL_BUILD
PATH=$IXL_BUILD/cmd:$IXL_BUILD/tests:$PATH
CASE_NAME=$(basename "$0" .sh)
CASE_FILE=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
_pass=0
_fail=0

in_guest() { [ "${IXL_VM:-}" = 1 ]; }

ok() { _pass=$((_pass + 1)); echo "ok - $*"; }
not_ok() { _fail=$((_fail + 1)); echo "FAIL - $*"; }

# expect_eq DESCRIPTION GOT WANT
expect_eq() {
	if [ "$2" == "$3" ]; then ok "$1 ($2)"; else not_ok "$1: got '$2', expected '$3'"; fi
}

# expect_match DESCRIPTION TEXT EXTENDED-REGEX
expect_match() {
	if grep -Eq -- "$3" <<<"$2"; then ok "$1"; else
		not_ok "$1: '$2' does not match /$3/"
	fi
}

# expect_true DESCRIPTION COMMAND... (passes if the command succeeds)
expect_true() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d: '$*' failed"; fi
}

# run_capture COMMAND...: runs it, sets $out (stdout+stderr) and $rc.
run_capture() {
	out=$("$@" 2>&1)
	rc=$?
}

# expect_exit DESCRIPTION CODE COMMAND...: exit status CODE; output in $out.
expect_exit() {
	local d=$1 want=$2
	shift 2
	run_capture "$@"
	if [ "$rc" -eq "$want" ]; then ok "$d (exit $rc)"; else
		not_ok "$d: exit $rc, expected $want; output: $out"
	fi
}

# The case's work dir: shared read-write with the guest at the same path.
case_workdir() {
	local w=$IXL_BUILD/vm-work/$CASE_NAME
	if ! in_guest; then
		rm -rf "$w"
		mkdir -p "$w"
	fi
	echo "$w"
}

# vm_run [ixl-vm options...]: boots a guest and runs this case inside with
# the argument "guest"; the guest's checks are printed and counted.
vm_run() {
	local guest_out
	guest_out=$(IXL_VM_QUIET=1 "$IXL_TOP/tests/vm/ixl-vm" --workdir "$WORK" "$@" \
		-- bash "$CASE_FILE" guest 2>&1)
	local status=$?
	echo "$guest_out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$'
	local counts
	counts=$(echo "$guest_out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
	if [ -n "$counts" ]; then
		_pass=$((_pass + ${counts%% passed*}))
		local f=${counts#*passed, }
		_fail=$((_fail + ${f%% failed}))
	fi
	if [ $status -ne 0 ] && [ -z "$counts" ]; then
		not_ok "guest run exited $status without a result"
	elif [ $status -ne 0 ] && [ "$_fail" -eq 0 ]; then
		not_ok "guest run exited $status"
	fi
	return 0
}

# sysfs facts inside the guest
nic_driver() { basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null; }
nic_ifname() { ls "/sys/bus/pci/devices/$1/net" 2>/dev/null | head -1; }
# wait_taken ADDR [raw]: until ixl-probe's list shows ADDR held by a tool:
# bound to vfio-pci, or with "raw" (--no-vfio) bound to no driver; 30 s at most.
wait_taken() {
	local want='"kernel_driver": "vfio-pci"'

	[ "${2:-}" = raw ] && want='"kernel_driver": null'
	for _ in $(seq 300); do
		ixl-probe --json | grep -F "\"address\": \"$1\"" | grep -qF "$want" && return 0
		sleep 0.1
	done
	return 1
}

# dump_listening FILE [SECONDS]: until ixl-dump's stderr in FILE says it
# listens; fails after SECONDS (default 30).
dump_listening() {
	for _ in $(seq $((${2:-30} * 10))); do
		grep -q "listening on" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# pcap_count FILE [DISPLAY-FILTER]: frames tshark reads (fails loudly).
pcap_count() {
	if [ -n "${2:-}" ]; then
		tshark -r "$1" -Y "$2" -T fields -e frame.number 2>/dev/null | wc -l
	else
		tshark -r "$1" -T fields -e frame.number 2>/dev/null | wc -l
	fi
}

finish() {
	echo "$_pass passed, $_fail failed"
	[ "$_fail" -eq 0 ] && [ "$_pass" -gt 0 ]
	exit $?
}

WORK=$(case_workdir)
