#!/bin/bash
# `lockfs status` is the "Active Locks" dashboard: resource,
# holder, since, age, live or stale and why, token, note; odd entries
# flagged; colour only on a terminal without NO_COLOR; --json parses.
. "$(dirname "$0")/lib.sh"

expect 0 as CLI-A status
contains "$OUT" '^No active locks\.$'
expect 0 as CLI-A status --json
[ "$(jq length "$OUT")" = 0 ] || fail "--json of an empty store is not []"

expect 0 as CLI-12345 acquire --note "rewriting the intro" Chapter_03
expect 0 as CLI-2 acquire StyleSystem
jq '.locks += [
	{"resource": "Chapter_07", "timestamp": "2001-01-01T09:30:00Z", "instance": "Desktop-1", "token": 1},
	{"resource": "chapter_99", "timestamp": "2026-01-01T00:00:00Z", "instance": "hand"},
	{"resource": "StyleSystem", "timestamp": "2001-01-01T00:00:00Z", "instance": "dup"},
	{"resource": "QuoteRegistry", "timestamp": "last tuesday", "instance": "CLI-9\u001b[2J"}
]' "$P/.locks/locks.json" >"$T/s"
cat "$T/s" >"$P/.locks/locks.json"

expect 0 as CLI-A status
cat "$OUT"
contains "$OUT" '^Active locks in .* \(stale after 15 min\):$'
contains "$OUT" 'RESOURCE +INSTANCE +SINCE +AGE +STATE +TOKEN +NOTE'
contains "$OUT" '^ +Chapter_03 +CLI-12345 +[0-9]{2}:[0-9]{2} +[0-9]+ s +live +[0-9]+ +rewriting the intro$'
contains "$OUT" '^ +Chapter_07 +Desktop-1 +2001-01-01 09:30 +[0-9]+ days +stale \(age\) +1$'
contains "$OUT" '^! +chapter_99 +hand .*stale \(age\)'
contains "$OUT" '^! +StyleSystem +dup '
contains "$OUT" '^! +QuoteRegistry +CLI-9\?\[2J +\? +\? +stale \(bad-timestamp\) +-'
contains "$OUT" '^6 locks, 4 stale\.$'
contains "$OUT" '^! chapter_99 \(entry 4\): not a resource name of this project$'
contains "$OUT" '^! StyleSystem \(entry 5\): another entry for this resource comes first; '
contains "$OUT" '^! QuoteRegistry \(entry 6\): timestamp unreadable or far in the future'
lacks "$OUT" $'\033'

# A holder that has exited makes its lock stale at once: here lockfs
# run's guard, the holder of record, which exits as soon as it has ended
# the command's process tree after lockfs run was killed.
hold_in_bg CLI-R Chapter_10
kill_quietly "$runner"
for _ in $(seq 100); do
	expect 0 as CLI-A status
	grep -q 'holder-exited' "$OUT" && break
	sleep 0.02
done
contains "$OUT" '^ +Chapter_10 +CLI-R .*stale \(holder-exited\)'

# --json: the mount's objects plus the flags.
expect 0 as CLI-A status --json
jq -e 'length == 7' "$OUT" >/dev/null || fail "--json: not 7 entries"
jq -e '.[0] | .resource == "Chapter_03" and .instance == "CLI-12345" and
	.stale == false and .stale_reason == null and .note == "rewriting the intro" and
	(.token | type) == "number" and (.age_seconds | type) == "number" and
	.known_name == true and .flags == [] and .duplicate == false' "$OUT" >/dev/null ||
	fail "--json: bad first entry"
jq -e '.[2].stale_reason == "age"' "$OUT" >/dev/null || fail "--json: stale reason"
jq -e '.[3].flags == ["unknown-name"] and .[3].known_name == false' "$OUT" >/dev/null ||
	fail "--json: unknown name not flagged"
jq -e '.[4].flags == ["duplicate"] and .[4].duplicate == true' "$OUT" >/dev/null ||
	fail "--json: duplicate not flagged"
jq -e '.[5].flags == ["bad-timestamp"] and .[5].stale_reason == "bad-timestamp"' "$OUT" >/dev/null ||
	fail "--json: bad timestamp not flagged"
jq -e '.[6].stale_reason == "holder-exited"' "$OUT" >/dev/null || fail "--json: holder-exited"

# Colour on a terminal, not with NO_COLOR.
if script -qec true /dev/null >/dev/null 2>&1; then
	script -qec "\"$LOCKFS\" -C \"$P\" status" /dev/null >"$T/tty" </dev/null
	contains "$T/tty" $'\033\\[32mlive'
	contains "$T/tty" $'\033\\[33mstale'
	NO_COLOR=1 script -qec "\"$LOCKFS\" -C \"$P\" status" /dev/null >"$T/tty" </dev/null
	lacks "$T/tty" $'\033\\['
fi
echo ok
