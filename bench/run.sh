#!/bin/sh
# Benchmarks, printed as ratios against a baseline measured in the same run
# on the same machine (machines are noisy; ratios travel).
#   BENCH_PACKETS (default 10000000), BENCH_FLOWS (200000),
#   BENCH_INDICATORS (1000000), BENCH_REPEAT (5: best of 5 sensor runs),
#   BENCH_DARKNET_SOURCES (200000), BENCH_BEACONS_PER_LEVEL (25),
#   BENCH_BENIGN_HOSTS (40), BENCH_ICS_FLOWS (4000).
set -eu
build=${1:-build}
out=bench/out
mkdir -p "$out"
pkts=${BENCH_PACKETS:-10000000}
flows=${BENCH_FLOWS:-200000}
inds=${BENCH_INDICATORS:-1000000}
cap="$out/mixed-$pkts-$flows.pcap"
intel="$out/intel-$inds.txt"

[ -f "$cap" ] || "$build/tool_gencap" "$cap" "$pkts" "$flows" 1
[ -f "$intel" ] || "$build/tool_gencap" --intel "$intel" "$inds"

# Warm the page cache so the first measured reader does not pay for disk.
cat "$cap" >/dev/null

rate_of() { sed -n 's/.*pps=\([0-9.]*\).*/\1/p'; }
sensor_pps() {
	# "sensor: N packets, B bytes in S s; ..." -> N/S (engine time, load excluded)
	sed -n 's/^sensor: \([0-9]*\) packets, [0-9]* bytes in \([0-9.]*\) s;.*/\1 \2/p' |
		awk '{ if ($2 > 0) printf "%.0f", $1 / $2 }'
}

max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b) ? a : b }'; }

echo "== capture: $cap ($pkts packets, $flows flows); indicators: $intel ($inds)"
# Each rate is the best of BENCH_REPEAT (default 5) runs, the baseline's
# taken between them too: on a shared machine a run that lost its core for
# a while says nothing about the program.
reps=${BENCH_REPEAT:-5}
# Each sensor run writes ~650 MB of EVE. Written back to disk before the
# next run starts (sync): otherwise a run pays for the previous one's dirty
# pages (the kernel throttles writers past its dirty limit) and the ratio
# measures the disk, not the sensor.
sensor_run() {
	rm -f "$out/eve-w$1.json"
	sync
	"$build/yagura" sensor -r "$cap" --intel "$intel" --eve "$out/eve-w$1.json" --workers "$1" 2>&1 >/dev/null | sensor_pps
}
# The sensor's default --workers: one per CPU it may use, at most 16
# (nproc counts the same affinity mask). On 1 or 2 CPUs that run is one
# of the two below.
cpus=$(nproc)
[ "$cpus" -le 16 ] || cpus=16
best=0 w1=0 w2=0 wd=0 i=0
while [ "$i" -lt "$reps" ]; do
	best=$(max "$best" "$("$build/tool_pcap_baseline" "$cap" | rate_of)")
	w1=$(max "$w1" "$(sensor_run 1)")
	w2=$(max "$w2" "$(sensor_run 2)")
	[ "$cpus" -le 2 ] || wd=$(max "$wd" "$(sensor_run "$cpus")")
	i=$((i + 1))
done
case $cpus in 1) wd=$w1 ;; 2) wd=$w2 ;; esac
best=$(max "$best" "$("$build/tool_pcap_baseline" "$cap" | rate_of)")
echo "baseline_libpcap_pps=$best"
echo "sensor_w1_pps=$w1"
echo "sensor_w2_pps=$w2"
echo "sensor_default_pps=$wd (--workers $cpus, one per CPU)"
awk -v s="$wd" -v b="$best" -v n="$cpus" 'BEGIN { printf "ratio_sensor_default_vs_libpcap=%.3f (the sensor as it runs by default, --workers %d; target >= 0.5)\n", s / b, n }'
awk -v s="$w1" -v b="$best" 'BEGIN { printf "ratio_sensor_w1_vs_libpcap=%.3f (one worker: the 0.5 target read per core)\n", s / b }'
awk -v a="$w2" -v b="$w1" 'BEGIN { printf "ratio_workers2_vs_workers1=%.3f (target >= 1.7)\n", a / b }'
awk -v s="$w2" -v b="$best" 'BEGIN { printf "ratio_sensor_w2_vs_libpcap=%.3f (for information)\n", s / b }'

echo "== ICS-heavy mix: Modbus, DNP3, IEC 104 and S7comm polling with commands (icsgen.py mix), next to the mixed capture"
# BENCH_ICS_FLOWS flows (default 4000, ~87 packets each) of request and
# response pairs: every packet goes through the ICS parsers, EVE events,
# the policy check (defaults: no policy) and the flow table. Same rules as
# above: best of BENCH_REPEAT, against the bare libpcap loop on the same
# file in the same run, one worker.
icsflows=${BENCH_ICS_FLOWS:-4000}
icap="$out/ics-mix-$icsflows.pcap"
[ -f "$icap" ] || /usr/bin/python3 tests/e2e/icsgen.py mix "$icap" --flows "$icsflows"
cat "$icap" >/dev/null
ics_run() {
	rm -f "$out/eve-ics.json"
	sync
	"$build/yagura" sensor -r "$icap" --intel "$intel" --eve "$out/eve-ics.json" --workers 1 2>&1 >/dev/null | sensor_pps
}
ibest=0 iw1=0 i=0
while [ "$i" -lt "$reps" ]; do
	ibest=$(max "$ibest" "$("$build/tool_pcap_baseline" "$icap" | rate_of)")
	iw1=$(max "$iw1" "$(ics_run)")
	i=$((i + 1))
done
echo "baseline_libpcap_pps=$ibest (ICS mix)"
echo "sensor_ics_w1_pps=$iw1 (next to sensor_w1_pps=$w1 on the mixed capture)"
awk -v s="$iw1" -v b="$ibest" 'BEGIN { printf "ratio_sensor_ics_w1_vs_libpcap=%.3f (one worker, ICS mix)\n", s / b }'
awk -v s="$w1" -v b="$best" 'BEGIN { printf "ratio_sensor_w1_vs_libpcap=%.3f (one worker, mixed capture, as above)\n", s / b }'

echo "== darknet telescope: telescope-only traffic, $inds indicators loaded, one core"
# Per core: the telescope runs on the reading thread, so the rate is packets
# per second of that thread's CPU time, against the bare libpcap loop's
# packets per second of CPU time (a loaded machine skews wall time, not
# CPU time). BENCH_DARKNET_SOURCES distinct scanners (default 200000).
dcap="$out/darknet-$pkts.pcap"
[ -f "$dcap" ] || "$build/tool_gencap" --darknet "$dcap" "$pkts" "${BENCH_DARKNET_SOURCES:-200000}" 1
cat "$dcap" >/dev/null
cpu_rate_of() { sed -n 's/.*cpu_pps=\([0-9.]*\).*/\1/p'; }
darknet_run() {
	rm -f "$out/eve-darknet.json"
	sync
	"$build/yagura" sensor -r "$dcap" --intel "$intel" --darknet 100.64.0.0/16 --workers 1 \
		--geoip-dir /nonexistent --eve "$out/eve-darknet.json" 2>&1 >/dev/null |
		awk '/^sensor: [0-9]+ packets/ { n = $2 }
		     /reading thread/ { for (i = 1; i < NF; i++) if ($i == "thread") c = $(i + 1) }
		     END { if (c > 0) printf "%.0f", n / c }'
}
dbest=0 dn=0 i=0
while [ "$i" -lt "$reps" ]; do
	dbest=$(max "$dbest" "$("$build/tool_pcap_baseline" "$dcap" | cpu_rate_of)")
	dn=$(max "$dn" "$(darknet_run)")
	i=$((i + 1))
done
echo "baseline_libpcap_cpu_pps=$dbest (telescope capture)"
echo "darknet_cpu_pps=$dn"
awk -v s="$dn" -v b="$dbest" 'BEGIN { printf "ratio_darknet_vs_libpcap=%.3f (per core, CPU time; target >= 0.8)\n", s / b }'

echo "== indicator sets"
"$build/bench_intel"
echo "== flow table"
"$build/bench_flow"
echo "== hub"
./bench/hub_bench.sh "$build"
echo "== hub exports: memory over 50,000 vs 300,000 indicators (BENCH_EXPORT_N1, _N2)"
"$build/bench_export" "${BENCH_EXPORT_N1:-50000}" "${BENCH_EXPORT_N2:-300000}"
./bench/mail_bench.sh "$build"
"$build/bench_correlate" "${BENCH_OBSERVABLES:-1000000}"
echo "== time to protect (hub -> another member's live sensor)"
/usr/bin/python3 bench/protect_bench.py "$build" "${BENCH_PROTECT_TRIALS:-100}"
echo "== incremental sync of 100,000 indicator changes (hub -> sensor change feed)"
/usr/bin/python3 bench/sync_bench.py "$build" "${BENCH_SYNC_CHANGES:-100000}" "$cap"
echo "== beacon detection (generated beacons, a generated benign day, the shared captures)"
/usr/bin/python3 bench/beacon_bench.py "$build"
