#!/bin/bash
# A full disk: the project lives on a small tmpfs that is
# then filled up, first its blocks, then (on a second tmpfs) its inodes.
# Taking or releasing a lock needs a new store file, so both fail with a
# clear error: "No space left on device" through the mount, exit 3 and the
# same words from the command line.  The store keeps its bytes and parses,
# no temporary file is left behind, the event log holds only whole lines,
# the daemon goes on serving ls, cat and stat, and once space is freed
# everything works again.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
fault_init
need_root
need_fuse

# fill_blocks DIR: write zeros until the file system is full.
fill_blocks() {
	dd if=/dev/zero of="$1/fill" bs=4k status=none 2>/dev/null || true
	[ "$(df --output=avail "$1" | tail -n 1 | tr -d ' ')" = 0 ] ||
		fail "could not fill $1"
}

# fill_inodes DIR: create empty files until no inode is left.
fill_inodes() {
	local i
	mkdir "$1/inodes"
	for ((i = 0; i < 100000; i++)); do
		: 2>/dev/null >"$1/inodes/$i" || return 0
	done
	fail "could not use up the inodes of $1"
}

# The checks while full: refusals, the store intact, reads served.
while_full() {
	local what=$1 rc
	cp "$STORE" "$T/before"
	expect_err "$what: touch through the mount" "No space left on device" \
		as C touch "$MP/Chapter_03"
	run_rc rc cli D acquire Chapter_04
	assert_eq "$rc" 3 "$what: exit code of acquire"
	grep -q "No space left on device" "$T/err" ||
		fail "$what: acquire's message: $(cat "$T/err")"
	grep -q "the store is unchanged" "$T/err" ||
		fail "$what: acquire's message: $(cat "$T/err")"
	expect_err "$what: rm through the mount" "No space left on device" \
		as A rm "$MP/Chapter_01"
	run_rc rc cli B release Chapter_02
	assert_eq "$rc" 3 "$what: exit code of release"
	cmp -s "$STORE" "$T/before" || fail "$what: the store changed"
	store_parses || fail "$what: the store does not parse"
	assert_eq "$(listing)" "Chapter_01 Chapter_02 " "$what: ls"
	assert_eq "$(jq -r .instance "$MP/Chapter_01")" A "$what: cat"
	stat "$MP/Chapter_02" >/dev/null || fail "$what: stat"
	expect_ok "$what: lockfs status" cli D status
	assert_eq "$(find "$BOOK/.locks" -maxdepth 1 -name '.locks.json.*' | wc -l)" 0 \
		"$what: temporary files left"
}

# Free space again: then every refused operation goes through.
after_freeing() {
	local what=$1
	expect_ok "$what: touch" as C touch "$MP/Chapter_03"
	expect_ok "$what: rm" as A rm "$MP/Chapter_01"
	expect_ok "$what: acquire" cli D acquire Chapter_04
	expect_ok "$what: release" cli B release Chapter_02
	assert_eq "$(store_resources)" "Chapter_03 Chapter_04 " "$what: the store"
	log_parses "$BOOK/.locks/events.log"
}

# ---- out of blocks ----
mount_tmpfs 1m "$T/disk"
set_book "$T/disk/book"
mkdir "$BOOK"
lf_mount
expect_ok "touch before filling" as A touch "$MP/Chapter_01"
expect_ok "acquire before filling" cli B acquire --note "before the disk filled" Chapter_02
fill_blocks "$T/disk"
while_full "no blocks"
rm "$T/disk/fill"
after_freeing "blocks freed"

# ---- out of inodes: the temporary file cannot even be created ----
mount_tmpfs 4m "$T/inodes"
mount -o remount,nr_inodes=64 "$T/inodes" || skip_or_fail "cannot limit the inodes of a tmpfs"
set_book "$T/inodes/book"
mkdir "$BOOK"
lf_mount
expect_ok "touch before using up the inodes" as A touch "$MP/Chapter_01"
expect_ok "acquire before using up the inodes" cli B acquire Chapter_02
fill_inodes "$T/inodes"
while_full "no inodes"
rm -r "$T/inodes/inodes"
after_freeing "inodes freed"
echo "full disk: refusals with ENOSPC, the store intact, reads served, recovery after freeing"
