#!/bin/bash
# test_migrate.sh - `lockfs init --etcd` on a project with locks, and
# tokens across machines.  The locks move with their tokens (lockfs check
# still passes); a clash with etcd's locks is exit 1 naming them, both
# sides untouched; tokens of one resource grow across two machines, and a
# token handed out on A checks on B.  Refused while the project is mounted.
set -euo pipefail
. "$(dirname "$0")/machines.sh"
em_init --mount
etcd_start_cluster 1

A=$T/a
C=$T/c
mkdir -p "$A" "$C"
"$LOCKFS" -C "$A" init >/dev/null
t1=$(LOCKFS_INSTANCE=x "$LOCKFS" -C "$A" acquire Chapter_01 | awk '{print $3}')
t2=$(LOCKFS_INSTANCE=x "$LOCKFS" -C "$A" acquire Chapter_02 | awk '{print $3}')
"$LOCKFS" -C "$A" init --etcd "$ETCD_ENDPOINTS" --prefix "$EM_PREFIX" >/dev/null ||
	fail "init --etcd with locks"
assert_eq "$("$LOCKFS" -C "$A" status --json | jq -r '[.[] | "\(.resource)=\(.token)"] | join(" ")')" \
	"Chapter_01=$t1 Chapter_02=$t2" "the moved locks and tokens"
LOCKFS_INSTANCE=x "$LOCKFS" -C "$A" check Chapter_01 "$t1" || fail "check after the move"

"$LOCKFS" -C "$C" init >/dev/null
LOCKFS_INSTANCE=y "$LOCKFS" -C "$C" acquire Chapter_01 Chapter_05 >/dev/null
cp "$C/.locks/locks.json" "$T/c.json"
cp "$C/.locks/config" "$T/c.config" 2>/dev/null || : >"$T/c.config"
etcd_before=$(etcd_ctl get --prefix "$EM_PREFIX")
rc=0
out=$("$LOCKFS" -C "$C" init --etcd "$ETCD_ENDPOINTS" --prefix "$EM_PREFIX" 2>&1) || rc=$?
assert_eq "$rc" 1 "init --etcd with a clash ($out)"
grep -q Chapter_01 <<<"$out" || fail "the clash is not named: $out"
cmp -s "$T/c.json" "$C/.locks/locks.json" || fail "locks.json changed by a refused init"
cmp -s "$T/c.config" "$C/.locks/config" 2>/dev/null || [ ! -e "$C/.locks/config" ] ||
	fail "config changed by a refused init"
assert_eq "$(etcd_ctl get --prefix "$EM_PREFIX")" "$etcd_before" "etcd after a refused init"

B=$T/b
em_machine machine-b "$B"
prev=0
for i in 1 2 3 4; do
	for m in a b; do
		book=$T/$m
		tok=$(LOCKFS_INSTANCE=z em_on "machine-$m" "$LOCKFS" -C "$book" acquire Chapter_09 | awk '{print $3}')
		[ "$tok" -gt "$prev" ] || fail "token $tok on machine-$m after $prev"
		prev=$tok
		LOCKFS_INSTANCE=z em_on "machine-$m" "$LOCKFS" -C "$book" release Chapter_09 >/dev/null
	done
done
echo "tokens of Chapter_09 grew to $prev over 8 acquisitions on two machines"
tok=$(LOCKFS_INSTANCE=w em_on machine-a "$LOCKFS" -C "$A" acquire Chapter_10 | awk '{print $3}')
LOCKFS_INSTANCE=w em_on machine-b "$LOCKFS" -C "$B" check Chapter_10 "$tok" || fail "check on B of A's token"
rc=0
LOCKFS_INSTANCE=w em_on machine-b "$LOCKFS" -C "$B" check Chapter_10 "$((tok + 1))" || rc=$?
assert_eq "$rc" 1 "check on B of a wrong token"

D=$T/d
mkdir -p "$D"
"$LOCKFS" -C "$D" init >/dev/null
em_mount machine-d "$D"
LOCKFS_INSTANCE=v touch "$D/.locks/fs/Chapter_07"
cp "$D/.locks/locks.json" "$T/d.json"
rc=0
out=$("$LOCKFS" -C "$D" init --etcd "$ETCD_ENDPOINTS" --prefix "$EM_PREFIX" 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "init --etcd while mounted succeeded"
grep -qi mounted <<<"$out" || fail "init --etcd while mounted: $out"
cmp -s "$T/d.json" "$D/.locks/locks.json" || fail "locks.json changed by init while mounted"
! grep -q '^backend' "$D/.locks/config" 2>/dev/null || fail "config switched while mounted"
echo "while mounted: exit $rc: $out"
