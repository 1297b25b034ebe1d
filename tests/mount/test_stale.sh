#!/bin/bash
# Stale locks: by age (a timestamp older than the stale
# timeout, written by hand as a hand-editing agent would) and by
# holder exit (the agent that holds it is killed).  A stale lock shows as
# mode 0444, cat says why, another's plain rm releases it, another's
# plain touch does not take it, and LOCKFS_FORCE=1 touch does (with a new
# token).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lf_init
lf_mount_first

check_stale() {
	local res=$1 why=$2
	assert_eq "$(stat -c %A "$MP/$res")" "-r--r--r--" "$res: stale mode"
	assert_eq "$(lock_field "$res" stale)" true "$res: stale"
	assert_eq "$(lock_field "$res" stale_reason)" "$why" "$res: stale_reason"
}

# ---- by age: entries in the bare format ----
old_s=$(($(date +%s) - 3600))
old=$(date -u -d "@$old_s" +%Y-%m-%dT%H:%M:%SZ)
# The same instant as another writer may put it: +01:00, fractions.
old_offset=$(date -u -d "@$((old_s + 3600))" +%Y-%m-%dT%H:%M:%S.250+01:00)
entry() {
	printf '{"resource": "%s", "timestamp": "%s", "instance": "CLI-old"}' "$1" "$2"
}
write_store "{\"locks\": [$(entry Chapter_01 $old), $(entry Chapter_02 $old),
	$(entry Chapter_03 "$old_offset"), $(entry Chapter_04 yesterday)]}"
check_stale Chapter_01 age
check_stale Chapter_03 age
check_stale Chapter_04 bad-timestamp
assert_eq "$(stat -c %Y "$MP/Chapter_01")" "$old_s" "mtime of a stale lock"
assert_eq "$(stat -c %Y "$MP/Chapter_03")" "$old_s" "offset timestamp"
assert_eq "$(listing)" "Chapter_01 Chapter_02 Chapter_03 Chapter_04 " "stale locks are listed"

expect_err "plain touch of a stale lock" "File exists" as CLI-new touch "$MP/Chapter_01"
assert_eq "$(lock_field Chapter_01 instance)" CLI-old "still the old holder"
expect_ok "plain rm of a stale lock" as CLI-new rm "$MP/Chapter_01"
assert_eq "$(listing)" "Chapter_02 Chapter_03 Chapter_04 " "released by the override"
grep -q '"override-release"' "$BOOK/.locks/events.log" || fail "override not logged"

expect_ok "forced touch" env LOCKFS_FORCE=1 LOCKFS_INSTANCE=CLI-new touch "$MP/Chapter_02"
assert_eq "$(lock_field Chapter_02 instance)" CLI-new "taken over"
assert_eq "$(lock_field Chapter_02 stale)" false "live after the take-over"
assert_eq "$(stat -c %A "$MP/Chapter_02")" "-rw-r--r--" "live mode"
[ "$(lock_field Chapter_02 token)" -ge 1 ] || fail "take-over token"
grep -q '"take-over"' "$BOOK/.locks/events.log" || fail "take-over not logged"
# An entry whose timestamp cannot be read is overridden the same way.
expect_ok "forced touch, bad timestamp" env LOCKFS_FORCE=1 LOCKFS_INSTANCE=CLI-new touch "$MP/Chapter_04"
assert_eq "$(store_field Chapter_04 instance)" CLI-new "bad timestamp taken over"

# A live lock is not taken over by a plain touch, stale or not.
expect_err "plain touch of a live lock" "File exists" as CLI-old touch "$MP/Chapter_02"

# ---- by holder exit ----
agent_start A
agent_ok A "touch $MP/Chapter_05"
agent_ok A "touch $MP/Chapter_06"
t5=$(lock_field Chapter_05 token)
t6=$(lock_field Chapter_06 token)
assert_eq "$(stat -c %A "$MP/Chapter_05")" "-rw-r--r--" "live while the agent runs"
agent_kill A
check_stale Chapter_05 holder-exited
check_stale Chapter_06 holder-exited

expect_err "plain touch after the holder exited" "File exists" as CLI-B touch "$MP/Chapter_05"
expect_ok "plain rm after the holder exited" as CLI-B rm "$MP/Chapter_05"
expect_ok "forced touch after the holder exited" env LOCKFS_FORCE=1 LOCKFS_INSTANCE=CLI-B touch "$MP/Chapter_06"
assert_eq "$(lock_field Chapter_06 instance)" CLI-B "taken over from the exited holder"
[ "$(lock_field Chapter_06 token)" -gt "$t6" ] || fail "take-over gives a new token"
[ "$(lock_field Chapter_06 token)" -gt "$t5" ] || fail "tokens keep growing"
assert_eq "$(lock_field Chapter_06 stale)" false "live after the take-over"
assert_eq "$(listing)" "Chapter_02 Chapter_03 Chapter_04 Chapter_06 " "final listing"
echo PASS
