#!/bin/bash
# The sidecar lock held forever by a stuck process (no handler
# blocks without a bound).  A process takes flock on
# .locks/locks.lock and sleeps.  Every operation that changes the store
# then gives up after its deadline (2 s): "Resource temporarily
# unavailable" (EAGAIN) through the mount, exit 3 naming the sidecar from
# the command line, each within STUCK_LIMIT_MS (5 s).  Reads do not take
# the lock and are served at once.  Requests to the single-threaded daemon
# queue behind each other, so three at once take about three deadlines:
# measured and printed.  Once the stuck process is gone all works again.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
fault_init
need_fuse
lf_mount

limit_ms=${STUCK_LIMIT_MS:-5000}
sidecar=$BOOK/.locks/locks.lock

expect_ok "touch before" as A touch "$MP/Chapter_01"

# timed DESCRIPTION WANT-RC MESSAGE CMD...: CMD must exit WANT-RC (any
# failure when "fail") saying MESSAGE, between the deadline and the limit.
# Prints the time it took, in ms.
timed() {
	local what=$1 want=$2 msg=$3 start ms rc=0
	shift 3
	start=$(now_ms)
	"$@" >/dev/null 2>"$T/err" || rc=$?
	ms=$(($(now_ms) - start))
	case $want in
	fail) [ "$rc" != 0 ] || fail "$what: succeeded under a stuck sidecar" ;;
	*) assert_eq "$rc" "$want" "$what: exit code" ;;
	esac
	grep -qF "$msg" "$T/err" || fail "$what: expected '$msg', got: $(cat "$T/err")"
	[ "$ms" -ge 1500 ] || fail "$what: gave up after $ms ms, before the deadline"
	[ "$ms" -le "$limit_ms" ] || fail "$what: took $ms ms (limit $limit_ms)"
	echo "$ms"
}

( exec 9<"$sidecar" && flock -x 9 && exec sleep 600 ) &
BG_PIDS+=($!)
stuck=$!
for ((i = 0; i < 100; i++)); do
	flock -n "$sidecar" true 2>/dev/null || break
	sleep 0.02
done
[ "$i" -lt 100 ] || fail "the stuck process did not take the sidecar lock"

eagain="Resource temporarily unavailable"
ms_touch=$(timed "touch" fail "$eagain" as C touch "$MP/Chapter_03")
ms_rm=$(timed "rm" fail "$eagain" as A rm "$MP/Chapter_01")
ms_renew=$(timed "touch to renew" fail "$eagain" as A touch "$MP/Chapter_01")
ms_acquire=$(timed "lockfs acquire" 3 "still locked by another process" \
	cli D acquire Chapter_04)
ms_release=$(timed "lockfs release" 3 "still locked by another process" \
	cli A release Chapter_01)
ms_run=$(timed "lockfs run" 3 "still locked by another process" \
	cli D run Chapter_05 -- true)
ms_wait=$(timed "lockfs acquire --wait 1" 3 "still locked by another process" \
	cli D acquire --wait 1 Chapter_04)

# Reads take no lock.
start=$(now_ms)
assert_eq "$(listing)" "Chapter_01 " "ls while stuck"
assert_eq "$(jq -r .instance "$MP/Chapter_01")" A "cat while stuck"
expect_ok "status while stuck" cli D status
ms_reads=$(($(now_ms) - start))
[ "$ms_reads" -le 1000 ] || fail "reads took $ms_reads ms while the sidecar was stuck"

# Three requests at once: the daemon answers them one after another.
start=$(now_ms)
for r in Chapter_06 Chapter_07 Chapter_08; do
	as E touch "$MP/$r" 2>/dev/null &
	pids+=($!)
done
for p in "${pids[@]}"; do
	if wait "$p"; then
		fail "a queued touch succeeded under a stuck sidecar"
	fi
done
ms_three=$(($(now_ms) - start))

kill "$stuck"
wait "$stuck" 2>/dev/null || true
BG_PIDS=()
expect_ok "touch once unstuck" as C touch "$MP/Chapter_03"
expect_ok "rm once unstuck" as A rm "$MP/Chapter_01"
expect_ok "acquire once unstuck" cli D acquire Chapter_04
assert_eq "$(store_resources)" "Chapter_03 Chapter_04 " "the store after"
echo "stuck sidecar: gave up after (ms) touch $ms_touch, rm $ms_rm," \
	"renew $ms_renew, acquire $ms_acquire, release $ms_release, run $ms_run," \
	"acquire --wait 1 $ms_wait; reads $ms_reads ms; three touches at once" \
	"$ms_three ms in all"
