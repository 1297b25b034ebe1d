#!/bin/bash
# A non-atomic external writer racing the mount and the command line
# (no lost update on our side).  "Hand" follows the hand-editing protocol with
# jq: read locks.json, add or remove its own entry, write the result back
# in place (`jq ... >locks.json`: the shell truncates the file, jq writes
# it a few milliseconds later), without the sidecar lock.  Meanwhile two
# agents take and release locks through the mount and two through the
# command line, and a sampler keeps reading the store.
#
# What must hold: lockfs never crashes; every file lockfs leaves parses;
# lockfs never takes the writer's truncated (blank) or half-written file
# for the store and commits over it, which would drop every lock: a
# sentinel lock that nobody releases, and that Hand always copies along,
# is in every complete file the sampler sees and at the end.
#
# What cannot hold, and is counted and printed: updates lost because Hand
# writes without the lock.  Hand's own additions or removals undone by a
# lockfs commit based on the file before Hand's write ("Hand lost"), and
# lockfs acquisitions or releases undone by Hand writing back what it read
# before lockfs committed ("lockfs lost": an agent's rm or release finds
# its lock gone, or an acquire finds its released lock back).  These are
# the writer's own lost updates: a hand editor that wants none takes the
# sidecar lock (flock .locks/locks.lock) or renames a temporary file.
#
# FAULT_WRITER_SECONDS (default 15) sets the length of the race.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
fault_init
need_fuse
lf_mount

seconds=${FAULT_WRITER_SECONDS:-15}
expect_ok "the sentinel lock" cli Sentinel acquire --note "never released" Chapter_99
end=$(($(date +%s) + seconds))

# ---- Hand: a hand editor's read-modify-write, in place ----
hand() {
	local content r mine expect=() lost=0 writes=0 i
	local wres=(FrontMatter BackMatter StyleSystem QuoteRegistry)
	while (($(date +%s) < end)); do
		content=$(cat "$STORE")
		mine=" $(jq -r '.locks[] | select(.instance == "Hand") | .resource' \
			<<<"$content" | tr '\n' ' ') "
		# Did the previous write survive?  expect: "+R" or "-R".
		for i in "${expect[@]+"${expect[@]}"}"; do
			case $i in
			+*) [[ $mine == *" ${i#+} "* ]] || lost=$((lost + 1)) ;;
			-*) [[ $mine != *" ${i#-} "* ]] || lost=$((lost + 1)) ;;
			esac
		done
		r=${wres[RANDOM % ${#wres[@]}]}
		if [[ $mine == *" $r "* ]]; then
			jq --arg r "$r" 'del(.locks[] | select(.resource == $r and .instance == "Hand"))' \
				<<<"$content" >"$STORE"
			expect=("-$r")
		else
			jq --arg r "$r" --arg t "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
				'.locks += [{"resource": $r, "timestamp": $t, "instance": "Hand"}]' \
				<<<"$content" >"$STORE"
			expect=("+$r")
		fi
		writes=$((writes + 1))
		sleep 0.0$((RANDOM % 5))
	done
	echo "$writes $lost" >"$T/hand.counts"
}

# ---- lockfs agents: through the mount or the command line ----
# Each has two resources of its own, so any surprise is the writer's doing.
mount_agent() {
	local id=$1 r ops=0 lost=0 errors=0 err
	local res=("Chapter_0$((2 * id + 1))" "Chapter_0$((2 * id + 2))")
	local -A have=()
	export LOCKFS_INSTANCE=M-$id
	while (($(date +%s) < end)); do
		r=${res[RANDOM % 2]}
		if [ -n "${have[$r]-}" ]; then
			if ! err=$(rm "$MP/$r" 2>&1); then
				case $err in
				*"No such file"*) lost=$((lost + 1)) ;;
				*) errors=$((errors + 1)) && echo "rm: $err" >>"$T/errors" ;;
				esac
			fi
			unset "have[$r]"
		elif err=$(touch "$MP/$r" 2>&1); then
			have[$r]=1
		else
			errors=$((errors + 1))
			echo "touch: $err" >>"$T/errors"
		fi
		ops=$((ops + 1))
	done
	echo "$ops $lost $errors" >"$T/agent.M-$id"
}

cli_agent() {
	local id=$1 r ops=0 lost=0 errors=0 out rc
	local res=("Chapter_0$((2 * id + 1))" "Chapter_0$((2 * id + 2))")
	local -A have=()
	while (($(date +%s) < end)); do
		r=${res[RANDOM % 2]}
		rc=0
		if [ -n "${have[$r]-}" ]; then
			out=$(cli "C-$id" release "$r" 2>&1) || rc=$?
			case $rc:$out in
			0:*) ;;
			*"is not locked"*) lost=$((lost + 1)) ;;
			*) errors=$((errors + 1)) && echo "release: $out" >>"$T/errors" ;;
			esac
			unset "have[$r]"
		else
			out=$(cli "C-$id" acquire "$r" 2>&1) || rc=$?
			case $rc:$out in
			0:*renewed*) lost=$((lost + 1)) && have[$r]=1 ;;
			0:*) have[$r]=1 ;;
			*) errors=$((errors + 1)) && echo "acquire: $out" >>"$T/errors" ;;
			esac
		fi
		ops=$((ops + 1))
	done
	echo "$ops $lost $errors" >"$T/agent.C-$id"
}

# ---- the sampler: every complete file holds the sentinel ----
sampler() {
	local samples=0 partial=0 missing=0
	while (($(date +%s) < end)); do
		cat "$STORE" >"$T/snap" 2>/dev/null || continue
		samples=$((samples + 1))
		if ! jq -e '.locks' "$T/snap" >/dev/null 2>&1; then
			partial=$((partial + 1))
		elif ! jq -e '.locks[] | select(.resource == "Chapter_99" and .instance == "Sentinel")' \
			"$T/snap" >/dev/null; then
			missing=$((missing + 1))
			cp "$T/snap" "$T/snap.missing"
		fi
		sleep 0.01
	done
	echo "$samples $partial $missing" >"$T/sampler.counts"
}

hand &
BG_PIDS+=($!)
mount_agent 0 &
BG_PIDS+=($!)
mount_agent 1 &
BG_PIDS+=($!)
cli_agent 2 &
BG_PIDS+=($!)
cli_agent 3 &
BG_PIDS+=($!)
sampler &
BG_PIDS+=($!)
for pid in "${BG_PIDS[@]}"; do
	wait "$pid" || fail "a racer failed"
done
BG_PIDS=()

pid_alive "$(daemon_pid)" || fail "the daemon died"
ls "$MP" >/dev/null || fail "the mount does not answer"
store_parses || fail "the store does not parse at the end: $(head -c 300 "$STORE")"
assert_eq "$(store_holder Chapter_99)" Sentinel "the sentinel at the end"
assert_eq "$(find "$BOOK/.locks" -maxdepth 1 -name '.locks.json.*' | wc -l)" 0 \
	"temporary files left"
log_parses "$BOOK/.locks/events.log"

read -r samples partial missing <"$T/sampler.counts"
[ "$missing" = 0 ] || fail "lockfs dropped the sentinel $missing times," \
	"e.g.: $(head -c 300 "$T/snap.missing")"
read -r writes hand_lost <"$T/hand.counts"
ops=0
lost=0
errors=0
for f in "$T"/agent.*; do
	read -r o l e <"$f"
	ops=$((ops + o))
	lost=$((lost + l))
	errors=$((errors + e))
done
echo "external writer, $seconds s: Hand wrote $writes times in place, lost $hand_lost" \
	"of its updates to lockfs commits; lockfs agents did $ops operations, lost" \
	"$lost to Hand's writes, $errors other errors (listed below);" \
	"sampler: $samples reads, $partial caught half-written, sentinel missing 0"
if [ -e "$T/errors" ]; then
	echo "the errors:"
	sort "$T/errors" | uniq -c | sort -rn | head -n 5
fi
[ "$writes" -gt 0 ] && [ "$ops" -gt 0 ] || fail "no race took place"
