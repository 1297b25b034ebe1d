#!/bin/bash
# One malformed entry written by another writer stops no one: it is kept
# byte for byte, claims only what can be read of it (a field of the wrong
# type reads as absent; an entry without a readable resource claims
# nothing), `lockfs status` flags it, and every other resource works
# through the mount and the command line alike.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lf_init
lf_mount_first

expect_ok "A takes Chapter_01" as CLI-A touch "$MP/Chapter_01"
now=$(iso_ago 0)
jq --arg ts "$now" '.locks += [
	{"resource": "Chapter_02", "instance": "CLI-B", "timestamp": $ts, "token": "5", "note": 5},
	{"Resource": "Chapter_03", "instance": "CLI-B", "timestamp": $ts},
	42,
	{"resource": "Chapter_04", "instance": 7, "timestamp": $ts}
]' "$STORE" >"$T/new.json"
cat "$T/new.json" >"$STORE"

# The mount lists the readable claims; the bad fields read as absent.
assert_eq "$(listing)" "Chapter_01 Chapter_02 Chapter_04 " "readable claims listed"
assert_eq "$(lock_field Chapter_02 instance)" CLI-B "holder of the bad entry"
assert_eq "$(lock_field Chapter_02 token)" 0 "a string token reads as none"
assert_eq "$(lock_field Chapter_02 note)" null "a number note reads as none"
assert_eq "$(lock_field Chapter_04 instance)" null "a number instance reads as nobody"
assert_eq "$(stat -c %A "$MP/Chapter_02")" "-rw-r--r--" "the claim is live"
expect_err "the claim holds" "File exists" as CLI-A touch "$MP/Chapter_02"
expect_err "nobody's claim holds" "File exists" as CLI-A touch "$MP/Chapter_04"
# "Resource" names nothing lockfs can read: Chapter_03 is free.
expect_ok "A takes Chapter_03" as CLI-A touch "$MP/Chapter_03"
expect_ok "A takes Chapter_05" as CLI-A touch "$MP/Chapter_05"
expect_ok "A releases Chapter_01" as CLI-A rm "$MP/Chapter_01"

# Kept as they were, through lockfs's own changes.
assert_eq "$(jq -c '.locks[] | select(.resource == "Chapter_02") | [.token, .note]' "$STORE")" \
	'["5",5]' "bad fields kept"
assert_eq "$(jq -c '[.locks[] | select(type == "object" and .Resource == "Chapter_03")] | length' "$STORE")" \
	1 "the Resource entry kept"
assert_eq "$(jq -c '[.locks[] | select(. == 42)] | length' "$STORE")" 1 "the non-object kept"

# The command line works and says what is wrong.
expect_ok "CLI acquire beside a bad entry" as CLI-C "$LOCKFS" -C "$BOOK" acquire Chapter_06
"$LOCKFS" -C "$BOOK" status >"$T/status" || fail "status refused"
grep -q '^! Chapter_02 (entry .*"note" is not a string; "token" is not a non-negative integer, read as absent$' "$T/status" ||
	fail "status does not flag the bad fields: $(cat "$T/status")"
grep -q '^! locks.json: locks\[[0-9]*\] has "Resource", not "resource": it claims nothing' "$T/status" ||
	fail "status does not flag the Resource entry: $(cat "$T/status")"
grep -q '^! locks.json: locks\[[0-9]*\] is not an object: it claims nothing' "$T/status" ||
	fail "status does not flag the non-object: $(cat "$T/status")"
grep -Eq '^! +Chapter_04 +\(unknown\) ' "$T/status" || fail "nobody's claim not shown: $(cat "$T/status")"
"$LOCKFS" -C "$BOOK" status --json >"$T/status.json" || fail "status --json refused"
jq -e '[.[] | select(.resource == "Chapter_02")][0] | (.flags | index("bad-field")) and (.problem | test("token"))' \
	"$T/status.json" >/dev/null || fail "--json does not flag the bad fields"
jq -e '[.[] | select(.resource == null and .flags == ["no-claim"])] | length == 2' \
	"$T/status.json" >/dev/null || fail "--json does not list the entries that claim nothing"
echo PASS
