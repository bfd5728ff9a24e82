#!/bin/sh
# make analyze: clang's static analyzer over src/ and tests/unit/, and
# cppcheck over src/, all at zero.
#
# First pass src/ (libyagura and the yagura command): the analyzer builds
# only the `yagura` target, and --exclude drops any report located in
# tests/, fuzz/ or bench/ (e.g. through a header). Second pass the unit
# tests' own objects, with reports in src/ dropped (the first pass has
# them).
#
# meson records the compiler at setup time, so the analyzer has a build
# directory of its own, set up under scan-build (CC=ccc-analyzer). The
# analyzer reports only on the files it compiles, so every run starts from
# `ninja -t clean`: an incremental run would pass over old findings.
set -eu
build=${1:-build-analyze}
src=$(pwd)
if [ ! -f "$build/build.ninja" ]; then
	scan-build meson setup "$build" --buildtype=debug >/dev/null
fi
ninja -C "$build" -t clean >/dev/null
rm -rf "$build/scan-report"
echo "analyze: scan-build over src/ (reports in $build/scan-report when any)"
scan-build --status-bugs -o "$build/scan-report" \
	--exclude "$src/tests" --exclude "$src/fuzz" --exclude "$src/bench" \
	ninja -C "$build" yagura >"$build/scan-build.log" 2>&1 || {
	grep -E 'warning:|error:|scan-build:' "$build/scan-build.log" >&2
	echo "analyze: scan-build found bugs (log: $build/scan-build.log)" >&2
	exit 1
}
grep 'scan-build:' "$build/scan-build.log" | tail -1

# The unit tests too (issue 23): a test that reads freed memory or an
# unset value can pass while checking nothing. Only their own objects are
# compiled here (the library was analyzed above), and reports located in
# src/ (through its headers) belong to the pass above.
echo "analyze: scan-build over tests/unit/ (reports in $build/scan-report-unit when any)"
rm -rf "$build/scan-report-unit"
unit_objs=$(ninja -C "$build" -t targets all | sed -n 's/^\([^:]*tests_unit_[^:]*\.o\):.*/\1/p')
scan-build --status-bugs -o "$build/scan-report-unit" \
	--exclude "$src/src" --exclude "$src/fuzz" --exclude "$src/bench" \
	ninja -C "$build" $unit_objs >"$build/scan-build-unit.log" 2>&1 || {
	grep -E 'warning:|error:|scan-build:' "$build/scan-build-unit.log" >&2
	echo "analyze: scan-build found bugs in tests/unit (log: $build/scan-build-unit.log)" >&2
	exit 1
}
grep 'scan-build:' "$build/scan-build-unit.log" | tail -1

# cppcheck keeps the checks that find defects (error, warning, portability,
# performance), not the style ones; it reads src/ only (-Isrc), with libc
# and POSIX known through --library.
echo "analyze: cppcheck over src/"
cppcheck -q -j2 --std=c11 -D_GNU_SOURCE -Isrc --library=posix --library=gnu \
	--enable=warning,portability,performance --inline-suppr \
	--suppressions-list=scripts/cppcheck.supp --error-exitcode=1 \
	--template='{file}:{line}: {severity}/{id}: {message}' src
echo "analyze: clean"
