#!/bin/bash
# Two entries for one resource (another writer appended its own instead of
# seeing ours) lock it for both holders.  Each is told that there are two
# entries and how to get out of it, status flags it, and `acquire --force`
# by the holder who keeps it leaves only its entry.
. "$(dirname "$0")/lib.sh"

expect 0 as CLI-A acquire Chapter_07
jq --arg ts "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	'.locks += [{"resource": "Chapter_07", "timestamp": $ts, "instance": "CLI-B"}]' \
	"$P/.locks/locks.json" >"$T/s"
cat "$T/s" >"$P/.locks/locks.json"

expect 1 as CLI-A renew Chapter_07
contains "$ERR" 'Chapter_07 is held by CLI-B'
contains "$ERR" 'locks.json has 2 entries for Chapter_07 \(one of them yours\)'
contains "$ERR" "runs 'lockfs acquire --force Chapter_07'"
expect 1 as CLI-B acquire Chapter_07
contains "$ERR" 'Chapter_07 is held by CLI-A'
contains "$ERR" 'locks.json has 2 entries for Chapter_07 \(one of them yours\)'
expect 1 as CLI-C acquire Chapter_07
contains "$ERR" 'locks.json has 2 entries for Chapter_07, so it is locked'
lacks "$ERR" 'one of them yours'

expect 0 as CLI-C status
contains "$OUT" "^! Chapter_07 \(entry 2\): another entry for this resource comes first; while both are there it is locked for both holders"

expect 0 as CLI-A acquire --force Chapter_07
[ "$(holders Chapter_07)" = CLI-A ] || fail "acquire --force left: $(holders Chapter_07)"
expect 0 as CLI-A renew Chapter_07
expect 1 as CLI-B acquire Chapter_07
lacks "$ERR" 'entries for'
echo PASS
