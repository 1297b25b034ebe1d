#!/usr/bin/env bash
# The bash completion (fs/lockfs.bash), sourced as bash-completion would:
# a partial command, a partial option, a partial resource name (default
# names, and a pattern from .locks/config found through -C), and the
# names behind `lockfs names`, which the completion asks.
. "$(dirname "$0")/lib.sh"

. "$LOCKFS_SRC/fs/lockfs.bash"
complete -p lockfs >/dev/null || fail "the completion is not registered for lockfs"

# complete WORD... : COMPREPLY for the last word of "lockfs WORD...".
complete_words() {
	COMP_WORDS=("$LOCKFS" "$@")
	COMP_CWORD=$#
	COMPREPLY=()
	_lockfs
	printf '%s\n' "${COMPREPLY[@]+"${COMPREPLY[@]}"}" | sort >"$OUT"
}

complete_words acq
assert_eq "$(cat "$OUT")" "acquire" "completion of 'acq'"
complete_words re
assert_eq "$(tr '\n' ' ' <"$OUT")" "release renew " "completion of 're'"
complete_words -C "$P" cl
assert_eq "$(cat "$OUT")" "clear" "completion of 'cl' after -C DIR"

complete_words acquire --w
assert_eq "$(cat "$OUT")" "--wait" "completion of 'acquire --w'"
complete_words renew --
assert_eq "$(cat "$OUT")" "--help" "renew's only option"
complete_words acquire --note ""
lacks "$OUT" .

cd "$P"
complete_words acquire Chapter_0
assert_eq "$(wc -l <"$OUT")" 9 "Chapter_0 completes to Chapter_01..09"
contains "$OUT" '^Chapter_07$'
complete_words acquire --wait 5 Fro
assert_eq "$(cat "$OUT")" "FrontMatter" "a name after --wait SECS"
complete_words check Style
assert_eq "$(cat "$OUT")" "StyleSystem" "check's resource"
complete_words check StyleSystem ""
lacks "$OUT" .
complete_words run Chapter_01 -- tru
contains "$OUT" '^true$'
cd /

write_config "$P/.locks/config" \
	'resource = ImageRegistry_Chapter_[0-9][0-9]\nresource = Chapter_05'
complete_words -C "$P" release ImageRegistry_Chapter_0
assert_eq "$(wc -l <"$OUT")" 10 "the configured pattern, through -C"
contains "$OUT" '^ImageRegistry_Chapter_07$'
complete_words -C "$P" release Chapter_0
assert_eq "$(wc -l <"$OUT")" 9 "a name in two entries is offered once"

# lockfs names itself: every name once, in order; a bounded list.
expect 0 "$LOCKFS" -C "$P" names
assert_eq "$(wc -l <"$OUT")" 205 "105 default names and 100 of the pattern"
assert_eq "$(sort -u "$OUT" | wc -l)" 205 "no name twice"
assert_eq "$(head -1 "$OUT")" "Chapter_01" "the first name"
echo 'resource = [A-Z][A-Z][A-Z][A-Z]' >>"$P/.locks/config"
expect 0 "$LOCKFS" -C "$P" names
assert_eq "$(wc -l <"$OUT")" 10000 "the list stops at 10000 names"
contains "$ERR" 'more than 10000 names'
write_config "$P/.locks/config" 'bogus = 1'
expect 2 "$LOCKFS" -C "$P" names
contains "$ERR" 'config line 1'
expect 2 "$LOCKFS" names a b
