#!/bin/sh
# Every harness fuzz/fuzz_<name>.c has a seed corpus fuzz/corpus/<name>/
# with at least one non-empty file: a harness without seeds replays
# nothing in `make test` and starts every fuzzing run from scratch.
# Run by `meson test` (suite fuzz) from the source root given as $1.
set -u
root=${1:-.}
bad=0
for f in "$root"/fuzz/fuzz_*.c; do
	name=$(basename "$f" .c)
	name=${name#fuzz_}
	dir=$root/fuzz/corpus/$name
	if [ ! -d "$dir" ]; then
		echo "harness $name: no corpus folder fuzz/corpus/$name/" >&2
		bad=1
	elif [ -z "$(find "$dir" -type f -size +0c | head -n 1)" ]; then
		echo "harness $name: fuzz/corpus/$name/ holds no non-empty file" >&2
		bad=1
	fi
done
[ $bad -eq 0 ] && echo "every harness has a non-empty corpus"
exit $bad
