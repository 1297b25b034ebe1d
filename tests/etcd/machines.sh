# machines.sh - several "machines" sharing one etcd cluster, for the etcd
# suite's fault tests (sourced after nothing else; it sources lib.sh).
#
# A machine is a clone of the book (its own directory, its own .locks/)
# set up with `lockfs init --etcd` on the cluster and one shared prefix.
# Its host name is its own: every command "on" it, and its mount daemon,
# runs inside a UTS namespace of its own (unshare --uts) whose host name
# is the machine's, so locks record different hosts and liveness by pid
# is only judged on the machine that recorded it.
#
#	. "$(dirname "$0")/machines.sh"
#	em_init [--mount]		# $T, the trap, FUSE checked with --mount
#	etcd_start_cluster 3
#	em_machine machine-a "$T/a" [CONFIG LINE...]
#	em_mount machine-a "$T/a"	# the daemon: EM_DAEMON[machine-a]
#	em_on machine-a CMD...		# run CMD there
#	em_kill_daemon machine-a "$T/a"	# SIGKILL, its dead mount cleared
#	em_bg_on machine-a CMD...	# in the background: EM_BGPIDS
#
# The trap unmounts every mount (fusermount3 -u, then -u -z), kills the
# daemons and the members by the pids recorded, and removes $T.  Without
# a usable FUSE a test that mounts is skipped, or fails under
# LOCKFS_REQUIRE_FUSE=1.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

EM_MOUNTS=()
EM_BGPIDS=()
EM_PREFIX=
declare -A EM_DAEMON=()

em_cleanup() {
	local rc=$? mp name pid
	set +e
	for pid in "${EM_BGPIDS[@]+"${EM_BGPIDS[@]}"}"; do
		kill -9 "$pid" 2>/dev/null
	done
	for mp in "${EM_MOUNTS[@]+"${EM_MOUNTS[@]}"}"; do
		grep -q " $mp " /proc/self/mountinfo || continue
		fusermount3 -u "$mp" 2>/dev/null || fusermount3 -u -z "$mp"
	done
	for name in "${!EM_DAEMON[@]}"; do
		pid=${EM_DAEMON[$name]}
		for _ in $(seq 40); do
			pid_alive "$pid" || break
			sleep 0.05
		done
		pid_alive "$pid" && kill -9 "$pid"
	done
	for pid in "${EM_BGPIDS[@]+"${EM_BGPIDS[@]}"}" "${EM_DAEMON[@]+"${EM_DAEMON[@]}"}"; do
		wait "$pid" 2>/dev/null
	done
	for mp in "${EM_MOUNTS[@]+"${EM_MOUNTS[@]}"}"; do
		grep -q " $mp " /proc/self/mountinfo &&
			{ fusermount3 -u -z "$mp" || umount -l "$mp"; }
	done
	etcd_cleanup
	remove_tree "$T"
	exit "$rc"
}

em_init() {
	: "${LOCKFS:?LOCKFS must name the lockfs binary}"
	unset LOCKFS_INSTANCE LOCKFS_FORCE LOCKFS_ETCD_PASSWORD \
		CLAUDE_CODE_SESSION_ID CLAUDE_CODE_ENTRYPOINT CODEX_THREAD_ID
	command -v unshare >/dev/null || fail "unshare is missing"
	T=$(mktemp -d /tmp/lockfs-etcdm-XXXXXX) || fail "mktemp"
	ETCD_TMP=$T
	EM_PREFIX=/lockfs-test-$$-$RANDOM/
	trap em_cleanup EXIT
	unshare --uts true 2>/dev/null || skip_or_fail "unshare --uts is not permitted"
	[ "${1:-}" = --mount ] || return 0
	[ -c /dev/fuse ] || skip_or_fail "/dev/fuse is missing"
	command -v fusermount3 >/dev/null || skip_or_fail "fusermount3 is missing"
}

# em_on HOST CMD...: CMD in a UTS namespace whose host name is HOST.
em_on() {
	local host=$1
	shift
	unshare --uts sh -c 'hostname "$0" && exec "$@"' "$host" "$@"
}

# em_machine HOST DIR [LINE...]: a clone at DIR on the shared prefix;
# the LINEs are added to its .locks/config first.
em_machine() {
	local host=$1 dir=$2 line
	shift 2
	mkdir -p "$dir/.locks" || fail "mkdir $dir"
	for line in "$@"; do
		printf '%s\n' "$line" >>"$dir/.locks/config"
	done
	em_on "$host" "$LOCKFS" -C "$dir" init --etcd "$ETCD_ENDPOINTS" \
		--prefix "$EM_PREFIX" >"$T/init.$host.log" 2>&1 ||
		fail "init --etcd on $host: $(cat "$T/init.$host.log")"
}

# em_mount HOST DIR: the daemon in the foreground, in the background; once
# the mount answers.  A first mount that fails means FUSE is unusable.
em_mount() {
	local host=$1 dir=$2 mp=$2/.locks/fs i pid
	EM_MOUNTS+=("$mp")
	unshare --uts sh -c 'hostname "$0" && exec "$@"' "$host" \
		"$LOCKFS" -C "$dir" mount -f </dev/null >"$T/daemon.$host.log" 2>&1 &
	pid=$!
	EM_DAEMON[$host]=$pid
	for ((i = 0; i < 300; i++)); do
		if grep -q " $mp " /proc/self/mountinfo && stat "$mp" >/dev/null 2>&1; then
			return 0
		fi
		pid_alive "$pid" || break
		sleep 0.05
	done
	[ ${#EM_DAEMON[@]} -gt 1 ] || skip_or_fail "cannot mount: $(cat "$T/daemon.$host.log")"
	fail "the daemon of $host did not mount: $(cat "$T/daemon.$host.log")"
}

# em_kill_daemon HOST DIR: SIGKILL the daemon, then clear its dead mount.
em_kill_daemon() {
	local host=$1 mp=$2/.locks/fs pid=${EM_DAEMON[$1]}
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
	unset "EM_DAEMON[$host]"
	fusermount3 -u -z "$mp" 2>/dev/null
	! grep -q " $mp " /proc/self/mountinfo || fail "the dead mount of $host is still there"
}

# em_bg_on HOST CMD...: em_on in the background, its pid (CMD's, once
# exec'd) in EM_BGPIDS, killed by the trap if still running.
em_bg_on() {
	local host=$1
	shift
	unshare --uts sh -c 'hostname "$0" && exec "$@"' "$host" "$@" &
	EM_BGPIDS+=("$!")
}

# em_wait SECS CMD...: until CMD succeeds (polling every 20 ms), or fail.
em_wait() {
	local secs=$1 end
	shift
	end=$(($(em_ms) + secs * 1000))
	until "$@" >/dev/null 2>&1; do
		[ "$(em_ms)" -lt "$end" ] || return 1
		sleep 0.02
	done
}

# Milliseconds since the epoch.
em_ms() {
	date +%s%3N
}
