/* cmd_mcp.c - `lockfs mcp`: an MCP server over stdio, for agents without
 * a shell (Claude Desktop's chat) and for any MCP client.
 *
 * JSON-RPC 2.0, one message per line on stdin and stdout; stdout carries
 * nothing else, diagnostics go to stderr.  Bad input never ends the
 * server: every line gets the JSON-RPC error it deserves and the next one
 * is read.  End of input ends it (exit 0) without touching any lock: the
 * locks it holds turn holder-exited when this process is gone.
 *
 * The instance is LOCKFS_INSTANCE, else the agent's session id
 * (CLAUDE_CODE_SESSION_ID, CODEX_THREAD_ID) labelled as identity.h does,
 * else a label naming the client from initialize's clientInfo
 * ("Desktop-" for Claude Desktop) with a random suffix unique to this
 * server process.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cli.h"
#include "mcp.h"
#include "procfs.h"

#define MCP_LINE_MAX (1024 * 1024)
#define MCP_CLIENT_LABEL_MAX 24

static const struct cli_command mcp_cmd = {
	.name = "mcp",
	.summary = "An MCP server on stdin/stdout (JSON-RPC 2.0, one message per line)\n"
		   "with the tools lock_acquire, lock_release, lock_renew, lock_check,\n"
		   "lock_status and lock_clear.  -C DIR before mcp names the project.",
	.exit = "Exit: 0 when the input ends; 2 usage; 3 /proc unreadable or out of\n"
		"memory.",
	.page = "lockfs-agents(7)",
};

/* Protocol versions this server speaks, oldest first. */
static const char *const versions[] = {
	"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25",
};

/* ---- output ---- */

void mcp_send(struct mcp_server *srv, cJSON *msg)
{
	char *text = msg ? cJSON_PrintUnformatted(msg) : NULL;

	pthread_mutex_lock(&srv->lock);
	if (!text) {
		fprintf(stderr, "lockfs mcp: out of memory, a message is lost\n");
	} else if (!srv->output_failed &&
		   (fputs(text, stdout) == EOF || fputc('\n', stdout) == EOF ||
		    fflush(stdout) == EOF)) {
		fprintf(stderr, "lockfs mcp: cannot write to stdout: %s\n",
			strerror(errno));
		srv->output_failed = true;
	}
	pthread_mutex_unlock(&srv->lock);
	free(text);
	cJSON_Delete(msg);
}

static cJSON *envelope(const cJSON *id)
{
	cJSON *m = cJSON_CreateObject();

	cJSON_AddStringToObject(m, "jsonrpc", "2.0");
	cJSON_AddItemToObject(m, "id", id ? cJSON_Duplicate(id, true) :
			      cJSON_CreateNull());
	return m;
}

static void send_result(struct mcp_server *srv, const cJSON *id,
			cJSON *result)
{
	cJSON *m = envelope(id);

	cJSON_AddItemToObject(m, "result", result ? result :
			      cJSON_CreateObject());
	mcp_send(srv, m);
}

static void send_error(struct mcp_server *srv, const cJSON *id, int code,
		       const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void send_error(struct mcp_server *srv, const cJSON *id, int code,
		       const char *fmt, ...)
{
	cJSON *m = envelope(id), *e = cJSON_CreateObject();
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddNumberToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", msg);
	cJSON_AddItemToObject(m, "error", e);
	mcp_send(srv, m);
}

void mcp_progress(struct mcp_call *c, double progress, double total,
		  const char *message)
{
	cJSON *m, *params;

	if (!c->progress_token)
		return;
	m = cJSON_CreateObject();
	params = cJSON_AddObjectToObject(m, "params");
	cJSON_AddStringToObject(m, "jsonrpc", "2.0");
	cJSON_AddStringToObject(m, "method", "notifications/progress");
	cJSON_AddItemToObject(params, "progressToken",
			      cJSON_Duplicate(c->progress_token, true));
	cJSON_AddNumberToObject(params, "progress", progress);
	cJSON_AddNumberToObject(params, "total", total);
	cJSON_AddStringToObject(params, "message", message);
	mcp_send(c->srv, m);
}

/* ---- who holds: this process, under a label ---- */

/* The label (and LOCKFS_FORCE) from this process's environment, by the
 * rules every caller is read by: 1 labelled, 0 no label there, -1
 * unusable (the reason kept for every tool call to report). */
static int label_from_env(struct mcp_server *srv)
{
	struct lf_error err = { 0 };
	char *env = NULL;
	size_t len = 0;
	int rc;

	rc = procfs_read_environ("/proc", getpid(), &env, &len);
	if (rc < 0) {
		snprintf(srv->label_error, sizeof(srv->label_error),
			 "cannot read this process's environment: %s",
			 strerror(-rc));
		return -1;
	}
	srv->holder.force = identity_force_from_env(env ? env : "", len);
	rc = identity_label_from_env(env ? env : "", len, srv->holder.instance,
				     &err);
	free(env);
	if (rc < 0) {
		snprintf(srv->label_error, sizeof(srv->label_error), "%s",
			 err.msg);
		return -1;
	}
	return rc;
}

/* "Desktop-1a2b3c4d" for Claude Desktop, "<client name>-1a2b3c4d" for
 * another client: the suffix tells this server from the next one. */
static void label_from_client(struct mcp_server *srv, const char *client)
{
	static const char label_chars[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789._:@+=-";
	char name[MCP_CLIENT_LABEL_MAX + 1];
	unsigned int r = 0;
	size_t i, n = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (unsigned int)getpid() * 2654435761u ^ (unsigned int)time(NULL);
	/* Claude Desktop introduces itself as "claude-ai". */
	if (client && (strcmp(client, "claude-ai") == 0 ||
		       strcasestr(client, "desktop"))) {
		snprintf(name, sizeof(name), "Desktop");
	} else {
		for (i = 0; client && client[i] && n < MCP_CLIENT_LABEL_MAX; i++)
			if (client[i] > 0 && strchr(label_chars, client[i]))
				name[n++] = client[i];
		name[n] = '\0';
		if (n == 0)
			snprintf(name, sizeof(name), "MCP");
	}
	snprintf(srv->holder.instance, sizeof(srv->holder.instance),
		 "%s-%08x", name, r);
}

/* Label the server, once: at initialize, or at the first call when the
 * client skipped it. */
static void ensure_label(struct mcp_server *srv, const char *client)
{
	pthread_mutex_lock(&srv->lock);
	if (!srv->labelled && !srv->label_error[0]) {
		label_from_client(srv, client);
		srv->labelled = true;
		fprintf(stderr, "lockfs mcp: holding locks as %s\n",
			srv->holder.instance);
	}
	pthread_mutex_unlock(&srv->lock);
}

static int init_holder(struct mcp_server *srv)
{
	struct proc_stat st;
	int rc;

	rc = procfs_read_stat("/proc", getpid(), &st);
	if (rc < 0) {
		cli_error("mcp", "cannot read /proc for this process: %s",
			  strerror(-rc));
		return EXIT_STORE;
	}
	srv->holder.pid = getpid();
	srv->holder.start_time = st.start_time;
	srv->holder.uid = getuid();
	snprintf(srv->holder.host, sizeof(srv->holder.host), "%s",
		 identity_hostname());
	srv->labelled = label_from_env(srv) == 1;
	if (srv->label_error[0])
		cli_error("mcp", "%s; every tool call will say so",
			  srv->label_error);
	return EXIT_OK;
}

/* ---- methods ---- */

static void on_initialize(struct mcp_server *srv, const cJSON *id,
			  const cJSON *params)
{
	const cJSON *info = cJSON_GetObjectItemCaseSensitive(params, "clientInfo");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(info, "name");
	const cJSON *want = cJSON_GetObjectItemCaseSensitive(params,
							     "protocolVersion");
	const char *version = versions[sizeof(versions) / sizeof(versions[0]) - 1];
	cJSON *r, *caps, *server;
	size_t k;

	if (!cJSON_IsString(want)) {
		send_error(srv, id, RPC_INVALID_PARAMS, "initialize needs "
			   "params.protocolVersion, a string");
		return;
	}
	for (k = 0; k < sizeof(versions) / sizeof(versions[0]); k++)
		if (strcmp(want->valuestring, versions[k]) == 0)
			version = versions[k];
	/* Since 2025-11-25 a tool's argument errors are results the model
	 * can read and correct, no longer protocol errors. */
	srv->validation_as_result = strcmp(version, "2025-11-25") >= 0;
	ensure_label(srv, cJSON_IsString(name) ? name->valuestring : NULL);
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "protocolVersion", version);
	caps = cJSON_AddObjectToObject(r, "capabilities");
	cJSON_AddBoolToObject(cJSON_AddObjectToObject(caps, "tools"),
			      "listChanged", false);
	server = cJSON_AddObjectToObject(r, "serverInfo");
	cJSON_AddStringToObject(server, "name", "lockfs");
	cJSON_AddStringToObject(server, "version", LOCKFS_VERSION);
	cJSON_AddStringToObject(r, "instructions",
		"Locks for a book edited by several agents.  Before editing a "
		"chapter or shared file, take its lock with lock_acquire (all "
		"the resources you need at once); if another instance holds "
		"it, wait (wait_seconds), work on something else, or ask the "
		"user before overriding (force).  Renew long work with "
		"lock_renew, release with lock_release when done.  lock_status "
		"shows who holds what.");
	send_result(srv, id, r);
}

static void free_call(struct mcp_call *c)
{
	cJSON_Delete(c->id);
	cJSON_Delete(c->progress_token);
	cJSON_Delete(c->args);
	free(c);
}

/* The calls running on threads: join the finished ones. */
static void reap_calls(struct mcp_server *srv, bool all)
{
	struct mcp_call **pp, *c;

	pthread_mutex_lock(&srv->lock);
	pp = &srv->calls;
	while ((c = *pp)) {
		if (!all && !atomic_load(&c->done)) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		pthread_mutex_unlock(&srv->lock);
		if (all)
			atomic_store(&c->cancelled, true);
		pthread_join(c->thread, NULL);
		free_call(c);
		pthread_mutex_lock(&srv->lock);
		pp = &srv->calls;
	}
	pthread_mutex_unlock(&srv->lock);
}

static void *call_thread(void *arg)
{
	struct mcp_call *c = arg;
	cJSON *result = mcp_tool_run(c);

	if (result && !atomic_load(&c->cancelled))
		send_result(c->srv, c->id, result);
	else
		cJSON_Delete(result);
	atomic_store(&c->done, true);
	return NULL;
}

static struct mcp_call *new_call(struct mcp_server *srv, const cJSON *id,
				 const cJSON *params,
				 const struct mcp_tool *tool)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(params, "_meta");
	const cJSON *tok = cJSON_GetObjectItemCaseSensitive(meta,
							    "progressToken");
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(params,
							     "arguments");
	struct mcp_call *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->srv = srv;
	c->tool = tool;
	c->id = cJSON_Duplicate(id, true);
	if (cJSON_IsString(tok) || cJSON_IsNumber(tok))
		c->progress_token = cJSON_Duplicate(tok, true);
	c->args = args ? cJSON_Duplicate(args, true) : NULL;
	pthread_mutex_lock(&srv->lock);
	c->caller = srv->holder;
	pthread_mutex_unlock(&srv->lock);
	return c;
}

static void on_tools_call(struct mcp_server *srv, const cJSON *id,
			  const cJSON *params)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(params, "name");
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(params,
							     "arguments");
	const struct mcp_tool *tool;
	struct mcp_call *c;
	char msg[256];
	cJSON *result;
	bool bad_args;

	if (!cJSON_IsString(name)) {
		send_error(srv, id, RPC_INVALID_PARAMS, "tools/call needs "
			   "params.name, a string");
		return;
	}
	tool = mcp_tool_find(name->valuestring);
	if (!tool) {
		cli_safe(msg, 64, name->valuestring);
		send_error(srv, id, RPC_INVALID_PARAMS, "Unknown tool: %s "
			   "(tools/list names them)", msg);
		return;
	}
	bad_args = mcp_tool_check_args(tool, args, msg, sizeof(msg)) < 0;
	if (bad_args && !srv->validation_as_result) {
		send_error(srv, id, RPC_INVALID_PARAMS, "%s", msg);
		return;
	}
	ensure_label(srv, NULL);
	c = new_call(srv, id, params, tool);
	if (!c) {
		send_error(srv, id, RPC_INTERNAL_ERROR, "out of memory");
		return;
	}
	if (bad_args) {
		send_result(srv, id, mcp_tool_error(c, EXIT_USAGE, msg));
		free_call(c);
		return;
	}
	if (mcp_tool_may_wait(tool, args) &&
	    pthread_create(&c->thread, NULL, call_thread, c) == 0) {
		pthread_mutex_lock(&srv->lock);
		c->next = srv->calls;
		srv->calls = c;
		pthread_mutex_unlock(&srv->lock);
		return;
	}
	result = mcp_tool_run(c);
	send_result(srv, id, result);
	free_call(c);
}

static void on_cancelled(struct mcp_server *srv, const cJSON *params)
{
	const cJSON *rid = cJSON_GetObjectItemCaseSensitive(params, "requestId");
	struct mcp_call *c;

	if (!rid)
		return;
	pthread_mutex_lock(&srv->lock);
	for (c = srv->calls; c; c = c->next)
		if (cJSON_Compare(c->id, rid, true))
			atomic_store(&c->cancelled, true);
	pthread_mutex_unlock(&srv->lock);
}

static void on_request(struct mcp_server *srv, const char *method,
		       const cJSON *id, const cJSON *params)
{
	char shown[64];

	if (strcmp(method, "initialize") == 0) {
		on_initialize(srv, id, params);
	} else if (strcmp(method, "ping") == 0) {
		send_result(srv, id, NULL);
	} else if (strcmp(method, "tools/list") == 0) {
		send_result(srv, id, mcp_tools_list());
	} else if (strcmp(method, "tools/call") == 0) {
		on_tools_call(srv, id, params);
	} else {
		cli_safe(shown, sizeof(shown), method);
		send_error(srv, id, RPC_METHOD_NOT_FOUND,
			   "Method not found: %s", shown);
	}
}

/* One line: a request, a notification, or a response to nothing we asked
 * (ignored). */
static void on_line(struct mcp_server *srv, const char *line, size_t len)
{
	cJSON *msg = cJSON_ParseWithLength(line, len);
	const cJSON *id, *method, *params, *version;

	if (!msg) {
		send_error(srv, NULL, RPC_PARSE_ERROR, "Parse error: the line "
			   "is not JSON");
		return;
	}
	if (!cJSON_IsObject(msg)) {
		send_error(srv, NULL, RPC_INVALID_REQUEST, "Invalid Request: %s",
			   cJSON_IsArray(msg) ? "batches are not supported; "
			   "send one message per line" :
			   "a message is a JSON object");
		goto out;
	}
	id = cJSON_GetObjectItemCaseSensitive(msg, "id");
	method = cJSON_GetObjectItemCaseSensitive(msg, "method");
	params = cJSON_GetObjectItemCaseSensitive(msg, "params");
	version = cJSON_GetObjectItemCaseSensitive(msg, "jsonrpc");
	if (id && !cJSON_IsString(id) && !cJSON_IsNumber(id)) {
		send_error(srv, NULL, RPC_INVALID_REQUEST, "Invalid Request: "
			   "id must be a string or a number");
		goto out;
	}
	if (!cJSON_IsString(version) || strcmp(version->valuestring, "2.0") != 0) {
		send_error(srv, id, RPC_INVALID_REQUEST, "Invalid Request: "
			   "\"jsonrpc\" must be \"2.0\"");
		goto out;
	}
	if (!method && id && (cJSON_GetObjectItemCaseSensitive(msg, "result") ||
			      cJSON_GetObjectItemCaseSensitive(msg, "error")))
		goto out;
	if (!cJSON_IsString(method)) {
		if (id)
			send_error(srv, id, RPC_INVALID_REQUEST, "Invalid "
				   "Request: \"method\" must be a string");
		goto out;
	}
	if (params && !cJSON_IsObject(params)) {
		if (id)
			send_error(srv, id, RPC_INVALID_PARAMS, "Invalid params: "
				   "params must be an object");
		goto out;
	}
	if (!id) {
		if (strcmp(method->valuestring, "notifications/cancelled") == 0)
			on_cancelled(srv, params);
		goto out;
	}
	on_request(srv, method->valuestring, id, params);
out:
	cJSON_Delete(msg);
}

/* ---- input ---- */

struct reader {
	char *buf;
	size_t len;
	bool overlong;		/* dropping the rest of a line too long */
};

/* Feed n bytes of input; complete lines go to on_line(). */
static void feed(struct mcp_server *srv, struct reader *r, const char *data,
		 size_t n)
{
	const char *nl;
	size_t take;

	while (n > 0) {
		nl = memchr(data, '\n', n);
		take = nl ? (size_t)(nl - data) : n;
		if (!r->overlong && r->len + take > MCP_LINE_MAX) {
			r->overlong = true;
			r->len = 0;
		}
		if (!r->overlong) {
			memcpy(r->buf + r->len, data, take);
			r->len += take;
		}
		if (!nl)
			return;
		if (r->overlong)
			send_error(srv, NULL, RPC_INVALID_REQUEST, "Invalid "
				   "Request: a message longer than %d bytes",
				   MCP_LINE_MAX);
		else if (r->len > 0 && r->buf[r->len - 1] == '\r')
			r->len--;
		r->buf[r->len] = '\0';
		if (!r->overlong && strspn(r->buf, " \t") < r->len)
			on_line(srv, r->buf, r->len);
		r->len = 0;
		r->overlong = false;
		reap_calls(srv, false);
		data = nl + 1;
		n -= take + 1;
	}
}

static int serve(struct mcp_server *srv)
{
	struct reader r = { .buf = malloc(MCP_LINE_MAX + 1) };
	char chunk[64 * 1024];
	ssize_t got;
	int code = EXIT_OK;

	if (!r.buf) {
		cli_error("mcp", "out of memory");
		return EXIT_STORE;
	}
	for (;;) {
		got = read(STDIN_FILENO, chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			cli_error("mcp", "cannot read stdin: %s", strerror(errno));
			code = EXIT_STORE;
			break;
		}
		if (got == 0)
			break;
		feed(srv, &r, chunk, (size_t)got);
		if (srv->output_failed) {
			code = EXIT_STORE;
			break;
		}
	}
	/* An unterminated last line is still a message. */
	if (r.len > 0 && !r.overlong)
		on_line(srv, r.buf, r.len);
	reap_calls(srv, true);
	free(r.buf);
	return code;
}

int cmd_mcp(const char *root, int argc, char **argv)
{
	/* Until a client says otherwise, it speaks the newest version. */
	struct mcp_server srv = { .root = root, .validation_as_result = true };
	static const struct cli_option opts[] = {
		{ NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL },
	};
	int code;

	code = cli_parse(&mcp_cmd, opts, argc, argv);
	if (code != CLI_GO)
		return code;
	if (optind < argc)
		return cli_usage_error(&mcp_cmd, opts, "takes no arguments "
				       "(the project: lockfs -C DIR mcp)");
	/* A client that goes away must not kill the server mid-commit. */
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&srv.lock, NULL);
	code = init_holder(&srv);
	if (code == EXIT_OK)
		code = serve(&srv);
	pthread_mutex_destroy(&srv.lock);
	return code;
}
