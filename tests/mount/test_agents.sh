#!/bin/bash
# Agents that do not set LOCKFS_INSTANCE (named by the process tree).  A simulated
# agent (tests/fake_agent.c) is a long-lived process that runs every
# command in a fresh process and a new session, as agents' shell tools
# do: it must count as one holder across its commands, and two of them as
# two holders.  The same with CLAUDE_CODE_SESSION_ID (and the Desktop and
# Codex variants), which names the instance whatever the process tree.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lf_init
lf_mount_first

# The process tree: the agent is the holder.
agent_start A
agent_start B
agent_ok A "touch $MP/Chapter_01"
assert_eq "$(lock_field Chapter_01 instance)" "fake_agent-${AGENT_PID[A]}" "tree label"
assert_eq "$(lock_field Chapter_01 pid)" "${AGENT_PID[A]}" "recorded holder pid"
token=$(lock_field Chapter_01 token)

# Its later commands, each in a new session, are the same holder.
edit_store "(.locks[0].timestamp) = \"$(iso_ago 200)\""
agent_ok A "touch $MP/Chapter_01"
[ "$(lock_field Chapter_01 age_seconds)" -le 2 ] || fail "agent's renewal"
assert_eq "$(lock_field Chapter_01 token)" "$token" "renewal keeps the token"
agent_ok A "echo 'agent A at work' > $MP/Chapter_01"
assert_eq "$(lock_field Chapter_01 note)" "agent A at work" "agent's note"

# A second agent is another holder.
agent_err B "File exists" "touch $MP/Chapter_01"
agent_err B "Device or resource busy" "rm $MP/Chapter_01"
agent_ok B "touch $MP/Chapter_02"
assert_eq "$(lock_field Chapter_02 instance)" "fake_agent-${AGENT_PID[B]}" "second agent's label"
agent_ok A "rm $MP/Chapter_01"
agent_ok B "touch $MP/Chapter_01"
assert_eq "$(lock_field Chapter_01 instance)" "fake_agent-${AGENT_PID[B]}" "taken by B after A's release"
agent_ok B "rm $MP/Chapter_01 $MP/Chapter_02"
assert_eq "$(listing)" "" "all released"

# Session ids name the instance: CLI-<first 8>, Desktop-<first 8>,
# Codex-<first 8>; LOCKFS_INSTANCE still comes first.
agent_start C1 CLAUDE_CODE_SESSION_ID=3f2a9c1e-1111-4aaa-8bbb-000000000001
agent_start C2 CLAUDE_CODE_SESSION_ID=77e1d0b2-2222-4ccc-9ddd-000000000002
agent_start D CLAUDE_CODE_SESSION_ID=5a5a5a5a-3333-4eee-afff-000000000003 \
	CLAUDE_CODE_ENTRYPOINT=claude-desktop
agent_start X CODEX_THREAD_ID=c0dec0de-4444-4000-8000-000000000004
agent_start L CLAUDE_CODE_SESSION_ID=3f2a9c1e-1111-4aaa-8bbb-000000000001 \
	LOCKFS_INSTANCE=CLI-explicit

agent_ok C1 "touch $MP/Chapter_03"
assert_eq "$(lock_field Chapter_03 instance)" CLI-3f2a9c1e "session label"
agent_ok C1 "touch $MP/Chapter_03"
agent_err C2 "File exists" "touch $MP/Chapter_03"
agent_err C2 "Device or resource busy" "rm $MP/Chapter_03"
agent_ok C2 "touch $MP/Chapter_04"
assert_eq "$(lock_field Chapter_04 instance)" CLI-77e1d0b2 "second session"
agent_ok D "touch $MP/Chapter_05"
assert_eq "$(lock_field Chapter_05 instance)" Desktop-5a5a5a5a "desktop label"
agent_ok X "touch $MP/Chapter_06"
assert_eq "$(lock_field Chapter_06 instance)" Codex-c0dec0de "codex label"
agent_err L "File exists" "touch $MP/Chapter_03"
agent_ok L "touch $MP/Chapter_07"
assert_eq "$(lock_field Chapter_07 instance)" CLI-explicit "LOCKFS_INSTANCE first"

# The same session from another process tree is the same instance.
expect_ok "same session, other process" \
	env CLAUDE_CODE_SESSION_ID=3f2a9c1e-1111-4aaa-8bbb-000000000001 rm "$MP/Chapter_03"
agent_ok C2 "touch $MP/Chapter_03"

# An unusable label is refused, not guessed around.
expect_err "bad LOCKFS_INSTANCE" "Invalid argument" as 'bad label' touch "$MP/Chapter_08"
echo PASS
