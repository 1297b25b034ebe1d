#!/bin/bash
# What the mount refuses: EPERM for anything but a
# lock file, EINVAL for names outside the project's set, and nothing in
# the store changes when a request is refused.  Also the bare mount
# point: 0555 while nothing is mounted.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lf_init
lf_mount_first

expect_ok "A takes Chapter_01" as CLI-A touch "$MP/Chapter_01"
store_json "$BOOK" >"$T/before.json"
unchanged() {
	store_json "$BOOK" | cmp -s - "$T/before.json" || fail "$1 changed the store"
}

eperm="Operation not permitted"
expect_err "mkdir" "$eperm" as CLI-A mkdir "$MP/Chapter_02"
expect_err "rename" "$eperm" as CLI-A mv "$MP/Chapter_01" "$MP/Chapter_02"
expect_err "link" "$eperm" as CLI-A ln "$MP/Chapter_01" "$MP/Chapter_03"
expect_err "symlink" "$eperm" as CLI-A ln -s Chapter_01 "$MP/Chapter_04"
expect_err "mknod" "$eperm" as CLI-A mkfifo "$MP/Chapter_05"
expect_err "chmod" "$eperm" as CLI-A chmod 600 "$MP/Chapter_01"
expect_err "chown" "$eperm" as CLI-A chown 1:1 "$MP/Chapter_01"
expect_err "dot-name" "$eperm" as CLI-A touch "$MP/.hidden"
expect_err "dot-name by redirection" "$eperm" as CLI-A bash -c ": > '$MP/.Chapter_01.swp'"
unchanged "a refused operation"
# truncate opens the file for writing first, which renews the holder's
# lock (the timestamp may move): only the length is refused.
expect_err "truncate to a length" "$eperm" as CLI-A truncate -s 5 "$MP/Chapter_01"
store_json "$BOOK" >"$T/before.json"

# Names are case-sensitive and exact: EINVAL, and nothing changes.
einval="Invalid argument"
expect_err "lower case" "$einval" as CLI-A touch "$MP/chapter_03"
expect_err "missing zero" "$einval" as CLI-A touch "$MP/Chapter_3"
expect_err "not a name" "$einval" as CLI-A touch "$MP/Notes"
expect_err "redirection" "$einval" as CLI-A bash -c ": > '$MP/Chapter_100'"
unchanged "an invalid name"
assert_eq "$(listing)" "Chapter_01 " "ls after refusals"

# A project config can extend the set (core/config.h); the mount sees
# it without a remount.
write_config "$BOOK/.locks/config" 'resource = ImageRegistry_Chapter_[0-9][0-9]'
expect_ok "configured name" as CLI-A touch "$MP/ImageRegistry_Chapter_07"
expect_err "outside the pattern" "$einval" as CLI-A touch "$MP/ImageRegistry_Chapter_7"

# The mount's root holds only lock files.
assert_eq "$(ls -A "$MP" | tr '\n' ' ')" "Chapter_01 ImageRegistry_Chapter_07 " "ls -A"
assert_eq "$(find "$MP" -mindepth 1 -not -type f | wc -l)" 0 "only regular files"

# Unmounted, the mount point is a read-only directory: a touch by a
# normal user fails instead of creating a plain file that locks nothing.
"$LOCKFS" -C "$BOOK" umount || fail "umount"
is_mounted && fail "still mounted"
assert_eq "$(stat -c %a "$MP")" 555 "bare mount point mode"
chmod 755 "$T"
# Immutable too where root could set it (tests/mount/test_bare_root.sh):
# then the attribute answers first.
denied="Permission denied"
lsattr -d "$MP" 2>/dev/null | grep -q '^[^ ]*i' && denied="Operation not permitted"
expect_err "touch while unmounted" "$denied" \
	setpriv --reuid=65534 --regid=65534 --clear-groups touch "$MP/Chapter_01"
assert_eq "$(ls -A "$MP" | wc -l)" 0 "bare mount point is empty"
echo PASS
