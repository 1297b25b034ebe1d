/* eventlog.c - append-only JSON-lines log of lock events; see eventlog.h. */
#include "eventlog.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "isotime.h"

static char *event_line(const struct event *ev)
{
	char when[ISOTIME_MAX], *text = NULL, *line = NULL;
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	isotime_format(ev->time, when);
	cJSON_AddStringToObject(o, "time", when);
	cJSON_AddStringToObject(o, "event", ev->event);
	if (ev->resource)
		cJSON_AddStringToObject(o, "resource", ev->resource);
	if (ev->instance)
		cJSON_AddStringToObject(o, "instance", ev->instance);
	if (ev->token > 0)
		cJSON_AddNumberToObject(o, "token", (double)ev->token);
	if (ev->previous)
		cJSON_AddStringToObject(o, "previous", ev->previous);
	if (ev->previous_token > 0)
		cJSON_AddNumberToObject(o, "previous_token",
					(double)ev->previous_token);
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

int eventlog_append(const char *path, const struct event *ev)
{
	char *line = event_line(ev);
	size_t len;
	ssize_t n;
	int fd, rc = 0;

	if (!line)
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		  0644);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	len = strlen(line);
	n = write(fd, line, len);
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != len)
		rc = -ENOSPC;
	rotate_if_big(path, fd);
	close(fd);
out:
	free(line);
	return rc;
}
