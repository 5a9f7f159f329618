# bash completion for the ixl tools: ixl-probe, ixl-dump, ixl-gen, ixl-fwd, ixl-stat
# SPDX-License-Identifier: BSD-3-Clause
#
# One script for all five. It is installed once per command name because
# bash-completion loads completions on demand by command name
# (share/bash-completion/completions/<cmd>); sourcing it by hand works too.
# It needs nothing from bash-completion itself, so that it also works (and is
# tested) without it.

# Prints the PCI addresses of the NICs ixl supports, one a line, from
# `ixl-probe --json` (which only reads sysfs: no root, no NIC touched). A tool
# run by path (./build/cmd/ixl-gen) asks the ixl-probe next to it, so that a
# build tree completes without being installed. ixl-probe prints one object
# per line, so sed is enough and python is not needed.
_ixl_addresses()
{
	local probe=ixl-probe
	if [[ $1 == */* && -x ${1%/*}/ixl-probe ]]; then
		probe=${1%/*}/ixl-probe
	fi
	"$probe" --json 2>/dev/null |
		sed -n 's/^.*"address": "\([^"]*\)".*"supported": true.*$/\1/p'
}

# Sets the globals _ixl_opts (every option, short and long), _ixl_valued
# (options that take a value), _ixl_files (options whose value is a file) and
# _ixl_maxaddr (how many PCI addresses the command takes) for command $1.
# Keep in step with each tool's --help: tests/unit/test_completion.sh checks.
_ixl_spec()
{
	local common='-v --verbose -q --quiet --help --usage -V --version'
	local run='-c --count --duration --json'

	_ixl_files=
	_ixl_maxaddr=1
	case $1 in
	ixl-probe)
		_ixl_opts="--json --force --no-vfio $common"
		_ixl_valued=
		;;
	ixl-dump)
		_ixl_opts="-w -s -p --nano -C -G -W --force --no-vfio --ring $run $common"
		_ixl_valued='-w -s -C -G -W --ring -c --count --duration'
		_ixl_files='-w'
		;;
	ixl-gen)
		_ixl_opts="--rate -s --size --src-mac --dst-mac --src-ip --dst-ip --src-port"
		_ixl_opts+=" --dst-port --pcap --loop --force --no-vfio $run $common"
		_ixl_valued='--rate -s --size --src-mac --dst-mac --src-ip --dst-ip --src-port'
		_ixl_valued+=' --dst-port --pcap --loop -c --count --duration'
		_ixl_files='--pcap'
		;;
	ixl-fwd)
		_ixl_opts="--batch --dst-mac --force --no-vfio --rx-depth --tx-depth $run $common"
		_ixl_valued='--batch --dst-mac --rx-depth --tx-depth -c --count --duration'
		_ixl_maxaddr=2
		;;
	ixl-stat)
		_ixl_opts="-i --interval --csv --force --no-promisc --no-vfio $run $common"
		_ixl_valued='-i --interval -c --count --duration'
		;;
	*)
		return 1
		;;
	esac
}

# Whether option $1 is in the list $2.
_ixl_in()
{
	[[ " $2 " == *" $1 "* ]]
}

_ixl()
{
	local cmd=${COMP_WORDS[0]##*/} cur=${COMP_WORDS[COMP_CWORD]}
	local want= w i j c prefix= dashdash=
	local -a addrs=()
	local _ixl_opts _ixl_valued _ixl_files _ixl_maxaddr
	local IFS=$'\n'

	COMPREPLY=()
	_ixl_spec "$cmd" || return 0

	# Walk the words before the cursor: which option still waits for its
	# value (want), and which PCI addresses have been given.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ -n $want ]]; then
			# With '=' in COMP_WORDBREAKS, --pcap=x arrives as --pcap, =, x.
			[[ $w == = ]] || want=
			continue
		fi
		if [[ -z $dashdash && $w == -- ]]; then
			dashdash=1
		elif [[ -z $dashdash && $w == --?*=* ]]; then
			: # --rate=10M in one word: the value is inside
		elif [[ -z $dashdash && $w == --?* ]]; then
			_ixl_in "$w" "$_ixl_valued" && want=$w
		elif [[ -z $dashdash && $w == -?* ]]; then
			# A cluster of short options: -pw FILE, -c10.
			for ((j = 1; j < ${#w}; j++)); do
				c=-${w:j:1}
				if _ixl_in "$c" "$_ixl_valued"; then
					((j == ${#w} - 1)) && want=$c
					break
				fi
			done
		else
			# Compare in the canonical form ixl-probe prints.
			[[ $w == [0-9a-fA-F][0-9a-fA-F]:[0-9a-fA-F][0-9a-fA-F].[0-7] ]] && w=0000:$w
			addrs+=("$w")
		fi
	done

	if [[ -n $want && $cur == = ]]; then
		cur=
	elif [[ -z $want && -z $dashdash && $cur == --?*=* ]]; then
		# '=' not in COMP_WORDBREAKS: complete the value inside the word.
		want=${cur%%=*}
		prefix=$want=
		cur=${cur#*=}
		_ixl_in "$want" "$_ixl_valued" || return 0
	fi

	if [[ -n $want ]]; then
		if _ixl_in "$want" "$_ixl_files"; then
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -f -- "$cur"))
			[[ -n $prefix ]] && COMPREPLY=("${COMPREPLY[@]/#/$prefix}")
		fi
		# Numbers, rates, MAC and IP addresses: nothing to offer.
		return 0
	fi
	if [[ -z $dashdash && $cur == -* ]]; then
		IFS=' ' read -r -a w <<<"$_ixl_opts"
		COMPREPLY=($(compgen -W "${w[*]}" -- "$cur"))
		return 0
	fi
	# ixl-dump's words after the address are a BPF filter: nothing to offer.
	((${#addrs[@]} < _ixl_maxaddr)) || return 0
	local a list=() given=$'\n'"${addrs[*]}"$'\n'
	for a in $(_ixl_addresses "${COMP_WORDS[0]}"); do
		[[ $given == *$'\n'"$a"$'\n'* ]] || list+=("$a")
	done
	COMPREPLY=($(compgen -W "${list[*]}" -- "$cur"))
}

complete -F _ixl ixl-probe ixl-dump ixl-gen ixl-fwd ixl-stat
