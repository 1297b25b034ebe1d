/* mcp.h - what the two halves of `lockfs mcp` share: the JSON-RPC server
 * (cmd_mcp.c: framing, lifecycle, dispatch, cancellation) and the lock
 * tools (mcp_tools.c: schemas and thin adapters over lockops.h).
 *
 * The server process is the holder of every lock its tools take: its own
 * pid and start time are recorded, so when the client quits and the server
 * with it, those locks turn holder-exited at once, like a crashed CLI
 * instance's.  A tool call that waits runs on a thread of its own, so the
 * server keeps reading (pings, other calls, cancellations) meanwhile.
 */
#ifndef LOCKFS_MCP_H
#define LOCKFS_MCP_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "identity.h"

/* JSON-RPC 2.0 error codes. */
#define RPC_PARSE_ERROR (-32700)
#define RPC_INVALID_REQUEST (-32600)
#define RPC_METHOD_NOT_FOUND (-32601)
#define RPC_INVALID_PARAMS (-32602)
#define RPC_INTERNAL_ERROR (-32603)

struct mcp_server {
	const char *root;		/* the project of calls without one */
	struct holder holder;		/* this process, once labelled */
	bool labelled;			/* holder.instance is set */
	char label_error[LF_ERROR_MSG_MAX];	/* why it cannot be, or "" */
	pthread_mutex_t lock;		/* stdout, the call list, the label */
	bool output_failed;
	bool validation_as_result;	/* argument errors are tool results
					 * (from protocol 2025-11-25 on) */
	struct mcp_call *calls;		/* calls running on their own thread */
};

/* One tools/call that may outlive the line that asked for it. */
struct mcp_call {
	struct mcp_server *srv;
	cJSON *id;			/* the request's id (a copy) */
	cJSON *progress_token;		/* params._meta.progressToken, or NULL */
	cJSON *args;			/* params.arguments (a copy), or NULL */
	const struct mcp_tool *tool;
	struct holder caller;		/* the server's holder, at call time */
	atomic_bool cancelled;
	atomic_bool done;
	pthread_t thread;
	struct mcp_call *next;
};

struct mcp_tool;

/* Write one message as a line on stdout (thread-safe); frees msg. */
void mcp_send(struct mcp_server *srv, cJSON *msg);

/* notifications/progress for the call, when it gave a progressToken. */
void mcp_progress(struct mcp_call *c, double progress, double total,
		  const char *message);

/* The tools/list result. */
cJSON *mcp_tools_list(void);

/* The tool called name, or NULL. */
const struct mcp_tool *mcp_tool_find(const char *name);

/* Check args (NULL: none given) against the tool's input schema: 0, or
 * -1 with the reason in msg. */
int mcp_tool_check_args(const struct mcp_tool *t, const cJSON *args,
			char *msg, size_t len);

/* Whether this call may wait (and so runs on its own thread). */
bool mcp_tool_may_wait(const struct mcp_tool *t, const cJSON *args);

/* A CallToolResult with isError: true that says msg (exit_code as the
 * command line's). */
cJSON *mcp_tool_error(const struct mcp_call *c, int code, const char *msg);

/* Run the call: its CallToolResult, or NULL when it was cancelled (no
 * answer is due then). */
cJSON *mcp_tool_run(struct mcp_call *c);

#endif
