/* eventlog.c - append-only JSON-lines log of lock events; see eventlog.h. */
#include "eventlog.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "error.h"
#include "isotime.h"
#include "text.h"

/* Every line must read back as JSON with strict UTF-8: values that are
 * not well-formed (a name given on the command line, say) are cleaned;
 * cJSON escapes control characters. */
static void add_text(cJSON *o, const char *key, const char *value)
{
	char *clean;

	if (text_is_valid(value)) {
		cJSON_AddStringToObject(o, key, value);
		return;
	}
	clean = text_clean_dup(value, strlen(value), SIZE_MAX / 2,
			       TEXT_KEEP_CONTROL);
	if (clean)
		cJSON_AddStringToObject(o, key, clean);
	free(clean);
}

static char *event_line(const struct event *ev)
{
	char when[ISOTIME_MAX], *text = NULL, *line = NULL;
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	isotime_format(ev->time, when);
	cJSON_AddStringToObject(o, "time", when);
	add_text(o, "event", ev->event);
	if (ev->resource)
		add_text(o, "resource", ev->resource);
	if (ev->instance)
		add_text(o, "instance", ev->instance);
	if (ev->token > 0)
		cJSON_AddNumberToObject(o, "token", (double)ev->token);
	if (ev->previous)
		add_text(o, "previous", ev->previous);
	if (ev->previous_token > 0)
		cJSON_AddNumberToObject(o, "previous_token",
					(double)ev->previous_token);
	if (ev->kept)
		cJSON_AddStringToObject(o, "kept", ev->kept);
	if (strncmp(ev->event, "clear", 5) == 0)
		cJSON_AddNumberToObject(o, "count", (double)ev->count);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (text && asprintf(&line, "%s\n", text) < 0)
		line = NULL;
	free(text);
	return line;
}

static void rotate_if_big(const char *path, int fd)
{
	char old[PATH_MAX];
	struct stat sb;

	if (fstat(fd, &sb) < 0 || sb.st_size < EVENTLOG_ROTATE_BYTES)
		return;
	if (snprintf(old, sizeof(old), "%s.1", path) >= (int)sizeof(old))
		return;
	rename(path, old);
}

/* Append line as a whole or not at all: a short write (a full disk) is
 * cut back, so the log never holds half a line that the next one would
 * run into.  Callers hold the store's lock, so no other lockfs appends
 * between the fstat and the write. */
static int append_line(int fd, const char *line)
{
	size_t len = strlen(line);
	struct stat sb;
	ssize_t n;

	if (fstat(fd, &sb) < 0)
		return -errno;
	if (!S_ISREG(sb.st_mode))
		return -EINVAL;
	n = write(fd, line, len);
	if (n >= 0 && (size_t)n == len)
		return 0;
	/* If this fails too there is nothing more to do: the half line
	 * stays. */
	if (n > 0)
		lf_ignore_result(ftruncate(fd, sb.st_size));
	return n < 0 ? -errno : -ENOSPC;
}

int eventlog_append(const char *path, const struct event *ev)
{
	char *line = event_line(ev);
	int fd, rc;

	if (!line)
		return -ENOMEM;
	/* O_NOFOLLOW and O_NONBLOCK: a symlink or a fifo planted at the path
	 * is refused rather than followed or waited on. */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
		  O_NONBLOCK, 0644);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	rc = append_line(fd, line);
	if (rc == 0)
		rotate_if_big(path, fd);
	close(fd);
out:
	free(line);
	return rc;
}
