#!/bin/bash
# "Clear All Locks" (recovery): `clear` removes every
# lock whoever holds it and says how many; `clear --stale` only the stale
# ones; both are in the event log.
. "$(dirname "$0")/lib.sh"

expect 0 as CLI-1 acquire Chapter_01 Chapter_02
expect 0 as CLI-2 acquire StyleSystem
store=$P/.locks/locks.json
jq '.locks += [{"resource": "Chapter_08", "timestamp": "2020-01-01T00:00:00Z",
                "instance": "CLI-crashed"},
               {"resource": "NotAName", "timestamp": "garbage",
                "instance": "hand-edit"}]' "$store" >"$store.new"
mv "$store.new" "$store"

expect 0 as CLI-3 clear --stale
contains "$OUT" '^cleared 2 stale locks$'
[ "$(jq '.locks | length' "$P/.locks/locks.json")" = 3 ] || fail "clear --stale removed live locks"
[ -z "$(holders Chapter_08)" ] || fail "stale Chapter_08 still there"

expect 0 as CLI-3 clear
contains "$OUT" '^cleared 3 locks$'
[ "$(jq '.locks | length' "$P/.locks/locks.json")" = 0 ] || fail "store not empty after clear"
expect 0 as CLI-3 status
contains "$OUT" '^No active locks\.$'

expect 0 as CLI-3 clear
contains "$OUT" '^cleared 0 locks$'
contains "$P/.locks/events.log" '"event":"clear-stale".*"instance":"CLI-3"'
contains "$P/.locks/events.log" '"event":"clear".*"instance":"CLI-3".*"count":3'

expect 2 as CLI-3 clear Chapter_01
expect 0 as CLI-3 clear --help
contains "$OUT" '^usage: lockfs clear \[--stale\]$'
echo ok
