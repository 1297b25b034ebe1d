# lib.sh - helpers shared by the fault-injection tests (tests/fault/test_*.sh).
#
# Each test sources this file and calls fault_init, which makes a fresh
# project in its own temporary directory ($T/book = $BOOK, mounted at $MP,
# store in $STORE) and sets a trap that, whatever happens, stops the
# background processes listed in BG_PIDS, unmounts every lockfs mount
# (fusermount3 -u, then -u -z, then kill -9 of its daemon), then every
# other mount the test made (tmpfs, bind mounts; listed in EXTRA_MOUNTS),
# and removes the directory.  Without FUSE (or without root, for tests
# that mount a tmpfs) a test is skipped (exit 77) unless
# LOCKFS_REQUIRE_FUSE=1, which makes it fail.
#
# The environment: LOCKFS (the binary under test).  The caller's identity
# variables are cleared so each command names its instance explicitly.

LF_MOUNTS=()
EXTRA_MOUNTS=()
BG_PIDS=()

. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

is_mounted() {
	grep -q " ${1:-$MP} " /proc/self/mountinfo
}

# Unmount one lockfs mount point however it is: live, busy or dead.
unmount_lockfs() {
	local mp=$1 pid i
	pid=$(cat "${mp%/fs}/mount.pid" 2>/dev/null) || pid=
	if is_mounted "$mp"; then
		fusermount3 -u "$mp" 2>/dev/null || fusermount3 -u -z "$mp" 2>/dev/null
	fi
	if [ -n "$pid" ]; then
		for ((i = 0; i < 40; i++)); do
			pid_alive "$pid" || break
			sleep 0.05
		done
		pid_alive "$pid" && kill -9 "$pid" 2>/dev/null
	fi
	if is_mounted "$mp"; then
		fusermount3 -u -z "$mp" 2>/dev/null || umount -l "$mp"
	fi
}

fault_cleanup() {
	local rc=$? pid i
	set +e
	for pid in "${BG_PIDS[@]+"${BG_PIDS[@]}"}"; do
		kill -9 "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	# Bind mounts first: they may hold copies of the lockfs mounts.
	for ((i = ${#EXTRA_MOUNTS[@]} - 1; i >= 0; i--)); do
		case ${EXTRA_MOUNTS[i]} in
		*/.locks) umount -R -l "${EXTRA_MOUNTS[i]}" 2>/dev/null ;;
		esac
	done
	for i in "${LF_MOUNTS[@]+"${LF_MOUNTS[@]}"}"; do
		unmount_lockfs "$i"
	done
	for ((i = ${#EXTRA_MOUNTS[@]} - 1; i >= 0; i--)); do
		is_mounted "${EXTRA_MOUNTS[i]}" && umount -R -l "${EXTRA_MOUNTS[i]}"
	done
	remove_tree --one-file-system "$T"
	exit "$rc"
}

fault_init() {
	: "${LOCKFS:?LOCKFS must name the lockfs binary}"
	unset LOCKFS_INSTANCE LOCKFS_FORCE CLAUDE_CODE_SESSION_ID \
		CLAUDE_CODE_ENTRYPOINT CODEX_THREAD_ID NO_COLOR
	export TZ=UTC
	T=$(mktemp -d /tmp/lockfs-fault-XXXXXX)
	trap fault_cleanup EXIT
	set_book "$T/book"
	mkdir -p "$BOOK"
}

# Point BOOK, MP and STORE at another project directory.
set_book() {
	BOOK=$1
	MP=$BOOK/.locks/fs
	STORE=$BOOK/.locks/locks.json
}

need_fuse() {
	[ -c /dev/fuse ] || skip_or_fail "/dev/fuse is missing"
	command -v fusermount3 >/dev/null || skip_or_fail "fusermount3 is missing"
}

need_root() {
	[ "$(id -u)" = 0 ] || skip_or_fail "this test mounts file systems: run it as root"
}

# Mount $BOOK.  The first mount of a test failing means FUSE is unusable.
lf_mount() {
	local err mp
	for mp in "${LF_MOUNTS[@]+"${LF_MOUNTS[@]}"}"; do
		if [ "$mp" = "$MP" ]; then
			"$LOCKFS" -C "$BOOK" mount || fail "lockfs mount $BOOK failed"
			return 0
		fi
	done
	LF_MOUNTS+=("$MP")
	err=$("$LOCKFS" -C "$BOOK" mount 2>&1) || skip_or_fail "cannot mount: $err"
}

daemon_pid() {
	cat "$BOOK/.locks/mount.pid"
}

# A tmpfs of SIZE (mount's syntax: 512k) at DIR, removed at exit.
mount_tmpfs() {
	local size=$1 dir=$2
	mkdir -p "$dir"
	mount -t tmpfs -o "size=$size,mode=0755" lockfs-fault "$dir" ||
		skip_or_fail "cannot mount a tmpfs at $dir"
	EXTRA_MOUNTS+=("$dir")
}

# Run a command as an instance.
as() {
	local inst=$1
	shift
	LOCKFS_INSTANCE=$inst "$@"
}

# lockfs on $BOOK as an instance.
cli() {
	local inst=$1
	shift
	LOCKFS_INSTANCE=$inst "$LOCKFS" -C "$BOOK" "$@"
}

# run_rc VAR CMD...: run CMD, its exit status in VAR, its stderr in $T/err.
run_rc() {
	local __var=$1 __rc=0
	shift
	"$@" 2>"$T/err" >"$T/out" || __rc=$?
	printf -v "$__var" %s "$__rc"
}

# The store parses and has its shape: an object with a "locks" array.
store_parses() {
	jq -e '.locks | type == "array"' "${1:-$STORE}" >/dev/null 2>&1
}

# Every line of a JSON-lines file (the event log) is one whole JSON value.
log_parses() {
	local values
	values=$(jq -c . "$1" 2>/dev/null | wc -l) || fail "$1 does not parse"
	[ "$values" = "$(wc -l <"$1")" ] || fail "$1: $values values in $(wc -l <"$1") lines"
}

# The resources in the store, sorted, one line: "Chapter_01 Chapter_02 ".
store_resources() {
	jq -r '.locks[].resource' "${1:-$STORE}" | sort | tr '\n' ' '
}

# Holder of a resource in the store ("" if none).
store_holder() {
	jq -r --arg r "$1" '[.locks[] | select(.resource == $r) | .instance] | join(",")' \
		"$STORE"
}

listing() {
	ls "$MP" | tr '\n' ' '
}

now_ms() {
	date +%s%3N
}

iso_at() {
	date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ
}
