#!/bin/bash
# The bare mount point stops root too, and lockfs deinit is the way out.
# While nothing is mounted, .locks/fs is 0555 and, where the file system
# has the attribute and the caller may set it, immutable: a root `touch`
# there fails instead of creating a plain file that locks nothing, and
# FUSE still mounts over it.  `lockfs deinit` unmounts, clears the
# attribute and removes .locks/; it refuses while a live lock is held
# (exit 1, nothing removed) unless --force.  Run on the file system of
# the test's directory (this machine's root, where /work lives) and on a
# tmpfs; where the attribute is missing only 0555 is expected.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lf_init
lf_unwrapped
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (the attribute is root's)" >&2; exit 77; }
command -v chattr >/dev/null || skip_or_fail "chattr is missing (apt-get install e2fsprogs)"

EXTRA=()
lf_cleanup_tmpfs() {
	local m
	for m in "${EXTRA[@]+"${EXTRA[@]}"}"; do
		find "$m" -xdev -type d -path '*/.locks/fs' -exec chattr -i {} + 2>/dev/null
		umount -l "$m" 2>/dev/null
	done
	lf_cleanup
}
trap lf_cleanup_tmpfs EXIT

# Does this directory's file system have the attribute?
has_attr() {
	local probe=$1/probe.$$ ok=1
	mkdir "$probe"
	chattr +i "$probe" 2>/dev/null && ok=0
	chattr -i "$probe" 2>/dev/null || true
	rmdir "$probe"
	return "$ok"
}

check_book() {
	local where=$1 book=$1/book mp=$1/book/.locks/fs
	mkdir -p "$book"
	LF_MOUNTS+=("$mp")
	lf_mount "$book"
	"$LOCKFS" -C "$book" umount || fail "$where: umount"
	is_mounted "$mp" && fail "$where: still mounted"
	assert_eq "$(stat -c %a "$mp")" 555 "$where: bare mount point mode"
	if has_attr "$where"; then
		lsattr -d "$mp" | grep -q '^[^ ]*i' || fail "$where: the bare mount point is not immutable"
		expect_err "$where: root touch while unmounted" "Operation not permitted" \
			touch "$mp/Chapter_01"
	else
		echo "note: $where has no immutable attribute; 0555 only" >&2
	fi
	assert_eq "$(ls -A "$mp" | wc -l)" 0 "$where: bare mount point is empty"

	# FUSE mounts over it, and locks work as before.
	lf_mount "$book"
	expect_ok "$where: touch on the mount" as CLI-A touch "$mp/Chapter_01"
	"$LOCKFS" -C "$book" umount || fail "$where: umount 2"

	# deinit refuses while a live lock is held, and removes nothing.
	expect_err "$where: deinit with a live lock" "live lock" "$LOCKFS" -C "$book" deinit
	set +e
	"$LOCKFS" -C "$book" deinit >/dev/null 2>&1
	rc=$?
	set -e
	assert_eq "$rc" 1 "$where: deinit exit code with a live lock"
	[ -s "$book/.locks/locks.json" ] || fail "$where: the refused deinit removed the store"

	# --force on a mounted book: unmounted, attribute cleared, gone.
	lf_mount "$book"
	expect_ok "$where: deinit --force" "$LOCKFS" -C "$book" deinit --force
	is_mounted "$mp" && fail "$where: deinit left it mounted"
	[ ! -e "$book/.locks" ] || fail "$where: .locks/ is still there"

	# Nothing left to remove: a usage error.
	set +e
	"$LOCKFS" -C "$book" deinit >/dev/null 2>&1
	rc=$?
	set -e
	assert_eq "$rc" 2 "$where: deinit without .locks/"
	# The book can be set up again from scratch.
	lf_mount "$book"
	"$LOCKFS" -C "$book" umount || fail "$where: umount after re-init"
	expect_ok "$where: deinit of an empty book" "$LOCKFS" -C "$book" deinit
}

mkdir -p "$T/disk"
check_book "$T/disk"

mkdir -p "$T/tmpfs"
mount -t tmpfs -o size=8m,mode=0755 lockfs-bare "$T/tmpfs" || skip_or_fail "cannot mount a tmpfs"
EXTRA+=("$T/tmpfs")
check_book "$T/tmpfs"
echo PASS
