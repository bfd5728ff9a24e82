#!/bin/sh
# make valgrind: every fuzz corpus replayed under valgrind memcheck on the
# release build's replay binaries (BUILD/fuzz_<name>_replay, see meson.build),
# plus the route-parsing unit test. Memcheck sees what ASan cannot: a
# branch on uninitialised stack or heap (ASan reports only bad addresses,
# MSan needs every library rebuilt), and it runs on the optimised code that
# ships. Leaks are LeakSanitizer's job in the ASan run, so they are off here.
#
# fuzz/valgrind.supp holds only the dynamic loader's known reports; any
# other report fails the run. VALGRIND_EXTRA adds options, e.g.
# VALGRIND_EXTRA=--track-origins=yes to see where a value came from.
set -eu
build=${1:-build}
supp=fuzz/valgrind.supp
vg="valgrind -q --tool=memcheck --error-exitcode=99 --leak-check=no --num-callers=30
    --suppressions=$supp ${VALGRIND_EXTRA:-}"

fail=0
total_start=$(date +%s)
run() {
	label=$1
	shift
	t0=$(date +%s)
	if out=$($vg "$@" 2>&1); then
		echo "valgrind: $label ok ($(($(date +%s) - t0)) s) $(echo "$out" | grep -o 'replayed [0-9]* inputs' || true)"
	else
		echo "$out" | tail -60 >&2
		echo "valgrind: $label FAILED" >&2
		fail=1
	fi
}

found=0
for exe in "$build"/fuzz_*_replay; do
	[ -x "$exe" ] || continue
	found=$((found + 1))
	name=$(basename "$exe" _replay)
	name=${name#fuzz_}
	run "fuzz_$name" "$exe" "fuzz/corpus/$name"
done
if [ "$found" -eq 0 ]; then
	echo "valgrind: no replay binaries in $build (build it first)" >&2
	exit 1
fi
run test_request "$build/test_request"

echo "valgrind: $found corpora and test_request in $(($(date +%s) - total_start)) s"
exit $fail
