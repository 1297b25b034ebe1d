#!/bin/bash
# Mutual exclusion through the mount: many processes race
# touch/rm on one resource, each as its own instance, so a successful
# touch means "I now hold it".  Inside, each checks that nobody else is
# (mkdir of a marker directory fails if another worker is inside) and
# counts a violation if so.  Zero violations over thousands of attempts.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lf_init
lf_mount_first

workers=${RACE_WORKERS:-8}
attempts=${RACE_ATTEMPTS:-600}
lock=$MP/Chapter_42
inside=$T/inside

worker() {
	local id=$1 i wins=0 violations=0 lost=0
	export LOCKFS_INSTANCE=worker-$id
	for ((i = 0; i < attempts; i++)); do
		touch "$lock" 2>/dev/null || continue
		wins=$((wins + 1))
		if mkdir "$inside" 2>/dev/null; then
			rmdir "$inside"
		else
			violations=$((violations + 1))
		fi
		rm "$lock" 2>/dev/null || lost=$((lost + 1))
	done
	echo "$wins $violations $lost" >"$T/worker.$id"
}

for ((w = 0; w < workers; w++)); do
	worker "$w" &
done
wait

total_wins=0
total_violations=0
total_lost=0
for ((w = 0; w < workers; w++)); do
	read -r wins violations lost <"$T/worker.$w"
	total_wins=$((total_wins + wins))
	total_violations=$((total_violations + violations))
	total_lost=$((total_lost + lost))
done
echo "attempts $((workers * attempts)), acquisitions $total_wins," \
	"violations $total_violations, failed releases $total_lost"
assert_eq "$total_violations" 0 "two holders at once"
assert_eq "$total_lost" 0 "a holder could not release its lock"
[ "$total_wins" -ge "$workers" ] || fail "too few acquisitions: $total_wins"
assert_eq "$(store_json "$BOOK" | jq length)" 0 "store after the race"
# Every acquisition got its own token.
assert_eq "$(grep -c '"event":"acquire"' "$BOOK/.locks/events.log")" "$total_wins" \
	"acquisitions logged"
# The file store counts tokens one by one (etcd's are revisions).
if [ "${LOCKFS_TEST_BACKEND:-file}" = file ]; then
	assert_eq "$(jq -r .last_token "$STORE")" "$total_wins" "token counter"
fi
echo PASS
