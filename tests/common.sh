# common.sh - the helpers every shell suite's lib.sh shares: failing,
# skipping when FUSE is unusable (a failure under LOCKFS_REQUIRE_FUSE=1),
# waiting for a process to be gone, removing a test's tree, and the basic
# assertions.

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
# exited, and whoever inherits it may be slow to reap it.
pid_alive() {
	local state
	state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	case ${state%% *} in
	Z | X | "") return 1 ;;
	esac
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
