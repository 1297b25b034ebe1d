#!/bin/bash
# flock(1) opens its lock file O_RDONLY|O_CREAT.  On a free lock that
# create is refused (EACCES: "Permission denied") and takes nothing; on an
# existing lock the read-only open is allowed, and flock(2) takes a lock
# of the kernel's own, on this machine only, which changes nothing in the
# store.  An O_RDWR create (a deliberate one) still acquires.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lf_init
lf_mount_first
command -v flock >/dev/null || skip_or_fail "flock(1) is missing"

expect_err "flock on a free lock" "Permission denied" \
	as CLI-A flock -n "$MP/Chapter_07" true
[ ! -e "$MP/Chapter_07" ] || fail "flock took Chapter_07: $(cat "$MP/Chapter_07")"
assert_eq "$(store_json "$BOOK" | jq length)" 0 "store after flock"

# A lock that exists: flock works as on any file, and the lock is as it was.
expect_ok "acquire" as CLI-A touch "$MP/Chapter_07"
store_json "$BOOK" >"$T/before.json"
expect_ok "flock on a held lock" as CLI-B flock -n "$MP/Chapter_07" true
store_json "$BOOK" | cmp -s - "$T/before.json" || fail "flock changed the store"
assert_eq "$(lock_field Chapter_07 instance)" CLI-A "holder after flock"

# Read-write creates are deliberate: `exec 3<>` acquires.
expect_ok "O_RDWR create" as CLI-B bash -c "exec 3<>'$MP/Chapter_08'"
assert_eq "$(lock_field Chapter_08 instance)" CLI-B "holder after O_RDWR create"
echo PASS
