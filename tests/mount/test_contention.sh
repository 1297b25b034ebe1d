#!/bin/bash
# Two instances through the mount: touch acquires
# and renews, a second instance gets "File exists", rm releases only the
# holder's lock, and ls -l / stat / cat show the lock's holder, age and token.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lf_init
lf_mount_first

# Different chapters: both succeed.
expect_ok "A takes Chapter_01" as CLI-A touch "$MP/Chapter_01"
expect_ok "B takes Chapter_02" as CLI-B touch "$MP/Chapter_02"
assert_eq "$(listing)" "Chapter_01 Chapter_02 " "ls"

# Same chapter: the second touch fails and cat names the holder.
expect_err "B takes A's chapter" "File exists" as CLI-B touch "$MP/Chapter_01"
assert_eq "$(lock_field Chapter_01 instance)" CLI-A "holder in cat"
assert_eq "$(store_field Chapter_01 instance)" CLI-A "holder in the store"

# The holder's second touch renews: the timestamp moves (set it back a
# few minutes by hand first), the acquisition and its token stay.
token=$(lock_field Chapter_01 token)
acquired=$(lock_field Chapter_01 acquired)
old=$(iso_ago 300)
edit_store "(.locks[] | select(.resource == \"Chapter_01\") | .timestamp) = \"$old\""
[ "$(lock_field Chapter_01 age_seconds)" -ge 300 ] || fail "age after edit"
assert_eq "$(stat -c %Y "$MP/Chapter_01")" "$(date -d "$old" +%s)" "mtime = timestamp"
renewed_at=$(date +%s)
expect_ok "A renews" as CLI-A touch "$MP/Chapter_01"
[ "$(lock_field Chapter_01 age_seconds)" -le 2 ] || fail "renew did not move the timestamp"
[ "$(store_field Chapter_01 timestamp)" != "$old" ] || fail "stored timestamp did not move"
assert_eq "$(lock_field Chapter_01 token)" "$token" "renew keeps the token"
assert_eq "$(lock_field Chapter_01 acquired)" "$acquired" "renew keeps acquired"
# (Not against the clock now: reading the store above takes a while on
# a loaded machine.)
[ "$(stat -c %Y "$MP/Chapter_01")" -ge "$renewed_at" ] || fail "mtime did not follow the renewal"

# What ls -l and stat show: a live lock is 0644, one link, owned by the
# holder's uid, and its size is exactly what cat prints.
assert_eq "$(stat -c '%A %h %u' "$MP/Chapter_01")" "-rw-r--r-- 1 $(id -u)" "stat"
size=$(stat -c %s "$MP/Chapter_01")
assert_eq "$(cat "$MP/Chapter_01" | wc -c)" "$size" "size = length of cat"
assert_eq "$(stat -c '%A %U' "$MP")" "drwxr-xr-x $(id -un)" "root directory"

# cat: one JSON object and a newline, with resource, instance, timestamp and token.
jq -e 'has("resource") and has("instance") and has("timestamp") and
	has("acquired") and has("age_seconds") and has("stale") and
	has("stale_reason") and has("token") and .stale == false and
	.stale_reason == null and .resource == "Chapter_01"' \
	"$MP/Chapter_01" >/dev/null || fail "cat content: $(cat "$MP/Chapter_01")"
assert_eq "$(wc -l <"$MP/Chapter_01")" 1 "one line"

# Read-only opens of an absent lock: ENOENT.
expect_err "cat of a free chapter" "No such file or directory" cat "$MP/Chapter_05"

# rm: another's live lock is refused, the holder's rm releases.
expect_err "B removes A's lock" "Device or resource busy" as CLI-B rm "$MP/Chapter_01"
assert_eq "$(listing)" "Chapter_01 Chapter_02 " "still held after B's rm"
expect_ok "A releases" as CLI-A rm "$MP/Chapter_01"
assert_eq "$(listing)" "Chapter_02 " "ls after release"
assert_eq "$(store_field Chapter_01 instance)" "" "store after release"
expect_err "rm of a free chapter" "No such file or directory" as CLI-A rm "$MP/Chapter_01"

# Now B can take it; a new acquisition gets a new token.
expect_ok "B takes the freed chapter" as CLI-B touch "$MP/Chapter_01"
[ "$(lock_field Chapter_01 token)" -gt "$token" ] || fail "token did not grow"

# A forced rm releases another's live lock and is logged.
expect_ok "A force-releases B's lock" env LOCKFS_FORCE=1 LOCKFS_INSTANCE=CLI-A rm "$MP/Chapter_01"
grep -q '"force-release"' "$BOOK/.locks/events.log" || fail "force release not logged"
assert_eq "$(listing)" "Chapter_02 " "ls after forced release"
echo PASS
