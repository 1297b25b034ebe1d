#!/bin/bash
# `touch` never fails because of a release it raced with: when the lock
# is released between the kernel's lookup (the file exists) and its open
# (which no longer carries O_CREAT), the open must not end in ENOENT.
# Workers race touch/rm through the mount and acquire/release through the
# command line on one resource; every touch either acquires (then the
# worker removes the lock again) or is refused with "File exists".
#
# One failure is left that lockfs cannot answer for: two releases in one
# touch (the kernel's retried walk finds the lock taken again and released
# through the mount before its open), where libfuse's high-level API
# itself answers ESTALE for the removed node and the kernel retries only
# once.  Those are counted and must stay rare (under 0.5 % of attempts,
# against about 3 % of touches failing with ENOENT before).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lf_init
lf_mount_first

workers=${RACE_WORKERS:-6}
attempts=${RACE_ATTEMPTS:-700}
lock=$MP/Chapter_42

mount_worker() {
	local id=$1 i err ok=0 refused=0 enoent=0 estale=0 other=0
	export LOCKFS_INSTANCE=touch-$id
	for ((i = 0; i < attempts; i++)); do
		if err=$(touch "$lock" 2>&1); then
			ok=$((ok + 1))
			rm -f "$lock"
			continue
		fi
		case $err in
		*"File exists"*) refused=$((refused + 1)) ;;
		*"No such file"*) enoent=$((enoent + 1)) ;;
		*"Stale file handle"*) estale=$((estale + 1)) ;;
		*) other=$((other + 1)); echo "$err" >>"$T/other.$id" ;;
		esac
	done
	echo "$ok $refused $enoent $estale $other" >"$T/worker.$id"
}

# Releases that the mount does not see coming: through the store.
cli_worker() {
	local i
	export LOCKFS_INSTANCE=cli
	for ((i = 0; i < attempts / 2; i++)); do
		"$LOCKFS" -C "$BOOK" acquire Chapter_42 >/dev/null 2>&1 &&
			"$LOCKFS" -C "$BOOK" release Chapter_42 >/dev/null 2>&1
	done
	return 0
}

cli_worker &
for ((w = 0; w < workers; w++)); do
	mount_worker "$w" &
done
wait

ok=0 refused=0 enoent=0 estale=0 other=0
for ((w = 0; w < workers; w++)); do
	read -r a b c d e <"$T/worker.$w"
	ok=$((ok + a)) refused=$((refused + b)) enoent=$((enoent + c))
	estale=$((estale + d)) other=$((other + e))
done
echo "touch attempts $((workers * attempts)): acquired $ok, refused $refused," \
	"ENOENT $enoent, ESTALE $estale, other errors $other"
cat "$T"/other.* 2>/dev/null | sort | uniq -c | head -5 >&2 || true
if [ "$ok" -eq 0 ] || [ "$refused" -eq 0 ]; then
	fail "no contention: acquired $ok, refused $refused"
fi
assert_eq "$enoent" 0 "touch failures with ENOENT (released between lookup and open)"
assert_eq "$other" 0 "touch failures of other kinds"
((estale * 200 < workers * attempts)) || fail "$estale touches failed with ESTALE"
echo PASS
