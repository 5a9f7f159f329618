#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The bash completion (completions/ixl.bash), run for real: the completion
# function is called with COMP_WORDS/COMP_CWORD as bash sets them, against a
# fake ixl-probe that prints fixed JSON, and every answer is compared with an
# exact list. With IXL_BUILD set (ctest sets it), each tool's option list is
# also checked against what the built tool's --help says, so that the
# completion cannot silently fall behind an option added or renamed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
src=$here/../../completions/ixl.bash
pass=0 fail=0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ixl-probe --json exactly as cmd/ixl-probe.c prints it: two supported NICs,
# one unsupported (must never be offered), one supported in another domain.
mkdir -p "$tmp/bin" "$tmp/other" "$tmp/files/dir"
cat >"$tmp/bin/ixl-probe" <<'EOF'
#!/bin/sh
[ "$1" = --json ] || exit 64
cat <<'JSON'
[
  {"address": "0000:00:03.0", "vendor": "1af4", "device": "1041", "name": "Virtio 1.0 network device", "supported": false, "ixl_driver": null, "kernel_driver": "virtio-pci", "interface": "eth0", "iommu_group": null, "numa_node": null},
  {"address": "0000:00:04.0", "vendor": "8086", "device": "100e", "name": "82540EM Gigabit Ethernet Controller", "supported": true, "ixl_driver": "e1000", "kernel_driver": "e1000", "interface": "eth1", "iommu_group": 3, "numa_node": null},
  {"address": "0000:00:05.0", "vendor": "8086", "device": "10d3", "name": "82574L Gigabit Network Connection", "supported": true, "ixl_driver": "e1000", "kernel_driver": null, "interface": null, "iommu_group": null, "numa_node": 0},
  {"address": "0001:3b:00.1", "vendor": "8086", "device": "1521", "name": "I350 Gigabit Network Connection", "supported": false, "ixl_driver": null, "kernel_driver": "igb", "interface": "eno2", "iommu_group": 40, "numa_node": 1},
  {"address": "0002:00:1f.6", "vendor": "8086", "device": "10d3", "name": "82574L Gigabit Network Connection", "supported": true, "ixl_driver": "e1000", "kernel_driver": "vfio-pci", "interface": null, "iommu_group": 7, "numa_node": 0}
]
JSON
EOF
# The ixl-probe of a build tree, found next to a tool run by path.
cat >"$tmp/other/ixl-probe" <<'EOF'
#!/bin/sh
echo '[
  {"address": "0000:09:00.0", "vendor": "8086", "device": "100e", "name": "x", "supported": true, "ixl_driver": "e1000", "kernel_driver": null, "interface": null, "iommu_group": null, "numa_node": null}
]'
EOF
chmod +x "$tmp/bin/ixl-probe" "$tmp/other/ixl-probe"
touch "$tmp/files/a.pcap" "$tmp/files/b.pcap" "$tmp/files/notes.txt"

PATH=$tmp/bin:$PATH
# shellcheck source=../../completions/ixl.bash
. "$src"

# comp WORD... : the sorted completions for the command line WORD... with the
# cursor in the last word, one a line (as bash calls the function).
comp()
{
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_ixl "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	((${#COMPREPLY[@]})) && printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort
}

# expect "EXPECTED (space-separated, any order)" WORD...
expect()
{
	local want got
	want=$(printf '%s\n' $1 | LC_ALL=C sort | sed '/^$/d')
	shift
	got=$(comp "$@" 2>&1)
	if [[ $got == "$want" ]]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		printf 'FAIL: %s|\n  want: %s\n  got:  %s\n' "$*" "$(echo $want)" "$(echo $got)"
	fi
}

addrs='0000:00:04.0 0000:00:05.0 0002:00:1f.6'
common='-v --verbose -q --quiet --help --usage -V --version'
run='-c --count --duration --json'

# ---------------------------------------------------------------- options
expect "--json --force --no-vfio $common" ixl-probe -
expect "-w -s -p --nano -C -G -W --force --no-vfio --ring $run $common" ixl-dump -
expect "--rate -s --size --src-mac --dst-mac --src-ip --dst-ip --src-port --dst-port
	--pcap --loop --force --no-vfio $run $common" ixl-gen -
expect "--batch --dst-mac --force --no-vfio --rx-depth --tx-depth $run $common" ixl-fwd -
expect "-i --interval --csv --force --no-promisc --no-vfio $run $common" ixl-stat -
expect "--count --csv" ixl-stat --c
expect "--src-mac --src-ip --src-port --size" ixl-gen --s
expect "" ixl-probe --nosuch

# ------------------------------------------------------------- addresses
expect "$addrs" ixl-probe ''
expect "0000:00:04.0 0000:00:05.0" ixl-probe 0000:00:0
expect "0002:00:1f.6" ixl-probe 0002
expect "" ixl-probe 0000:00:03
expect "" ixl-probe 0000:00:04.0 ''
expect "$addrs" ixl-probe --json --force ''
expect "$addrs" ixl-dump ''
expect "$addrs" ixl-dump -p -c 5 ''
expect "$addrs" ixl-dump -c5 ''
expect "$addrs" ixl-dump --count=5 ''
expect "$addrs" ixl-dump --count = 5 ''
expect "$addrs" ixl-dump -w out.pcap -s 128 -C 1 -W 3 ''
expect "$addrs" ixl-gen --rate 10M -s 60,1514 --dst-mac 02:00:00:00:00:02 ''
expect "$addrs" ixl-stat -i 0.5 --csv ''
expect "$addrs" ixl-fwd --batch 64 ''
# ixl-fwd takes two, and the second is not the first again.
expect "0000:00:05.0 0002:00:1f.6" ixl-fwd 0000:00:04.0 ''
expect "0000:00:04.0 0002:00:1f.6" ixl-fwd 00:05.0 ''
expect "" ixl-fwd 0000:00:04.0 0000:00:05.0 ''
# One address only for the others; ixl-dump's filter words get nothing.
expect "" ixl-gen 0000:00:04.0 ''
expect "" ixl-stat 0000:00:04.0 ''
expect "" ixl-dump 0000:00:04.0 ''
expect "" ixl-dump 0000:00:04.0 udp port ''
expect "" ixl-dump -w x.pcap 0000:00:04.0 'tcp'
# After --, a word with a dash is an address slot too.
expect "" ixl-dump -- -
# A tool run by path asks the ixl-probe next to it.
expect "0000:09:00.0" "$tmp/other/ixl-stat" ''
# Without any ixl-probe: nothing, and no error message.
(
	PATH=/usr/bin:/bin
	fail=0
	expect "" ixl-probe ''
	exit "$fail"
) && pass=$((pass + 1)) || fail=$((fail + 1))

# ------------------------------------------------------- option values
cd "$tmp/files" || exit 1
expect "a.pcap b.pcap dir notes.txt" ixl-dump -w ''
expect "a.pcap" ixl-dump -w a
expect "notes.txt" ixl-dump -w n
expect "a.pcap b.pcap dir notes.txt" ixl-dump -pw ''
expect "a.pcap b.pcap dir notes.txt" ixl-gen --pcap ''
expect "a.pcap b.pcap dir notes.txt" ixl-gen --pcap = ''
expect "b.pcap" ixl-gen --pcap = b
# '=' left out of COMP_WORDBREAKS: the value is completed inside the word.
expect "--pcap=a.pcap" ixl-gen --pcap=a
for v in '-c' '--count' '--duration' '-s' '-C' '-G' '-W' '--ring'; do
	expect "" ixl-dump "$v" ''
done
for v in '--rate' '-s' '--size' '--src-mac' '--dst-mac' '--src-ip' '--dst-ip' \
	'--src-port' '--dst-port' '--loop' '-c' '--duration'; do
	expect "" ixl-gen "$v" ''
done
expect "" ixl-gen --rate = ''
expect "" ixl-fwd --dst-mac ''
expect "" ixl-fwd --batch ''
expect "" ixl-stat -i ''
expect "" ixl-stat --interval ''

# --------------------------------------- against the built tools' --help
# argp prints one option per line: "  -c, --count=N    text", "      --json",
# "  -w FILE   text". Every option but -? must be offered; those with an
# argument must take a value (no address after them), the others must not.
if [[ -n ${IXL_BUILD:-} ]]; then
	for t in probe dump gen fwd stat; do
		bin=$IXL_BUILD/cmd/ixl-$t
		if [[ ! -x $bin ]]; then
			fail=$((fail + 1))
			echo "FAIL: $bin missing"
			continue
		fi
		help=$("$bin" --help | sed -n 's/^ \{2,6\}\(-[^ ].*\)$/\1/p' | sed 's/  .*//')
		all= valued= flags=
		while IFS= read -r line; do
			# "-c, --count=N": the argument shown once is both options'.
			IFS=',' read -r -a parts <<<"$line"
			for p in "${parts[@]}"; do
				p=${p# }
				o=${p%%[= ]*}
				[[ $o == -\? ]] && continue
				all+=" $o"
				if [[ ${line//, /,} == *[=\ ]* ]]; then valued+=" $o"; else flags+=" $o"; fi
			done
		done <<<"$help"
		expect "$all" ixl-$t -
		# Options with a value: what follows is not an address slot.
		for o in $valued; do
			got=$(comp ixl-$t "$o" '' | grep -c '^0000:00:0[45]\.0$')
			if [[ $got == 0 ]]; then pass=$((pass + 1)); else
				fail=$((fail + 1)); echo "FAIL: ixl-$t $o takes a value (--help) but addresses follow"
			fi
		done
		for o in $flags; do
			got=$(comp ixl-$t "$o" '' | grep -c '^0000:00:0[45]\.0$')
			if [[ $got == 2 ]]; then pass=$((pass + 1)); else
				fail=$((fail + 1)); echo "FAIL: ixl-$t $o is a flag (--help) but no addresses follow"
			fi
		done
	done
else
	echo "IXL_BUILD unset: not comparing with the tools' --help"
fi

echo "$pass passed, $fail failed"
((fail == 0))
