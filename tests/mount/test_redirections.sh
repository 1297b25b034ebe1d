#!/bin/bash
# Shell redirections on lock files: `: >` acquires
# or renews, `set -C` (noclobber, O_CREAT|O_EXCL) acquires only a free
# lock, and the holder's `echo text > file` stores a one-line note that
# cat shows.  Redirections are made by the shell itself, so each runs in
# a bash whose own environment names the instance.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lf_init
lf_mount_first

f=$MP/Chapter_10
sh_as() {
	LOCKFS_INSTANCE=$1 bash -c "$2"
}

# O_EXCL: acquires a free lock; an existing one is refused, even the
# caller's own (noclobber never overwrites), and nothing changes.
expect_ok "set -C on a free lock" sh_as CLI-A "set -C; : > '$f'"
assert_eq "$(lock_field Chapter_10 instance)" CLI-A "holder after set -C"
store_json "$BOOK" >"$T/before.json"
expect_err "set -C by another" "cannot overwrite existing file" sh_as CLI-B "set -C; : > '$f'"
expect_err "set -C by the holder" "cannot overwrite existing file" sh_as CLI-A "set -C; : > '$f'"
store_json "$BOOK" | cmp -s - "$T/before.json" || fail "a refused O_EXCL changed the store"

# A note, written by the holder, shown by cat; another's write is
# refused at open and leaves it alone.
expect_ok "note" sh_as CLI-A "echo 'rewriting the intro' > '$f'"
assert_eq "$(lock_field Chapter_10 note)" "rewriting the intro" "note in cat"
assert_eq "$(store_field Chapter_10 note)" "rewriting the intro" "note in the store"
size=$(stat -c %s "$f")
assert_eq "$(cat "$f" | wc -c)" "$size" "size with a note"
expect_err "another's note" "File exists" sh_as CLI-B "echo 'mine now' > '$f'"
assert_eq "$(lock_field Chapter_10 note)" "rewriting the intro" "note after another's write"

# A second write replaces the note; several lines become one.
expect_ok "replace note" sh_as CLI-A "printf 'first line\nsecond line\n' > '$f'"
assert_eq "$(lock_field Chapter_10 note)" "first line second line" "multi-line note"
# Too long a note is refused, not silently cut.
long=$(printf '%0300d' 0)
expect_err "long note" "File too large" sh_as CLI-A "echo $long > '$f'"

# `: >` by the holder renews and clears the note.
expect_ok "note again" sh_as CLI-A "echo 'pass two' > '$f'"
edit_store "(.locks[0].timestamp) = \"$(iso_ago 120)\""
expect_ok ": > by the holder" sh_as CLI-A ": > '$f'"
assert_eq "$(lock_field Chapter_10 note)" null "note after : >"
[ "$(lock_field Chapter_10 age_seconds)" -le 2 ] || fail ": > did not renew"

# `: >` by another: File exists.  `: >` on a free lock acquires it.
expect_err ": > by another" "File exists" sh_as CLI-B ": > '$f'"
expect_ok ": > on a free lock" sh_as CLI-B ": > '$MP/Chapter_11'"
assert_eq "$(lock_field Chapter_11 instance)" CLI-B "holder after : >"

# A read-only open by anyone is allowed; so is a plain open for writing
# by the holder (it renews), not by another.
expect_ok "read by another" sh_as CLI-A "cat '$MP/Chapter_11' > /dev/null"
expect_err "open for writing by another" "File exists" sh_as CLI-A "exec 3>>'$MP/Chapter_11'"
expect_ok "open for writing by the holder" sh_as CLI-B "exec 3>>'$MP/Chapter_11'"
echo PASS
