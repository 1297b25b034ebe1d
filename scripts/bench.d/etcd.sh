# scripts/bench.d/etcd.sh - section 9 of scripts/bench: lockfs on etcd.
#
# Sourced by scripts/bench, which owns the build, the scratch directory
# ($work), the mounts (mount_book, unmount_all), the timing engine (lfb)
# and the trap.  This file starts a three-member etcd cluster on loopback
# with tests/etcd/lib.sh (data under $work/etcd, so on the measured file
# system), puts scratch books on it with `lockfs init --etcd`, and times,
# next to etcd's own `etcdctl lock` run the same way (one process per
# step, all three endpoints):
#
#   a. the lock cycle: `lockfs run RES -- true` against `etcdctl lock NAME
#      true` (both one process that takes a lease-backed lock, runs true,
#      and gives it back), `lockfs acquire`/`release` and touch/rm on the
#      mount (how agents work), and `etcdctl put`/`del` (two processes, one
#      write each: the floor for a two-command cycle);
#   b. the hand-off from a release on the mount to `lockfs acquire --wait`;
#   c. ls -l of 105 held locks on the mount against a plain directory;
#      b and c also time a file-backend book in the same rounds, so that
#      what etcd adds stands apart from what the machine's load adds;
#   d. one more lock with 10,000 locks held against one with none held:
#      two books on two prefixes of the same cluster, timed in interleaved
#      rounds; the 10,000 are written straight into etcd (etcdctl txn, 128
#      puts each) as copies of a value lockfs itself wrote;
#   e. the daemon's VmRSS holding a book's 105 locks.
#
# etcd_bench_run measures, etcd_bench_table prints the rows and targets.
# Needs etcd and etcdctl (Debian: etcd-server, etcd-client).
# shellcheck shell=bash
# shellcheck disable=SC2154  # repo, quick, work, lockfs...: set by scripts/bench

if ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; then
	die "section 9 needs etcd and etcdctl (apt-get install etcd-server etcd-client)"
fi
# shellcheck source=/dev/null
. "$repo/tests/etcd/lib.sh"

if ((quick)); then
	etcd_cycle_rounds=40 etcd_handoff_rounds=40 etcd_ls_rounds=30 etcd_growth_rounds=20
	etcd_idle_secs=3
else
	etcd_cycle_rounds=200 etcd_handoff_rounds=150 etcd_ls_rounds=100 etcd_growth_rounds=60
	etcd_idle_secs=5
fi
etcd_many=${LOCKFS_BENCH_ETCD_MANY:-10000}

# etcd_book DIR PREFIX [CONFIG-LINE...]: a book on the cluster, mounted.
etcd_book() {
	local dir=$1 prefix=$2 line
	shift 2
	mkdir -p "$dir"
	"$lockfs" -C "$dir" init --etcd "$ETCD_ENDPOINTS" --prefix "$prefix" >/dev/null ||
		die "lockfs init --etcd in $dir failed"
	for line in "$@"; do
		printf '%s\n' "$line" >>"$dir/.locks/config"
	done
	mounts+=("$dir/.locks/fs")
	"$lockfs" mount "$dir" >/dev/null || die "cannot mount $dir"
}

# etcd_fill PREFIX TEMPLATE N: N locks Res_0000.. under PREFIX, each a
# copy of TEMPLATE (a lock's value as lockfs wrote it) with its resource
# and token changed, written by etcdctl txn, 128 puts (etcd's default
# --max-txn-ops) per transaction.  Compact JSON has no spaces, so etcdctl
# takes each value as one word.
etcd_fill() {
	local prefix=$1 template=$2 n=$3 f
	jq -rc --arg p "$prefix" --argjson n "$n" '
		. as $t | range(0; $n)
		| ("000" + tostring)[-4:] as $num
		| "put \($p)locks/Res_\($num) "
		  + ($t | .resource = "Res_\($num)" | .token = 1000000 + ($num | tonumber) | tojson)' \
		<<<"$template" | split -l 128 - "$work/etcd-txn."
	for f in "$work"/etcd-txn.*; do
		{ echo; cat "$f"; echo; echo; } | etcd_ctl txn >/dev/null ||
			die "etcdctl txn of $f failed"
	done
}

etcd_bench_run() {
	local e eb ez eg mnt9 template
	mkdir -p "$work/etcd"
	say "9. etcd: starting a three-member cluster on loopback"
	etcd_start_cluster 3 --dir "$work/etcd"
	e=$ETCD_ENDPOINTS
	eb=$work/etcd-book ez=$work/etcd-zero eg=$work/etcd-many
	etcd_book "$eb" /bench/book/
	mnt9=$eb/.locks/fs
	# The same book on the file backend, timed in the same rounds: what
	# etcd adds, apart from what the machine's load adds to both.
	mount_book "$lockfs" "$work/etcd-filebook"

	say "9a. etcd lock cycle ($etcd_cycle_rounds rounds)"
	etcd_peers=(
		'etcdctl put/del (floor: 2 processes, 1 write each)' "etcdctl --endpoints=$e put /bench/floor x" "etcdctl --endpoints=$e del /bench/floor"
		'etcdctl lock NAME true (1 process)' "etcdctl --endpoints=$e lock /bench/etcdctl-lock true" -
		'lockfs run RES -- true (1 process)' "$lockfs -C $eb run Chapter_03 -- true" -
		'lockfs acquire/release' "$lockfs -C $eb acquire Chapter_02" "$lockfs -C $eb release Chapter_02"
		'lockfs touch/rm on the mount' "touch $mnt9/Chapter_01" "rm $mnt9/Chapter_01"
	)
	lfb record etcdcycle cycle "$etcd_cycle_rounds" "${etcd_peers[@]}"

	say "9b. etcd hand-off ($etcd_handoff_rounds rounds)"
	lfb record etcdhandoff handoff "$etcd_handoff_rounds" lockfs lockfs "$mnt9" "$lockfs" "$eb" Chapter_05 \
		+ file lockfs "$work/etcd-filebook/.locks/fs" "$lockfs" "$work/etcd-filebook" Chapter_05

	say "9c. etcd ls -l of 105 locks ($etcd_ls_rounds rounds)"
	mapfile -t all105 < <(ls "$work/plain105")
	LOCKFS_INSTANCE=bench-other "$lockfs" -C "$eb" acquire "${all105[@]}" >/dev/null
	LOCKFS_INSTANCE=bench-other "$lockfs" -C "$work/etcd-filebook" acquire "${all105[@]}" >/dev/null
	# Wait for the watch to have delivered them to the mount's view.
	for _ in $(seq 50); do
		[[ $(find "$mnt9" -mindepth 1 -maxdepth 1 | wc -l) -ge 105 ]] && break
		sleep 0.1
	done
	lfb record etcdls cycle "$etcd_ls_rounds" 'plain dir' "ls -l $work/plain105" - \
		'lockfs etcd mount' "ls -l $mnt9" - \
		'lockfs file-backend mount' "ls -l $work/etcd-filebook/.locks/fs" -
	etcd_rss=$(status_kib "$(daemon_pid "$eb")" VmRSS)
	etcd_hwm=$(status_kib "$(daemon_pid "$eb")" VmHWM)
	local ticks
	ticks=$(cpu_ticks "$(daemon_pid "$eb")")
	sleep "$etcd_idle_secs"
	etcd_idle_cpu=$(awk -v a="$ticks" -v b="$(cpu_ticks "$(daemon_pid "$eb")")" -v t="$(getconf CLK_TCK)" \
		-v s="$etcd_idle_secs" 'BEGIN { printf "%.0f", (b - a) * 1000 / t / s }')

	say "9d. etcd: $etcd_many locks held vs none ($etcd_growth_rounds rounds)"
	etcd_book "$ez" /bench/zero/ "$growth_config"
	etcd_book "$eg" /bench/many/ "$growth_config"
	LOCKFS_INSTANCE=bench-other "$lockfs" -C "$eg" acquire Res_0000 >/dev/null
	template=$(etcd_ctl get --print-value-only /bench/many/locks/Res_0000)
	local t0=$SECONDS
	etcd_fill /bench/many/ "$template" "$etcd_many"
	etcd_fill_secs=$((SECONDS - t0))
	etcd_held=$(etcd_ctl get --prefix --limit=1 --write-out=json /bench/many/locks/ | jq .count)
	for _ in $(seq 100); do
		[[ $(find "$eg/.locks/fs" -mindepth 1 -maxdepth 1 | wc -l) -ge $etcd_many ]] && break
		sleep 0.1
	done
	lfb record etcdgrowth cycle "$etcd_growth_rounds" \
		'CLI, none held' "$lockfs -C $ez acquire Chapter_01" "$lockfs -C $ez release Chapter_01" \
		"CLI, $etcd_many held" "$lockfs -C $eg acquire Chapter_01" "$lockfs -C $eg release Chapter_01" \
		'mount, none held' "touch $ez/.locks/fs/Chapter_01" "rm $ez/.locks/fs/Chapter_01" \
		"mount, $etcd_many held" "touch $eg/.locks/fs/Chapter_01" "rm $eg/.locks/fs/Chapter_01"
	etcd_many_rss=$(status_kib "$(daemon_pid "$eg")" VmRSS)
}

etcd_bench_table() {
	local k name v limit
	echo
	echo "**9. etcd**: three members on loopback (data on the backing dir), every client given all three endpoints; each command a new process"
	echo
	echo "| cycle | median | p90 | × etcdctl lock |"
	echo "|---|---|---|---|"
	for ((k = 0; k < ${#etcd_peers[@]}; k += 3)); do
		name=${etcd_peers[k]}
		printf '| %s%s | %s | %s | %s |\n' "$name" "$(fmt_fail "etcdcycle/$name")" \
			"$(ms "${med[etcdcycle/$name]}")" "$(ms "${p90[etcdcycle/$name]}")" \
			"$(ratio "${med[etcdcycle/$name]}" "${med[etcdcycle/etcdctl lock NAME true (1 process)]}")"
	done
	echo
	echo "| figure | median | p90 | p99 | |"
	echo "|---|---|---|---|---|"
	# shellcheck disable=SC2016  # the backquotes are Markdown
	printf '| hand-off: release on the mount → `lockfs acquire --wait` holding it (%s rounds)%s | %s | %s | %s | |\n' \
		"$etcd_handoff_rounds" "$(fmt_fail etcdhandoff/lockfs)" "$(ms "${med[etcdhandoff/lockfs]}")" \
		"$(ms "${p90[etcdhandoff/lockfs]}")" "$(ms "${p99[etcdhandoff/lockfs]}")"
	printf '| the same on the file backend, same rounds%s | %s | %s | %s | |\n' \
		"$(fmt_fail etcdhandoff/file)" "$(ms "${med[etcdhandoff/file]}")" \
		"$(ms "${p90[etcdhandoff/file]}")" "$(ms "${p99[etcdhandoff/file]}")"
	for name in 'plain dir' 'lockfs etcd mount' 'lockfs file-backend mount'; do
		printf '| ls -l, 105 entries: %s%s | %s | %s | %s | %s |\n' "$name" "$(fmt_fail "etcdls/$name")" \
			"$(ms "${med[etcdls/$name]}")" "$(ms "${p90[etcdls/$name]}")" "$(ms "${p99[etcdls/$name]}")" \
			"$(ratio "${med[etcdls/$name]}" "${med[etcdls/plain dir]}")"
	done
	for name in 'CLI, none held' "CLI, $etcd_many held" 'mount, none held' "mount, $etcd_many held"; do
		printf '| one more lock (acquire+release), %s%s | %s | %s | %s | |\n' "$name" \
			"$(fmt_fail "etcdgrowth/$name")" "$(ms "${med[etcdgrowth/$name]}")" \
			"$(ms "${p90[etcdgrowth/$name]}")" "$(ms "${p99[etcdgrowth/$name]}")"
	done
	printf '| daemon VmRSS holding 105 locks (peak %s); with %s locks %s | %s | | | |\n' \
		"$(kib_mib "$etcd_hwm")" "$etcd_held" "$(kib_mib "$etcd_many_rss")" "$(kib_mib "$etcd_rss")"
	printf '| daemon CPU while idle with 105 locks (%s s) | %s ms/s | | | |\n' "$etcd_idle_secs" "$etcd_idle_cpu"
	echo
	echo "($etcd_held locks written in ${etcd_fill_secs} s with etcdctl txn)"
	echo
	echo "**etcd targets**"
	echo
	echo "| target | measured | limit | |"
	echo "|---|---|---|---|"
	v=${med[etcdhandoff/lockfs]}
	printf '| hand-off median under 20 ms | %s | 20 ms | %s |\n' "$(ms "$v")" "$(verdict "$v" 20000)"
	v=${p99[etcdhandoff/lockfs]}
	printf '| hand-off p99 under 20 ms | %s | 20 ms | %s |\n' "$(ms "$v")" "$(verdict "$v" 20000)"
	v=${med[etcdls/lockfs etcd mount]}
	limit=$(awk -v p="${med[etcdls/plain dir]}" 'BEGIN { print p * 3 }')
	printf '| ls -l of 105 locks within 3× a plain directory | %s | %s | %s |\n' "$(ms "$v")" "$(ms "$limit")" "$(verdict "$v" "$limit")"
	for name in CLI mount; do
		v=${med[etcdgrowth/$name, $etcd_many held]}
		limit=$(awk -v z="${med[etcdgrowth/$name, none held]}" 'BEGIN { print z * 1.25 }')
		printf '| %s: one more lock with %s held within 1.25× none held (flat) | %s | %s | %s |\n' \
			"$name" "$etcd_many" "$(ms "$v")" "$(ms "$limit")" "$(verdict "$v" "$limit")"
	done
	printf '| daemon VmRSS with 105 locks under 8 MiB | %s | 8.0 MiB | %s |\n' \
		"$(kib_mib "$etcd_rss")" "$(verdict "$etcd_rss" 8192)"
	printf '| daemon idle CPU under 10 ms/s (a keep-alive every lease/3 s costs ~0) | %s ms/s | 10 ms/s | %s |\n' \
		"$etcd_idle_cpu" "$(verdict "$etcd_idle_cpu" 10)"
}
