#!/bin/bash
# A mount user and a command-line user at once on the same project ("CLI +
# Desktop concurrency": an instance without a mount uses
# the command line).  Two simulated agents (tests/fake_agent.c, long-lived
# parents that run each command in a new session, with no LOCKFS_INSTANCE:
# lockfs names them from the process tree) share one book: M works through
# the mount, C through `lockfs`.  Each sees and respects the other's locks,
# C's waiter is woken by M's rm, C's crash makes its locks stale for M, an
# override through the mount fails C's `lockfs check`, and `lockfs run` and
# `lockfs clear` show on the mount at once.
#
# Uses the mount tests' helpers (tests/mount/lib.sh): a fresh project, a
# trap that always unmounts, skip (77) without FUSE unless
# LOCKFS_REQUIRE_FUSE=1.
# shellcheck disable=SC2119 # lib.sh's defaults are this project's
set -euo pipefail
. "$(dirname "$0")/../mount/lib.sh"

lf_init
lf_mount_first

now() {
	date +%s.%N
}

less_than() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'
}

# run_as AGENT WANT COMMAND: run COMMAND through the agent, expect exit WANT.
run_as() {
	local rc=0
	agent_run "$1" "$3" || rc=$?
	[ "$rc" = "$2" ] || fail "agent $1: '$3' exited $rc, wanted $2: $(cat "$T/$1.err")"
}

L=$LOCKFS
agent_start M
agent_start C
M_INST=fake_agent-${AGENT_PID[M]}
C_INST=fake_agent-${AGENT_PID[C]}

# M takes Chapter_03 through the mount; C is refused, told by whom.
agent_ok M "touch $MP/Chapter_03"
run_as C 1 "$L -C $BOOK acquire Chapter_03"
grep -q "Chapter_03 is held by $M_INST since" "$T/C.err" ||
	fail "refusal does not name the mount user: $(cat "$T/C.err")"

# C takes Chapter_07 with the command line; M sees it and cannot take it.
run_as C 0 "$L -C $BOOK acquire --note copy-edit Chapter_07 >$T/c.out"
tok=$(sed -n 's/^Chapter_07 token \([0-9]*\) acquired$/\1/p' "$T/c.out")
[ -n "$tok" ] || fail "no token printed: $(cat "$T/c.out")"
assert_eq "$(listing)" "Chapter_03 Chapter_07 " "ls on the mount"
agent_err M "File exists" "touch $MP/Chapter_07"
agent_err M "Device or resource busy" "rm $MP/Chapter_07"
assert_eq "$(lock_field Chapter_07 instance)" "$C_INST" "cat: instance"
assert_eq "$(lock_field Chapter_07 token)" "$tok" "cat: token"
assert_eq "$(lock_field Chapter_07 note)" copy-edit "cat: note"

# M's token passes M's own `lockfs check`, not C's (the lock is not C's);
# status shows both agents, live.
run_as M 0 "$L -C $BOOK check Chapter_03 $(lock_field Chapter_03 token)"
run_as C 1 "$L -C $BOOK check Chapter_03 $(lock_field Chapter_03 token)"
"$L" -C "$BOOK" status >"$T/status"
grep -Eq "Chapter_03 +$M_INST .* live" "$T/status" || fail "status: $(cat "$T/status")"
grep -Eq "Chapter_07 +$C_INST .* live .* copy-edit$" "$T/status" || fail "status: $(cat "$T/status")"

# C waits for Chapter_03; M's rm wakes it at once (not after a poll).
(
	agent_run C "$L -C $BOOK acquire --wait 10 Chapter_03 && date +%s.%N >$T/w.done"
	echo "$?" >"$T/w.rc"
) &
waiter=$!
sleep 1.5
[ ! -e "$T/w.done" ] || fail "C did not wait"
released=$(now)
agent_ok M "rm $MP/Chapter_03"
wait "$waiter"
assert_eq "$(cat "$T/w.rc")" 0 "C's acquire --wait"
handoff=$(awk -v a="$released" -v b="$(cat "$T/w.done")" 'BEGIN { printf "%.3f", b - a }')
echo "hand-off from rm on the mount to the CLI waiter: ${handoff}s"
less_than "$handoff" 0.3 || fail "hand-off took ${handoff}s: not woken by the release"
assert_eq "$(lock_field Chapter_03 instance)" "$C_INST" "new holder on the mount"

# C crashes: its locks are stale for M at once; M overrides one through
# the mount, and C's old token no longer passes `check`.
agent_kill C
assert_eq "$(lock_field Chapter_07 stale_reason)" holder-exited "after C's crash"
agent_err M "File exists" "touch $MP/Chapter_07"
agent_ok M "LOCKFS_FORCE=1 touch $MP/Chapter_07"
assert_eq "$(lock_field Chapter_07 instance)" "$M_INST" "take-over through the mount"
rc=0
"$L" -C "$BOOK" check Chapter_07 "$tok" 2>"$T/check.err" || rc=$?
assert_eq "$rc" 1 "check of C's overridden token"
grep -q "now held by $M_INST" "$T/check.err" || fail "check: $(cat "$T/check.err")"

# While `lockfs run` holds a lock it is on the mount; afterwards it is gone.
LOCKFS_INSTANCE=CLI-R "$L" -C "$BOOK" run Chapter_09 -- ls "$MP" >"$T/run.out" 2>/dev/null
grep -qx Chapter_09 "$T/run.out" || fail "run's lock not on the mount: $(cat "$T/run.out")"
[ ! -e "$MP/Chapter_09" ] || fail "run's lock still on the mount after it ended"

# `lockfs clear` empties the mount's view.
[ -n "$(listing)" ] || fail "nothing left to clear"
LOCKFS_INSTANCE=CLI-R "$L" -C "$BOOK" clear >/dev/null
assert_eq "$(listing)" "" "ls after lockfs clear"

expect_ok "lockfs umount" "$L" -C "$BOOK" umount
is_mounted && fail "still mounted after lockfs umount"
echo ok
