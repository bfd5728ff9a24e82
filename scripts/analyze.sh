#!/bin/sh
# make analyze: clang's static analyzer and cppcheck over src/, both at zero.
#
# Scope is src/ (libyagura and the yagura command): the analyzer builds only
# the `yagura` target, so tests/, fuzz/ and bench/ are not compiled here,
# and --exclude drops any report located in them (e.g. through a header).
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

# cppcheck keeps the checks that find defects (error, warning, portability,
# performance), not the style ones; it reads src/ only (-Isrc), with libc
# and POSIX known through --library.
echo "analyze: cppcheck over src/"
cppcheck -q -j2 --std=c11 -D_GNU_SOURCE -Isrc --library=posix --library=gnu \
	--enable=warning,portability,performance --inline-suppr \
	--suppressions-list=scripts/cppcheck.supp --error-exitcode=1 \
	--template='{file}:{line}: {severity}/{id}: {message}' src
echo "analyze: clean"
