#!/bin/bash
# test_partition.sh - a cluster that accepts connections but never answers
# (every member SIGSTOPped): the command line fails with exit 3 naming the
# endpoints, the mount fails with EIO, both within their deadlines; a
# waiter started before survives it; after SIGCONT the mount works again
# without a restart and no lock taken before is lost.
set -euo pipefail
. "$(dirname "$0")/machines.sh"
em_init --mount
etcd_start_cluster 3

A=$T/a
em_machine machine-a "$A" "etcd_connect_timeout_ms = 300" "etcd_request_timeout_ms = 700" \
	"etcd_lease_seconds = 3"
em_mount machine-a "$A"
MP=$A/.locks/fs
# The holder is on machine-a as the waiter is: its process decides its
# liveness there, whatever the leases did while the cluster was away.
em_on machine-a env LOCKFS_INSTANCE=holder "$LOCKFS" -C "$A" acquire Chapter_01 >/dev/null
LOCKFS_INSTANCE=other touch "$MP/Chapter_02"
before=$("$LOCKFS" -C "$A" status --json | jq -c '[.[] | {resource, instance, token}]')

em_bg_on machine-a env LOCKFS_INSTANCE=waiter "$LOCKFS" -C "$A" acquire --wait 60 Chapter_01 \
	>"$T/waiter.out" 2>"$T/waiter.err"
waiter=${EM_BGPIDS[-1]}
sleep 1
pid_alive "$waiter" || fail "the waiter gave up early: $(cat "$T/waiter.err")"

etcd_stop_all
t=$(em_ms)
rc=0
out=$(LOCKFS_INSTANCE=x "$LOCKFS" -C "$A" acquire Chapter_03 2>&1) || rc=$?
cli_ms=$(($(em_ms) - t))
assert_eq "$rc" 3 "acquire on a stopped cluster ($out)"
for url in "${ETCD_URLS[@]}"; do
	grep -qF "$url" <<<"$out" || fail "the message does not name $url: $out"
done
t=$(em_ms)
expect_err "touch on a stopped cluster" "Input/output error" env LOCKFS_INSTANCE=x touch "$MP/Chapter_03"
touch_ms=$(($(em_ms) - t))
t=$(em_ms)
expect_err "ls on a stopped cluster" "Input/output error" ls "$MP"
ls_ms=$(($(em_ms) - t))
echo "stopped cluster: acquire exit 3 in $cli_ms ms, touch EIO in $touch_ms ms, ls EIO in $ls_ms ms"
for ms in "$cli_ms" "$touch_ms" "$ls_ms"; do
	[ "$ms" -le 8000 ] || fail "a call took $ms ms on a stopped cluster"
done
sleep 2
etcd_cont_all

em_on machine-a env LOCKFS_INSTANCE=holder "$LOCKFS" -C "$A" release Chapter_01 ||
	fail "release after SIGCONT"
em_wait 20 sh -c "! kill -0 $waiter 2>/dev/null" || fail "the waiter did not finish"
waiter_rc=0
wait "$waiter" || waiter_rc=$?
em_wait 10 env LOCKFS_INSTANCE=x touch "$MP/Chapter_03" || fail "the mount does not work again"
assert_eq "$(jq -r .instance "$MP/Chapter_02")" other "Chapter_02 kept"
assert_eq "$(jq -c '[.[] | {resource, instance, token}] | map(select(.resource == "Chapter_02"))' \
	<<<"$before")" "$("$LOCKFS" -C "$A" status --json | jq -c '[.[] | {resource, instance, token}] | map(select(.resource == "Chapter_02"))')" \
	"the lock taken before"
[ "$waiter_rc" = 0 ] || fail "the waiter failed (exit $waiter_rc): $(cat "$T/waiter.err")"
# The cluster revoked leases that expired while it was stopped; the mount
# took a new one and moved its machine's locks to it, so that elsewhere
# they read live again, not host-lost.
lease_of_ch2() {
	etcd_ctl get "${EM_PREFIX}locks/Chapter_02" --print-value-only | jq -r .lease
}
for _ in $(seq 100); do
	[ "$(cat "$A/.locks/etcd-lease")" = "$(lease_of_ch2)" ] && break
	sleep 0.1
done
[ "$(cat "$A/.locks/etcd-lease")" = "$(lease_of_ch2)" ] ||
	fail "Chapter_02 does not record the mount's current lease: $(lease_of_ch2) vs $(cat "$A/.locks/etcd-lease")"
[ -n "$(etcd_ctl get "${EM_PREFIX}leases/$(cat "$A/.locks/etcd-lease")" --keys-only)" ] ||
	fail "the mount's lease is not alive after the cluster came back"
assert_eq "$("$LOCKFS" -C "$A" status --json | jq -r '.[] | select(.resource == "Chapter_01") | .instance')" \
	waiter "Chapter_01 went to the waiter"
