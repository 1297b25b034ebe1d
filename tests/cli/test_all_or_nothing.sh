#!/bin/bash
# Several resources are taken all or none, in one store transaction: a
# request that cannot get one of them leaves no partial state, instances
# taking the same pair in opposite orders never deadlock, and of many
# instances racing for one lock exactly one gets it.
. "$(dirname "$0")/lib.sh"

count() {
	store_json "$P" | jq length
}

expect 0 as CLI-A acquire ProjectConfig
expect 1 as CLI-B acquire Chapter_03 ProjectConfig
contains "$ERR" 'ProjectConfig is held by CLI-A'
[ -z "$(holders Chapter_03)" ] || fail "Chapter_03 taken by a refused request"
[ "$(count)" = 1 ] || fail "partial state left: $(count) entries"

# An invalid name anywhere in the list: exit 2, nothing taken.
expect 2 as CLI-B acquire Chapter_03 Chapter_3
[ "$(count)" = 1 ] || fail "partial state left after an invalid name"
# The same name twice is a usage error too.
expect 2 as CLI-B acquire Chapter_03 Chapter_03
expect 0 as CLI-A release ProjectConfig

# Opposite orders, concurrently, many times: both always finish.
pair() {
	local i
	for i in $(seq 15); do
		as "$1" acquire --wait 20 "$2" "$3" >/dev/null 2>&1 || return 1
		as "$1" release "$2" "$3" >/dev/null 2>&1 || return 1
	done
}
t0=$(now)
pair CLI-A Chapter_03 ProjectConfig &
a=$!
pair CLI-B ProjectConfig Chapter_03 &
b=$!
BG_PIDS+=("$a" "$b")
wait "$a" || fail "instance A failed"
wait "$b" || fail "instance B failed"
echo "30 opposite-order acquisitions in $(elapsed "$t0" "$(now)")s"
[ "$(count)" = 0 ] || fail "locks left after the race: $(count)"

# Eight instances race for one chapter: exactly one wins.
for i in $(seq 8); do
	(as "CLI-$i" acquire Chapter_09 >/dev/null 2>&1; echo "$?" >"$T/race.$i") &
done
wait
winners=$(cat "$T"/race.* | grep -c '^0$' || true)
[ "$winners" = 1 ] || fail "$winners instances got Chapter_09"
[ "$(cat "$T"/race.* | grep -vc '^[01]$' || true)" = 0 ] || fail "unexpected exit codes: $(cat "$T"/race.*)"
[ "$(count)" = 1 ] || fail "$(count) entries for one lock"
echo ok
