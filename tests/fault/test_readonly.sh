#!/bin/bash
# A read-only .locks/: refused with a clear error, nothing lost.  chmod does not stop root, so
# .locks/ is made read-only by a read-only bind mount of itself (recursive,
# so the lockfs mount inside stays visible).  Taking or releasing a lock
# then fails with "Read-only file system" (through the mount; exit 3 from
# the command line), the store keeps its bytes, ls, cat and lockfs status
# still work, a new command-line process copes even when the sidecar file
# does not exist yet, and once .locks/ is writable again all is as before.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
fault_init
need_root
need_fuse
lf_mount

expect_ok "touch before" as A touch "$MP/Chapter_01"
expect_ok "acquire before" cli B acquire Chapter_02
cp "$STORE" "$T/before"

make_readonly() {
	mount --rbind "$BOOK/.locks" "$BOOK/.locks" || skip_or_fail "cannot bind-mount .locks"
	EXTRA_MOUNTS+=("$BOOK/.locks")
	mount -o remount,bind,ro "$BOOK/.locks" || fail "cannot make the bind mount read-only"
	if touch "$BOOK/.locks/probe" 2>/dev/null; then
		fail ".locks/ is still writable"
	fi
}

make_writable() {
	umount -R "$BOOK/.locks" || fail "cannot remove the read-only bind mount"
	is_mounted "$MP" || fail "the lockfs mount went with the bind mount"
}

check_readonly() {
	local what=$1 rc
	expect_err "$what: touch through the mount" "Read-only file system" \
		as C touch "$MP/Chapter_03"
	expect_err "$what: rm through the mount" "Read-only file system" \
		as A rm "$MP/Chapter_01"
	run_rc rc cli D acquire Chapter_04
	assert_eq "$rc" 3 "$what: exit code of acquire"
	grep -q "Read-only file system" "$T/err" ||
		fail "$what: acquire's message: $(cat "$T/err")"
	run_rc rc cli B release Chapter_02
	assert_eq "$rc" 3 "$what: exit code of release"
	grep -q "Read-only file system" "$T/err" ||
		fail "$what: release's message: $(cat "$T/err")"
	cmp -s "$STORE" "$T/before" || fail "$what: the store changed"
	assert_eq "$(listing)" "Chapter_01 Chapter_02 " "$what: ls"
	assert_eq "$(jq -r .instance "$MP/Chapter_02")" B "$what: cat"
	expect_ok "$what: lockfs status" cli D status
	run_rc rc cli B check Chapter_02 "$(jq -r .token "$MP/Chapter_02")"
	assert_eq "$rc" 0 "$what: lockfs check"
}

make_readonly
check_readonly "read-only"
make_writable

# A process that has never opened the sidecar, and no sidecar at all.
rm "$BOOK/.locks/locks.lock"
make_readonly
check_readonly "read-only, no sidecar"
make_writable

expect_ok "touch once writable" as C touch "$MP/Chapter_03"
expect_ok "rm once writable" as A rm "$MP/Chapter_01"
expect_ok "acquire once writable" cli D acquire Chapter_04
expect_ok "release once writable" cli B release Chapter_02
assert_eq "$(store_resources)" "Chapter_03 Chapter_04 " "the store after"
echo "read-only .locks/: refusals with EROFS, the store intact, reads served"
