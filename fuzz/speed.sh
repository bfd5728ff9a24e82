#!/bin/bash
# Executions per second of every harness (or the ones named), SECONDS each,
# one at a time, from a scratch copy of its committed corpus:
#
#   fuzz/speed.sh BUILD SECONDS [NAME...]
#
# Two figures per harness. exec/s is libFuzzer's own (executions over wall
# time); on a machine shared with other work it falls with the load, so
# the line also gives executions per CPU second, which does not: the
# executions over the run's user + system time (/usr/bin/time) less the
# set-up's (the same harness run on one empty input), so a world that
# takes a second to build does not count against a short run. The load
# average is the one at the end of the run. The README's bar of 1,000
# executions per second is met when exec/cpu-s is above it.
#
# Scratch corpora and logs go to fuzz/artifacts/speed/<name>/ (not
# committed). Exit status: 0, or 1 when a harness crashed.
set -u
build=${1:?usage: fuzz/speed.sh BUILD SECONDS [NAME...]}
secs=${2:?usage: fuzz/speed.sh BUILD SECONDS [NAME...]}
shift 2
out=fuzz/artifacts/speed
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for h in "$build"/fuzz_*; do
		[ -f "$h" ] && [ -x "$h" ] && names+=("${h##*/fuzz_}")
	done
fi
cpu_of() { awk 'END {printf "%.2f", $1 + $2}' "$1"; }
crashed=0
printf '%-16s %9s %9s %7s %7s %10s  %s\n' harness execs exec/s cpu-s setup-s exec/cpu-s load
for n in "${names[@]}"; do
	dir=$out/$n
	rm -rf "$dir"
	mkdir -p "$dir/corpus" "$dir/empty"
	cp -r fuzz/corpus/"$n"/. "$dir/corpus/" 2>/dev/null
	/usr/bin/time -f '%U %S' -o "$dir/setup-time" "$build/fuzz_$n" -runs=0 "$dir/empty" \
		>"$dir/setup-log" 2>&1
	/usr/bin/time -f '%U %S' -o "$dir/time" "$build/fuzz_$n" -max_total_time="$secs" \
		-timeout=25 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/" \
		"$dir/corpus" >"$dir/log" 2>&1 || crashed=1
	load=$(cut -d' ' -f1 /proc/loadavg)
	execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$dir/log")
	eps=$(awk '/stat::average_exec_per_sec/ {print $2}' "$dir/log")
	cpu=$(cpu_of "$dir/time")
	setup=$(cpu_of "$dir/setup-time")
	per_cpu=$(awk -v e="${execs:-0}" -v c="$cpu" -v s="$setup" \
		'BEGIN {printf "%d", (c - s > 0 ? e / (c - s) : 0)}')
	printf '%-16s %9s %9s %7s %7s %10s  %s\n' "$n" "${execs:-?}" "${eps:-?}" "$cpu" "$setup" \
		"$per_cpu" "$load"
done
exit $crashed
