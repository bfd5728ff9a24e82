#!/bin/sh
# Runs every libFuzzer harness for SECONDS each, starting from its corpus.
# New interesting inputs go to fuzz/artifacts/<name>/ (not committed).
set -eu
build=$1
secs=${2:-60}
for h in "$build"/fuzz_*; do
	[ -x "$h" ] || continue
	name=$(basename "$h" | sed 's/^fuzz_//')
	mkdir -p fuzz/artifacts/"$name"
	echo "== fuzz $name for ${secs}s"
	"$h" -max_total_time="$secs" -artifact_prefix=fuzz/artifacts/"$name"/ \
		fuzz/artifacts/"$name" fuzz/corpus/"$name"
done
