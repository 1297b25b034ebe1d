#!/bin/bash
# A note written through the mount goes through the same cleaning as one
# given on the command line: bytes that are not UTF-8 (the overlong
# "\xc0\x80" that once locked every instance out) become U+FFFD, control
# characters spaces, and the store, the lock file's content and the
# command line all keep working and read back as strict UTF-8 JSON.
#
# Uses the mount tests' helpers (tests/mount/lib.sh): a fresh project, a
# trap that always unmounts, skip (77) without FUSE unless
# LOCKFS_REQUIRE_FUSE=1.
# shellcheck disable=SC2119 # lib.sh's defaults are this project's
set -euo pipefail
. "$(dirname "$0")/../mount/lib.sh"

lf_init
lf_mount_first

R=$'\xef\xbf\xbd'

as CLI-M touch "$MP/Chapter_01"
as CLI-M sh -c 'printf "a\300\200b\001\355\240\200\n" >"$1"' sh "$MP/Chapter_01" ||
	fail "writing a note through the mount failed"
assert_eq "$(store_field Chapter_01 note)" "a${R}${R}b ${R}${R}${R}" "the cleaned note"
strict_json "$STORE"
cat "$MP/Chapter_01" >"$T/view.json" || fail "cat of the lock file failed"
strict_json "$T/view.json"
assert_eq "$(jq -r .note "$T/view.json")" "a${R}${R}b ${R}${R}${R}" "the note cat shows"

# Every other instance goes on, through the mount and the command line.
as CLI-N touch "$MP/Chapter_02" || fail "the next touch failed"
LOCKFS_INSTANCE=CLI-N "$LOCKFS" -C "$BOOK" acquire Chapter_03 >/dev/null ||
	fail "the next acquire failed"
"$LOCKFS" -C "$BOOK" status --json >"$T/status.json" || fail "status failed"
strict_json "$T/status.json"
[ ! -e "$BOOK/.locks/events.log" ] || strict_json_lines "$BOOK/.locks/events.log"
