# test_client.sh - core/etcd.c's cmocka suite ($TEST_ETCD, tests/test_etcd.c)
# against live etcd: a one-member plain cluster, a three-member one with a
# member killed (the client fails over to the others), then restarted,
# then all stopped (calls end at their deadline), and a one-member
# cluster with TLS client certificates and authentication (tokens expire
# after a second, so the client must renew them).
#
# ETCD_WRAPPER (say 'valgrind --leak-check=full --error-exitcode=1') runs
# the suite under that command; ETCD_BENCH (default 300) is the number of
# round trips the suite times.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -x "${TEST_ETCD:-}" ] || fail "TEST_ETCD does not name the test program"
ETCD_TMP=$(mktemp -d /tmp/lockfs-etcd-XXXXXX) || fail "mktemp"
trap 'etcd_cleanup; rm -rf "$ETCD_TMP"' EXIT

run_suite() {
	local what=$1
	shift
	echo "== $what: $ETCD_ENDPOINTS"
	env "$@" ${ETCD_WRAPPER:-} "$TEST_ETCD" || fail "test_etcd on $what"
}

mkdir "$ETCD_TMP/plain" "$ETCD_TMP/three" "$ETCD_TMP/secure"

etcd_start_cluster 1 --dir "$ETCD_TMP/plain"
run_suite "one plain member" ETCD_BENCH="${ETCD_BENCH:-300}"
etcd_cleanup

etcd_start_cluster 3 --dir "$ETCD_TMP/three"
etcd_kill_member 0
pid_alive "${ETCD_PIDS[0]}" && fail "member 0 survived etcd_kill_member"
etcd_wait_leader
run_suite "three members, the first killed"
etcd_restart_member 0
etcd_ctl endpoint health >/dev/null 2>&1 || fail "a restarted member is not healthy"
etcd_stop_all
run_suite "three members, all stopped" ETCD_SILENT=1 ETCD_ONLY=test_cluster_silent
etcd_cont_all
etcd_ctl endpoint health >/dev/null 2>&1 || fail "members did not recover from SIGSTOP"
pids=("${ETCD_PIDS[@]}")
etcd_cleanup
for pid in "${pids[@]}"; do
	pid_alive "$pid" && fail "etcd_cleanup left member $pid running"
done

etcd_start_cluster 1 --dir "$ETCD_TMP/secure" --tls "$ETCD_TMP/secure/tls" --auth \
	-- --auth-token-ttl 1
# A client certificate with a CommonName, which the gateway refuses.
tls=$ETCD_TMP/secure/tls
{
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$tls/cn.key" -out "$tls/cn.csr" -subj /CN=author &&
		printf 'extendedKeyUsage=clientAuth\n' >"$tls/cn.ext" &&
		openssl x509 -req -in "$tls/cn.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" \
			-CAcreateserial -days 2 -extfile "$tls/cn.ext" -out "$tls/cn.pem"
} >"$tls/cn.log" 2>&1 || { cat "$tls/cn.log" >&2; fail "cannot make the CommonName certificate"; }
run_suite "one member, TLS and auth" ETCD_ROOT_PASSWORD="$ETCD_ROOT_PASSWORD" \
	ETCD_TOKEN_TTL=1 ETCD_BENCH="${ETCD_BENCH:-300}" \
	ETCD_CN_CERT="$tls/cn.pem" ETCD_CN_KEY="$tls/cn.key"
