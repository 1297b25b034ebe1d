#!/bin/bash
# What lockfs writes, lockfs reads back, and so do strict JSON readers
# (jq, and Python's json on bytes decoded as strict UTF-8): every value
# that reaches the store or the event log from outside (a note, an
# instance label, a process name, the host name, a config line, fields of
# other writers) is cleaned or refused on the way in.  The first case is
# the outage this guards against: an overlong "\xc0\x80" in a note was
# committed, and from then on every command of every instance failed with
# "not valid UTF-8" until someone edited locks.json by hand.
. "$(dirname "$0")/lib.sh"

S=$P/.locks/locks.json
EV=$P/.locks/events.log
R=$'\xef\xbf\xbd'	# U+FFFD, what each byte that is not UTF-8 becomes

# Everything lockfs keeps reads back, and every command still works.
all_readable() {
	strict_json "$S"
	[ ! -e "$EV" ] || strict_json_lines "$EV"
	expect 0 "$LOCKFS" -C "$P" status
	expect 0 "$LOCKFS" -C "$P" status --json
	strict_json "$OUT"
}
note_of() {
	jq -r --arg r "$1" '.locks[] | select(.resource == $r) | .note' "$S"
}

expect 0 "$LOCKFS" -C "$P" init

# The outage: the note is cleaned (each bad byte becomes U+FFFD), the
# lock is taken, and the next instance is not locked out.
expect 0 as CLI-1 acquire --note $'a\xc0\x80b' Chapter_01
expect 0 as CLI-2 acquire Chapter_02
all_readable
assert_eq "$(note_of Chapter_01)" "a${R}${R}b" "the overlong note"

# Surrogates, code points past U+10FFFF, a sequence cut short, control
# characters (C0, DEL, C1, an escape sequence), and a lone NUL-free tail.
expect 0 as CLI-1 renew Chapter_01
for note in $'\xed\xa0\x80' $'\xf4\x90\x80\x80' $'x\xe2\x82' \
	$'t\x01a\x7fb\xc2\x85c\x1b[2J' $'\xff\xfe' $'caf\xc3\xa9 \xf0\x9f\x98\x80'; do
	expect 0 as CLI-1 release Chapter_01
	expect 0 as CLI-1 acquire --note "$note" Chapter_01
	all_readable
done
assert_eq "$(note_of Chapter_01)" $'caf\xc3\xa9 \xf0\x9f\x98\x80' "valid UTF-8 kept as it is"
expect 0 as CLI-1 release Chapter_01
expect 0 as CLI-1 acquire --note $'t\x01a\x7fb\xc2\x85c' Chapter_01
assert_eq "$(note_of Chapter_01)" "t a b c" "control characters become spaces"

# A long note is cut to 200 bytes before a character, never inside one:
# 199 ASCII bytes and a 4-byte character keep only the 199.
expect 0 as CLI-1 release Chapter_01
expect 0 as CLI-1 acquire --note "$(printf 'x%.0s' $(seq 199))"$'\xf0\x9f\x98\x80' Chapter_01
all_readable
assert_eq "$(note_of Chapter_01 | wc -c)" 200 "the cut note (199 bytes and a newline)"

# A process name is whatever the process wrote into /proc/self/comm
# (prctl(PR_SET_NAME)): the caller's parent names itself with bad bytes
# and becomes the agent whose label lockfs records.
# shellcheck disable=SC2016 # expanded by the inner shell
bash -c 'printf "\xc0\x80\x1b\xff" >/proc/$$/comm; "$0" -C "$1" acquire Chapter_03; :' \
	"$LOCKFS" "$P" >"$OUT" 2>"$ERR" || fail "acquire under a strange comm: $(cat "$ERR")"
inst=$(holders Chapter_03)
case $inst in
*[!A-Za-z0-9._:@+=-]* | "") fail "label from a bad comm is '$inst'" ;;
esac
all_readable

# Labels from the environment are refused, not cleaned: the holder must
# be able to give the same label again.
expect 2 env LOCKFS_INSTANCE=$'CLI-\xc0\x80' "$LOCKFS" -C "$P" acquire Chapter_04
contains "$ERR" 'LOCKFS_INSTANCE has byte 0xc0 at offset 4'
expect 2 env CLAUDE_CODE_SESSION_ID=$'\xed\xa0\x80abcdef' "$LOCKFS" -C "$P" acquire Chapter_04
contains "$ERR" 'CLAUDE_CODE_SESSION_ID has byte 0xed'
[ -z "$(holders Chapter_04)" ] || fail "a refused label took a lock"

# The host name: sethostname() takes any bytes.  Needs a UTS namespace
# (root, or a kernel that lets this user make one).
if unshare -u true 2>/dev/null; then
	# shellcheck disable=SC2016
	unshare -u bash -c 'printf "h\xc0\x80\x01st" >/proc/sys/kernel/hostname &&
		LOCKFS_INSTANCE=CLI-H "$0" -C "$1" acquire Chapter_05' "$LOCKFS" "$P" \
		>"$OUT" 2>"$ERR" || fail "acquire on a strange host: $(cat "$ERR")"
	host=$(jq -r '.locks[] | select(.resource == "Chapter_05") | .host' "$S")
	assert_eq "$host" "h${R}${R}?st" "the cleaned host name"
	all_readable
else
	echo "note: no UTS namespace here; the host name case is not run" >&2
fi

# A config line with bytes that are not printable UTF-8 is refused with
# where they are; nothing reaches the store.
printf 'resource = Appendix_\xc0\x80\n' >"$P/.locks/config"
expect 2 as CLI-1 acquire Chapter_06
contains "$ERR" 'config line 1: byte 0xc0 at column 21 is not printable UTF-8'
[ -z "$(holders Chapter_06)" ] || fail "acquired under a broken config"
strict_json "$S"
rm "$P/.locks/config"

# Fields other writers put in the store (escaped controls, surrogate pairs,
# raw UTF-8, a name outside the set) survive lockfs's rewrite and read
# back strictly.
jq '.locks += [{"resource": "Appendix_\u00e9", "timestamp": "2001-01-01T00:00:00Z",
	"instance": "hand\u0001\u0085", "x-editor": "\ud83d\ude00 caf\u00e9 \u001b[0m"}]' \
	"$S" >"$S.new"
mv "$S.new" "$S"
expect 0 as CLI-2 renew Chapter_02
all_readable
jq -e '.locks[] | select(.resource == "Appendix_é") |
	.["x-editor"] == "😀 café \u001b[0m" and .instance == "hand\u0001\u0085"' \
	"$S" >/dev/null || fail "another writer's fields changed"

# Overrides and clears reach the event log with every name involved.
expect 0 env LOCKFS_FORCE=1 LOCKFS_INSTANCE=CLI-2 "$LOCKFS" -C "$P" release Appendix_é
expect 0 as CLI-2 acquire --force --note $'\xc0' Chapter_01
expect 0 as CLI-2 clear
[ -s "$EV" ] || fail "nothing was logged"
contains "$EV" '"event":"take-over"'
all_readable
