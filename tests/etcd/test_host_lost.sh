#!/bin/bash
# test_host_lost.sh - a machine that goes away takes its locks' liveness
# with it, and nothing else.
#
# Machine A's daemon (host machine-a, etcd_lease_seconds = 3) takes a
# lock through its mount and is killed with SIGKILL, its dead mount
# cleared.  On machine B the lock turns stale with reason host-lost within
# about the lease time, stays listed, refuses a plain acquire or touch
# (exit 4, EEXIST) and is taken over by one forced acquire, with a new
# token; A's old token no longer checks.  On one machine, a holder process
# that exits still makes its lock stale as holder-exited there, while the
# other machine (which cannot see that process) keeps it live.
set -euo pipefail
. "$(dirname "$0")/machines.sh"
em_init --mount
etcd_start_cluster 1

lease=3
A=$T/a
B=$T/b
em_machine machine-a "$A" "etcd_lease_seconds = $lease"
em_machine machine-b "$B" "etcd_lease_seconds = $lease"
em_mount machine-a "$A"
em_mount machine-b "$B"

# status_of BOOK RES FIELD: a field of RES in `lockfs status --json`, run
# on the book's machine (its host decides which pids it may judge).
status_of() {
	local host=machine-${1##*/}
	em_on "$host" "$LOCKFS" -C "$1" status --json |
		jq -r --arg r "$2" ".[] | select(.resource == \$r) | .$3"
}

# ---- host-lost ----
LOCKFS_INSTANCE=agent-a em_on machine-a touch "$A/.locks/fs/Chapter_01"
token_a=$(jq -r .token "$A/.locks/fs/Chapter_01")
assert_eq "$(status_of "$B" Chapter_01 stale)" false "A's lock on B before the loss"
assert_eq "$(status_of "$B" Chapter_01 host)" machine-a "A's lock's host"

em_kill_daemon machine-a "$A"
t0=$(em_ms)
em_wait $((lease * 4)) em_on machine-b sh -c "\"$LOCKFS\" -C \"$B\" status --json |
	jq -e '.[] | select(.resource == \"Chapter_01\") | .stale_reason == \"host-lost\"'" ||
	fail "A's lock never turned host-lost on B: $("$LOCKFS" -C "$B" status --json)"
lost_ms=$(($(em_ms) - t0))
echo "host-lost seen on B $lost_ms ms after A's daemon was killed (lease $lease s)"
[ "$lost_ms" -le $(((lease + 3) * 1000)) ] || fail "host-lost took $lost_ms ms, lease $lease s"
# Not before the lease could have expired either.
[ "$lost_ms" -ge $(((lease - 1) * 1000)) ] || fail "host-lost after only $lost_ms ms"

assert_eq "$(status_of "$B" Chapter_01 instance)" agent-a "the lost lock is still listed"
assert_eq "$(status_of "$B" Chapter_01 token)" "$token_a" "its token"
em_wait 5 sh -c "jq -e '.stale_reason == \"host-lost\"' \"$B/.locks/fs/Chapter_01\"" ||
	fail "B's mount does not show host-lost: $(cat "$B/.locks/fs/Chapter_01")"
assert_eq "$(stat -c %A "$B/.locks/fs/Chapter_01")" "-r--r--r--" "stale mode on B's mount"

rc=0
out=$(LOCKFS_INSTANCE=agent-b em_on machine-b "$LOCKFS" -C "$B" acquire Chapter_01 2>&1) || rc=$?
assert_eq "$rc" 4 "plain acquire of a host-lost lock ($out)"
expect_err "plain touch of a host-lost lock" "File exists" \
	env LOCKFS_INSTANCE=agent-b touch "$B/.locks/fs/Chapter_01"
assert_eq "$(status_of "$B" Chapter_01 instance)" agent-a "no take-over without force"

LOCKFS_INSTANCE=agent-b em_on machine-b "$LOCKFS" -C "$B" acquire --force Chapter_01 >/dev/null ||
	fail "forced acquire of a host-lost lock"
assert_eq "$(status_of "$B" Chapter_01 instance)" agent-b "taken over"
assert_eq "$(status_of "$B" Chapter_01 stale)" false "live after the take-over"
token_b=$(status_of "$B" Chapter_01 token)
[ "$token_b" -gt "$token_a" ] || fail "take-over token $token_b after $token_a"
grep -q '"take-over"' "$B/.locks/events.log" || fail "take-over not logged on B"
rc=0
LOCKFS_INSTANCE=agent-a em_on machine-a "$LOCKFS" -C "$A" check Chapter_01 "$token_a" || rc=$?
assert_eq "$rc" 1 "A's check of its overridden token"

# A comes back: a new daemon, a new lease, the same view.
em_mount machine-a "$A"
assert_eq "$(jq -r .instance "$A/.locks/fs/Chapter_01")" agent-b "A's new mount sees B's lock"

# ---- holder-exited, on the holder's machine ----
# A python3 parent is the holder (the nearest process that is not a shell).
em_bg_on machine-b python3 -c '
import subprocess, sys, time
print(subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL), flush=True)
time.sleep(600)' env LOCKFS_INSTANCE=holder-b "$LOCKFS" -C "$B" acquire Chapter_02 >"$T/holder.out"
holder=${EM_BGPIDS[-1]}
em_wait 10 grep -q . "$T/holder.out" || fail "the holder's acquire did not finish"
assert_eq "$(head -c 1 "$T/holder.out")" 0 "the holder's acquire"
assert_eq "$(status_of "$B" Chapter_02 pid)" "$holder" "the holder's pid"
assert_eq "$(status_of "$B" Chapter_02 stale)" false "live while the holder runs"
kill -9 "$holder"
wait "$holder" 2>/dev/null || true
assert_eq "$(status_of "$B" Chapter_02 stale_reason)" holder-exited "on the holder's machine"
em_wait 5 sh -c "jq -e '.stale_reason == \"holder-exited\"' \"$B/.locks/fs/Chapter_02\"" ||
	fail "B's mount: $(cat "$B/.locks/fs/Chapter_02")"
# A cannot see B's processes; B's lease is alive, so the lock is live there.
assert_eq "$(status_of "$A" Chapter_02 stale)" false "on the other machine"
rc=0
LOCKFS_INSTANCE=agent-b2 em_on machine-b "$LOCKFS" -C "$B" acquire Chapter_02 >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 4 "plain acquire of a holder-exited lock"
rc=0
LOCKFS_INSTANCE=agent-a2 em_on machine-a "$LOCKFS" -C "$A" acquire Chapter_02 >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 1 "acquire on A of a lock live for A"
LOCKFS_INSTANCE=agent-b2 em_on machine-b "$LOCKFS" -C "$B" acquire --force Chapter_02 >/dev/null ||
	fail "forced acquire of a holder-exited lock"
assert_eq "$(status_of "$A" Chapter_02 instance)" agent-b2 "taken over, seen from A"
