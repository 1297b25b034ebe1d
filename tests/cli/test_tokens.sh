#!/bin/bash
# Fencing tokens are never handed out twice in a project, whatever other
# writers do to locks.json: a hand rewrite in the bare format drops
# "last_token" and the lock with the highest token, and the next
# acquisition still gets a new one.  `check` compares the whole
# acquisition (resource, token, instance): a token is never reported as
# the lock of an instance that did not take it.
. "$(dirname "$0")/lib.sh"

expect 0 as CLI-1 acquire Chapter_07
contains "$OUT" '^Chapter_07 token 1 acquired$'
expect 0 as CLI-1 release Chapter_07
expect 0 as CLI-1 acquire Chapter_07
contains "$OUT" '^Chapter_07 token 2 acquired$'
expect 0 as CLI-1 check Chapter_07 2

# A hand editor in the bare format: its own lock, no counter, and
# Chapter_07 dropped.
cat >"$P/.locks/locks.json.new" <<JSON
{"locks": [{"resource": "Chapter_01", "timestamp": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "instance": "CLI-hand"}]}
JSON
mv "$P/.locks/locks.json.new" "$P/.locks/locks.json"

expect 0 as CLI-2 acquire Chapter_07
contains "$OUT" '^Chapter_07 token 3 acquired$'
# The old acquisition is gone, and CLI-2's token is not CLI-1's.
expect 1 as CLI-1 check Chapter_07 2
contains "$ERR" 'now held by CLI-2 with token 3, not 2'
expect 1 as CLI-1 check Chapter_07 3
contains "$ERR" 'held by CLI-2, not by you \(CLI-1\)'
lacks "$ERR" 'yours'
expect 0 as CLI-2 check Chapter_07 3
contains "$OUT" 'Chapter_07 token 3 holds the lock \(live\)'

# Stale: still not CLI-1's (exit 1, not "stale, renew it").
echo "stale_seconds = 1" >"$P/.locks/config"
sleep 1.2
expect 1 as CLI-1 check Chapter_07 3
expect 4 as CLI-2 check Chapter_07 3
rm "$P/.locks/config"

# The hand-written entry gets a token of its own when renewed, above all.
expect 0 as CLI-hand renew Chapter_01
[ "$(jq -r '.locks[] | select(.resource == "Chapter_01") | .token' "$P/.locks/locks.json")" = 4 ] ||
	fail "the renewed hand-written lock did not get token 4"
# Even with every lock and the counter gone.
printf '{"locks": []}\n' >"$P/.locks/locks.json"
expect 0 as CLI-3 acquire Chapter_07
contains "$OUT" '^Chapter_07 token 5 acquired$'
echo ok
