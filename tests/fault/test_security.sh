#!/bin/bash
# The security review's checks (docs/security.md), one section each:
#
#   symlinks planted at .locks/locks.json, the sidecar, events.log, the
#   mount point and .locks itself: refused, never followed, their targets
#   untouched;
#   fifos planted at locks.json, events.log and mount.pid: a clear error
#   or a skipped log line, never a hang;
#   another local user: no access to the mount (no allow_other), cannot
#   write the store, cannot take the sidecar or pid-file lock to block
#   everyone (both 0600);
#   hostile environment values (LOCKFS_INSTANCE with control characters,
#   120 KB long, not UTF-8; a session id with a newline; an environment
#   past the 256 KiB read limit): refused with a message, nothing stored;
#   a malicious store (too big, too deep, NUL bytes, bad UTF-8, a field
#   twice, a token at its maximum, names that are no file names): refused
#   or shown safely, never a crash or a hang, the file left as it was.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
fault_init
need_fuse
chmod 755 "$T"
L=$BOOK/.locks

# no_hang DESCRIPTION CMD...: CMD (a function too) finishes within 10 s;
# its status is ignored.
no_hang() {
	local what=$1 pid i
	shift
	("$@") >/dev/null 2>&1 &
	pid=$!
	for ((i = 0; i < 200; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" || true
			return 0
		fi
		sleep 0.05
	done
	kill -9 "$pid"
	fail "$what: still running after 10 s"
}

# ---- symbolic links ----
expect_ok "init" cli A init
echo '{"locks": [{"resource": "Chapter_50", "timestamp": "2026-01-01T00:00:00Z", "instance": "Target"}]}' \
	>"$T/target.json"
cp "$T/target.json" "$T/target.orig"

mv "$L/locks.json" "$L/locks.json.real"
ln -s "$T/target.json" "$L/locks.json"
run_rc rc cli A status
assert_eq "$rc" 3 "status on a symlinked store"
grep -q "symbolic link" "$T/err" || fail "status's message: $(cat "$T/err")"
run_rc rc cli A acquire Chapter_01
assert_eq "$rc" 3 "acquire on a symlinked store"
cmp -s "$T/target.json" "$T/target.orig" || fail "the symlinked store's target changed"
[ -L "$L/locks.json" ] || fail "the symlink was replaced"
lf_mount
expect_err "ls on a symlinked store" "Input/output error" ls "$MP"
expect_err "touch on a symlinked store" "Input/output error" as A touch "$MP/Chapter_01"
cmp -s "$T/target.json" "$T/target.orig" || fail "the target changed through the mount"
rm "$L/locks.json"
mv "$L/locks.json.real" "$L/locks.json"

rm -f "$L/locks.lock"
ln -s "$T/sidecar-target" "$L/locks.lock"
run_rc rc cli A acquire Chapter_01
assert_eq "$rc" 3 "acquire with a symlinked sidecar"
[ ! -e "$T/sidecar-target" ] || fail "the sidecar symlink's target was created"
rm "$L/locks.lock"

echo "not a log" >"$T/log-target"
rm -f "$L/events.log"
ln -s "$T/log-target" "$L/events.log"
expect_ok "acquire with a symlinked event log (logging is best effort)" \
	cli A acquire Chapter_01
assert_eq "$(cat "$T/log-target")" "not a log" "the event log symlink's target"
assert_eq "$(store_resources)" "Chapter_01 " "the store after a symlinked log"
rm "$L/events.log"

# The mount point: a root daemon must not chmod or mount over the target.
set_book "$T/book2"
mkdir -p "$BOOK/.locks" "$T/elsewhere"
chmod 700 "$T/elsewhere"
ln -s "$T/elsewhere" "$BOOK/.locks/fs"
run_rc rc "$LOCKFS" -C "$BOOK" mount
[ "$rc" != 0 ] || fail "mount on a symlinked mount point succeeded"
grep -q "symbolic link" "$T/err" || fail "mount's message: $(cat "$T/err")"
assert_eq "$(stat -c %a "$T/elsewhere")" 700 "the mount point symlink's target mode"
is_mounted "$T/elsewhere" && fail "mounted over the symlink's target"

# .locks itself.
set_book "$T/book3"
mkdir -p "$BOOK" "$T/locks-elsewhere"
ln -s "$T/locks-elsewhere" "$BOOK/.locks"
run_rc rc cli A acquire Chapter_01
assert_eq "$rc" 3 "acquire with a symlinked .locks"
grep -q "symbolic link" "$T/err" || fail "acquire's message: $(cat "$T/err")"
assert_eq "$(ls -A "$T/locks-elsewhere")" "" "the symlinked .locks' target"
set_book "$T/book"

# ---- fifos: never a hang ----
mv "$L/locks.json" "$L/locks.json.real"
mkfifo "$L/locks.json"
no_hang "status on a fifo store" cli A status
run_rc rc "$LOCKFS" -C "$BOOK" status
assert_eq "$rc" 3 "status on a fifo store"
grep -q "not a regular file" "$T/err" || fail "status's message: $(cat "$T/err")"
no_hang "ls on a fifo store" ls "$MP"
rm "$L/locks.json"
mv "$L/locks.json.real" "$L/locks.json"

mkfifo "$L/events.log"
no_hang "acquire with a fifo event log" cli A acquire Chapter_02
no_hang "touch with a fifo event log" as A touch "$MP/Chapter_03"
assert_eq "$(store_resources)" "Chapter_01 Chapter_02 Chapter_03 " "the store with a fifo log"
rm "$L/events.log"

set_book "$T/book4"
mkdir -p "$BOOK/.locks"
mkfifo "$BOOK/.locks/mount.pid"
no_hang "umount with a fifo pid file" "$LOCKFS" -C "$BOOK" umount
no_hang "mount with a fifo pid file" "$LOCKFS" -C "$BOOK" mount
LF_MOUNTS+=("$MP")
set_book "$T/book"

# ---- another local user ----
user="setpriv --reuid=65534 --regid=65534 --clear-groups"
expect_err "another user lists the mount" "Permission denied" $user ls "$MP"
expect_err "another user touches a lock" "Permission denied" \
	$user env LOCKFS_INSTANCE=Evil touch "$MP/Chapter_09"
expect_err "another user writes the store" "Permission denied" \
	$user sh -c "echo '{}' >'$STORE'"
expect_err "another user plants a file in .locks" "Permission denied" \
	$user ln -s /etc/passwd "$L/.locks.json.AAAAAA"
assert_eq "$(stat -c %a "$L/locks.lock")" 600 "the sidecar's mode"
expect_err "another user takes the sidecar lock" "Permission denied" \
	$user flock -n "$L/locks.lock" true
expect_ok "remount" "$LOCKFS" -C "$BOOK" umount
lf_mount
assert_eq "$(stat -c %a "$L/mount.pid")" 600 "the pid file's mode"
expect_err "another user takes the pid file lock" "Permission denied" \
	$user flock -n -s "$L/mount.pid" true
run_rc rc $user "$LOCKFS" -C "$BOOK" status
assert_eq "$rc" 0 "another user reads the store (it is 0644, like the book)"

# ---- hostile environment values ----
before=$(cat "$STORE")
bad_env() {
	local what=$1 var=$2 value=$3 msg=$4 rc
	expect_err "$what through the mount" "Invalid argument" \
		env "$var=$value" touch "$MP/Chapter_20"
	run_rc rc env "$var=$value" "$LOCKFS" -C "$BOOK" acquire Chapter_20
	assert_eq "$rc" 2 "$what: exit code"
	grep -qF "$msg" "$T/err" || fail "$what: message: $(head -c 300 "$T/err")"
	[ "$(wc -c <"$T/err")" -lt 1000 ] || fail "$what: the message is $(wc -c <"$T/err") bytes"
}
bad_env "control characters" LOCKFS_INSTANCE $'CLI-1\e]0;pwned\a' "byte 0x1b at offset 5"
bad_env "newline" LOCKFS_INSTANCE $'CLI-1\nCLI-2' "byte 0x0a at offset 5"
bad_env "120 KB" LOCKFS_INSTANCE "$(head -c 120000 /dev/zero | tr '\0' A)" \
	"120000 bytes long"
bad_env "not UTF-8" LOCKFS_INSTANCE $'CLI-\xff\xfe' "byte 0xff at offset 4"
bad_env "empty" LOCKFS_INSTANCE "" "LOCKFS_INSTANCE is set but empty"
bad_env "a session id with a newline" CLAUDE_CODE_SESSION_ID $'abc\ndef' "byte 0x0a"
big=$(head -c 100000 /dev/zero | tr '\0' x)
expect_err "an environment past 256 KiB through the mount" "Invalid argument" \
	env LOCKFS_INSTANCE=Big A="$big" B="$big" C="$big" touch "$MP/Chapter_20"
run_rc rc env LOCKFS_INSTANCE=Big A="$big" B="$big" C="$big" \
	"$LOCKFS" -C "$BOOK" acquire Chapter_20
[ "$rc" != 0 ] || fail "acquire with an environment past 256 KiB succeeded"
grep -q "larger than" "$T/err" || fail "huge environment: message: $(cat "$T/err")"
expect_ok "LOCKFS_FORCE with junk is not force" \
	env LOCKFS_FORCE=$'1\nyes' LOCKFS_INSTANCE=B "$LOCKFS" -C "$BOOK" status
run_rc rc env LOCKFS_FORCE="$big" LOCKFS_INSTANCE=B "$LOCKFS" -C "$BOOK" acquire Chapter_01
assert_eq "$rc" 1 "a 100 KB LOCKFS_FORCE does not force"
assert_eq "$(cat "$STORE")" "$before" "the store after hostile environments"

# ---- malicious stores: refused or shown safely, the file kept ----
# bad_store DESCRIPTION MESSAGE: the store in $T/bad is refused with
# MESSAGE by the command line (exit 3) and EIO through the mount, within
# 5 s, and stays byte for byte.
bad_store() {
	local what=$1 msg=$2 rc start
	cp "$T/bad" "$STORE"
	start=$(now_ms)
	run_rc rc "$LOCKFS" -C "$BOOK" status
	assert_eq "$rc" 3 "$what: status"
	grep -qF "$msg" "$T/err" || fail "$what: message: $(head -c 300 "$T/err")"
	run_rc rc cli A acquire Chapter_01
	assert_eq "$rc" 3 "$what: acquire"
	expect_err "$what: touch" "Input/output error" as A touch "$MP/Chapter_01"
	expect_err "$what: ls" "Input/output error" ls "$MP"
	cmp -s "$STORE" "$T/bad" || fail "$what: the store changed"
	[ $(($(now_ms) - start)) -lt 5000 ] || fail "$what: took $(($(now_ms) - start)) ms"
}
cp "$STORE" "$T/good"
head -c $((16 * 1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' >"$T/bad"
bad_store "17 MB" "more than the"
{ printf '{"locks": []' && head -c 100000 /dev/zero | tr '\0' '[' ; } >"$T/bad"
bad_store "nesting 100000 deep" "deeper"
printf '{"locks": [{"resource": "Chapter_01", "instance": "A\\u0000B", "timestamp": "x"}]}' >"$T/bad"
bad_store "an escaped NUL" "locks.json"
printf '{"locks": [{"resource": "Chapter_01", "instance": "A\0B", "timestamp": "x"}]}' >"$T/bad"
bad_store "a NUL byte" "locks.json"
printf '{"locks": [{"resource": "Chapter_01", "instance": "\xc3\x28", "timestamp": "x"}]}' >"$T/bad"
bad_store "bad UTF-8" "UTF-8"
printf '{"locks": [], "last_token": -1}' >"$T/bad"
bad_store "a negative token counter" "last_token"

# bad_entry DESCRIPTION MESSAGE KEPT...: one bad entry in $T/bad stops
# no one: status flags it with MESSAGE, the mount lists, another resource
# can be taken, and every KEPT text of the entry is still in the store.
bad_entry() {
	local what=$1 msg=$2 rc kept
	shift 2
	cp "$T/bad" "$STORE"
	run_rc rc "$LOCKFS" -C "$BOOK" status
	assert_eq "$rc" 0 "$what: status"
	grep -qF "$msg" "$T/out" || fail "$what: status: $(head -c 600 "$T/out")"
	ls "$MP" >/dev/null || fail "$what: ls"
	run_rc rc cli B acquire Chapter_02
	assert_eq "$rc" 0 "$what: acquire of another resource"
	for kept in "$@"; do
		grep -qF "$kept" "$STORE" || fail "$what: lost $kept: $(cat "$STORE")"
	done
}
printf '{"locks": [{"resource": "Chapter_01", "instance": "A", "instance": "B"}]}' >"$T/bad"
bad_entry "a field twice" '"instance" appears twice' '"instance": "A"' '"instance": "B"'
printf '{"locks": [{"resource": "Chapter_01", "instance": "A", "token": 1e400}]}' >"$T/bad"
bad_entry "a token of 1e400" '"token" is not a non-negative integer' '"token": 1e400'
printf '{"locks": [{"resource": "Chapter_01", "instance": "A", "host": 7}]}' >"$T/bad"
bad_entry "a host that is a number" '"host" is not a string' '"host": 7'

# Strange but well-formed: kept, shown, never a crash.
printf '%s' '{"locks": [
 {"resource": "../../etc/passwd", "instance": "A", "timestamp": "2026-01-01T00:00:00Z"},
 {"resource": ".hidden", "instance": "A", "timestamp": "2026-01-01T00:00:00Z"},
 {"resource": "a/b", "instance": "\u001b[2J\u001b]0;x\u0007", "timestamp": "2026-01-01T00:00:00Z"},
 {"resource": "Chapter_01", "instance": "A", "timestamp": "2026-01-01T00:00:00Z",
  "pid": 1, "start_time": 1, "uid": 4294967295, "token": 5, "x": [[[[1e400]]]]}
], "last_token": 9223372036854775807}' >"$STORE"
store_parses "$STORE" || fail "the odd store is not JSON"
cp "$STORE" "$T/odd"
assert_eq "$(listing)" "Chapter_01 " "ls of odd names"
run_rc rc cli B status
assert_eq "$rc" 0 "status of odd entries"
if grep -q $'\e' "$T/out"; then
	fail "status printed an escape character from the store"
fi
run_rc rc cli B acquire Chapter_02
assert_eq "$rc" 3 "acquire with the token counter at its maximum"
cmp -s "$STORE" "$T/odd" || fail "the odd store changed"
cp "$T/good" "$STORE"
pid_alive "$(daemon_pid)" || fail "the daemon died"
echo "security: symlinks refused, fifos no hang, other users kept out," \
	"hostile environments refused, malicious stores refused or shown safely"
