#!/usr/bin/env bash
# lockfs --version (and -V) prints "lockfs VERSION", the version meson
# builds (project() in meson.build), on stdout, and exits 0.
. "$(dirname "$0")/lib.sh"

version=$(sed -nE "s/^ *version : '([^']+)',.*/\1/p" "$LOCKFS_SRC/meson.build")
[[ -n $version ]] || fail "no version in meson.build"
for opt in --version -V; do
	expect 0 "$LOCKFS" "$opt"
	assert_eq "$(cat "$OUT")" "lockfs $version" "lockfs $opt"
	[[ ! -s $ERR ]] || fail "lockfs $opt wrote to stderr: $(cat "$ERR")"
done
