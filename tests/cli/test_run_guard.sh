#!/bin/bash
# No writer outlives the lock it runs under: `lockfs run` killed with
# SIGKILL takes COMMAND and everything COMMAND started (a child in the
# background, a double-forked setsid'd daemon) with it, and the lock
# counts as free only once none of them is left.  When COMMAND ends, what
# it left running in the background is killed before the release.
. "$(dirname "$0")/lib.sh"

# The command records its own pid, a background child's and a daemon's
# (setsid, and its parent gone at once: an orphan in its own session).
# shellcheck disable=SC2016 # the command's own variables
tree='echo $$ >"$0/cmd.pid"
sleep 300 & echo $! >"$0/child.pid"
(setsid sleep 300 & echo $! >"$0/daemon.pid") &
wait'

start_tree() {
	rm -f "$T"/*.pid
	LOCKFS_INSTANCE=R "$LOCKFS" -C "$P" run "$1" -- sh -c "$tree" "$T" 2>"$T/run.err" &
	runner=$!
	BG_PIDS+=("$runner")
	for _ in $(seq 100); do
		[ -s "$T/cmd.pid" ] && [ -s "$T/child.pid" ] && [ -s "$T/daemon.pid" ] && break
		sleep 0.05
	done
	[ -s "$T/daemon.pid" ] || fail "the command did not start its tree"
	for f in cmd child daemon; do
		BG_PIDS+=("$(cat "$T/$f.pid")")
	done
}

none_alive() {
	local f
	for f in cmd child daemon; do
		if pid_alive "$(cat "$T/$f.pid")"; then
			fail "$1: the command's $f ($(cat "$T/$f.pid")) still runs"
		fi
	done
}

start_tree Chapter_20
wait_held Chapter_20 R
kill_quietly "$runner"
# Poll as another instance: the lock is refused as live (exit 1) until it
# counts as stale because its holder exited (exit 4); at that moment no
# process of the tree may be left.
for _ in $(seq 200); do
	rc=0
	as S acquire Chapter_20 >"$OUT" 2>"$ERR" || rc=$?
	[ "$rc" = 1 ] || break
	sleep 0.01
done
[ "$rc" = 4 ] || { cat "$ERR" >&2; fail "acquire after kill -9 of run: exit $rc, wanted 4"; }
contains "$ERR" 'holder'
none_alive "after kill -9 of lockfs run"
expect 0 as S acquire --force Chapter_20
expect 0 as S release Chapter_20

# The command ends by itself: its background jobs go with it.
# shellcheck disable=SC2016
expect 0 as R run Chapter_21 -- sh -c 'sleep 300 & echo $! >"$0/child.pid"
(setsid sleep 300 & echo $! >"$0/daemon.pid") & sleep 0.2' "$T"
echo 1 >"$T/cmd.pid"	# init: not the command's, and alive
for f in child daemon; do
	pid_alive "$(cat "$T/$f.pid")" && fail "run ended, its $f still runs"
done
[ -z "$(holders Chapter_21)" ] || fail "Chapter_21 still held"

# Between the command's end and the release the lock is still live: an
# instance polling meanwhile is refused (1) or gets it (0), never told the
# holder exited (4).
for _ in $(seq 40); do as R run Chapter_22 -- true 2>/dev/null || true; done &
runs=$!
BG_PIDS+=("$runs")
while pid_alive "$runs"; do
	rc=0
	as S acquire Chapter_22 >"$OUT" 2>"$ERR" || rc=$?
	[ "$rc" != 4 ] || { cat "$ERR" >&2; fail "a lock of lockfs run looked abandoned"; }
	[ "$rc" != 0 ] || as S release Chapter_22 >/dev/null
done
echo ok
