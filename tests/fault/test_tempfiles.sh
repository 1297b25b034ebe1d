#!/bin/bash
# Temporary files left by transactions killed before their rename
# (.locks/.locks.json.XXXXXX, mkostemp's six characters): the next
# transaction, from the command line or the daemon (which looks again
# once a minute), removes those older than a minute, under the store's
# lock.  Younger ones, names that are not exactly lockfs's pattern,
# directories, and the targets of symbolic links are left alone.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
fault_init
need_fuse

L=$BOOK/.locks
expect_ok "init" cli A init

# plant NAME AGE: a leftover file, its mtime AGE ago ("2 minutes").
plant() {
	echo "half a store" >"$L/$1"
	touch -d "$2 ago" "$L/$1"
}

plant .locks.json.Old001 "2 minutes"
plant .locks.json.Old002 "3 days"
plant .locks.json.New001 "5 seconds"
plant .locks.json.tmp "2 minutes"
plant .locks.json.Long0001 "2 minutes"
plant locks.json.Abc123 "2 minutes"
mkdir "$L/.locks.json.Dir001"
touch -d "2 minutes ago" "$L/.locks.json.Dir001"
echo "not lockfs's" >"$T/target"
ln -s "$T/target" "$L/.locks.json.Sym001"
touch -h -d "2 minutes ago" "$L/.locks.json.Sym001"

expect_ok "acquire" cli A acquire Chapter_01
left=$(find "$L" -mindepth 1 -maxdepth 1 -name '.locks.json.*' -printf '%f\n' | sort | tr '\n' ' ')
assert_eq "$left" ".locks.json.Dir001 .locks.json.Long0001 .locks.json.New001 .locks.json.tmp " \
	"left after a command-line transaction"
[ -e "$L/locks.json.Abc123" ] || fail "a file without the leading dot was removed"
assert_eq "$(cat "$T/target")" "not lockfs's" "the symbolic link's target"
assert_eq "$(store_resources)" "Chapter_01 " "the store"

# A read-only transaction (status) sweeps nothing.
plant .locks.json.Old003 "2 minutes"
expect_ok "status" cli A status
[ -e "$L/.locks.json.Old003" ] || fail "a read removed a temporary file"

# The daemon sweeps on its first transaction.
lf_mount
expect_ok "touch through the mount" as B touch "$MP/Chapter_02"
[ ! -e "$L/.locks.json.Old003" ] || fail "the daemon left an old temporary file"
echo "temporary files: old ones swept by the CLI and the daemon, others kept"
