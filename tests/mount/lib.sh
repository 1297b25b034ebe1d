# lib.sh - helpers shared by the mount tests (tests/mount/test_*.sh).
#
# Each test sources this file and calls lf_init, which makes a fresh
# project in its own temporary directory ($BOOK, mounted at $MP, store in
# $STORE for the file backend; LOCKFS_TEST_BACKEND, tests/common.sh,
# chooses) and sets a trap that always unmounts, stops the daemon and any
# fake agents, and removes the directory.  Without a usable FUSE the test
# is skipped (exit 77) unless LOCKFS_REQUIRE_FUSE=1, which makes it fail.
#
# The environment: LOCKFS (the binary under test) and, for the agent
# tests, FAKE_AGENT (tests/fake_agent.c).  The caller's own identity
# variables are cleared so each command names its instance explicitly.
#
# LOCKFS_WRAPPER (for instance 'valgrind -q --error-exitcode=99') runs
# every daemon that lf_mount_first and lf_mount start under that command:
# `lockfs mount -f` in the background, its output in $T/daemon.N.log.
# Once the test is over and unmounted, each such daemon must have exited
# with status 0, or the test fails showing its log.  Tests that manage
# the daemon's life themselves call lf_unwrapped, which skips them then.

LF_MOUNTS=()
LF_WRAPPED=()
declare -A AGENT_PID=() AGENT_IN=() AGENT_OUT=()

. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

lf_cleanup() {
	local rc=$? mp pid name
	set +e
	for name in "${!AGENT_PID[@]}"; do
		kill -9 "${AGENT_PID[$name]}" 2>/dev/null
	done
	for mp in "${LF_MOUNTS[@]}"; do
		pid=$(cat "${mp%/fs}/mount.pid" 2>/dev/null)
		if grep -q " $mp " /proc/self/mountinfo; then
			fusermount3 -u "$mp" 2>/dev/null || fusermount3 -u -z "$mp"
		fi
		[ -n "$pid" ] || continue
		for _ in $(seq 40); do
			pid_alive "$pid" || break
			sleep 0.05
		done
		if pid_alive "$pid" && [ "$(cat "/proc/$pid/comm")" = lockfs ]; then
			kill -9 "$pid"
		fi
	done
	test_backend_cleanup
	wait 2>/dev/null
	for mp in "${LF_MOUNTS[@]}"; do
		grep -q " $mp " /proc/self/mountinfo &&
			{ fusermount3 -u -z "$mp" || umount -l "$mp"; }
	done
	lf_wrapped_status || rc=1
	remove_tree "$T"
	exit "$rc"
}

# Every wrapped daemon has exited 0; else say so and show its log.
lf_wrapped_status() {
	local log status i ok=0
	for log in "${LF_WRAPPED[@]+"${LF_WRAPPED[@]}"}"; do
		for ((i = 0; i < 600; i++)); do
			[ -s "$log.status" ] && break
			sleep 0.1
		done
		status=$(cat "$log.status" 2>/dev/null) || status="still running"
		if [ "$status" != 0 ]; then
			echo "FAIL: the daemon under '$LOCKFS_WRAPPER' ended with: $status" >&2
			cat "$log" >&2
			ok=1
		fi
	done
	return "$ok"
}

lf_unwrapped() {
	if [ -n "${LOCKFS_WRAPPER:-}" ]; then
		echo "SKIP: this test manages the daemon itself; not under LOCKFS_WRAPPER" >&2
		exit 77
	fi
}

# Start the daemon for a project, through LOCKFS_WRAPPER if set; its
# messages go to stderr.  Returns once it is mounted, or non-zero.
lf_start() {
	local book=$1 log i
	if [ -z "${LOCKFS_WRAPPER:-}" ]; then
		"$LOCKFS" -C "$book" mount
		return
	fi
	log=$T/daemon.${#LF_WRAPPED[@]}.log
	LF_WRAPPED+=("$log")
	# The subshell keeps the status; disowned, so that no `wait` in a
	# test waits for a daemon that is still serving.
	(
		rc=0
		$LOCKFS_WRAPPER "$LOCKFS" -C "$book" mount -f </dev/null >"$log" 2>&1 || rc=$?
		echo "$rc" >"$log.status"
	) &
	disown "$!"
	for ((i = 0; i < 600; i++)); do
		if is_mounted "$book/.locks/fs" && [ -s "$book/.locks/mount.pid" ] &&
			stat "$book/.locks/fs" >/dev/null 2>&1; then
			return 0
		fi
		if [ -s "$log.status" ]; then
			cat "$log" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "the daemon under '$LOCKFS_WRAPPER' did not mount within 60 s" >&2
	return 1
}

lf_init() {
	: "${LOCKFS:?LOCKFS must name the lockfs binary}"
	unset LOCKFS_INSTANCE LOCKFS_FORCE CLAUDE_CODE_SESSION_ID \
		CLAUDE_CODE_ENTRYPOINT CODEX_THREAD_ID
	T=$(mktemp -d /tmp/lockfs-mount-XXXXXX)
	trap lf_cleanup EXIT
	BOOK=$T/book
	mkdir -p "$BOOK/chapters"
	MP=$BOOK/.locks/fs
	STORE=$BOOK/.locks/locks.json
	test_backend_setup "$BOOK" "$T"
	if [ ! -c /dev/fuse ]; then
		skip_or_fail "/dev/fuse is missing"
	fi
	command -v fusermount3 >/dev/null || skip_or_fail "fusermount3 is missing"
}

# Mount a project (default $BOOK) the first time: failing to mount then
# means FUSE is unusable here (no permission in a container, ...).
lf_mount_first() {
	local book=${1:-$BOOK}
	LF_MOUNTS+=("$book/.locks/fs")
	if ! lf_start "$book" 2>"$T/mount.err"; then
		skip_or_fail "cannot mount: $(cat "$T/mount.err")"
	fi
}

lf_mount() {
	local book=${1:-$BOOK}
	lf_start "$book" || fail "lockfs mount $book failed"
}

is_mounted() {
	grep -q " ${1:-$MP} " /proc/self/mountinfo
}

daemon_pid() {
	cat "$BOOK/.locks/mount.pid"
}

# Run a command as an instance: as LOCKFS_INSTANCE=NAME.
as() {
	local inst=$1
	shift
	LOCKFS_INSTANCE=$inst "$@"
}

# A field of a lock file's content (what cat shows), e.g. lock_field
# Chapter_01 instance.
lock_field() {
	jq -r ".$2" <"$MP/$1"
}

# A field of the stored entry for a resource, as `lockfs status --json`
# shows it (any backend).
store_field() {
	store_json "$BOOK" | jq -r --arg r "$1" ".[] | select(.resource == \$r) | .$2"
}

# The store as a locks.json document; on etcd, the entries under the
# test's prefix.
store_doc() {
	if [ -z "$TEST_ETCD_PREFIX" ]; then
		cat "$STORE"
		return
	fi
	test_etcdctl get --prefix "${TEST_ETCD_PREFIX}locks/" --print-value-only |
		jq -s '{locks: .}'
}

# Replace the store with the document $1 the way a careful hand editor
# does: write a temporary file, rename it over locks.json.  On etcd (for
# tests that age a lock, say) each entry is put at its key and the keys
# of resources it no longer has are deleted.
write_store() {
	local key
	if [ -z "$TEST_ETCD_PREFIX" ]; then
		printf '%s\n' "$1" >"$STORE.edit"
		mv "$STORE.edit" "$STORE"
		return
	fi
	for key in $(test_etcdctl get --prefix "${TEST_ETCD_PREFIX}locks/" --keys-only); do
		jq -e --arg r "${key#"${TEST_ETCD_PREFIX}locks/"}" \
			'any(.locks[]; .resource == $r)' <<<"$1" >/dev/null ||
			test_etcdctl del "$key" >/dev/null || fail "cannot delete $key"
	done
	jq -c '.locks[]' <<<"$1" | while read -r entry; do
		test_etcdctl put "${TEST_ETCD_PREFIX}locks/$(jq -r .resource <<<"$entry")" \
			"$entry" >/dev/null || exit 1
	done || fail "cannot write the store to etcd"
}

# Apply a jq filter to the store (as above).
edit_store() {
	write_store "$(store_doc | jq "$1")"
}

iso_ago() {
	date -u -d "@$(($(date +%s) - $1))" +%Y-%m-%dT%H:%M:%SZ
}

listing() {
	ls "$MP" | tr '\n' ' '
}

# ---- simulated agents: long-lived parents that run each command in a
# new session, like an agent's shell tool (tests/fake_agent.c) ----

# agent_start NAME [VAR=VALUE...]: start an agent with that environment.
agent_start() {
	local name=$1 fd
	shift
	: "${FAKE_AGENT:?FAKE_AGENT must name the fake_agent binary}"
	mkfifo "$T/$name.in" "$T/$name.out"
	env "$@" "$FAKE_AGENT" <"$T/$name.in" >"$T/$name.out" 2>>"$T/$name.log" &
	AGENT_PID[$name]=$!
	# No job reports: agents are killed on purpose.
	disown "$!"
	exec {fd}>"$T/$name.in"
	AGENT_IN[$name]=$fd
	exec {fd}<"$T/$name.out"
	AGENT_OUT[$name]=$fd
}

# agent_run NAME COMMAND: run COMMAND through the agent; its status is
# this function's status, its stderr is in $T/NAME.err.
agent_run() {
	local name=$1 status
	printf '{ %s; } 2>%s\n' "$2" "$T/$name.err" >&"${AGENT_IN[$name]}"
	read -r -t 20 status <&"${AGENT_OUT[$name]}" ||
		fail "agent $name did not answer"
	return "$status"
}

agent_ok() {
	agent_run "$1" "$2" || fail "agent $1: '$2' failed: $(cat "$T/$1.err")"
}

agent_err() {
	local name=$1 msg=$2
	if agent_run "$name" "$3"; then
		fail "agent $name: '$3' succeeded, expected '$msg'"
	fi
	grep -qF -- "$msg" "$T/$name.err" ||
		fail "agent $name: '$3': expected '$msg', got: $(cat "$T/$name.err")"
}

agent_kill() {
	local name=$1 in=${AGENT_IN[$1]} out=${AGENT_OUT[$1]}
	kill -9 "${AGENT_PID[$name]}"
	wait_gone "${AGENT_PID[$name]}"
	exec {in}>&- {out}<&-
	unset "AGENT_PID[$name]"
}
