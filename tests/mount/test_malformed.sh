#!/bin/bash
# A store that does not parse: every operation that
# needs it fails with EIO, and the file keeps its bytes; once it is fixed
# the mount works again without a remount.  Also: mounting a project
# whose store is already broken works (and reports EIO).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lf_init
lf_mount_first

expect_ok "A takes Chapter_01" as CLI-A touch "$MP/Chapter_01"
good=$(cat "$STORE")

check_eio() {
	local what=$1
	cp "$STORE" "$T/bad.json"
	expect_err "$what: ls" "Input/output error" ls "$MP"
	expect_err "$what: stat" "Input/output error" stat "$MP/Chapter_01"
	expect_err "$what: cat" "Input/output error" cat "$MP/Chapter_01"
	expect_err "$what: touch" "Input/output error" as CLI-A touch "$MP/Chapter_02"
	expect_err "$what: rm" "Input/output error" as CLI-A rm "$MP/Chapter_01"
	expect_err "$what: forced touch" "Input/output error" \
		env LOCKFS_FORCE=1 LOCKFS_INSTANCE=CLI-A touch "$MP/Chapter_01"
	cmp "$STORE" "$T/bad.json" || fail "$what: the store changed"
	# The root itself still answers: the mount is up, the store is not.
	assert_eq "$(stat -c %F "$MP")" directory "$what: root"
}

printf '{"locks": [ {"resource": "Chapter_01", "instance": "CLI-A",' >"$STORE"
check_eio "truncated JSON"
printf '{"locks": {"resource": "Chapter_01"}}\n' >"$STORE"
check_eio "locks not an array"
printf '{"locks": [{"resource": "Chapter_01", "instance": "CLI-\xff"}]}\n' >"$STORE"
check_eio "not UTF-8"
printf '[{"resource": "Chapter_01", "instance": "CLI-A"}]\n' >"$STORE"
check_eio "top level not an object"

# Fixed by hand: back at once.
printf '%s\n' "$good" >"$STORE"
assert_eq "$(listing)" "Chapter_01 " "after the fix"
expect_ok "A releases" as CLI-A rm "$MP/Chapter_01"

# Mounting a project whose store is already broken.
"$LOCKFS" -C "$BOOK" umount || fail "umount"
printf 'not json at all\n' >"$STORE"
lf_mount
check_eio "broken before the mount"
echo PASS
