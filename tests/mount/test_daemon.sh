#!/bin/bash
# The daemon's life: mount returns only once the
# mount answers, a second daemon for the project is refused, kill -9 then
# mount again recovers the dead mount with no manual step and loses no
# lock, SIGTERM and SIGINT unmount and exit 0, umount waits for the daemon
# and reports a busy mount, and the bare mount point stays 0555.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lf_init
lf_unwrapped
lf_mount_first

# ---- mount returns once the mount answers: no race with a touch ----
for i in 1 2 3 4 5; do
	as CLI-A touch "$MP/Chapter_0$i" || fail "touch right after mount ($i)"
	"$LOCKFS" -C "$BOOK" umount || fail "umount ($i)"
	is_mounted && fail "mounted after umount ($i)"
	[ ! -e "$BOOK/.locks/mount.pid" ] || fail "pid file left after umount ($i)"
	assert_eq "$(stat -c %a "$MP")" 555 "mode after umount ($i)"
	lf_mount
done
assert_eq "$(listing)" "Chapter_01 Chapter_02 Chapter_03 Chapter_04 Chapter_05 " \
	"locks survive remounts"

# ---- one daemon per project ----
pid=$(daemon_pid)
assert_eq "$(cat "/proc/$pid/comm")" lockfs "daemon pid file"
expect_err "second mount" "already mounted by pid $pid" "$LOCKFS" -C "$BOOK" mount
rc=0
"$LOCKFS" -C "$BOOK" mount 2>/dev/null || rc=$?
assert_eq "$rc" 1 "exit code of a refused mount"
assert_eq "$(grep -c " $MP " /proc/self/mountinfo)" 1 "mounted once"
# Discovery from inside the project finds the same daemon.
(cd "$BOOK/chapters" && expect_err "mount from a subdirectory" \
	"already mounted by pid $pid" "$LOCKFS" mount)

# Two mounts started at once: exactly one daemon.
"$LOCKFS" -C "$BOOK" umount || fail "umount before the concurrent mounts"
"$LOCKFS" -C "$BOOK" mount 2>"$T/m1" &
m1=$!
"$LOCKFS" -C "$BOOK" mount 2>"$T/m2" &
m2=$!
r1=0
r2=0
wait "$m1" || r1=$?
wait "$m2" || r2=$?
assert_eq "$(printf '%s\n' "$r1" "$r2" | sort | tr '\n' ' ')" "0 1 " "concurrent mounts"
grep -q "already mounted by pid\|another lockfs is mounting" "$T/m1" "$T/m2" ||
	fail "concurrent mount message: $(cat "$T/m1" "$T/m2")"
assert_eq "$(grep -c " $MP " /proc/self/mountinfo)" 1 "mounted once after a race"
pid=$(daemon_pid)

# ---- kill -9, then mount again ----
kill -9 "$pid"
wait_gone "$pid"
expect_err "dead mount" "Transport endpoint is not connected" ls "$MP"
lf_mount
assert_eq "$(listing)" "Chapter_01 Chapter_02 Chapter_03 Chapter_04 Chapter_05 " \
	"no lock lost to kill -9"
assert_eq "$(lock_field Chapter_01 instance)" CLI-A "holder kept"
expect_ok "the holder releases after the restart" as CLI-A rm "$MP/Chapter_01"
new=$(daemon_pid)
[ "$new" != "$pid" ] || fail "pid file not rewritten"

# kill -9, then umount: the dead mount is cleared too.
kill -9 "$new"
wait_gone "$new"
expect_ok "umount of a dead mount" "$LOCKFS" -C "$BOOK" umount
is_mounted && fail "dead mount left"
assert_eq "$(stat -c %a "$MP")" 555 "mode after clearing a dead mount"
expect_err "umount with nothing mounted" "nothing is mounted" "$LOCKFS" -C "$BOOK" umount

# ---- another file system on the mount point: refused, left alone ----
if [ "$(id -u)" = 0 ]; then
	mount -t tmpfs lockfs-test "$MP"
	expect_err "mount over another file system" "something else is mounted" \
		"$LOCKFS" -C "$BOOK" mount
	assert_eq "$(findmnt -n -o FSTYPE "$MP")" tmpfs "the other mount stays"
	umount "$MP"
fi

# ---- umount of a busy mount: refused, still mounted ----
lf_mount
(cd "$MP" && exec sleep 30) &
busy=$!
sleep 0.2
expect_err "busy umount" "busy" "$LOCKFS" -C "$BOOK" umount
is_mounted || fail "a refused umount unmounted"
kill "$busy"
wait "$busy" 2>/dev/null || true
expect_ok "umount once idle" "$LOCKFS" -C "$BOOK" umount

# ---- SIGTERM and SIGINT in the foreground: exit 0, nothing mounted ----
wait_mounted() {
	local i
	for ((i = 0; i < 100; i++)); do
		is_mounted && [ -s "$BOOK/.locks/mount.pid" ] && return 0
		sleep 0.05
	done
	fail "foreground mount did not show"
}
for sig in TERM INT; do
	"$LOCKFS" -C "$BOOK" mount -f &
	fg=$!
	wait_mounted
	as CLI-A touch "$MP/Chapter_07" || fail "touch in foreground mode"
	kill -"$sig" "$fg"
	rc=0
	wait "$fg" || rc=$?
	assert_eq "$rc" 0 "exit status after SIG$sig"
	is_mounted && fail "still mounted after SIG$sig"
	[ ! -e "$BOOK/.locks/mount.pid" ] || fail "pid file left after SIG$sig"
	assert_eq "$(stat -c %a "$MP")" 555 "mode after SIG$sig"
done

# SIGTERM to the background daemon.
lf_mount
pid=$(daemon_pid)
kill -TERM "$pid"
wait_gone "$pid"
is_mounted && fail "still mounted after SIGTERM"

# ---- mount DIR for a new project, from elsewhere ----
other=$T/other
mkdir "$other"
LF_MOUNTS+=("$other/.locks/fs")
(cd / && "$LOCKFS" mount "$other") || fail "mount DIR"
is_mounted "$other/.locks/fs" || fail "DIR not mounted"
assert_eq "$(jq -c .locks "$other/.locks/locks.json")" "[]" "new store"
expect_ok "touch in the new project" as CLI-A touch "$other/.locks/fs/Chapter_01"
[ ! -e "$MP/Chapter_01" ] || fail "projects mixed up"
(cd / && "$LOCKFS" umount "$other") || fail "umount DIR"
is_mounted "$other/.locks/fs" && fail "DIR still mounted"

# ---- usage ----
expect_ok "mount --help" "$LOCKFS" mount --help
rc=0
"$LOCKFS" -C "$BOOK" mount --bogus 2>/dev/null || rc=$?
assert_eq "$rc" 2 "bad option"
rc=0
"$LOCKFS" mount "$T/missing" 2>/dev/null || rc=$?
assert_eq "$rc" 2 "missing DIR"
is_mounted && fail "left mounted"
echo PASS
