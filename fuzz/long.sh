#!/bin/bash
# Long fuzzing run: every harness (or the ones named) for MINUTES each, two
# at a time, then one line per harness with its executions per second,
# coverage and whether it crashed. `make fuzz-long MINUTES=N` runs it.
#
#   fuzz/long.sh BUILD MINUTES [NAME...]
#
# Each harness starts from a scratch copy of its committed corpus
# (fuzz/artifacts/long/<name>/corpus), so what a run finds never lands in
# fuzz/corpus/ unasked: a new input worth keeping is copied there by hand,
# and a crash becomes a corpus file and a unit test (README). Crash, leak,
# timeout and out-of-memory reproducers go to fuzz/artifacts/long/<name>/,
# the full libFuzzer log to fuzz/artifacts/long/<name>/log.
#
# Why two at a time: the project's machines have two cores; a third
# harness would only share them and halve everyone's rate.
#
# Exit status: 0 when no harness crashed, 1 when one did, 2 on bad usage.
set -u
build=${1:?usage: fuzz/long.sh BUILD MINUTES [NAME...]}
minutes=${2:?usage: fuzz/long.sh BUILD MINUTES [NAME...]}
shift 2
# 0 would be no limit at all to libFuzzer's -max_total_time.
case $minutes in '' | *[!0-9]* | 0 | 00*)
	echo "fuzz/long.sh: MINUTES must be a whole number of at least 1" >&2
	exit 2
	;;
esac
jobs=${FUZZ_JOBS:-2}
out=fuzz/artifacts/long
secs=$((minutes * 60))
# FUZZ_SECONDS overrides MINUTES, for a quick check of this script.
[ -n "${FUZZ_SECONDS:-}" ] && secs=$FUZZ_SECONDS

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for h in "$build"/fuzz_*; do
		[ -f "$h" ] && [ -x "$h" ] && names+=("${h##*/fuzz_}")
	done
fi
[ ${#names[@]} -gt 0 ] || { echo "fuzz/long.sh: no harness in $build" >&2; exit 2; }

run_one() {
	local name=$1 dir=$out/$1
	rm -rf "$dir"
	mkdir -p "$dir/corpus"
	cp -r fuzz/corpus/"$name"/. "$dir/corpus/" 2>/dev/null
	# -timeout: an input slower than 25 s is a finding (a hang), not
	# a reason to stall the run; -rss_limit_mb keeps two runs in RAM.
	"$build/fuzz_$name" -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$dir/" "$dir/corpus" >"$dir/log" 2>&1
	echo $? >"$dir/rc"
}

echo "fuzz-long: ${#names[@]} harnesses, $minutes min each, $jobs at a time ($(uptime | sed 's/.*load/load/'))"
running=0
for n in "${names[@]}"; do
	[ -x "$build/fuzz_$n" ] || { echo "fuzz/long.sh: no harness $build/fuzz_$n" >&2; exit 2; }
	if [ $running -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	echo "fuzz-long: start $n ($(date -u +%H:%M:%S))"
	run_one "$n" &
	running=$((running + 1))
done
wait

crashed=0
printf '\n%-16s %9s %7s %8s %9s  %s\n' harness exec/s cov ft corpus result
for n in "${names[@]}"; do
	dir=$out/$n
	log=$dir/log
	eps=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log")
	last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	arts=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' \
		-o -name 'timeout-*' -o -name 'oom-*' \) | sort)
	rc=$(cat "$dir/rc" 2>/dev/null || echo '?')
	if [ -n "$arts" ] || [ "$rc" != 0 ]; then
		crashed=1
		result="CRASH (exit $rc) ${arts:-no artifact, see $log}"
	else
		result=ok
	fi
	printf '%-16s %9s %7s %8s %9s  %s\n' "$n" "${eps:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" \
		"$(echo "$result" | tr '\n' ' ')"
done
echo "fuzz-long: done ($(uptime | sed 's/.*load/load/')); logs in $out/<name>/log"
exit $crashed
