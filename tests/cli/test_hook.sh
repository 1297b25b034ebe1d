#!/usr/bin/env bash
# test_hook.sh - `lockfs hook pre-tool-use` / `session-end`: the payloads
# Claude Code and Codex send for each edit tool, the decisions in both
# guard modes, the session's identity agreeing with `lockfs acquire` run
# in the same session, SessionEnd releasing, and bad input.
. "$(dirname "$0")/lib.sh"

: "${FAKE_AGENT:?FAKE_AGENT must name the fake_agent binary}"

A=3f2a9c1e-7b44-4d0e-9a51-0c6f8e2d1b77	# a Claude Code session
B=81d0e6aa-52c3-4f7e-b1a9-9e3c2d4f5a60	# another one
X=019a4c2e-5d7f-7b31-a8e2-44f1c9b0d3e6	# a Codex thread
LA=CLI-3f2a9c1e LB=CLI-81d0e6aa LX=Codex-019a4c2e

"$LOCKFS" -C "$P" init >/dev/null
guards='# the book framework'"'"'s layout
guard = Manuscript/Chapters/Chapter_[0-9][0-9]* -> Chapter_$1$2
guard = Manuscript/Images/Chapter_[0-9][0-9]/** -> ImageRegistry_Chapter_$1$2
guard = Manuscript/FrontMatter/** -> FrontMatter
guard = Style/** -> StyleSystem
resource = ImageRegistry_Chapter_[0-9][0-9]'
write_config "$P/.locks/config" "$guards"
mkdir -p "$P/Manuscript/Chapters" "$P/Style"
CH=$P/Manuscript/Chapters

# claude SESSION TOOL KEY PATH: a Claude Code PreToolUse payload.
claude() {
	jq -cn --arg s "$1" --arg t "$2" --arg k "$3" --arg p "$4" --arg cwd "$P" '{
		session_id: $s, transcript_path: "/tmp/t.jsonl", cwd: $cwd,
		permission_mode: "default", hook_event_name: "PreToolUse",
		tool_name: $t, tool_input: ({($k): $p} + {content: "text"}),
		tool_use_id: "toolu_01"}'
}

# codex SESSION PATCH: a Codex PreToolUse payload for apply_patch.
codex() {
	jq -cn --arg s "$1" --arg c "$2" --arg cwd "$P" '{
		session_id: $s, turn_id: "t1", cwd: $cwd, model: "gpt-5-codex",
		permission_mode: "default", hook_event_name: "PreToolUse",
		transcript_path: null, tool_name: "apply_patch",
		tool_input: {command: $c}, tool_use_id: "call_1"}'
}

# hook RC EVENT: run the hook on $T/in, expect RC.
hook() {
	expect "$1" "$LOCKFS" -C "$P" hook "$2" <"$T/in"
}

token_of() {
	store_json "$P" | jq -r --arg r "$1" '.[] | select(.resource == $r) | .token'
}

# --- guard_mode = take (the default) ---

# Write takes a free chapter for the session.
claude "$A" Write file_path "$CH/Chapter_03.md" >"$T/in"
hook 0 pre-tool-use
assert_eq "$(holders Chapter_03)" "$LA" "Write took Chapter_03"
t3=$(token_of Chapter_03)

# The same session's own command sees the same instance: it renews.
CLAUDE_CODE_SESSION_ID=$A expect 0 "$LOCKFS" -C "$P" acquire Chapter_03
contains "$OUT" "^Chapter_03 token $t3 renewed$"
# ...and a lock it took with `lockfs acquire` is the hook's too.
CLAUDE_CODE_SESSION_ID=$A expect 0 "$LOCKFS" -C "$P" acquire Chapter_04
t4=$(token_of Chapter_04)
claude "$A" Edit file_path "$CH/Chapter_04_draft.md" >"$T/in"
hook 0 pre-tool-use
assert_eq "$(token_of Chapter_04)" "$t4" "the hook renewed, not re-took"

# Another session is refused, and told who holds it and what to do.
for tool in Write Edit MultiEdit; do
	claude "$B" "$tool" file_path "$CH/Chapter_03.md" >"$T/in"
	hook 2 pre-tool-use
	contains "$ERR" "^lockfs hook: editing .*Chapter_03.md needs the lock Chapter_03"
	contains "$ERR" "Chapter_03 is held by $LA since [0-9:]+ \([0-9]+ s ago\)"
	contains "$ERR" "lockfs acquire --wait 600 Chapter_03"
done
assert_eq "$(holders Chapter_03)" "$LA" "a refusal changed nothing"

# NotebookEdit names its file notebook_path; a relative path is taken
# from the payload's cwd.
claude "$B" NotebookEdit notebook_path "Manuscript/Chapters/Chapter_05.ipynb" >"$T/in"
hook 0 pre-tool-use
assert_eq "$(holders Chapter_05)" "$LB" "NotebookEdit took Chapter_05"
claude "$A" NotebookEdit notebook_path "$CH/Chapter_05.ipynb" >"$T/in"
hook 2 pre-tool-use

# Paths no rule matches, paths outside the project, tools that edit
# nothing: allowed, nothing taken.
before=$(store_json "$P")
for p in "$P/notes.txt" "/etc/Manuscript/Chapters/Chapter_09.md" \
	"$P/Manuscript/Chapters/../../outside/Chapter_09.md"; do
	claude "$B" Write file_path "$p" >"$T/in"
	hook 0 pre-tool-use
done
claude "$B" Read file_path "$CH/Chapter_03.md" >"$T/in"
hook 0 pre-tool-use
jq -cn --arg s "$B" '{session_id: $s, hook_event_name: "PreToolUse",
	tool_name: "Bash", tool_input: {command: "ls"}}' >"$T/in"
hook 0 pre-tool-use
assert_eq "$(store_json "$P")" "$before" "nothing was taken"

# ".." and "." are resolved before matching.
claude "$B" Write file_path "$P/Style/../Manuscript/./Chapters/Chapter_06.md" >"$T/in"
hook 0 pre-tool-use
assert_eq "$(holders Chapter_06)" "$LB" "normalized path took Chapter_06"

# A path through a symlinked directory is still the project's.
ln -s "$P/Manuscript" "$T/link"
claude "$B" Write file_path "$T/link/Chapters/Chapter_13.md" >"$T/in"
hook 0 pre-tool-use
assert_eq "$(holders Chapter_13)" "$LB" "symlinked path took Chapter_13"

# Codex: every path of the patch, all or none.
cat >"$T/patch" <<'EOF'
*** Begin Patch
*** Add File: Manuscript/Images/Chapter_07/fig1.png
+x
*** Update File: Manuscript/Chapters/Chapter_07.md
@@
-old
+new
*** Delete File: Style/old.css
*** Update File: Manuscript/Chapters/Chapter_08.md
*** Move to: Manuscript/FrontMatter/Preface.md
*** End Patch
EOF
codex "$X" "$(cat "$T/patch")" >"$T/in"
hook 0 pre-tool-use
for r in ImageRegistry_Chapter_07 Chapter_07 StyleSystem Chapter_08 FrontMatter; do
	assert_eq "$(holders "$r")" "$LX" "apply_patch took $r"
done
# Its label is the one CODEX_THREAD_ID gives the thread's own commands.
CODEX_THREAD_ID=$X expect 0 "$LOCKFS" -C "$P" release Chapter_08
# A patch touching a chapter another session holds takes nothing.
printf '*** Begin Patch\n*** Update File: Manuscript/Chapters/Chapter_09.md\n*** Update File: Manuscript/Chapters/Chapter_03.md\n*** End Patch\n' >"$T/patch"
codex "$X" "$(cat "$T/patch")" >"$T/in"
hook 2 pre-tool-use
contains "$ERR" "Chapter_03 is held by $LA"
assert_eq "$(holders Chapter_09)" "" "all or none"

# LOCKFS_INSTANCE, which the agent's commands inherit too, wins.
claude "$A" Write file_path "$CH/Chapter_10.md" >"$T/in"
LOCKFS_INSTANCE=CLI-12345 hook 0 pre-tool-use
assert_eq "$(holders Chapter_10)" CLI-12345 "LOCKFS_INSTANCE labels the hook"

# Claude Desktop's sessions get the label their commands get there.
claude "$A" Write file_path "$CH/Chapter_11.md" >"$T/in"
CLAUDE_CODE_ENTRYPOINT=claude-desktop hook 0 pre-tool-use
assert_eq "$(holders Chapter_11)" Desktop-3f2a9c1e "Desktop label"

# --- session-end ---
jq -cn --arg s "$A" --arg cwd "$P" '{session_id: $s, cwd: $cwd,
	hook_event_name: "SessionEnd", reason: "exit"}' >"$T/in"
hook 0 session-end
for r in Chapter_03 Chapter_04; do
	assert_eq "$(holders "$r")" "" "session-end released $r"
done
assert_eq "$(holders Chapter_05)" "$LB" "another session's lock stays"
assert_eq "$(holders Chapter_11)" Desktop-3f2a9c1e "a Desktop lock is not CLI's"

# --- the holder process is the agent, not the hook ---
claude "$A" Write file_path "$CH/Chapter_12.md" >"$T/agent.in"
echo "\"$LOCKFS\" -C \"$P\" hook pre-tool-use <\"$T/agent.in\"" | "$FAKE_AGENT" >"$T/agent.out" 2>"$T/agent.err" &
agent=$!
wait "$agent"
assert_eq "$(cat "$T/agent.out")" 0 "the hook under the agent allowed the edit"
assert_eq "$(store_json "$P" | jq -r '.[] | select(.resource == "Chapter_12") | .pid')" \
	"$agent" "the agent is the holder process"
"$LOCKFS" -C "$P" status --json >"$OUT"
assert_eq "$(jq -r '.[] | select(.resource == "Chapter_12") | .stale_reason' "$OUT")" \
	holder-exited "the agent exited: its lock is holder-exited"

# --- guard_mode = check ---
write_config "$P/.locks/config" "$guards\nguard_mode = check"
claude "$A" Write file_path "$CH/Chapter_20.md" >"$T/in"
hook 0 pre-tool-use
assert_eq "$(holders Chapter_20)" "" "check mode takes nothing"
claude "$A" Write file_path "$CH/Chapter_05.md" >"$T/in"
hook 2 pre-tool-use
contains "$ERR" "Chapter_05 is held by $LB"
claude "$B" Write file_path "$CH/Chapter_05.md" >"$T/in"
hook 0 pre-tool-use
# Chapter_12's holder exited: stale, refused, with the way to override.
claude "$B" Edit file_path "$CH/Chapter_12.md" >"$T/in"
hook 2 pre-tool-use
contains "$ERR" "but that lock is stale \(its holder process has exited\); 'lockfs acquire --force' overrides it"
# LOCKFS_FORCE in the agent's environment does not make edits override.
LOCKFS_FORCE=1 hook 2 pre-tool-use

# --- bad input: exit 1, the edit goes on, nothing changes ---
before=$(store_json "$P")
printf 'not json' >"$T/in"
hook 1 pre-tool-use
contains "$ERR" "not a JSON object"
printf '[1,2]' >"$T/in"
hook 1 pre-tool-use
echo '{"session_id": "x"}' >"$T/in"
hook 1 pre-tool-use
contains "$ERR" "no tool_name"
echo '{"session_id": "x", "tool_name": "Write", "tool_input": {"file_path": 7}}' >"$T/in"
hook 1 pre-tool-use
contains "$ERR" "Write call without a tool_input.file_path string"
claude "" Write file_path "$CH/Chapter_05.md" | jq -c 'del(.session_id)' >"$T/in"
hook 1 pre-tool-use
contains "$ERR" "no session_id"
claude $'bad\nid' Write file_path "$CH/Chapter_05.md" >"$T/in"
hook 1 pre-tool-use
contains "$ERR" "session_id: CLAUDE_CODE_SESSION_ID has byte 0x0a"
head -c $((33 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$T/in"
hook 1 pre-tool-use
contains "$ERR" "larger than 32 MiB"
# A stdin nobody closes: bounded wait, then a non-blocking error.
start=$(now)
rc=0
mkfifo "$T/fifo"
sleep 30 >"$T/fifo" &
BG_PIDS+=($!)
"$LOCKFS" -C "$P" hook pre-tool-use <"$T/fifo" 2>"$ERR" || rc=$?
assert_eq "$rc" 1 "an open stdin"
contains "$ERR" "no complete payload on stdin within 10 s"
less_than "$(elapsed "$start" "$(now)")" 20 || fail "the hook waited for the writer"
assert_eq "$(store_json "$P")" "$before" "bad input changed nothing"
expect 2 "$LOCKFS" -C "$P" hook post-tool-use </dev/null
contains "$ERR" "name the hook: pre-tool-use or session-end"

# --- a rule naming a resource the project lacks, a broken store ---
drafts='guard = Drafts/* -> Chapter_$1'
write_config "$P/.locks/config" "$guards\n$drafts"
mkdir -p "$P/Drafts"
claude "$A" Write file_path "$P/Drafts/intro" >"$T/in"
hook 2 pre-tool-use
contains "$ERR" "config line 7: guard Drafts/\* -> Chapter_\\\$1 gives Chapter_intro, which is not a resource name of this project"
write_config "$P/.locks/config" "$guards\n$drafts\nguard = Notes/* -> Appendix_Z"
claude "$A" Write file_path "$CH/Chapter_30.md" >"$T/in"
hook 2 pre-tool-use
contains "$ERR" "cannot read the lock settings: .locks/config is broken \(config line 8: guard resource Appendix_Z is not a resource name"
# A malformed locks.json: the file store's own failure.
if [ "${LOCKFS_TEST_BACKEND:-file}" = file ]; then
	write_config "$P/.locks/config" "$guards\n$drafts"
	printf '{"locks": [' >"$P/.locks/locks.json"
	hook 2 pre-tool-use
	contains "$ERR" "cannot take the locks for this edit: .*locks.json"
	write_config "$P/.locks/config" "$guards\n$drafts\nguard_mode = check"
	hook 2 pre-tool-use
	contains "$ERR" "cannot read the locks: .*locks.json"
	# ...and session-end says so too.
	jq -cn --arg s "$A" '{session_id: $s, hook_event_name: "SessionEnd"}' >"$T/in"
	hook 2 session-end
	contains "$ERR" "cannot read the locks: .*locks.json"
fi
echo "ok"
