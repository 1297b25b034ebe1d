#!/bin/bash
# Every exit code, each produced by a real situation, the same for every
# subcommand: 0 ok, 1 held by another live instance, 2 usage or invalid
# name, 3 store unreadable (a malformed locks.json, left byte for byte as
# it was), 4 only a stale lock of another in the way.  Plus --help for each
# subcommand, and bad input of every kind changing nothing.
. "$(dirname "$0")/lib.sh"

S=$P/.locks/locks.json

# --help: exit 0, on stdout.
for c in status acquire release renew run check clear init; do
	expect 0 "$LOCKFS" -C "$P" "$c" --help
	contains "$OUT" "^usage: lockfs $c"
	[ ! -s "$ERR" ] || fail "$c --help wrote to stderr"
done
expect 0 "$LOCKFS" --help
expect 2 "$LOCKFS"
expect 2 "$LOCKFS" frobnicate

# 3 before there is a project, for commands that change one.
for c in "release Chapter_01" "renew Chapter_01" "clear"; do
	# shellcheck disable=SC2086
	expect 3 as CLI-A $c
	contains "$ERR" 'is not a lockfs project'
done
[ ! -e "$P/.locks" ] || fail ".locks/ created by a failing command"

# 0
expect 0 as CLI-A acquire Chapter_01
expect 0 as CLI-A renew Chapter_01
contains "$OUT" '^Chapter_01 token 1 renewed$'
expect 0 as CLI-A check Chapter_01 1

# 1: held by another (acquire, renew, release, check), not held (renew,
# release, check).
expect 1 as CLI-B acquire Chapter_01
expect 1 as CLI-B renew Chapter_01
expect 1 as CLI-B release Chapter_01
expect 1 as CLI-B check Chapter_01 2
expect 1 as CLI-A renew Chapter_02
contains "$ERR" 'Chapter_02 is not locked'
expect 1 as CLI-A release Chapter_02
contains "$ERR" 'Chapter_02 is not locked'
expect 1 as CLI-A check Chapter_02 1
# Release decides per resource: what can go goes, the exit says not all.
expect 0 as CLI-A acquire Chapter_03
expect 1 as CLI-A release Chapter_03 Chapter_02
contains "$OUT" '^Chapter_03 released$'

# 2: usage errors and invalid names, for every subcommand.
before=$(cat "$S")
expect 2 as CLI-A acquire
expect 2 as CLI-A acquire --bogus Chapter_02
contains "$ERR" 'unknown option --bogus'
expect 2 as CLI-A acquire --wait
contains "$ERR" 'option --wait needs a value'
for secs in -1 abc 1e3 inf nan 0x10 1.2.3 "" " 5"; do
	expect 2 as CLI-A acquire --wait "$secs" Chapter_02
	contains "$ERR" '--wait takes a number of seconds'
done
expect 2 as CLI-A acquire chapter_02
contains "$ERR" 'did you mean Chapter_02\?'
expect 2 as CLI-A acquire "$(printf 'Chapter\033[31m')"
expect 2 as CLI-A renew Chapter_100
expect 2 as CLI-A release
expect 2 as CLI-A release chapter_01
contains "$ERR" 'did you mean Chapter_01\?'
expect 2 as CLI-A check Chapter_01
for tok in 0 -1 abc 1.5 99999999999999999999 "+1"; do
	expect 2 as CLI-A check Chapter_01 "$tok"
	contains "$ERR" 'token is a positive integer'
done
expect 2 as CLI-A check chapter_01 1
expect 2 as CLI-A status extra
expect 2 as CLI-A status --yaml
expect 2 as CLI-A init now
expect 2 as CLI-A run Chapter_02
# An unusable instance label is the caller's mistake too.
expect 2 env LOCKFS_INSTANCE="has spaces" "$LOCKFS" -C "$P" acquire Chapter_02
contains "$ERR" 'LOCKFS_INSTANCE has byte 0x20 at offset 3'
expect 2 env LOCKFS_INSTANCE= "$LOCKFS" -C "$P" acquire Chapter_02
expect 2 "$LOCKFS" -C "$T/no-such-dir" status
[ "$before" = "$(cat "$S")" ] || fail "a usage error changed the store"

# 4: the only obstacle is another's stale lock.
jq '.locks += [{"resource": "Chapter_05", "timestamp": "2001-01-01T00:00:00Z",
		"instance": "CLI-old", "token": 9}]' "$S" >"$T/s" && cat "$T/s" >"$S"
expect 4 as CLI-A acquire Chapter_05
expect 4 as CLI-A acquire --wait 5 Chapter_05 Chapter_06
expect 4 as CLI-A renew Chapter_05
contains "$ERR" "'lockfs acquire --force' takes it over"
expect 4 as CLI-old check Chapter_05 9
# Live beats stale: one live obstacle makes it 1.
expect 1 as CLI-B acquire Chapter_05 Chapter_01

# 3: a malformed store is reported with the byte offset and never touched.
printf '{"locks": [ {"resource": "Chapter_01", "instance": "x",, } ] }\n' >"$S"
cp "$S" "$T/orig"
for c in "acquire Chapter_02" "acquire --force Chapter_01" "release Chapter_01" \
	 "release --force Chapter_01" "renew Chapter_01" "check Chapter_01 1" \
	 "status" "status --json" "clear" "clear --stale"; do
	# shellcheck disable=SC2086
	expect 3 as CLI-A $c
	contains "$ERR" 'byte [0-9]+'
	cmp -s "$S" "$T/orig" || fail "'$c' changed a malformed store"
done
expect 3 as CLI-A run Chapter_02 -- touch "$T/ran"
[ ! -e "$T/ran" ] || fail "run ran its command without the lock"
cmp -s "$S" "$T/orig" || fail "run changed a malformed store"
echo ok
