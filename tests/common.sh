# common.sh - the helpers every shell suite's lib.sh shares: failing,
# skipping when FUSE is unusable (a failure under LOCKFS_REQUIRE_FUSE=1),
# waiting for a process to be gone, removing a test's tree, and the basic
# assertions; and the store backend the tests run against.

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip_or_fail() {
	if [ "${LOCKFS_REQUIRE_FUSE:-0}" = 1 ]; then
		fail "required but unusable: $*"
	fi
	echo "SKIP: $*" >&2
	exit 77
}

# Is the process running?  A zombie is not: the daemon's parent has
# exited, and whoever inherits it may be slow to reap it.  One whose
# first thread is a zombie while another still exits is: it may not
# have closed its files (a daemon's /dev/fuse) yet.
pid_alive() {
	local stat state
	for stat in /proc/"$1"/task/*/stat; do
		state=$(sed 's/.*) //' "$stat" 2>/dev/null) || continue
		case ${state%% *} in
		Z | X | "") ;;
		*) return 0 ;;
		esac
	done
	return 1
}

# rm -rf DIR (extra rm options first), after clearing the immutable
# attribute that lockfs mount/umount leave on a bare .locks/fs (for root,
# where the file system has it): without that even root cannot remove it.
remove_tree() {
	local dir=${*: -1}
	find "$dir" -xdev -type d -name fs -path '*/.locks/fs' \
		-exec chattr -i {} + 2>/dev/null
	rm -rf "$@"
}

wait_gone() {
	local i
	for ((i = 0; i < 200; i++)); do
		pid_alive "$1" || return 0
		sleep 0.05
	done
	fail "process $1 did not exit"
}

assert_eq() {
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
}

# expect_ok DESCRIPTION CMD...: CMD must succeed.
expect_ok() {
	local what=$1 err
	shift
	err=$("$@" 2>&1) || fail "$what: expected success, got: $err"
}

# expect_err DESCRIPTION MESSAGE CMD...: CMD must fail saying MESSAGE.
expect_err() {
	local what=$1 msg=$2 err
	shift 2
	if err=$("$@" 2>&1); then
		fail "$what: expected failure ($msg), but it succeeded"
	fi
	case $err in
	*"$msg"*) ;;
	*) fail "$what: expected '$msg', got: $err" ;;
	esac
}

# strict_json FILE: one JSON document that jq reads and Python's json
# reads from bytes decoded as strict UTF-8 (jq alone would replace bad
# bytes silently).  strict_json_lines FILE: one such document per line.
strict_json() {
	python3 -c 'import json,sys; json.loads(open(sys.argv[1],"rb").read().decode("utf-8","strict"))' "$1" ||
		fail "$1 is not strict UTF-8 JSON"
	jq -e . "$1" >/dev/null || fail "jq cannot read $1"
}

strict_json_lines() {
	python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1], "rb"), 1):
    try:
        json.loads(line.decode("utf-8", "strict"))
    except ValueError as e:
        sys.exit("%s line %d: %s" % (sys.argv[1], n, e))' "$1" ||
		fail "a line of $1 is not strict UTF-8 JSON"
}

# ---- the store backend under test: LOCKFS_TEST_BACKEND=file (default)
# or etcd.  For etcd a project's .locks/config names a member and a
# prefix of this test's own: LOCKFS_TEST_ETCD_ENDPOINTS (a member shared
# by the whole run) or one started here, under DIR, which
# test_backend_cleanup stops (call it from the test's trap). ----

TEST_BACKEND_LINES=
TEST_ETCD_ENDPOINTS=
TEST_ETCD_PREFIX=
TEST_ETCD_STARTED=
TEST_ETCD_PIDS=()

# test_backend_setup PROJECT DIR: make PROJECT use the backend under test.
test_backend_setup() {
	local project=$1 dir=$2 endpoints=${LOCKFS_TEST_ETCD_ENDPOINTS:-}
	case ${LOCKFS_TEST_BACKEND:-file} in
	file) return 0 ;;
	etcd) ;;
	*) fail "LOCKFS_TEST_BACKEND is file or etcd, not '$LOCKFS_TEST_BACKEND'" ;;
	esac
	if [ -z "$endpoints" ]; then
		test__start_etcd "$dir/etcd"
		endpoints=$TEST_ETCD_STARTED
	fi
	TEST_ETCD_ENDPOINTS=$endpoints
	TEST_ETCD_PREFIX=/lockfs-test/$$-$RANDOM$RANDOM/
	TEST_BACKEND_LINES=$(printf 'backend = etcd\netcd_endpoints = %s\netcd_prefix = %s' \
		"$TEST_ETCD_ENDPOINTS" "$TEST_ETCD_PREFIX")
	write_config "$project/.locks/config" ""
}

# A member of this test's own, started from a subshell: it is then no
# child of the test's shell, whose bare `wait`s would wait for it.
# TEST_ETCD_STARTED: its URL; TEST_ETCD_PIDS: what test_backend_cleanup
# kills.
test__start_etcd() {
	local dir=$1 lines
	mkdir -p "$dir" || fail "cannot make $dir"
	lines=$(
		. "$(dirname "${BASH_SOURCE[0]}")/etcd/lib.sh"
		etcd_start_cluster 1 --dir "$dir" || exit 1
		printf '%s\n' "$ETCD_ENDPOINTS" "${ETCD_PIDS[@]}"
	) || fail "cannot start etcd in $dir"
	TEST_ETCD_STARTED=$(head -n 1 <<<"$lines")
	read -r -a TEST_ETCD_PIDS <<<"$(tail -n +2 <<<"$lines" | tr '\n' ' ')"
}

test_backend_cleanup() {
	local pid
	for pid in "${TEST_ETCD_PIDS[@]+"${TEST_ETCD_PIDS[@]}"}"; do
		kill -KILL "$pid" 2>/dev/null || true
		wait_gone "$pid"
	done
	TEST_ETCD_PIDS=()
	return 0
}

# etcdctl against the test's member (etcd only).
test_etcdctl() {
	ETCDCTL_API=3 etcdctl --endpoints="$TEST_ETCD_ENDPOINTS" \
		--dial-timeout=2s --command-timeout=5s "$@"
}

# store_json PROJECT: its locks as `lockfs status --json` lists them, on
# either backend, without age_seconds (it moves with the clock), so two
# readings are the same text when nothing changed.
store_json() {
	"$LOCKFS" -C "$1" status --json 2>/dev/null | jq -S 'map(del(.age_seconds))'
}

# write_config FILE TEXT: a .locks/config holding the lines of TEXT
# (printf's format, so \n and \xNN work; no final newline), then the
# backend lines, so that TEXT's lines keep their numbers.  With the file
# store and no TEXT, no file at all.
write_config() {
	local file=$1
	if [ -z "$2" ] && [ -z "$TEST_BACKEND_LINES" ]; then
		rm -f "$file"
		return
	fi
	mkdir -p "${file%/*}" || fail "cannot make ${file%/*}"
	# shellcheck disable=SC2059 # the text is a format on purpose
	{
		[ -z "$2" ] || printf "$2\n"
		[ -z "$TEST_BACKEND_LINES" ] || printf '%s\n' "$TEST_BACKEND_LINES"
	} >"$file"
}
