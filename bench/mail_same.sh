#!/bin/sh
# Output identity check for speed work on `yagura mail analyze`: runs two
# builds over the same messages and diffs their reports byte for byte
# (--json, and the human summary), the new one with one job and with two.
# Messages: the bench corpus (bench/out/mail, when bench/mail_bench.sh made
# it), the edge cases of bench/gen_mail_edge.py (made here, under
# bench/out/mail-edge), ../shared/data/mail when present, and the mail
# fuzz seed corpora (most are not messages; the error lines are compared).
# Usage: bench/mail_same.sh OLD_YAGURA NEW_YAGURA
#   MAIL_SAME_BIG=1  adds a message with a part past the 32 MiB kept prefix
# Exit status 0 when every output is identical, 1 otherwise.
set -eu
old=$1
new=$2
py=/usr/bin/python3
edge=bench/out/mail-edge
big=""
[ -n "${MAIL_SAME_BIG:-}" ] && big=--big
"$py" bench/gen_mail_edge.py "$edge" $big
work=$(mktemp -d /tmp/yg-mail-same-XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
{
	find bench/out/mail "$edge" -name '*.eml' 2>/dev/null
	find ../shared/data/mail -name '*.eml' 2>/dev/null
	find fuzz/corpus -path '*mail*' -type f
} | sort >"$work/list"
echo "mail_same: $(wc -l <"$work/list") files"
rc=0
run() { # BIN OUT ARGS...
	bin=$1
	out=$2
	shift 2
	# status 1 (some files not analyzable) is expected on the fuzz seeds
	xargs -n 400 "$bin" mail analyze "$@" <"$work/list" >"$out" 2>"$out.err" || true
}
run "$old" "$work/old.json" --json --jobs 1
run "$new" "$work/new1.json" --json --jobs 1
run "$new" "$work/new2.json" --json --jobs 2
run "$old" "$work/old.txt" --jobs 1
run "$new" "$work/new.txt" --jobs 2
for pair in old.json:new1.json old.json:new2.json old.txt:new.txt old.json.err:new1.json.err \
	old.txt.err:new.txt.err; do
	a=${pair%%:*}
	b=${pair#*:}
	if cmp -s "$work/$a" "$work/$b"; then
		echo "same: $a $b ($(wc -c <"$work/$a") bytes)"
	else
		echo "DIFFERENT: $a $b"
		diff "$work/$a" "$work/$b" | head -c 3000
		rc=1
	fi
done
exit $rc
