#!/bin/bash
# The first things a new user types: `lockfs help`, `lockfs help CMD` and
# `lockfs version` work like --help and --version; `lockfs whoami` says
# which instance the caller is and which rule decided it; -C on a file is
# a usage error; `acquire --note NAME` with no name left says why.
. "$(dirname "$0")/lib.sh"

expect 0 "$LOCKFS" help
contains "$OUT" '^usage: lockfs \[-C DIR\] COMMAND'
contains "$OUT" '^  whoami '
expect 0 "$LOCKFS" --help
cp "$OUT" "$T/dash-help"
expect 0 "$LOCKFS" help
cmp -s "$OUT" "$T/dash-help" || fail "'lockfs help' differs from 'lockfs --help'"
expect 0 "$LOCKFS" help acquire
contains "$OUT" '^usage: lockfs acquire '
expect 0 "$LOCKFS" acquire --help
cmp -s "$OUT" <(LOCKFS_INSTANCE=x "$LOCKFS" help acquire) || fail "help acquire differs"
expect 2 "$LOCKFS" help nosuch
contains "$ERR" "unknown command 'nosuch'"
expect 0 "$LOCKFS" version
contains "$OUT" '^lockfs [0-9]+\.[0-9]+'
expect 0 "$LOCKFS" --version
contains "$OUT" '^lockfs [0-9]+\.[0-9]+'
expect 0 "$LOCKFS" help init
contains "$OUT" 'nearest directory at or above'

# Every command's --help comes from its option table: the usage line, the
# options (each one the usage line names, and --help), a short exit line
# and the manual page to read; a bad option is said as "lockfs CMD: ...".
for c in status acquire release renew run check clear init whoami mount \
	umount deinit mcp hook; do
	expect 0 "$LOCKFS" "$c" --help
	contains "$OUT" "^usage: lockfs $c( |\$)"
	contains "$OUT" '^  -h, --help  +this text$'
	contains "$OUT" '^Exit: '
	tail -1 "$OUT" | grep -Eq '^See lockfs(-[a-z]+)?\([157]\)\.$' ||
		fail "$c --help names no manual page: $(tail -1 "$OUT")"
	for o in $(head -1 "$OUT" | grep -Eo '\[--[a-z-]+' | tr -d '['); do
		contains "$OUT" "^  (-[a-z], |    )$o( [A-Z]+)? "
	done
	expect 2 "$LOCKFS" "$c" --no-such-option
	contains "$ERR" "^lockfs $c: unknown option --no-such-option$"
	contains "$ERR" "^usage: lockfs $c"
done
expect 2 "$LOCKFS" deinit "$T/a" "$T/b"
contains "$ERR" '^lockfs deinit: too many arguments$'
expect 2 "$LOCKFS" acquire --wait soon Chapter_01
contains "$ERR" '^lockfs acquire: --wait takes a number of seconds \(0 to [0-9]+\), not "soon"$'
expect 2 "$LOCKFS" run --note
contains "$ERR" '^lockfs run: option --note needs a value$'

# whoami: the rule that decided, in the order of the rules.
expect 0 env LOCKFS_INSTANCE=CLI-7 CODEX_THREAD_ID=abc "$LOCKFS" whoami
[ "$(head -1 "$OUT")" = CLI-7 ] || fail "whoami: $(cat "$OUT")"
contains "$OUT" '^decided by: LOCKFS_INSTANCE is set$'
expect 0 env CLAUDE_CODE_SESSION_ID=0123456789abcdef "$LOCKFS" whoami
[ "$(head -1 "$OUT")" = CLI-01234567 ] || fail "whoami: $(cat "$OUT")"
contains "$OUT" '^decided by: CLAUDE_CODE_SESSION_ID is set \(Claude Code\)$'
expect 0 env CLAUDE_CODE_SESSION_ID=0123456789abcdef CLAUDE_CODE_ENTRYPOINT=claude-desktop "$LOCKFS" whoami
[ "$(head -1 "$OUT")" = Desktop-01234567 ] || fail "whoami: $(cat "$OUT")"
contains "$OUT" 'Claude Desktop'
expect 0 env CODEX_THREAD_ID=fedcba9876543210 "$LOCKFS" whoami
[ "$(head -1 "$OUT")" = Codex-fedcba98 ] || fail "whoami: $(cat "$OUT")"
contains "$OUT" '^decided by: CODEX_THREAD_ID is set \(Codex\)$'
# Under a long-lived, non-shell parent (an agent), the tree rule names it.
expect 0 "$LOCKFS" whoami
contains "$OUT" '^decided by: process tree: '
contains "$OUT" '^holder process: [0-9]+ '
contains "$OUT" '^force: no$'
expect 0 env LOCKFS_FORCE=1 "$LOCKFS" whoami
contains "$OUT" '^force: yes'
expect 2 env LOCKFS_INSTANCE='a b' "$LOCKFS" whoami
contains "$ERR" 'LOCKFS_INSTANCE has byte 0x20'

# -C must name a directory.
touch "$T/file"
expect 2 "$LOCKFS" -C "$T/file" status
contains "$ERR" "^lockfs: -C $T/file: not a directory"
expect 2 "$LOCKFS" -C "$T/missing" status
contains "$ERR" "^lockfs: -C $T/missing: No such file or directory"

# --note took the only name.
expect 2 as CLI-A acquire --note Chapter_07
contains "$ERR" '--note took "Chapter_07" as its text'
expect 2 as CLI-A acquire --note "rewriting the intro"
lacks "$ERR" 'took'
echo PASS
