#!/bin/bash
# test_two_machines.sh - mutual exclusion across two machines sharing one
# three-member etcd cluster, while the leader is killed (SIGKILL) and
# restarted in the middle of the run.
#
# Machines A and B are two clones of the book on one prefix, each with its
# own mount daemon in a UTS namespace of its own (host names machine-a and
# machine-b).  Agents on both race for three resources, through the
# mounts (touch / rm) and through the command line (acquire / release).
# An agent that got a lock enters a critical section marked by a
# directory of the test's own (mkdir is atomic): finding the marker there
# already means two agents held the lock at once, a violation.  Errors
# while a member is down (EIO, exit 3) are allowed and counted; wrong
# answers are not.  EM_ATTEMPTS (default 1700) attempts per agent, six
# agents.
set -euo pipefail
. "$(dirname "$0")/machines.sh"
em_init --mount
etcd_start_cluster 3

per_agent=${EM_ATTEMPTS:-1700}
resources=(Chapter_01 Chapter_02 Chapter_03)
A=$T/a
B=$T/b
timeouts=("etcd_connect_timeout_ms = 500" "etcd_request_timeout_ms = 2000")
em_machine machine-a "$A" "${timeouts[@]}"
em_machine machine-b "$B" "${timeouts[@]}"
em_mount machine-a "$A"
em_mount machine-b "$B"

# ---- the locks name the machine that took them ----
# B's mount serves reads from its watch-fed view: A's lock shows there
# once the watch has delivered it.
LOCKFS_INSTANCE=probe-a touch "$A/.locks/fs/FrontMatter"
t=$(em_ms)
em_wait 5 test -e "$B/.locks/fs/FrontMatter" || fail "A's lock never showed on B's mount"
echo "A's lock showed on B's mount after $(($(em_ms) - t)) ms"
assert_eq "$(jq -r .host "$B/.locks/fs/FrontMatter")" machine-a "host seen on B of A's mount lock"
LOCKFS_INSTANCE=probe-b em_on machine-b "$LOCKFS" -C "$B" acquire BackMatter >/dev/null
em_wait 5 test -e "$A/.locks/fs/BackMatter" || fail "B's lock never showed on A's mount"
assert_eq "$(jq -r .host "$A/.locks/fs/BackMatter")" machine-b "host seen on A of B's CLI lock"
[ "$(etcd_ctl get --print-value-only "${EM_PREFIX}locks/FrontMatter" | jq -r .lease)" != null ] || fail "A's mount lock records no lease"
LOCKFS_INSTANCE=probe-b em_on machine-b touch "$B/.locks/fs/FrontMatter" 2>/dev/null &&
	fail "B took A's live lock through its mount"
LOCKFS_INSTANCE=probe-a "$LOCKFS" -C "$A" acquire BackMatter >/dev/null 2>&1 &&
	fail "A took B's live lock through the command line"
rm "$B/.locks/fs/BackMatter" 2>/dev/null && fail "rm on B released B's lock for another instance"
LOCKFS_INSTANCE=probe-a rm "$A/.locks/fs/FrontMatter"
LOCKFS_INSTANCE=probe-b rm "$B/.locks/fs/BackMatter"

# ---- the race ----
CS=$T/cs
mkdir "$CS" "$T/out"

# agent MODE BOOK NAME N: N attempts; counts to $T/out/NAME.
agent() {
	local mode=$1 book=$2 name=$3 n=$4 mp=$2/.locks/fs
	local i res err attempts=0 acquired=0 violations=0 errors=0 tries
	local ef=$T/out/$name.err
	export LOCKFS_INSTANCE=$name
	for ((i = 0; i < n; i++)); do
		res=${resources[RANDOM % ${#resources[@]}]}
		attempts=$((attempts + 1))
		if [ "$mode" = fs ]; then
			touch "$mp/$res" 2>"$ef" || {
				read -r err <"$ef" || err=
				case $err in *"File exists"*) ;; *) errors=$((errors + 1)) ;; esac
				continue
			}
		else
			"$LOCKFS" -C "$book" acquire "$res" >/dev/null 2>&1 || {
				[ $? = 1 ] || errors=$((errors + 1))
				continue
			}
		fi
		acquired=$((acquired + 1))
		mkdir "$CS/$res" 2>/dev/null || violations=$((violations + 1))
		rmdir "$CS/$res" 2>/dev/null || true
		# A release that failed with an error may still have been
		# committed: try again until it is done or it is not ours.
		for ((tries = 0; tries < 50; tries++)); do
			if [ "$mode" = fs ]; then
				rm "$mp/$res" 2>"$ef" && break
				read -r err <"$ef" || err=
				case $err in *"No such file"* | *"busy"*) break ;; esac
			else
				"$LOCKFS" -C "$book" release "$res" >/dev/null 2>&1 && break
				[ $? = 3 ] || break
			fi
			errors=$((errors + 1))
			sleep 0.1
		done
	done
	echo "$attempts $acquired $violations $errors" >"$T/out/$name.counts"
}
# The agents run in their machines' namespaces, through sh: they get the
# function from a file.
{ declare -p resources T CS LOCKFS; declare -f agent; } >"$T/agent.sh"

start_agent() {
	local host=$1 mode=$2 book=$3 name=$4
	em_bg_on "$host" bash -c '. "$0"; agent "$@"' "$T/agent.sh" \
		"$mode" "$book" "$name" "$per_agent"
}

t0=$(em_ms)
for k in 1 2; do
	start_agent machine-a fs "$A" "A-fs$k"
	start_agent machine-b fs "$B" "B-fs$k"
done
start_agent machine-a cli "$A" A-cli
start_agent machine-b cli "$B" B-cli
agents=("${EM_BGPIDS[@]}")

# The leader goes down hard while the agents run, and comes back.
sleep 4
leader=$(etcd_ctl endpoint status -w json |
	jq -r '.[] | select(.Status.leader == .Status.header.member_id) | .Endpoint')
idx=
for i in "${!ETCD_URLS[@]}"; do
	[ "${ETCD_URLS[$i]}" = "$leader" ] && idx=$i
done
[ -n "$idx" ] || fail "no leader found ($leader)"
running=0
for pid in "${agents[@]}"; do pid_alive "$pid" && running=$((running + 1)); done
[ "$running" -gt 0 ] || fail "the agents were done before the fault (raise EM_ATTEMPTS)"
t_kill=$(em_ms)
# (lib.sh's wait for the killed member returns 137: not under set -e.)
etcd_kill_member "$idx" || fail "cannot kill m$idx"
sleep 3
etcd_restart_member "$idx" || fail "cannot restart m$idx"
t_back=$(em_ms)
running_after=0
for pid in "${agents[@]}"; do pid_alive "$pid" && running_after=$((running_after + 1)); done

for pid in "${agents[@]}"; do
	wait "$pid" || fail "agent $pid failed"
done
t1=$(em_ms)

attempts=0 acquired=0 violations=0 errors=0
for f in "$T"/out/*.counts; do
	read -r a q v e <"$f"
	echo "$(basename "$f" .counts): attempts $a, acquired $q, violations $v, errors $e"
	attempts=$((attempts + a)) acquired=$((acquired + q))
	violations=$((violations + v)) errors=$((errors + e))
done
echo "total: attempts $attempts, acquired $acquired, violations $violations," \
	"errors $errors, $(((t1 - t0) / 1000)).$(((t1 - t0) % 1000 / 100)) s;" \
	"leader m$idx killed at +$((t_kill - t0)) ms, back at +$((t_back - t0)) ms" \
	"($running_after of ${#agents[@]} agents still running then)"

[ "$(ls "$T"/out/*.counts | wc -l)" = "${#agents[@]}" ] || fail "an agent left no counts"
[ "$attempts" -ge 10000 ] || fail "only $attempts attempts"
[ "$acquired" -gt 0 ] || fail "nobody ever got a lock"
assert_eq "$violations" 0 "mutual exclusion violations"
[ "$running_after" -gt 0 ] || fail "the agents were done before the member came back"

# Both mounts still answer, and agree.
assert_eq "$(ls "$A/.locks/fs" | tr '\n' ' ')" "$(ls "$B/.locks/fs" | tr '\n' ' ')" \
	"the two mounts' listings"
pid_alive "${EM_DAEMON[machine-a]}" || fail "A's daemon died"
pid_alive "${EM_DAEMON[machine-b]}" || fail "B's daemon died"
