#!/bin/bash
# A typo in .locks/config blinds no one: ls, stat and cat on the mount and
# `lockfs status` go on (with the last good settings, or the defaults),
# status names the broken line, the daemon logs it, and changes are
# refused, naming the line, until it is fixed.  A UTF-8 byte order mark
# at the start of the config is accepted.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lf_init
# The daemon in the foreground, its stderr in $T/daemon.0.log.
: "${LOCKFS_WRAPPER:=env}"
mkdir -p "$BOOK/.locks"
write_config "$BOOK/.locks/config" '\xef\xbb\xbfresource = Appendix_A'
lf_mount_first
log=$T/daemon.0.log

expect_ok "A takes Appendix_A (config with a BOM)" as CLI-A touch "$MP/Appendix_A"
expect_ok "A takes Chapter_01" as CLI-A touch "$MP/Chapter_01"

write_config "$BOOK/.locks/config" 'resource = Appendix_A\nstale_second = 2'
assert_eq "$(listing)" "Appendix_A Chapter_01 " "ls with a broken config"
stat "$MP/Appendix_A" >/dev/null || fail "stat with a broken config"
assert_eq "$(lock_field Appendix_A instance)" CLI-A "cat with a broken config"
expect_err "touch with a broken config" "Invalid argument" as CLI-A touch "$MP/Chapter_02"
expect_err "rm with a broken config" "Invalid argument" as CLI-A rm "$MP/Chapter_01"
for _ in $(seq 50); do
	grep -q 'config is broken' "$log" && break
	sleep 0.1
done
grep -q "lockfs mount: $BOOK: .locks/config is broken (config line 2: unknown key \"stale_second\"" "$log" ||
	fail "the daemon did not log the broken config: $(cat "$log")"
[ "$(grep -c 'config is broken' "$log")" = 1 ] || fail "logged more than once: $(cat "$log")"

"$LOCKFS" -C "$BOOK" status >"$T/out" 2>"$T/err" || fail "status refused: $(cat "$T/err")"
grep -q '^! .locks/config is broken: config line 2: unknown key "stale_second"' "$T/out" ||
	fail "status does not show the broken config: $(cat "$T/out")"
grep -q 'Appendix_A' "$T/out" || fail "status does not list the locks: $(cat "$T/out")"
grep -q 'config line 2' "$T/err" || fail "status says nothing on stderr"
"$LOCKFS" -C "$BOOK" status --json >"$T/out" 2>"$T/err" || fail "status --json refused"
jq -e 'length == 2' "$T/out" >/dev/null || fail "status --json: $(cat "$T/out")"
grep -q 'config line 2' "$T/err" || fail "status --json says nothing on stderr"
rc=0
LOCKFS_INSTANCE=CLI-A "$LOCKFS" -C "$BOOK" acquire Chapter_03 2>"$T/err" || rc=$?
assert_eq "$rc" 2 "acquire with a broken config"
grep -q 'config line 2' "$T/err" || fail "acquire does not name the line: $(cat "$T/err")"

# Fixed: changes work again, and the daemon says so.
write_config "$BOOK/.locks/config" 'resource = Appendix_A\nstale_seconds = 2'
expect_ok "touch after the fix" as CLI-A touch "$MP/Chapter_02"
grep -q 'config is good again' "$log" || fail "the daemon did not log the fix: $(cat "$log")"
echo PASS
