#!/usr/bin/env bash
# test_init_agents.sh - `lockfs init --claude` / `--codex`: the hooks land
# in .claude/settings.json and .codex/hooks.json, created when missing,
# other bytes of an existing file kept, once however often it runs; what
# was written is what an agent would run (the hook command works).
. "$(dirname "$0")/lib.sh"

S=$P/.claude/settings.json
H=$P/.codex/hooks.json

count() {	# FILE EVENT SUB: entries running lockfs hook SUB
	jq --arg e "$2" --arg s "hook $3" \
		'[.hooks[$e][]?.hooks[]? | select(.command | endswith($s))] | length' "$1"
}

# Created when missing; running twice adds nothing.
expect 0 "$LOCKFS" -C "$P" init --claude --codex
contains "$OUT" "added lockfs's Claude Code hooks to $S"
contains "$OUT" "added lockfs's Codex hooks to $H"
assert_eq "$(count "$S" PreToolUse pre-tool-use)" 1 "Claude PreToolUse"
assert_eq "$(count "$S" SessionEnd session-end)" 1 "Claude SessionEnd"
assert_eq "$(count "$H" PreToolUse pre-tool-use)" 1 "Codex PreToolUse"
assert_eq "$(jq -r '.hooks.PreToolUse[0].matcher' "$S")" \
	"Write|Edit|MultiEdit|NotebookEdit" "Claude matcher"
assert_eq "$(jq -r '.hooks.PreToolUse[0].matcher' "$H")" apply_patch "Codex matcher"
cp "$S" "$T/s1"
expect 0 "$LOCKFS" -C "$P" init --claude --codex
contains "$OUT" "$S already runs lockfs's hooks"
cmp -s "$S" "$T/s1" || fail "a second init changed $S"

# The command written runs the hook: with a guard, it refuses an edit of
# a chapter another instance holds.
write_config "$P/.locks/config" 'guard = Chapters/Chapter_[0-9][0-9]* -> Chapter_$1$2'
LOCKFS_INSTANCE=CLI-other "$LOCKFS" -C "$P" acquire Chapter_02 >/dev/null
cmd=$(jq -r '.hooks.PreToolUse[0].hooks[0].command' "$S")
jq -cn --arg p "$P/Chapters/Chapter_02.md" --arg cwd "$P" '{session_id: "abcdef0123",
	cwd: $cwd, hook_event_name: "PreToolUse", tool_name: "Edit",
	tool_input: {file_path: $p}}' >"$T/in"
rc=0
(cd "$P" && sh -c "$cmd" <"$T/in") 2>"$ERR" || rc=$?
assert_eq "$rc" 2 "the installed hook refuses"
contains "$ERR" "Chapter_02 is held by CLI-other"

# An existing file: every byte of it stays, the entries are appended.
rm -rf "$P/.claude"
mkdir "$P/.claude"
cat >"$S" <<'EOF'
{
  "permissions": {"allow": ["Bash(ls)"], "deny": []},
  "hooks": {
    "PreToolUse": [
      {"matcher": "Bash", "hooks": [{"type": "command", "command": "echo \"}\" ]"}]}
    ]
  },
  "env": {"A": "1"}
}
EOF
cp "$S" "$T/orig"
expect 0 "$LOCKFS" -C "$P" init --claude
jq -e . "$S" >/dev/null || fail "the edited file is not JSON"
assert_eq "$(jq -c 'del(.hooks)' "$S")" "$(jq -c 'del(.hooks)' "$T/orig")" "other keys"
assert_eq "$(jq -c '.hooks.PreToolUse[0]' "$S")" \
	"$(jq -c '.hooks.PreToolUse[0]' "$T/orig")" "the user's own hook"
assert_eq "$(count "$S" PreToolUse pre-tool-use)" 1 "appended PreToolUse"
assert_eq "$(count "$S" SessionEnd session-end)" 1 "added SessionEnd"
# Only insertions: without the added lines and the commas that join them,
# the file is the original (also stripped of its line-ending commas).
grep -v 'lockfs' "$S" | sed 's/,$//' >"$T/back"
sed 's/,$//' "$T/orig" >"$T/orig.bare"
diff "$T/orig.bare" "$T/back" >/dev/null || {
	diff "$T/orig" "$S" >&2
	fail "bytes of the user's file changed"
}
cp "$S" "$T/s2"
expect 0 "$LOCKFS" -C "$P" init --claude
cmp -s "$S" "$T/s2" || fail "the second run changed the file"

# An empty object, an empty file.
echo '{}' >"$H"
expect 0 "$LOCKFS" -C "$P" init --codex
assert_eq "$(count "$H" PreToolUse pre-tool-use)" 1 "into {}"
: >"$H"
expect 0 "$LOCKFS" -C "$P" init --codex
assert_eq "$(count "$H" PreToolUse pre-tool-use)" 1 "into an empty file"

# Files it cannot edit safely are left alone, and say why.
for bad in '{"hooks": [' '{"hooks": 3}' '[1]' '{"hooks": {"PreToolUse": {}}}'; do
	printf '%s' "$bad" >"$H"
	expect 2 "$LOCKFS" -C "$P" init --codex
	contains "$ERR" "nothing was changed"
	assert_eq "$(cat "$H")" "$bad" "a bad file stays as it was"
done
echo ok
