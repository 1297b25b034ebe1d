#!/bin/bash
# The clock stepped forward and backward, with
# libfaketime: the daemon reads its offset from a file it re-reads on
# every call (FAKETIME_TIMESTAMP_FILE), command-line calls get their own
# (FAKETIME).  The monotonic clock is left alone, as a real wall-clock
# step leaves it.  What must hold:
#
#   forward less than the timeout    live, age = the step
#   forward past the timeout         stale (age); others need force; a
#                                    renewal by the holder makes it live
#   backward less than the timeout   live, age 0 (never stale for it)
#   backward past the timeout        the timestamp is then more than the
#                                    timeout in the future: bad-timestamp,
#                                    stale until the holder renews it (the
#                                    price of "no lock is immortal")
#   a writer with a clock a year     its locks are bad-timestamp for the
#   ahead                            others, so never immortal; a year
#                                    behind: stale by age
#   time passing for real            a lock turns stale at the timeout
set -euo pipefail
. "$(dirname "$0")/lib.sh"
fault_init
need_fuse

faketime_lib=
for f in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1; do
	[ -e "$f" ] && faketime_lib=$f && break
done
[ -n "$faketime_lib" ] || skip_or_fail "libfaketime is missing (apt-get install faketime)"

# An ASan build must let libfaketime be preloaded before its runtime.
asan_ok=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

# ft OFFSET CMD...: CMD with its clock moved by OFFSET (faketime's "+20m").
ft() {
	local offset=$1
	shift
	LD_PRELOAD=$faketime_lib FAKETIME=$offset FAKETIME_DONT_FAKE_MONOTONIC=1 \
		ASAN_OPTIONS=$asan_ok "$@"
}

# The daemon's clock: an offset in $T/clock, re-read on every call.
daemon_clock() {
	echo "$1" >"$T/clock"
}
daemon_clock +0
LD_PRELOAD=$faketime_lib FAKETIME_TIMESTAMP_FILE=$T/clock FAKETIME_NO_CACHE=1 \
	FAKETIME_DONT_FAKE_MONOTONIC=1 ASAN_OPTIONS=$asan_ok lf_mount

# view RESOURCE: "stale_reason age_seconds" as the mount shows it.
view() {
	jq -r '"\(.stale_reason) \(.age_seconds)"' "$MP/$1"
}

# expect_view RESOURCE REASON MIN-AGE MAX-AGE DESCRIPTION
expect_view() {
	local reason age
	read -r reason age < <(view "$1")
	assert_eq "$reason" "$2" "$5: stale_reason"
	[ "$age" -ge "$3" ] && [ "$age" -le "$4" ] ||
		fail "$5: age $age, expected $3..$4"
}

# CLI status of a resource: "stale_reason age_seconds".
cli_view() {
	jq -r --arg r "$2" '.[] | select(.resource == $r) |
		"\(.stale_reason) \(.age_seconds)"' <<<"$1"
}

# ---- the daemon's clock steps ----
expect_ok "acquire" as A touch "$MP/Chapter_01"
expect_view Chapter_01 null 0 2 "no step"

daemon_clock +10m
expect_view Chapter_01 null 598 605 "forward 10 min"
assert_eq "$(stat -c %a "$MP/Chapter_01")" 644 "mode, forward 10 min"

daemon_clock +20m
expect_view Chapter_01 age 1198 1205 "forward 20 min"
assert_eq "$(stat -c %a "$MP/Chapter_01")" 444 "mode, forward 20 min"
expect_err "another's touch on the stale lock" "File exists" as B touch "$MP/Chapter_01"
expect_ok "the holder renews" as A touch "$MP/Chapter_01"
expect_view Chapter_01 null 0 2 "renewed at +20 min"

daemon_clock +15m
expect_view Chapter_01 null 0 2 "back 5 min"
expect_err "another's touch after 5 min back" "File exists" as B touch "$MP/Chapter_01"

daemon_clock +0
expect_view Chapter_01 bad-timestamp 0 0 "back 20 min"
expect_err "another's plain touch after 20 min back" "File exists" as B touch "$MP/Chapter_01"
expect_ok "the holder renews after 20 min back" as A touch "$MP/Chapter_01"
expect_view Chapter_01 null 0 2 "renewed after 20 min back"

# A lock taken under the skewed clock is judged by the clock of the reader.
daemon_clock +1d
expect_ok "acquire a day ahead" as A touch "$MP/Chapter_02"
daemon_clock +0
expect_view Chapter_02 bad-timestamp 0 0 "acquired a day ahead, seen now"
expect_ok "override with force" env LOCKFS_FORCE=1 LOCKFS_INSTANCE=B touch "$MP/Chapter_02"
assert_eq "$(jq -r .instance "$MP/Chapter_02")" B "the take-over"

# ---- command-line writers with wrong clocks, read with the right one ----
expect_ok "acquire a year ahead" as C ft +365d "$LOCKFS" -C "$BOOK" acquire Chapter_03
status=$(cli C status --json)
read -r reason _ < <(cli_view "$status" Chapter_03)
assert_eq "$reason" bad-timestamp "a year ahead, seen now"
run_rc rc cli D acquire Chapter_03
assert_eq "$rc" 4 "acquire over a lock from a year ahead: stale, needs --force"
expect_ok "take over with --force" cli D acquire --force Chapter_03

expect_ok "acquire a year behind" as C ft -365d "$LOCKFS" -C "$BOOK" acquire Chapter_04
status=$(cli C status --json)
read -r reason age < <(cli_view "$status" Chapter_04)
assert_eq "$reason" age "a year behind, seen now"
[ "$age" -ge 31535000 ] || fail "a year behind: age $age"

expect_ok "acquire 30 s ahead" as C ft +30s "$LOCKFS" -C "$BOOK" acquire Chapter_05
expect_view Chapter_05 null 0 0 "30 s ahead: live, age 0"

# ---- hand-written timestamps from odd clocks ----
now=$(date +%s)
jq --arg past "$(iso_at $((now - 86400 * 365 * 30)))" '.locks += [
	{"resource": "Chapter_10", "timestamp": "9999-12-31T23:59:59Z", "instance": "H1"},
	{"resource": "Chapter_11", "timestamp": "2999-01-01T00:00:00+14:00", "instance": "H2"},
	{"resource": "Chapter_12", "timestamp": $past, "instance": "H3"},
	{"resource": "Chapter_13", "timestamp": "1970-01-01T00:00:00Z", "instance": "H4"}]' \
	"$STORE" >"$STORE.edit"
mv "$STORE.edit" "$STORE"
expect_view Chapter_10 bad-timestamp 0 0 "year 9999"
expect_view Chapter_11 bad-timestamp 0 0 "year 2999"
expect_view Chapter_12 age 946000000 947000000 "30 years ago"
expect_view Chapter_13 age 1700000000 99999999999 "1970"
expect_ok "release a far-future lock of another (an override)" as B rm "$MP/Chapter_10"
expect_ok "clear the stale ones" cli B clear --stale
assert_eq "$(store_resources)" "Chapter_01 Chapter_02 Chapter_03 Chapter_05 " \
	"after clearing the stale locks"

# ---- real time passing: stale at the timeout ----
set_book "$T/short"
mkdir -p "$BOOK/.locks"
echo "stale_seconds = 2" >"$BOOK/.locks/config"
expect_ok "acquire with a 2 s timeout" cli A acquire Chapter_01
read -r reason _ < <(cli_view "$(cli B status --json)" Chapter_01)
assert_eq "$reason" null "before the timeout"
sleep 2.2
read -r reason age < <(cli_view "$(cli B status --json)" Chapter_01)
assert_eq "$reason" age "after the timeout"
run_rc rc cli B acquire Chapter_01
assert_eq "$rc" 4 "acquire over a lock past its timeout"
echo "clock steps: forward/backward within the timeout live, past it stale" \
	"(age, or bad-timestamp when in the future); no lock immortal"
