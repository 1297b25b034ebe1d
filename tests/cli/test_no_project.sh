#!/bin/bash
# In a directory that is no lockfs project, nobody is told a made-up
# answer: status shows an empty store but says on stderr that there is no
# project, check fails (exit 3: there is no store to check against), and
# acquire says that it created a project, and where.  init creates one
# quietly, that being its purpose.
. "$(dirname "$0")/lib.sh"

in_dir() {
	local dir=$1
	shift
	LOCKFS_INSTANCE=CLI-A "$LOCKFS" -C "$dir" "$@"
}

D=$T/elsewhere
mkdir -p "$D"
expect 0 in_dir "$D" status
contains "$OUT" '^No active locks\.$'
contains "$ERR" "^lockfs status: $D is not a lockfs project \(no \.locks/ here or above\): nothing is locked here"
expect 3 in_dir "$D" check Chapter_01 1
contains "$ERR" "^lockfs check: $D is not a lockfs project"
[ ! -e "$D/.locks" ] || fail "status or check created .locks/"

expect 0 in_dir "$D" acquire Chapter_01
contains "$ERR" "^lockfs acquire: no lockfs project here or above: created one in $D/\.locks$"
[ -d "$D/.locks" ] || fail "acquire did not create .locks/"
expect 0 in_dir "$D" acquire Chapter_02
lacks "$ERR" 'created'
expect 0 in_dir "$D" status
lacks "$ERR" 'not a lockfs project'

mkdir -p "$T/fresh"
expect 0 in_dir "$T/fresh" init
lacks "$ERR" 'created one'
echo PASS
