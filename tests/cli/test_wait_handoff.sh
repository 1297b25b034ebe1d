#!/bin/bash
# Two instances on the same chapter: the second waits (acquire --wait) and
# gets the lock as soon as the first releases.  The release comes 1.5 s
# into the wait, half-way between two ticks of the 1 s fallback poll, so a
# hand-off well under 0.3 s proves the waiter was woken by the release
# itself (inotify), not by polling or by its timeout.
. "$(dirname "$0")/lib.sh"

expect 0 as CLI-1 acquire Chapter_03

start=$(now)
(
	as CLI-2 acquire --wait 10 Chapter_03 >"$T/b.out" 2>"$T/b.err"
	echo "$?" >"$T/b.rc"
	now >"$T/b.done"
) &
waiter=$!
BG_PIDS+=("$waiter")
sleep 1.5
[ ! -e "$T/b.done" ] || fail "the waiter did not wait"
released=$(now)
expect 0 as CLI-1 release Chapter_03
wait "$waiter"

[ "$(cat "$T/b.rc")" = 0 ] || { cat "$T/b.err" >&2; fail "waiter exited $(cat "$T/b.rc")"; }
contains "$T/b.out" '^Chapter_03 token [0-9]+ acquired$'
contains "$T/b.err" 'waiting: Chapter_03 is held by CLI-1'
[ "$(holders Chapter_03)" = CLI-2 ] || fail "Chapter_03 not held by CLI-2"

handoff=$(elapsed "$released" "$(cat "$T/b.done")")
waited=$(elapsed "$start" "$(cat "$T/b.done")")
echo "waited ${waited}s, hand-off ${handoff}s after the release started"
less_than "$handoff" 0.3 || fail "hand-off took ${handoff}s: not woken by the release"
less_than 1.4 "$waited" || fail "waited only ${waited}s"

# The wait runs out: exit 1, naming who still holds what.
t0=$(now)
expect 1 as CLI-3 acquire --wait 0.5 Chapter_03
contains "$ERR" 'gave up after 0.5 s: Chapter_03 is held by CLI-2'
took=$(elapsed "$t0" "$(now)")
less_than 0.45 "$took" || fail "gave up after ${took}s, before the 0.5 s wait"
less_than "$took" 2 || fail "gave up after ${took}s, long after the 0.5 s wait"

# A lock whose holder is gone goes stale while someone waits for it: the
# waiter stops early with exit 4 instead of waiting it out.
expect 0 as CLI-2 release Chapter_03
hold_in_bg CLI-4 Chapter_03
[ "$(holders Chapter_03)" = CLI-4 ] || fail "lockfs run did not take Chapter_03"
(sleep 1; kill -KILL "$runner") 2>/dev/null &
t0=$(now)
expect 4 as CLI-5 acquire --wait 20 Chapter_03
contains "$ERR" 'stale \(its holder process has exited\); --force overrides it'
took=$(elapsed "$t0" "$(now)")
less_than "$took" 5 || fail "took ${took}s to notice the holder's exit"
echo ok
