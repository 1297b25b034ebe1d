#!/bin/bash
# What stat says a lock file's size is, a read then returns, even when the
# age in it gains a digit between the two (tar archives size bytes, then
# would hold a cut JSON object); yet the age shown does not freeze.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lf_init
lf_mount_first

expect_ok "A takes Chapter_01" as CLI-A touch "$MP/Chapter_01"

# Late in a second s, make the lock 9 s old; stat; read it after the turn
# of the second, when it is 10 s old.
late_in_a_second() {
	while [ "$(date +%N | cut -c1)" -lt 7 ]; do sleep 0.02; done
}
sleep 1.2	# nothing from the touch above is remembered
late_in_a_second
s=$(date +%s)
ts=$(date -u -d "@$((s - 9))" +%Y-%m-%dT%H:%M:%SZ)
edit_store "(.locks[] | select(.resource == \"Chapter_01\") | .timestamp) = \"$ts\""
size=$(stat -c %s "$MP/Chapter_01")
while [ "$(date +%s)" -le "$s" ]; do sleep 0.02; done
sleep 0.1
cat "$MP/Chapter_01" >"$T/content"
assert_eq "$(wc -c <"$T/content")" "$size" "stat size and read length"
jq -e . "$T/content" >/dev/null || fail "not one JSON object: $(cat "$T/content")"
first=$(jq .age_seconds "$T/content")

# Asked again after a pause, or read for long, the age moves on.
sleep 1.5
assert_eq "$(( $(lock_field Chapter_01 age_seconds) > first ))" 1 "age after a pause"
first=$(lock_field Chapter_01 age_seconds)
for _ in $(seq 16); do
	last=$(lock_field Chapter_01 age_seconds)
	sleep 0.5
done
[ "$((last - first))" -ge 4 ] || fail "age froze: $first, then $last after 8 s of reads"
echo PASS
