/* init_agents.h - `lockfs init --claude` and `--codex`: install lockfs's
 * edit hooks in an agent's project settings.
 *
 *   --claude  .claude/settings.json: PreToolUse for Write, Edit, MultiEdit
 *             and NotebookEdit, and SessionEnd
 *   --codex   .codex/hooks.json: PreToolUse for apply_patch (Codex has no
 *             session-end hook; its locks turn holder-exited when it quits)
 *
 * The file is created when missing.  An existing one is edited in place:
 * the new entries are inserted as text, so every other byte of the file
 * stays as it was, and an entry that already runs `lockfs hook ...` for
 * that event is not added again.  A file that is not JSON, or whose
 * "hooks" is not shaped as the agent expects, is left untouched and
 * reported.
 */
#ifndef LOCKFS_INIT_AGENTS_H
#define LOCKFS_INIT_AGENTS_H

#include <stddef.h>

enum agent { AGENT_CLAUDE, AGENT_CODEX };

/* Install the hooks under root; prints what it did, returns an exit code
 * (commands.h). */
int init_agent_hooks(const char *cmd, const char *root, enum agent agent);

#endif
