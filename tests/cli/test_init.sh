#!/bin/bash
# `lockfs init` sets up .locks/ (store, bare read-only mount point) and
# adds ".locks/" to .gitignore exactly once: run twice, on a .gitignore
# without a final newline, or one that already ignores .locks.
. "$(dirname "$0")/lib.sh"

lines() {
	grep -c '^\.locks/$' "$P/.gitignore" || true
}

expect 0 "$LOCKFS" -C "$P" init
contains "$OUT" "^added \\.locks/ to $P/\\.gitignore$"
[ -d "$P/.locks" ] || fail "no .locks/"
[ "$(stat -c %a "$P/.locks/fs")" = 555 ] || fail ".locks/fs is not 0555"
jq -e '.locks == []' "$P/.locks/locks.json" >/dev/null || fail "store is not empty"
[ "$(cat "$P/.gitignore")" = ".locks/" ] || fail "unexpected .gitignore: $(cat "$P/.gitignore")"

expect 0 "$LOCKFS" -C "$P" init
contains "$OUT" 'already lists \.locks/'
[ "$(lines)" = 1 ] || fail "init twice: $(lines) .locks/ lines"

# From a subdirectory, init sets up the directory it is run in... but
# every other command finds the project above it.
mkdir -p "$P/Manuscript/Chapter_03"
(cd "$P/Manuscript/Chapter_03" && LOCKFS_INSTANCE=CLI-A "$LOCKFS" acquire Chapter_03 >/dev/null)
[ "$(holders Chapter_03)" = CLI-A ] || fail "project not found from a subdirectory"

# A .gitignore without a final newline keeps its last line intact.
rm "$P/.gitignore"
printf 'node_modules/\n*.tmp' >"$P/.gitignore"
expect 0 "$LOCKFS" -C "$P" init
[ "$(cat "$P/.gitignore")" = "$(printf 'node_modules/\n*.tmp\n.locks/')" ] ||
	fail "bad .gitignore: $(cat -A "$P/.gitignore")"
expect 0 "$LOCKFS" -C "$P" init
[ "$(lines)" = 1 ] || fail "$(lines) .locks/ lines"

# Other spellings that already ignore it count.
for form in '/.locks/' '.locks' '.locks/  '; do
	printf 'build/\n%s\n' "$form" >"$P/.gitignore"
	expect 0 "$LOCKFS" -C "$P" init
	contains "$OUT" 'already lists'
	[ "$(wc -l <"$P/.gitignore")" = 2 ] || fail "'$form' not recognised"
done

# A .gitignore that is not a file: exit 3, says so.
rm "$P/.gitignore"
mkdir "$P/.gitignore"
expect 3 "$LOCKFS" -C "$P" init
contains "$ERR" '\.gitignore: not a regular file'
echo ok
