# lib.sh - sourced by the tests/cli/test_*.sh: a fresh project ($P) in
# its own temporary directory ($T), on the backend LOCKFS_TEST_BACKEND
# names (tests/common.sh), removed on exit together with every
# background process listed in BG_PIDS, and the helpers the tests share:
#
#   as INSTANCE ARGS...        lockfs -C $P ARGS... as that instance
#   expect RC COMMAND...       run it, stdout in $OUT and stderr in $ERR,
#                              fail unless it exits RC
#   contains / lacks FILE RE   a line of FILE matches / no line matches
#   holders RESOURCE           the instances of its entries in the store
#   wait_held RESOURCE INST    until INST holds RESOURCE
#   hold_in_bg INST RES...     `lockfs run` holding RES around a sleep
#   now, elapsed, less_than    timing, in seconds with fractions
set -euo pipefail

: "${LOCKFS:?set LOCKFS to the lockfs binary}"
# Each command names its instance itself; times print the same anywhere.
unset LOCKFS_INSTANCE LOCKFS_FORCE CLAUDE_CODE_SESSION_ID \
	CLAUDE_CODE_ENTRYPOINT CODEX_THREAD_ID NO_COLOR
export TZ=UTC

T=$(mktemp -d "${TMPDIR:-/tmp}/lockfs-cli.XXXXXX")
P=$T/book
OUT=$T/out
ERR=$T/err
BG_PIDS=()
mkdir -p "$P"

cleanup() {
	local pid
	for pid in "${BG_PIDS[@]+"${BG_PIDS[@]}"}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	test_backend_cleanup
	wait 2>/dev/null || true
	remove_tree "$T"
}
trap cleanup EXIT

. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
test_backend_setup "$P" "$T"

as() {
	local inst=$1
	shift
	LOCKFS_INSTANCE=$inst "$LOCKFS" -C "$P" "$@"
}

expect() {
	local want=$1 rc=0
	shift
	"$@" >"$OUT" 2>"$ERR" || rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL: '$*' exited $rc, expected $want" >&2
		sed 's/^/  stdout: /' "$OUT" >&2
		sed 's/^/  stderr: /' "$ERR" >&2
		exit 1
	fi
}

contains() {
	grep -Eq -- "$2" "$1" || {
		echo "FAIL: $1 has no line matching /$2/:" >&2
		sed 's/^/  | /' "$1" >&2
		exit 1
	}
}

lacks() {
	if grep -Eq -- "$2" "$1"; then
		echo "FAIL: $1 has a line matching /$2/:" >&2
		sed 's/^/  | /' "$1" >&2
		exit 1
	fi
}

now() {
	date +%s.%N
}

# holders RESOURCE: the instances of RESOURCE's entries in the store,
# as `lockfs status --json` lists them (any backend).
holders() {
	store_json "$P" | jq -r --arg r "$1" '.[] | select(.resource == $r) | .instance'
}

# Seconds between two `now` readings, and a float comparison.
elapsed() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'
}

less_than() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'
}

# wait_held RESOURCE INSTANCE: until the store says so (5 s at most).
wait_held() {
	local _
	for _ in $(seq 100); do
		[ "$(holders "$1")" = "$2" ] && return 0
		sleep 0.05
	done
	fail "$1 never became held by $2"
}

# hold_in_bg INSTANCE RESOURCE...: `lockfs run` holding the resources
# around a long sleep, in the background; $runner is lockfs run's pid.
# Both it and the sleep are killed when the test ends.
hold_in_bg() {
	local inst=$1 _
	shift
	rm -f "$T/sleeper.pid"
	# shellcheck disable=SC2016 # $$ is the inner shell's
	LOCKFS_INSTANCE=$inst "$LOCKFS" -C "$P" run "$@" -- \
		sh -c 'echo $$ >"$0"; exec sleep 60' "$T/sleeper.pid" 2>/dev/null &
	runner=$!
	BG_PIDS+=("$runner")
	for _ in $(seq 100); do
		[ -s "$T/sleeper.pid" ] && break
		sleep 0.05
	done
	[ -s "$T/sleeper.pid" ] || fail "lockfs run $* did not start its command"
	BG_PIDS+=("$(cat "$T/sleeper.pid")")
}

# kill_quietly PID: SIGKILL, reaped without the shell's "Killed" notice.
kill_quietly() {
	{ kill -KILL "$1" && wait "$1"; } 2>/dev/null || true
}
