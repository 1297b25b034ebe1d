#!/bin/bash
# A writer that edits locks.json directly while the mount is up (the
# hand-editing protocol): its entries show in the
# very next ls and stat, block touch, and disappear when it removes them;
# fields and entries lockfs does not own survive lockfs's own changes.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lf_init
lf_mount_first

expect_ok "A takes Chapter_01" as CLI-A touch "$MP/Chapter_01"
ls "$MP" >/dev/null

# The hand editor adds its lock (read, add, write back in place, as
# hand-editing agents do): it shows at once and blocks touch.
now=$(iso_ago 0)
jq --arg ts "$now" '.locks += [{"resource": "Chapter_09", "timestamp": $ts,
	"instance": "CLI-hand", "task": "index"}] | .owner = "author"' \
	"$STORE" >"$T/new.json"
cat "$T/new.json" >"$STORE"
assert_eq "$(listing)" "Chapter_01 Chapter_09 " "hand-added entry listed"
assert_eq "$(stat -c %A "$MP/Chapter_09")" "-rw-r--r--" "hand-added entry is live"
assert_eq "$(lock_field Chapter_09 instance)" CLI-hand "hand-added holder"
expect_err "touch of a hand-held lock" "File exists" as CLI-A touch "$MP/Chapter_09"
expect_err "rm of a hand-held lock" "Device or resource busy" as CLI-A rm "$MP/Chapter_09"

# lockfs's own changes keep what it does not own, in order.
expect_ok "A takes Chapter_02" as CLI-A touch "$MP/Chapter_02"
assert_eq "$(jq -r .owner "$STORE")" author "unknown top-level field kept"
assert_eq "$(jq -r '.locks[] | select(.resource == "Chapter_09") | .task' "$STORE")" \
	index "unknown entry field kept"
assert_eq "$(jq -r '[.locks[].resource] | join(" ")' "$STORE")" \
	"Chapter_01 Chapter_09 Chapter_02" "entry order kept"

# The hand editor releases: gone from the next ls, and free to take.
edit_store 'del(.locks[] | select(.resource == "Chapter_09"))'
assert_eq "$(listing)" "Chapter_01 Chapter_02 " "hand-removed entry gone"
expect_err "stat of a hand-removed entry" "No such file or directory" stat "$MP/Chapter_09"
expect_ok "touch after the hand release" as CLI-A touch "$MP/Chapter_09"

# Entries another writer got wrong are still shown when they can be
# files, once per resource; names no file can have are left to
# `lockfs status`.
write_store '{"locks": [
	{"resource": "Chapter_01", "timestamp": "'"$now"'", "instance": "CLI-A"},
	{"resource": "Chapter_01", "timestamp": "'"$now"'", "instance": "CLI-B"},
	{"resource": "Appendix", "timestamp": "'"$now"'", "instance": "CLI-B"},
	{"resource": ".hidden", "timestamp": "'"$now"'", "instance": "CLI-B"},
	{"resource": "a/b", "timestamp": "'"$now"'", "instance": "CLI-B"},
	{"resource": "", "timestamp": "'"$now"'", "instance": "CLI-B"}]}'
assert_eq "$(ls -A "$MP" | tr '\n' ' ')" "Appendix Chapter_01 " "odd entries"
assert_eq "$(lock_field Appendix known_name)" false "unknown name flagged"
# A duplicate held by another blocks even its first entry's holder.
expect_err "duplicate entries" "File exists" as CLI-A touch "$MP/Chapter_01"
# And a writer that removes the whole file leaves an empty store.
rm "$STORE"
assert_eq "$(listing)" "" "missing store is empty"
expect_ok "touch with no store" as CLI-A touch "$MP/Chapter_01"
assert_eq "$(store_field Chapter_01 instance)" CLI-A "store recreated"
echo PASS
