#!/bin/bash
# Stale override: a lock older than the stale
# timeout, as another writer left it in locks.json, stops `acquire` with
# exit 4; --force (or LOCKFS_FORCE=1) takes it over with a fresh token;
# `check` of the old token then fails with 1.  Also: a plain `release` of
# another's stale lock is an override, and both are in the event log.
. "$(dirname "$0")/lib.sh"

expect 0 "$LOCKFS" -C "$P" init
cat >"$P/.locks/locks.json" <<'JSON'
{
  "locks": [
    { "resource": "Chapter_03", "timestamp": "2026-01-05T09:00:00.250+01:00",
      "instance": "CLI-12345", "token": 41, "x-editor": "kept" },
    { "resource": "Chapter_04", "timestamp": "2025-12-31T23:00:00Z",
      "instance": "Desktop-67890", "token": 42 }
  ],
  "last_token": 42
}
JSON

expect 4 as CLI-12345 check Chapter_03 41
contains "$ERR" 'stale'
# Another instance naming that token is not told the lock is its own.
expect 1 as CLI-old check Chapter_03 41
contains "$ERR" 'held by CLI-12345, not by you \(CLI-old\)'

expect 4 as CLI-new acquire Chapter_03
contains "$ERR" 'Chapter_03 is held by CLI-12345 since 2026-01-05 08:00 \([0-9]+ (h|days) ago\), but that lock is stale'
contains "$ERR" '--force overrides it'
[ "$(holders Chapter_03)" = CLI-12345 ] || fail "exit 4 changed the store"

# One stale and one free: still exit 4, still nothing taken.
expect 4 as CLI-new acquire Chapter_05 Chapter_03
[ -z "$(holders Chapter_05)" ] || fail "Chapter_05 taken although the request failed"

expect 0 as CLI-new acquire --force Chapter_03
contains "$OUT" '^Chapter_03 token 43 taken over from CLI-12345 \(not renewed within the stale timeout\)$'
[ "$(holders Chapter_03)" = CLI-new ] || fail "take-over did not happen"
jq -e '.locks[0]["x-editor"] == "kept"' "$P/.locks/locks.json" >/dev/null ||
	fail "a field lockfs does not own was lost"

# The old acquisition is no longer the holder: check says so.
expect 1 as CLI-12345 check Chapter_03 41
contains "$ERR" 'Chapter_03 is now held by CLI-new with token 43, not 41'
expect 0 as CLI-new check Chapter_03 43
contains "$OUT" '^Chapter_03 token 43 holds the lock \(live\)$'

# LOCKFS_FORCE=1 is the same as --force.
expect 0 env LOCKFS_FORCE=1 LOCKFS_INSTANCE=CLI-env "$LOCKFS" -C "$P" acquire Chapter_04
contains "$OUT" 'Chapter_04 token 44 taken over from Desktop-67890'

# Release of another's stale lock: allowed, reported as an override.
cat >"$P/.locks/locks.json" <<'JSON'
{ "locks": [ { "resource": "Chapter_09", "timestamp": "2020-01-01T00:00:00Z",
               "instance": "CLI-gone" } ] }
JSON
expect 0 as CLI-new release Chapter_09
contains "$OUT" '^Chapter_09 released: it was a stale lock of CLI-gone'
contains "$P/.locks/events.log" '"event":"take-over".*"resource":"Chapter_03".*"previous":"CLI-12345"'
contains "$P/.locks/events.log" '"event":"override-release".*"resource":"Chapter_09"'

# A live lock of another: release refuses (1) without --force.
expect 0 as CLI-a acquire Chapter_10
expect 1 as CLI-b release Chapter_10
expect 0 as CLI-b release --force Chapter_10
contains "$OUT" 'Chapter_10 released: it was a live lock of CLI-a \(forced\)'
echo ok
