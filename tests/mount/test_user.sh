#!/bin/bash
# The mount as a normal user (the usual case; the other tests run as
# whoever runs the suite, often root).  fusermount3 lets a user mount only
# on a directory the user may write to, while the bare mount point must
# stay 0555: mount, use, umount, kill -9 and recover, all as nobody.
# Skipped unless run as root on a machine where a normal user may open
# /dev/fuse (some containers keep it 0600).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lf_init
lf_unwrapped

[ "$(id -u)" = 0 ] || { echo "SKIP: not root; the other tests run as this user"; exit 77; }
user="setpriv --reuid=65534 --regid=65534 --clear-groups"
$user sh -c 'exec 3<>/dev/fuse' 2>/dev/null ||
	{ echo "SKIP: a normal user cannot open /dev/fuse here"; exit 77; }

chmod 755 "$T"
cp "$LOCKFS" "$T/lockfs"
chmod 755 "$T/lockfs"
chown -R 65534:65534 "$BOOK"
LF_MOUNTS+=("$MP")
as_user() {
	$user env LOCKFS_INSTANCE=CLI-user "$@"
}

as_user "$T/lockfs" -C "$BOOK" mount || fail "mount as a normal user"
is_mounted || fail "not mounted"
expect_ok "touch" as_user touch "$MP/Chapter_01"
assert_eq "$(as_user stat -c '%A %u' "$MP/Chapter_01")" "-rw-r--r-- 65534" "owner of a lock"
assert_eq "$(as_user stat -c '%A %u' "$MP")" "drwxr-xr-x 65534" "owner of the root"
expect_err "second mount" "already mounted by pid" as_user "$T/lockfs" -C "$BOOK" mount

expect_ok "umount" as_user "$T/lockfs" -C "$BOOK" umount
is_mounted && fail "still mounted"
assert_eq "$(stat -c '%a %u' "$MP")" "555 65534" "bare mount point"
expect_err "touch while unmounted" "Permission denied" as_user touch "$MP/Chapter_02"

as_user "$T/lockfs" -C "$BOOK" mount || fail "mount again"
pid=$(daemon_pid)
kill -9 "$pid"
wait_gone "$pid"
as_user "$T/lockfs" -C "$BOOK" mount || fail "mount after kill -9"
assert_eq "$(as_user ls "$MP" | tr '\n' ' ')" "Chapter_01 " "lock kept"
expect_ok "release" as_user rm "$MP/Chapter_01"
expect_ok "final umount" as_user "$T/lockfs" -C "$BOOK" umount
assert_eq "$(stat -c %a "$MP")" 555 "bare mount point at the end"
echo PASS
