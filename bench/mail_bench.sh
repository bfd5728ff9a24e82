#!/bin/sh
# E-mail analyzer benchmark (issue 5, Performance): messages analyzed per
# second by `yagura mail analyze --json` (no YARA) on a generated corpus,
# against Python's email package (Debian's /usr/bin/python3, policy=default)
# parsing the same files, decoding every leaf part and hashing attachments
# with MD5/SHA-1/SHA-256, measured in the same run. Target ratio >= 20.
# Then the floor: what the libraries issue 5 mandates cost by themselves on
# the same corpus (BUILD_DIR/tool_mail_floor: libfuzzy's ssdeep and the
# three hashes over every file the analyzer hashes, one core, CPU time),
# and the ceiling it puts on the ratio: Python's time over that floor spread
# on the same number of cores, the ratio even a yagura whose every other
# step cost nothing could not pass.
# Usage: bench/mail_bench.sh [BUILD_DIR]
#   MAIL_BENCH_MESSAGES (10000)  corpus size (bench/out/mail/, kept between runs)
#   MAIL_BENCH_JOBS (unset)      passed as --jobs to yagura when set; unset,
#                                yagura uses every online core, and so does
#                                the ceiling
#   MAIL_BENCH_BATCH (1000)      files per yagura process
set -eu
build=${1:-build}
n=${MAIL_BENCH_MESSAGES:-10000}
batch=${MAIL_BENCH_BATCH:-1000}
dir=bench/out/mail
py=/usr/bin/python3

echo "== mail: generating corpus ($n messages) in $dir"
"$py" bench/gen_mail.py "$dir" "$n"
list=$(mktemp /tmp/yg-mail-bench-XXXXXX)
trap 'rm -f "$list"' EXIT INT TERM
find "$dir" -name 'm*.eml' | sort >"$list"
count=$(wc -l <"$list")
bytes=$(cat "$dir"/m*.eml | wc -c)
echo "corpus: $count messages, $bytes bytes"
# Warm the page cache so neither side pays for the disk.
xargs cat <"$list" >/dev/null

now() { date +%s.%N; }

jobs=""
[ -n "${MAIL_BENCH_JOBS:-}" ] && jobs="--jobs $MAIL_BENCH_JOBS"
t0=$(now)
# shellcheck disable=SC2086 # $jobs is empty or two words
xargs -n "$batch" "$build/yagura" mail analyze --json $jobs <"$list" >/dev/null
t1=$(now)

"$py" - "$list" >"$list.py" <<'EOF'
import hashlib, sys, time
from email import policy
from email.parser import BytesParser

paths = [l.rstrip("\n") for l in open(sys.argv[1])]
parser = BytesParser(policy=policy.default)
t0 = time.monotonic()
files = 0
for path in paths:
    with open(path, "rb") as f:
        msg = parser.parse(f)
    for part in msg.walk():
        if part.is_multipart():
            continue
        data = part.get_payload(decode=True) or b""
        if part.is_attachment() or part.get_filename():
            for h in (hashlib.md5, hashlib.sha1, hashlib.sha256):
                h(data).hexdigest()
            files += 1
print(f"{time.monotonic() - t0:.6f} {files}")
EOF
read -r py_secs py_files <"$list.py"
rm -f "$list.py"

awk -v n="$count" -v a="$t0" -v b="$t1" -v p="$py_secs" -v f="$py_files" 'BEGIN {
	y = n / (b - a); q = n / p
	printf "python_email_msgs_per_s=%.1f (%d attachments hashed)\n", q, f
	printf "yagura_mail_msgs_per_s=%.1f\n", y
	printf "ratio_mail_vs_python=%.2f (target >= 20)\n", y / q
}'

if [ ! -x "$build/tool_mail_floor" ]; then
	echo "mail floor: $build/tool_mail_floor not built, no ceiling"
	exit 0
fi
ncpu=${MAIL_BENCH_JOBS:-$(getconf _NPROCESSORS_ONLN)}
floor=$("$build/tool_mail_floor" "$list" "$ncpu") || {
	echo "mail floor: tool_mail_floor failed, no ceiling"
	exit 0
}
printf '%s\n' "$floor" | grep -E '^(mail_files_hashed|mail_attachment_bytes)='
ss=$(printf '%s\n' "$floor" | sed -n 's/^ssdeep_only_seconds=//p')
hs=$(printf '%s\n' "$floor" | sed -n 's/^hashes_only_seconds=//p')
awk -v p="$py_secs" -v s="$ss" -v h="$hs" -v j="$ncpu" -v a="$t0" -v b="$t1" 'BEGIN {
	printf "ssdeep_only_seconds=%.3f (libfuzzy over every attachment byte, one core)\n", s
	printf "hashes_only_seconds=%.3f (MD5+SHA-1+SHA-256, one core; Python pays these too)\n", h
	printf "mail_floor_share_of_yagura=%.2f (ssdeep+hashes on %d cores over the yagura run)\n", (s + h) / j / (b - a), j
	printf "ceiling_ratio_with_ssdeep=%.2f (python_seconds / ((ssdeep+hashes) / %d jobs): the best ratio possible if everything else cost nothing)\n", p / ((s + h) / j), j
	printf "ceiling_ratio_without_ssdeep=%.2f (the same with hashes only, for information)\n", p / (h / j)
}'
