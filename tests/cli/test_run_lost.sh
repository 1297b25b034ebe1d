#!/bin/bash
# `lockfs run` whose lock was taken over while COMMAND ran does not pass
# on COMMAND's success: it exits 5 and says on stderr which lock it lost
# and what COMMAND's own status was.  Its messages give times in one
# format (the one the other commands use: "since 10:03 (4 s ago)").
. "$(dirname "$0")/lib.sh"

# Taken over (forced) while the command runs; noticed at the release.
LOCKFS_INSTANCE=R "$LOCKFS" -C "$P" run Chapter_30 -- sleep 1 >"$OUT" 2>"$ERR" &
runner=$!
BG_PIDS+=("$runner")
wait_held Chapter_30 R
expect 0 as S acquire --force Chapter_30
rc=0
wait "$runner" || rc=$?
[ "$rc" = 5 ] || { cat "$ERR" >&2; fail "run that lost its lock exited $rc, wanted 5"; }
contains "$ERR" 'lost the lock while the command ran; not releasing it: Chapter_30 is held by S since [0-9]{2}:[0-9]{2} \([0-9]+ s ago\)$'
contains "$ERR" 'the command ran without its lock on Chapter_30 \(its own exit status: 0\); exit 5$'
lacks "$ERR" '[0-9]{4}-[0-9]{2}-[0-9]{2}T'
[ "$(holders Chapter_30)" = S ] || fail "run released the new holder's lock"
expect 0 as S release Chapter_30

# Noticed at a renewal (a 3 s stale timeout renews every second), and a
# failing command's status is named.
write_config "$P/.locks/config" "stale_seconds = 3"
LOCKFS_INSTANCE=R "$LOCKFS" -C "$P" run Chapter_31 Chapter_32 -- sh -c 'sleep 2; exit 7' >"$OUT" 2>"$ERR" &
runner=$!
BG_PIDS+=("$runner")
wait_held Chapter_31 R
expect 0 as S acquire --force Chapter_31
rc=0
wait "$runner" || rc=$?
[ "$rc" = 5 ] || { cat "$ERR" >&2; fail "run that lost its lock exited $rc, wanted 5"; }
contains "$ERR" 'lost the lock while the command runs: Chapter_31 is held by S since [0-9]{2}:[0-9]{2} \([0-9]+ s ago\)$'
contains "$ERR" 'without its lock on Chapter_31 \(its own exit status: 7\); exit 5$'
lacks "$ERR" '[0-9]{4}-[0-9]{2}-[0-9]{2}T'
[ -z "$(holders Chapter_32)" ] || fail "the lock run kept was not released"
[ "$(holders Chapter_31)" = S ] || fail "run released the new holder's lock"

# Nothing lost: COMMAND's own status, as before.
expect 7 as R run Chapter_33 -- sh -c 'exit 7'
lacks "$ERR" 'lost'
echo ok
