#!/bin/bash
# A write that fails leaves no new lock behind and keeps the old note: an
# open that acquired a lock and whose writes then failed (a note too long,
# `cp` of a big file) has its acquisition undone when the descriptor is
# closed; on a lock held before, a failed note write changes nothing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lf_init
lf_mount_first

sh_as() {
	LOCKFS_INSTANCE=$1 bash -c "$2"
}

not_held() {
	[ ! -e "$MP/$1" ] || fail "$2: $1 is held: $(cat "$MP/$1")"
	[ -z "$(store_field "$1" instance)" ] || fail "$2: $1 is in the store"
}

# The issue's two commands, each on a free lock.
expect_err "300 bytes of note" "File too large" \
	sh_as CLI-A "head -c 300 /dev/zero | tr '\\0' a > '$MP/Chapter_36'"
not_held Chapter_36 "after a failed note write"
head -c 1000000 /dev/urandom >"$T/big"
expect_err "cp of a big file" "File too large" sh_as CLI-A "cp '$T/big' '$MP/Chapter_37'"
not_held Chapter_37 "after a failed cp"

# A lock already held: the failed write keeps it, its token and its note.
expect_ok "note" sh_as CLI-A "echo 'keep me' > '$MP/Chapter_38'"
token=$(lock_field Chapter_38 token)
expect_err "long note on a held lock" "File too large" \
	sh_as CLI-A "head -c 300 /dev/zero | tr '\\0' a > '$MP/Chapter_38'"
assert_eq "$(lock_field Chapter_38 instance)" CLI-A "holder after a failed write"
assert_eq "$(lock_field Chapter_38 token)" "$token" "token after a failed write"
assert_eq "$(lock_field Chapter_38 note)" "keep me" "note after a failed write"
# A write that fails after one that went through, on one descriptor
# with no close between: nothing of either.
expect_err "second write too long" "File too large" \
	sh_as CLI-A "{ printf 'half'; printf '%0300d' 0; } >'$MP/Chapter_38'"
assert_eq "$(lock_field Chapter_38 note)" "keep me" "note after a half-failed write"
# A write that works still replaces the note, visible as soon as it ends.
expect_ok "new note" sh_as CLI-A "echo 'rewritten' > '$MP/Chapter_38'"
assert_eq "$(lock_field Chapter_38 note)" "rewritten" "note after a good write"

# A failed write on a free lock opened twice by the same instance: the
# second open only renewed, so the first one's failure undoes the lock
# (it was that acquisition) and the second one's close adds nothing back.
expect_err "failed write after a good one" "File too large" \
	sh_as CLI-A "exec 3>'$MP/Chapter_39'; head -c 300 /dev/zero | tr '\\0' a >&3"
not_held Chapter_39 "after a failed write on an acquired lock"
echo PASS
