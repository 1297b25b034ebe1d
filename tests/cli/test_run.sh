#!/bin/bash
# Locks are released when the prompt's command fails, through `lockfs run`: a failing command (its status is passed
# through), a command killed by a signal, and lockfs run itself getting
# SIGTERM, SIGHUP or SIGINT (passed on to the command).  Also: the locks
# are renewed while the command runs, the command sees LOCKFS_INSTANCE, and
# a refused run does not run the command at all.
. "$(dirname "$0")/lib.sh"

is_free() {
	[ -z "$(holders "$1")" ] || fail "$1 still locked after lockfs run: $(holders "$1")"
}

# Runs lockfs run in the background as CLI-R; $runner is its own pid.
start_run() {
	LOCKFS_INSTANCE=CLI-R "$LOCKFS" -C "$P" run "$@" 2>"$T/run.err" &
	runner=$!
	BG_PIDS+=("$runner")
}

# finish_run SIGNAL WANT: signal lockfs run, expect exit WANT within 3 s
# (the command sleeps for 30 s, so only a passed-on signal ends it).
finish_run() {
	local t0 rc=0
	t0=$(now)
	kill -"$1" "$runner"
	wait "$runner" || rc=$?
	[ "$rc" = "$2" ] || { cat "$T/run.err" >&2; fail "lockfs run got SIG$1, exited $rc, wanted $2"; }
	less_than "$(elapsed "$t0" "$(now)")" 3 || fail "SIG$1 was not passed on to the command"
}

# Success, and the command knows its instance.
# shellcheck disable=SC2016 # the command's own variables
expect 0 as CLI-R run Chapter_01 -- sh -c 'echo "instance=$LOCKFS_INSTANCE"'
contains "$OUT" '^instance=CLI-R$'
contains "$ERR" '^Chapter_01 token [0-9]+ acquired$'
is_free Chapter_01

# A failing command: its exit status, and the locks are released.
expect 7 as CLI-R run Chapter_01 ProjectConfig -- sh -c 'exit 7'
is_free Chapter_01
is_free ProjectConfig

# A command killed by a signal: 128 + the signal.
expect 137 as CLI-R run Chapter_01 -- sh -c 'kill -KILL $$'
is_free Chapter_01
expect 127 as CLI-R run Chapter_01 -- ./no-such-command
contains "$ERR" 'no-such-command: No such file or directory'
is_free Chapter_01

# While it runs: held by the instance, recorded with the pid of lockfs
# run's guard (its child, the command's parent).
start_run Chapter_02 -- sleep 30
wait_held Chapter_02 CLI-R
guard=$(store_json "$P" | jq '.[] | select(.resource == "Chapter_02") | .pid')
[ "$(awk '{ print $4 }' "/proc/$guard/stat")" = "$runner" ] ||
	fail "holder pid $guard is not the child of lockfs run"
expect 1 as CLI-other acquire Chapter_02
finish_run TERM 143
is_free Chapter_02

start_run Chapter_02 -- sleep 30
wait_held Chapter_02 CLI-R
finish_run HUP 129
is_free Chapter_02

# A background job of a script ignores SIGINT unless job control is on.
set -m
start_run Chapter_02 -- sleep 30
set +m
wait_held Chapter_02 CLI-R
finish_run INT 130
is_free Chapter_02

# Renewal: with a 3 s stale timeout, a 5 s command keeps its lock live.
write_config "$P/.locks/config" "stale_seconds = 3"
start_run Chapter_04 -- sleep 5
wait_held Chapter_04 CLI-R
sleep 4
expect 1 as CLI-other acquire Chapter_04
contains "$ERR" 'Chapter_04 is held by CLI-R since .*\([0-2] s ago\)$'
wait "$runner"
is_free Chapter_04
write_config "$P/.locks/config" ''

# Refused: exit 1, and the command never runs.
expect 0 as CLI-other acquire Chapter_05
expect 1 as CLI-R run Chapter_03 Chapter_05 -- touch "$T/ran"
[ ! -e "$T/ran" ] || fail "the command ran without its locks"
is_free Chapter_03
expect 1 as CLI-R run --wait 0.3 Chapter_05 -- touch "$T/ran"
contains "$ERR" 'gave up after 0.3 s: Chapter_05 is held by CLI-other'
[ ! -e "$T/ran" ] || fail "the command ran without its locks"

# --wait: the command runs once the lock is free.
(sleep 0.5; as CLI-other release Chapter_05 >/dev/null) &
expect 0 as CLI-R run --wait 10 Chapter_05 -- touch "$T/ran"
[ -e "$T/ran" ] || fail "the command did not run after the wait"
is_free Chapter_05

# Usage errors: exit 2, nothing taken, nothing run.
expect 2 as CLI-R run Chapter_01 touch "$T/ran2"
contains "$ERR" 'put -- between the resources and the command'
expect 2 as CLI-R run -- touch "$T/ran2"
expect 2 as CLI-R run Chapter_01 --
expect 2 as CLI-R run --wait soon Chapter_01 -- true
expect 2 as CLI-R run Chapter_01 --wait 5 -- touch "$T/ran2"
contains "$ERR" 'options go before the resources, not "--wait"'
expect 2 as CLI-R run chapter_01 -- touch "$T/ran2"
contains "$ERR" 'did you mean Chapter_01\?'
[ ! -e "$T/ran2" ] || fail "the command ran after a usage error"
is_free Chapter_01
# The command's own options are its own.
# shellcheck disable=SC2016
expect 0 as CLI-R run Chapter_01 -- sh -c 'echo "$1"' sh --wait
contains "$OUT" '^--wait$'
echo ok
