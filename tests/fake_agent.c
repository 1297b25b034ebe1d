/* fake_agent.c - a stand-in for an AI agent, for the mount tests.
 *
 * Reads one shell command per line on stdin and runs each the way an
 * agent's shell tool does: in a fresh process, in a new session
 * (fork, setsid, execv /bin/sh -c LINE).  After each command it writes
 * the command's exit status (128+N when killed by signal N) on a line of
 * its own to stdout, so that a test can wait for it; the commands' own
 * output goes to stderr.  Being a long-lived process whose name is not a
 * shell's, it is what lockfs recognises as the holder of the locks its
 * commands take (the process-tree rule of identity.h), and killing it makes them stale.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int run(const char *line)
{
	pid_t pid;
	int status;

	pid = fork();
	if (pid < 0)
		return 127;
	if (pid == 0) {
		setsid();
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execl("/bin/sh", "sh", "-c", line, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 127;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int main(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, stdin)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		printf("%d\n", run(line));
		fflush(stdout);
	}
	free(line);
	return 0;
}
