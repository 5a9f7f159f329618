#!/usr/bin/env bash
# ixl-gen's pacing and run control, each NIC alone on its hub (it transmits
# into nothing, which measures the generator alone):
#   NIC0 e1000 (hub 0), NIC1 e1000e (hub 1)
# --rate 100k --duration 5: 500,000 frames +- 1 %, every per-second JSON
# rate within 1 % of 100,000; a bit rate and a share of line rate likewise;
# the NIC's own tx counter agrees with ixl-gen's. Then the maximum rate of
# each NIC (printed, for the record), the device choice without ADDR, and
# SIGUSR1 / SIGINT.
. "$(dirname "$0")/lib.sh"

A=0000:00:04.0
B=0000:00:05.0

# pace_check NAME JSON-FILE KEY WANT SECONDS: summary and each interval's KEY within 1 %.
pace_check() {
	local name=$1 file=$2 key=$3 want=$4 secs=$5 res
	res=$(python3 - "$file" "$key" "$want" "$secs" <<'EOF'
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
key, want, secs = sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
iv = [o for o in objs if not o.get("summary") and not o.get("snapshot")]
s = [o for o in objs if o.get("summary")]
if not s:
    print("FAIL no summary"); sys.exit()
s = s[-1]
rates = [o[key] for o in iv]
worst = max((abs(r - want) / want for r in rates), default=1)
total_want = want * secs if key == "tx_pps" else None
print("intervals", len(rates), "worst %.3f%%" % (worst * 100), " ".join("%.0f" % r for r in rates))
print("ok" if len(rates) >= int(secs) - 1 and worst <= 0.01 else "FAIL", "per-second", key)
print("ok" if s["tx_packets"] == s["nic_tx_packets"] else "FAIL", "NIC counter", s["tx_packets"], s["nic_tx_packets"])
print("ok" if abs(s[key] - want) / want <= 0.01 else "FAIL", "summary", key, s[key])
EOF
)
	echo "  $name: $(head -1 <<<"$res")"
	while read -r verdict rest; do
		case $verdict in
		ok) ok "$name: $rest within 1 % of $want" ;;
		FAIL) not_ok "$name: $rest not within 1 % of $want" ;;
		esac
	done <<<"$(tail -n +2 <<<"$res")"
}

json_get() {
	python3 -c 'import json,sys
lines=[json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
s=[o for o in lines if o.get("summary")]
print(s[-1][sys.argv[2]] if s else "no-summary")' "$1" "$2"
}

if [ "${1:-}" = guest ]; then
	ixl-gen --rate 100k --duration 5 --json $A >"$WORK/r100k.json" 2>"$WORK/r100k.err"
	expect_eq "--rate 100k --duration 5 exits" $? 0
	tx=$(json_get "$WORK/r100k.json" tx_packets)
	expect_true "--rate 100k --duration 5: $tx frames, 500,000 +- 1 %" \
		test "$tx" -ge 495000 -a "$tx" -le 505000
	pace_check "100k pps" "$WORK/r100k.json" tx_pps 100000 5

	# 30 Mbit/s of 1514-byte frames: 2470.4 frames/s; the JSON mbps counts the FCS.
	ixl-gen --rate 30Mbit -s 1514 --duration 3 --json $A >"$WORK/r30m.json" 2>"$WORK/r30m.err"
	expect_match "30Mbit announced as packets/s" "$(cat "$WORK/r30m.err")" \
		"rate 2470 packets/s = 30\.000 Mbit/s counting FCS"
	pace_check "30 Mbit/s" "$WORK/r30m.json" tx_mbps 30 3

	# 5 % of 1000 Mbit/s with 60-byte frames: 50e6 / (84 * 8) = 74404.8 frames/s.
	ixl-gen --rate 5% --duration 3 --json $A >"$WORK/r5p.json" 2>"$WORK/r5p.err"
	expect_match "5% announced" "$(cat "$WORK/r5p.err")" "rate 74405 packets/s"
	pace_check "5 %" "$WORK/r5p.json" tx_pps 74404.76 3

	for dev in $A $B; do
		ixl-gen --duration 3 --json $dev >"$WORK/max.json" 2>/dev/null
		pps=$(json_get "$WORK/max.json" tx_pps)
		echo "  maximum rate on $dev ($(nic_driver $dev)): $pps frames/s of 60 bytes"
		expect_true "$dev sends without --rate (> 10,000 frames/s)" \
			python3 -c "import sys; sys.exit(not float('$pps') > 10000)"
	done

	expect_exit "no ADDR, no \$IXL_DEVICE, two free NICs: exit 64" 64 env -u IXL_DEVICE ixl-gen -c 1
	expect_match "... and lists them" "$out" "2 NICs could be used.*"
	expect_match "... with $A" "$out" "$A  e1000  interface eth0 \(down\)"
	expect_match "... with $B" "$out" "$B  e1000  interface eth1 \(down\)"
	IXL_DEVICE=$B ixl-gen -c 100 --json >"$WORK/env.json" 2>/dev/null
	expect_eq "IXL_DEVICE=$B: exit" $? 0
	expect_eq "IXL_DEVICE=$B: NIC sent 100" "$(json_get "$WORK/env.json" nic_tx_packets)" 100
	ip link set eth1 up
	expect_exit "eth1 up: the one free NIC is picked" 0 env -u IXL_DEVICE ixl-gen -c 10 -q
	expect_match "... and it was $A" "$(ixl-gen -c 10 2>&1)" "^ixl-gen: $A: sending"
	ip link set eth1 down

	ixl-gen --rate 1k --json $A >"$WORK/sig.json" 2>"$WORK/sig.err" &
	pid=$!
	sleep 3
	kill -USR1 $pid
	sleep 1.5
	kill -INT $pid
	wait $pid
	expect_eq "SIGINT ends the run with exit" $? 0
	expect_eq "SIGUSR1 printed one snapshot" "$(grep -c '"snapshot": true' "$WORK/sig.json")" 1
	expect_eq "SIGINT printed the summary" "$(grep -c '"summary": true' "$WORK/sig.json")" 1
	expect_eq "summary: tx_packets == the NIC's count" \
		"$(json_get "$WORK/sig.json" tx_packets)" "$(json_get "$WORK/sig.json" nic_tx_packets)"
	expect_eq "after SIGINT the NIC is back with e1000" "$(nic_driver $A)" e1000

	ixl-gen --rate 1k $A 2>"$WORK/text.err" &
	pid=$!
	sleep 2.5
	kill -TERM $pid
	wait $pid
	expect_eq "SIGTERM: exit" $? 0
	expect_match "text lines: rates per second" "$(cat "$WORK/text.err")" \
		"^ixl-gen: tx (999|1,000|1,001) pps 0\.5 Mbit/s \| nic_tx_packets [0-9,]+ nic_tx_bytes"
	expect_match "text summary" "$(cat "$WORK/text.err")" "^ixl-gen: total \([0-9.]+ s\): tx [0-9,]+ packets"
	finish
fi

vm_run --nic e1000,hub=0 --nic e1000e,hub=1 --timeout 400
finish
