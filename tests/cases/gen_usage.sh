#!/usr/bin/env bash
# ixl-gen rejects bad input before it touches a NIC: each malformed value
# gets a message naming it and the documented exit code (64 usage, 65 not a
# pcap file, 66 unreadable pcap file). Runs on the host, no guest needed:
# every one of these must fail before a device is opened.
. "$(dirname "$0")/lib.sh"

# bad DESCRIPTION CODE MESSAGE-REGEX ARGS...
bad() {
	local d=$1 code=$2 msg=$3
	shift 3
	expect_exit "$d" "$code" ixl-gen "$@" 0000:00:04.0
	expect_match "$d: message" "$out" "$msg"
}

for r in "" 10X -5 0 "10 M" 101% 1e6 10Mbits 10Mbits? 10m 99999999999999999999999G 11Gpps; do
	re=$(printf '%s' "$r" | sed 's/[]\/$*.^?+(){}|[]/\\&/g')
	bad "--rate '$r'" 64 "^ixl-gen: invalid value '$re' for --rate: " --rate "$r"
done
bad "--rate 101% says the limit" 64 "must be at most 100%" --rate 101%
bad "--rate 10X shows the grammar" 64 "packets/s like 10M or 500kpps, a bit rate like 500Mbit" --rate 10X

for s in 59 0 -60 abc 64, ,64 64,,128 100-60 60-abc 16385 1e3; do
	bad "--size '$s'" 64 "^ixl-gen: invalid value '$s' for --size" -s "$s"
done
bad "--size 59 says the minimum" 64 "must be at least 60" -s 59

for m in 1:2:3:4:5:6 52:54:00:12:34 52:54:00:12:34:5g 52-54-00-12-34-56 ""; do
	bad "--dst-mac '$m'" 64 "^ixl-gen: invalid value '$m' for --dst-mac: expected a MAC" \
		--dst-mac "$m"
done
bad "--src-mac bad" 64 "invalid value 'zz:54:00:12:34:56' for --src-mac" \
	--src-mac zz:54:00:12:34:56

for i in 10.0.0.256 10.0.0 010.0.0.1 10.0.0.1- 10.0.0.5-10.0.0.4 "10.0.0.1 " 10.0.0.1/24; do
	bad "--src-ip '$i'" 64 "^ixl-gen: invalid value '$i' for --src-ip" --src-ip "$i"
done
bad "--dst-ip reversed range says so" 64 "the range ends before it starts" \
	--dst-ip 10.0.0.9-10.0.0.1

for p in 65536 -1 5-4 1-2-3 a 01 ""; do
	bad "--dst-port '$p'" 64 "^ixl-gen: invalid value '$p' for --dst-port" --dst-port "$p"
done
bad "--src-port 70000" 64 "invalid value '70000' for --src-port" --src-port 70000

bad "-c 0" 64 "invalid value '0' for --count: must be at least 1" -c 0
bad "-c -1" 64 "invalid value '-1' for --count: not a number" -c -1
bad "--duration 0" 64 "invalid value '0' for --duration: must be more than 0" --duration 0
bad "--duration 1e3" 64 "invalid value '1e3' for --duration" --duration 1e3
bad "--loop without --pcap" 64 "--loop needs --pcap" --loop 2
bad "--loop -1" 64 "invalid value '-1' for --loop" --pcap /dev/null --loop -1
bad "--size with --pcap" 64 "--size does not apply to --pcap" --pcap /dev/null -s 64
bad "unreadable pcap file" 66 "cannot read pcap file /nonexistent/x.pcap: No such file" \
	--pcap /nonexistent/x.pcap
echo "not a capture" >"$WORK/text.pcap"
bad "a file that is not a pcap" 65 "$WORK/text.pcap: not a pcap file" --pcap "$WORK/text.pcap"
# A capture of another link type (raw IP, DLT 101) is refused too.
python3 -c 'import struct,sys; open(sys.argv[1],"wb").write(struct.pack("<IHHiIII",0xa1b2c3d4,2,4,0,0,65535,101))' \
	"$WORK/raw.pcap"
bad "a pcap file that is not Ethernet" 65 "replays only Ethernet" --pcap "$WORK/raw.pcap"
expect_exit "two addresses" 64 ixl-gen 0000:00:04.0 0000:00:05.0
expect_match "two addresses: message" "$out" "too many arguments"

expect_exit "--help" 0 ixl-gen --help
expect_match "--help says a plain rate is packets/s" "$out" "PACKETS per second: --rate 10M sends 10,000,000 packets/s"
expect_exit "--version" 0 ixl-gen --version
expect_match "--version" "$out" '^ixl-gen [0-9]+\.[0-9]+\.[0-9]+'
finish
