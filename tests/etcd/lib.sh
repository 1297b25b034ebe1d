# lib.sh - start and break real etcd clusters for the etcd tests (sourced).
#
# A test sources this file, makes its own directory, sets the trap, and
# starts a cluster:
#
#	. "$LOCKFS_SRC/tests/etcd/lib.sh"
#	ETCD_TMP=$(mktemp -d)
#	trap 'etcd_cleanup; rm -rf "$ETCD_TMP"' EXIT
#	etcd_start_cluster 3 [--tls DIR] [--auth] [--dir DIR] [-- EXTRA...]
#
# Members listen on 127.0.0.1 only, on ports picked at random in
# 20000-39999 that nothing listens on (never 2379/2380, so a developer's
# own etcd and parallel tests are left alone).  Member I (0-based) is
# named mI, keeps its data in DIR/mI (DIR: --dir, else $ETCD_TMP) and logs
# to DIR/mI.log.  EXTRA arguments go to every member's command line (say,
# --auth-token-ttl 2).  The call returns once every member answers
# `etcdctl endpoint health`, and exports:
#
#	ETCD_ENDPOINTS	the client URLs, comma-separated
#	ETCD_URLS[I], ETCD_PIDS[I], ETCD_NAMES[I]	per member (arrays)
#	ETCD_CACERT ETCD_CERT ETCD_KEY	with --tls: the CA and a client
#			certificate and key (members require client
#			certificates: --client-cert-auth); empty otherwise
#	ETCD_USER ETCD_PASSWORD	with --auth: user "author", whose role
#			may read and write every key under "/"; root's
#			password is in ETCD_ROOT_PASSWORD; empty otherwise
#
# Then: etcd_ctl ARGS... (etcdctl against the cluster, as root when auth
# is on), etcd_kill_member I (SIGKILL), etcd_wait_leader (until the
# members left have elected a leader), etcd_restart_member I (same
# ports, same data), etcd_stop_all / etcd_cont_all (SIGSTOP / SIGCONT
# every member: a cluster that accepts connections but never answers),
# etcd_free_port (a port nothing listens on, for an endpoint that
# refuses connections), and etcd_cleanup, which kills every member this
# shell started, by the pid it recorded, and waits for them: call it from
# the test's trap.  Failures call fail (tests/common.sh) after showing the
# members' logs.

. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

ETCD_PIDS=()
ETCD_NAMES=()
ETCD_URLS=()
ETCD_PEERS=()
ETCD_ENDPOINTS=
ETCD_CACERT=
ETCD_CERT=
ETCD_KEY=
ETCD_USER=
ETCD_PASSWORD=
ETCD_ROOT_PASSWORD=
ETCD__DIR=
ETCD__TLS=
ETCD__EXTRA=()
ETCD__CLUSTER=
ETCD__TOKEN=
ETCD__USED=" "

command -v etcd >/dev/null && command -v etcdctl >/dev/null ||
	skip_or_fail "etcd and etcdctl are not installed"

# A port in 20000-39999 that nothing listens on and this shell has not
# handed out yet.
etcd_free_port() {
	local port i
	for ((i = 0; i < 200; i++)); do
		port=$((20000 + RANDOM % 20000))
		case $ETCD__USED in *" $port "*) continue ;; esac
		ss -Htan "( sport = :$port )" 2>/dev/null | grep -q . && continue
		ETCD__USED+="$port "
		echo "$port"
		return 0
	done
	fail "no free port found"
}

# A CA, a server certificate for 127.0.0.1 and a client certificate, in
# DIR.  The server's is for clientAuth too: the gateway forwards each
# request to the member's own gRPC port, presenting it.  The client's has
# no CommonName: with client-cert-auth and auth both on, etcd answers every
# gateway request made with a certificate that has one with HTTP 400
# ("CommonName of client sending a request against gateway will be
# ignored").
etcd__make_certs() {
	local dir=$1
	mkdir -p "$dir" || fail "cannot make $dir"
	(
		set -e
		cd "$dir"
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
			-keyout ca.key -out ca.pem -subj /CN=lockfs-test-ca
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key \
			-out server.csr -subj /O=lockfs-test-server
		printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' >server.ext
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
			-CAcreateserial -days 2 -extfile server.ext -out server.pem
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout client.key \
			-out client.csr -subj /O=lockfs-test-client
		printf 'extendedKeyUsage=clientAuth\n' >client.ext
		openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key \
			-CAcreateserial -days 2 -extfile client.ext -out client.pem
	) >"$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log" >&2; fail "cannot make certificates in $dir"; }
	ETCD_CACERT=$dir/ca.pem
	ETCD_CERT=$dir/client.pem
	ETCD_KEY=$dir/client.key
}

# etcdctl against the whole cluster (or --endpoints=... given first).
etcd_ctl() {
	local args=(--endpoints="$ETCD_ENDPOINTS" --dial-timeout=2s --command-timeout=5s)
	[ -z "$ETCD__TLS" ] ||
		args+=(--cacert="$ETCD_CACERT" --cert="$ETCD_CERT" --key="$ETCD_KEY")
	[ -z "$ETCD_ROOT_PASSWORD" ] || args+=(--user="root:$ETCD_ROOT_PASSWORD")
	ETCDCTL_API=3 etcdctl "${args[@]}" "$@"
}

etcd__show_logs() {
	local i
	for i in "${!ETCD_NAMES[@]}"; do
		echo "--- $ETCD__DIR/${ETCD_NAMES[$i]}.log (last lines)" >&2
		tail -n 20 "$ETCD__DIR/${ETCD_NAMES[$i]}.log" >&2 2>/dev/null
	done
}

etcd__fail() {
	etcd__show_logs
	fail "$@"
}

# Start member I in the background, recording its pid.
etcd__launch() {
	local i=$1 name=${ETCD_NAMES[$1]} tls=()
	[ -z "$ETCD__TLS" ] || tls=(--cert-file="$ETCD__TLS/server.pem"
		--key-file="$ETCD__TLS/server.key"
		--trusted-ca-file="$ETCD__TLS/ca.pem" --client-cert-auth)
	etcd --name "$name" --data-dir "$ETCD__DIR/$name" \
		--listen-client-urls "${ETCD_URLS[$i]}" \
		--advertise-client-urls "${ETCD_URLS[$i]}" \
		--listen-peer-urls "${ETCD_PEERS[$i]}" \
		--initial-advertise-peer-urls "${ETCD_PEERS[$i]}" \
		--initial-cluster "$ETCD__CLUSTER" \
		--initial-cluster-token "$ETCD__TOKEN" \
		--initial-cluster-state new \
		--heartbeat-interval 50 --election-timeout 500 \
		--logger zap --log-level warn \
		--log-outputs "$ETCD__DIR/$name.log" \
		"${tls[@]}" "${ETCD__EXTRA[@]+"${ETCD__EXTRA[@]}"}" \
		</dev/null >>"$ETCD__DIR/$name.out" 2>&1 &
	ETCD_PIDS[$i]=$!
}

# Wait until member I answers a health check (up to 15 s).
etcd__wait_healthy() {
	local i=$1 n
	for ((n = 0; n < 150; n++)); do
		pid_alive "${ETCD_PIDS[$i]}" || return 1
		etcd_ctl --endpoints="${ETCD_URLS[$i]}" endpoint health \
			>/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# Users, a role for "/" and auth on, through the first member.
etcd__enable_auth() {
	ETCD_ROOT_PASSWORD=root-$RANDOM$RANDOM
	ETCD_USER=author
	ETCD_PASSWORD=author-$RANDOM$RANDOM
	local root=$ETCD_ROOT_PASSWORD
	ETCD_ROOT_PASSWORD=
	{
		etcd_ctl user add "root:$root" &&
			etcd_ctl user add "$ETCD_USER:$ETCD_PASSWORD" &&
			etcd_ctl role add lockfs-rw &&
			etcd_ctl role grant-permission --prefix=true lockfs-rw readwrite / &&
			etcd_ctl user grant-role "$ETCD_USER" lockfs-rw &&
			etcd_ctl auth enable
	} >"$ETCD__DIR/auth.log" 2>&1 ||
		{ cat "$ETCD__DIR/auth.log" >&2; etcd__fail "cannot enable auth"; }
	ETCD_ROOT_PASSWORD=$root
}

# Ports, names and URLs for n members.
etcd__plan() {
	local n=$1 scheme=$2 i
	ETCD_NAMES=() ETCD_URLS=() ETCD_PEERS=() ETCD_PIDS=()
	ETCD__CLUSTER=
	ETCD__TOKEN=lockfs-test-$$-$RANDOM
	for ((i = 0; i < n; i++)); do
		ETCD_NAMES[$i]=m$i
		ETCD_URLS[$i]=$scheme://127.0.0.1:$(etcd_free_port)
		ETCD_PEERS[$i]=http://127.0.0.1:$(etcd_free_port)
		ETCD__CLUSTER+=${ETCD__CLUSTER:+,}m$i=${ETCD_PEERS[$i]}
	done
	ETCD_ENDPOINTS=$(IFS=,; echo "${ETCD_URLS[*]}")
}

# Start every member and wait for health: 1 when a member died (a port
# taken meanwhile, say), after killing the others.
etcd__try_start() {
	local i
	for i in "${!ETCD_NAMES[@]}"; do
		rm -rf "${ETCD__DIR:?}/${ETCD_NAMES[$i]}"
		etcd__launch "$i"
	done
	for i in "${!ETCD_NAMES[@]}"; do
		etcd__wait_healthy "$i" && continue
		pid_alive "${ETCD_PIDS[$i]}" && etcd__fail "member $i never became healthy"
		grep -q "address already in use" "$ETCD__DIR/${ETCD_NAMES[$i]}".{log,out} 2>/dev/null ||
			etcd__fail "member $i exited"
		etcd_cleanup
		return 1
	done
}

etcd_start_cluster() {
	local n=$1 tls= auth= dir=${ETCD_TMP:-} scheme=http attempt
	shift
	ETCD__EXTRA=()
	while [ $# -gt 0 ]; do
		case $1 in
		--tls) tls=$2; shift 2 ;;
		--auth) auth=1; shift ;;
		--dir) dir=$2; shift 2 ;;
		--) shift; ETCD__EXTRA=("$@"); break ;;
		*) fail "etcd_start_cluster: unknown option $1" ;;
		esac
	done
	case $n in 1 | 3) ;; *) fail "etcd_start_cluster: 1 or 3 members, not $n" ;; esac
	[ -n "$dir" ] && [ -d "$dir" ] || fail "etcd_start_cluster: no directory (--dir or ETCD_TMP)"
	ETCD__DIR=$dir
	ETCD__TLS= ETCD_CACERT= ETCD_CERT= ETCD_KEY=
	ETCD_USER= ETCD_PASSWORD= ETCD_ROOT_PASSWORD=
	if [ -n "$tls" ]; then
		etcd__make_certs "$tls"
		ETCD__TLS=$tls
		scheme=https
	fi
	for attempt in 1 2 3; do
		etcd__plan "$n" "$scheme"
		etcd__try_start && break
		[ "$attempt" = 3 ] && etcd__fail "members kept losing their ports"
	done
	[ -z "$auth" ] || etcd__enable_auth
	export ETCD_ENDPOINTS ETCD_CACERT ETCD_CERT ETCD_KEY ETCD_USER ETCD_PASSWORD
}

etcd__check_index() {
	[ -n "${ETCD_PIDS[$1]:-}" ] || fail "no etcd member $1"
}

etcd_kill_member() {
	etcd__check_index "$1"
	kill -KILL "${ETCD_PIDS[$1]}" 2>/dev/null
	wait "${ETCD_PIDS[$1]}" 2>/dev/null
	return 0
}

# Until the members still running have a leader again (a linearizable
# read answers), at most 10 s: killing the leader leaves the cluster
# without one for an election's time, during which etcd refuses requests.
etcd_wait_leader() {
	local i
	for i in $(seq 100); do
		etcd_ctl get --consistency=l lockfs-test-leader >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	etcd__fail "no leader 10 s after a change of members"
}

etcd_restart_member() {
	etcd__check_index "$1"
	etcd_kill_member "$1"
	etcd__launch "$1"
	etcd__wait_healthy "$1" || etcd__fail "member $1 did not come back"
}

etcd_stop_all() {
	local pid
	for pid in "${ETCD_PIDS[@]}"; do
		kill -STOP "$pid" 2>/dev/null
	done
	return 0
}

etcd_cont_all() {
	local pid
	for pid in "${ETCD_PIDS[@]}"; do
		kill -CONT "$pid" 2>/dev/null
	done
	return 0
}

etcd_cleanup() {
	local pid
	for pid in "${ETCD_PIDS[@]+"${ETCD_PIDS[@]}"}"; do
		kill -KILL "$pid" 2>/dev/null
	done
	for pid in "${ETCD_PIDS[@]+"${ETCD_PIDS[@]}"}"; do
		wait "$pid" 2>/dev/null
	done
	ETCD_PIDS=()
	return 0
}
