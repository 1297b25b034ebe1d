#!/bin/bash
# test_tls_auth.sh - a cluster with TLS client certificates and
# authentication: the right password (from LOCKFS_ETCD_PASSWORD or a 0600
# etcd_password_file) works; a wrong one, a password file others can
# read, and a missing client certificate are each refused with exit 3 and
# a message that says why.
set -euo pipefail
. "$(dirname "$0")/machines.sh"
em_init
etcd_start_cluster 1 --tls "$T/tls" --auth

A=$T/a
base=("etcd_cacert = $ETCD_CACERT" "etcd_user = $ETCD_USER")
certs=("etcd_cert = $ETCD_CERT" "etcd_key = $ETCD_KEY")
mkdir -p "$A/.locks"
printf '%s\n' "${base[@]}" "${certs[@]}" >"$A/.locks/config"
LOCKFS_ETCD_PASSWORD=$ETCD_PASSWORD "$LOCKFS" -C "$A" init --etcd "$ETCD_ENDPOINTS" \
	--prefix "$EM_PREFIX" >"$T/init.log" 2>&1 || fail "init --etcd: $(cat "$T/init.log")"
cp "$A/.locks/config" "$T/config.good"

# expect_refused WHAT MESSAGE CMD...: exit 3 and MESSAGE (case-insensitive).
expect_refused() {
	local what=$1 msg=$2 rc=0 out
	shift 2
	out=$("$@" 2>&1) || rc=$?
	assert_eq "$rc" 3 "$what: exit ($out)"
	grep -qi -- "$msg" <<<"$out" || fail "$what: expected '$msg', got: $out"
	echo "$what: $out"
}

expect_refused "wrong password" "authentication failed" \
	env LOCKFS_ETCD_PASSWORD=wrong-$RANDOM LOCKFS_INSTANCE=x "$LOCKFS" -C "$A" acquire Chapter_01
expect_refused "no password" "password" \
	env LOCKFS_INSTANCE=x "$LOCKFS" -C "$A" acquire Chapter_01
LOCKFS_ETCD_PASSWORD=$ETCD_PASSWORD LOCKFS_INSTANCE=x "$LOCKFS" -C "$A" acquire Chapter_01 >/dev/null ||
	fail "the right password from the environment"

printf '%s\n' "$ETCD_PASSWORD" >"$T/pw"
chmod 0600 "$T/pw"
echo "etcd_password_file = $T/pw" >>"$A/.locks/config"
LOCKFS_INSTANCE=y "$LOCKFS" -C "$A" acquire Chapter_02 >/dev/null ||
	fail "the right password from a 0600 file"
chmod 0644 "$T/pw"
expect_refused "a 0644 password file" "0600\|mode\|permission" \
	env LOCKFS_INSTANCE=y "$LOCKFS" -C "$A" acquire Chapter_03

printf '%s\n' "${base[@]}" "backend = etcd" "etcd_endpoints = $ETCD_ENDPOINTS" \
	"etcd_prefix = $EM_PREFIX" >"$A/.locks/config"
expect_refused "no client certificate" "certificate" \
	env LOCKFS_ETCD_PASSWORD=$ETCD_PASSWORD LOCKFS_INSTANCE=x "$LOCKFS" -C "$A" acquire Chapter_04
sed "s|^etcd_cert = .*|etcd_cert = $T/missing.pem|" "$T/config.good" >"$A/.locks/config"
expect_refused "a client certificate file that is missing" "missing.pem" \
	env LOCKFS_ETCD_PASSWORD=$ETCD_PASSWORD LOCKFS_INSTANCE=x "$LOCKFS" -C "$A" acquire Chapter_04

cp "$T/config.good" "$A/.locks/config"
assert_eq "$(LOCKFS_ETCD_PASSWORD=$ETCD_PASSWORD "$LOCKFS" -C "$A" status --json | jq -r '[.[].resource] | join(" ")')" \
	"Chapter_01 Chapter_02" "what the refused calls left"
