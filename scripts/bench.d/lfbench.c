/* lfbench.c - the timing engine behind scripts/bench.
 *
 * scripts/bench (bash) sets up the mounts and peers; everything that is
 * timed is timed here, with CLOCK_MONOTONIC, so that no peer pays for the
 * shell differently from another.  Subcommands (all print tab-separated
 * lines, times in microseconds):
 *
 *   cycle ROUNDS NAME CMD_A CMD_B [NAME CMD_A CMD_B]...
 *       After a few warm-up rounds, for each round, for each peer (the order
 *       rotates every round, so machine drift spreads evenly), posix_spawn
 *       CMD_A, wait, posix_spawn
 *       CMD_B, wait: one lock cycle as two shell commands.  A command is a
 *       space-separated argv ("-": none); stdout and stderr go to
 *       /dev/null; CMD_A must exit 0, CMD_B must exit 0.
 *       Output: NAME n median p90 p99 failures
 *   inproc ROUNDS NAME DIR [NAME DIR]...
 *       open(DIR/Chapter_01, O_CREAT|O_EXCL)/close/unlink in this process,
 *       interleaved across DIRs.  Output: NAME n median_cycle p99_cycle
 *       median_create median_unlink failures
 *   contend SECONDS NAME MODE WORKERS RESOURCES DIR [LOCKFS]
 *       WORKERS processes (this program re-executed, each with its own
 *       LOCKFS_INSTANCE) loop acquire / critical section / release on
 *       RESOURCES resources until SECONDS pass.  MODE fs: open(O_CREAT|
 *       O_EXCL) and unlink in DIR; MODE cli: `LOCKFS -C DIR acquire` and
 *       `release`.  A shared counter per resource catches two holders at
 *       once.  Output: NAME cycles per_second busy errors violations
 *   handoff ROUNDS NAME MODE ARGS... [+ NAME MODE ARGS...]...
 *       A waiter blocks on a lock this process holds; the time from this
 *       process's release to the waiter's exit, having taken the lock.
 *       MODE lockfs MOUNT LOCKFS BOOK RES: hold via open(MOUNT/RES,
 *       O_CREAT), waiter `LOCKFS -C BOOK acquire --wait 10 RES`, release
 *       via unlink.  MODE flock FILE: hold via flock(2), waiter
 *       `flock FILE true`.  Rounds alternate between the targets.
 *       Output: NAME n median p90 p99 failures
 *   mkstore PATH N PID
 *       Write a locks.json holding N live locks Res_0000.. of other
 *       instances, recorded as held by process PID on this host.
 *   worker-fs / worker-cli: internal (the contend workers).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 32
#define MAX_PEERS 32
#define MAX_WORKERS 64
#define WARMUP_ROUNDS 3		/* fewer for short runs: rounds / 4 */
#define SETTLE_US 60000		/* for a hand-off waiter to start waiting */
#define HANDOFF_WAIT "10"	/* seconds a hand-off waiter may wait */

extern char **environ;

/* ---- small helpers ---- */

static void die(const char *what)
{
	fprintf(stderr, "lfbench: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void usage(void)
{
	fprintf(stderr, "lfbench: bad arguments (see the comment at the top of lfbench.c)\n");
	exit(2);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		die("clock_gettime");
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_us(long us)
{
	struct timespec ts = { .tv_sec = us / 1000000,
			       .tv_nsec = (us % 1000000) * 1000L };

	while (nanosleep(&ts, &ts) < 0)
		if (errno != EINTR)
			die("nanosleep");
}

static long parse_long(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		usage();
	return v;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		die("calloc");
	return p;
}

static long warmup_rounds(long rounds)
{
	return rounds >= 4 * WARMUP_ROUNDS ? WARMUP_ROUNDS : rounds / 4;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The q-quantile (0..1) of n sorted samples, in microseconds. */
static double quantile_us(const int64_t *sorted, size_t n, double q)
{
	size_t i;

	if (n == 0)
		return 0.0;
	i = (size_t)(q * (double)(n - 1) + 0.5);
	return (double)sorted[i] / 1000.0;
}

static void print_stats(const char *name, int64_t *ns, size_t n, long fails)
{
	qsort(ns, n, sizeof(*ns), cmp_i64);
	printf("%s\t%zu\t%.1f\t%.1f\t%.1f\t%ld\n", name, n,
	       quantile_us(ns, n, 0.5), quantile_us(ns, n, 0.9),
	       quantile_us(ns, n, 0.99), fails);
}

/* ---- commands ---- */

struct cmd {
	char *argv[MAX_ARGS + 1];	/* argv[0] NULL: no command */
};

/* Split s on spaces into c (s is modified and must outlive c). */
static void cmd_parse(char *s, struct cmd *c)
{
	size_t n = 0;
	char *tok, *save = NULL;

	memset(c, 0, sizeof(*c));
	if (strcmp(s, "-") == 0)
		return;
	for (tok = strtok_r(s, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (n == MAX_ARGS)
			usage();
		c->argv[n++] = tok;
	}
}

/* posix_spawn argv with stdout and stderr on /dev/null; the pid. */
static pid_t spawn_quiet(char *const argv[], char *const envp[])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int rc;

	if (posix_spawn_file_actions_init(&fa) != 0)
		die("posix_spawn_file_actions_init");
	if (posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) ||
	    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0))
		die("posix_spawn_file_actions_addopen");
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, envp ? envp : environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		errno = rc;
		die(argv[0]);
	}
	return pid;
}

/* Wait for pid; its exit status, or 128+signal. */
static int wait_exit(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/* Run c to completion; 0 when there is no command. */
static int run_cmd(const struct cmd *c)
{
	if (!c->argv[0])
		return 0;
	return wait_exit(spawn_quiet(c->argv, NULL));
}

/* ---- cycle ---- */

struct peer {
	const char *name;
	struct cmd a, b;
	int64_t *ns;
	size_t n;
	long fails;
};

/* One acquire+release cycle of p; its duration, or -1 when a step failed. */
static int64_t cycle_once(const struct peer *p)
{
	int64_t t0 = now_ns();

	if (run_cmd(&p->a) != 0)
		return -1;
	if (run_cmd(&p->b) != 0)
		return -1;
	return now_ns() - t0;
}

static int cmd_cycle(int argc, char **argv)
{
	struct peer peers[MAX_PEERS];
	long rounds, r;
	size_t np = 0, i;

	if (argc < 4 || (argc - 1) % 3 != 0)
		usage();
	rounds = parse_long(argv[0], 1, 1000000);
	for (i = 1; i + 2 < (size_t)argc; i += 3) {
		struct peer *p = &peers[np++];

		if (np > MAX_PEERS)
			usage();
		memset(p, 0, sizeof(*p));
		p->name = argv[i];
		cmd_parse(argv[i + 1], &p->a);
		cmd_parse(argv[i + 2], &p->b);
		p->ns = xcalloc((size_t)rounds, sizeof(*p->ns));
	}
	for (r = -warmup_rounds(rounds); r < rounds; r++) {
		for (i = 0; i < np; i++) {
			struct peer *p = &peers[((size_t)(r + WARMUP_ROUNDS) + i) % np];
			int64_t t = cycle_once(p);

			if (r < 0)
				continue;
			if (t < 0)
				p->fails++;
			else
				p->ns[p->n++] = t;
		}
	}
	for (i = 0; i < np; i++) {
		print_stats(peers[i].name, peers[i].ns, peers[i].n, peers[i].fails);
		free(peers[i].ns);
	}
	return 0;
}

/* ---- inproc ---- */

struct target {
	const char *name;
	char path[PATH_MAX];
	int64_t *cycle, *create, *unlink;
	size_t n;
	long fails;
};

static int inproc_once(struct target *t)
{
	int64_t t0, t1, t2;
	int fd;

	t0 = now_ns();
	fd = open(t->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (close(fd) < 0)
		return -1;
	t1 = now_ns();
	if (unlink(t->path) < 0)
		return -1;
	t2 = now_ns();
	t->cycle[t->n] = t2 - t0;
	t->create[t->n] = t1 - t0;
	t->unlink[t->n] = t2 - t1;
	t->n++;
	return 0;
}

static int cmd_inproc(int argc, char **argv)
{
	struct target tg[MAX_PEERS];
	long rounds, r;
	size_t nt = 0, i;

	if (argc < 3 || (argc - 1) % 2 != 0)
		usage();
	rounds = parse_long(argv[0], 1, 10000000);
	for (i = 1; i + 1 < (size_t)argc; i += 2) {
		struct target *t = &tg[nt++];

		if (nt > MAX_PEERS)
			usage();
		memset(t, 0, sizeof(*t));
		t->name = argv[i];
		if (snprintf(t->path, sizeof(t->path), "%s/Chapter_01",
			     argv[i + 1]) >= (int)sizeof(t->path))
			usage();
		t->cycle = xcalloc((size_t)rounds, sizeof(int64_t));
		t->create = xcalloc((size_t)rounds, sizeof(int64_t));
		t->unlink = xcalloc((size_t)rounds, sizeof(int64_t));
	}
	for (r = -warmup_rounds(rounds); r < rounds; r++)
		for (i = 0; i < nt; i++) {
			struct target *t = &tg[((size_t)(r + WARMUP_ROUNDS) + i) % nt];
			size_t before = t->n;

			if (inproc_once(t) < 0) {
				t->fails++;
				unlink(t->path);	/* best effort: next round starts clean */
			} else if (r < 0) {
				t->n = before;
			}
		}
	for (i = 0; i < nt; i++) {
		struct target *t = &tg[i];

		qsort(t->cycle, t->n, sizeof(int64_t), cmp_i64);
		qsort(t->create, t->n, sizeof(int64_t), cmp_i64);
		qsort(t->unlink, t->n, sizeof(int64_t), cmp_i64);
		printf("%s\t%zu\t%.1f\t%.1f\t%.1f\t%.1f\t%ld\n", t->name, t->n,
		       quantile_us(t->cycle, t->n, 0.5),
		       quantile_us(t->cycle, t->n, 0.99),
		       quantile_us(t->create, t->n, 0.5),
		       quantile_us(t->unlink, t->n, 0.5), t->fails);
		free(t->cycle);
		free(t->create);
		free(t->unlink);
	}
	return 0;
}

/* ---- contend ---- */

/* Shared between the driver and its workers (a MAP_SHARED file). */
struct board {
	int64_t holders[MAX_WORKERS];	/* per resource: how many hold it now */
	struct {
		int64_t cycles, busy, errors, violations;
	} w[MAX_WORKERS];
};

static struct board *board_map(const char *path, bool create)
{
	struct board *b;
	int fd;

	fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0), 0600);
	if (fd < 0)
		die(path);
	if (create && ftruncate(fd, (off_t)sizeof(*b)) < 0)
		die("ftruncate");
	b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (b == MAP_FAILED)
		die("mmap");
	if (close(fd) < 0)
		die("close");
	return b;
}

/* The critical section: nobody else may be in it for this resource. */
static void critical_section(struct board *b, int res, int slot)
{
	if (__atomic_fetch_add(&b->holders[res], 1, __ATOMIC_SEQ_CST) != 0)
		b->w[slot].violations++;
	__atomic_fetch_sub(&b->holders[res], 1, __ATOMIC_SEQ_CST);
	b->w[slot].cycles++;
}

static void worker_fs(struct board *b, int slot, int res, const char *dir,
		      int64_t deadline)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/Chapter_%02d", dir, res + 1) >=
	    (int)sizeof(path))
		usage();
	while (now_ns() < deadline) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0) {
			if (errno == EEXIST)
				b->w[slot].busy++;
			else
				b->w[slot].errors++;
			continue;
		}
		critical_section(b, res, slot);
		if (close(fd) < 0 || unlink(path) < 0)
			b->w[slot].errors++;
	}
}

static void worker_cli(struct board *b, int slot, int res, const char *book,
		       const char *lockfs, int64_t deadline)
{
	char name[32];
	char *acq[] = { (char *)lockfs, "-C", (char *)book, "acquire", name, NULL };
	char *rel[] = { (char *)lockfs, "-C", (char *)book, "release", name, NULL };
	int rc;

	snprintf(name, sizeof(name), "Chapter_%02d", res + 1);
	while (now_ns() < deadline) {
		rc = wait_exit(spawn_quiet(acq, NULL));
		if (rc == 1) {
			b->w[slot].busy++;
			continue;
		}
		if (rc != 0) {
			b->w[slot].errors++;
			continue;
		}
		critical_section(b, res, slot);
		if (wait_exit(spawn_quiet(rel, NULL)) != 0)
			b->w[slot].errors++;
	}
}

/* worker-fs|worker-cli BOARD SLOT RES DEADLINE DIR [LOCKFS] */
static int cmd_worker(bool cli, int argc, char **argv)
{
	struct board *b;
	int slot, res;
	long long deadline;

	if (argc != (cli ? 6 : 5))
		usage();
	/* Stop with the driver (scripts/bench kills it when interrupted). */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0)
		die("prctl");
	if (getppid() == 1)
		return 1;
	b = board_map(argv[0], false);
	slot = (int)parse_long(argv[1], 0, MAX_WORKERS - 1);
	res = (int)parse_long(argv[2], 0, MAX_WORKERS - 1);
	deadline = strtoll(argv[3], NULL, 10);
	if (cli)
		worker_cli(b, slot, res, argv[4], argv[5], deadline);
	else
		worker_fs(b, slot, res, argv[4], deadline);
	return 0;
}

/* environ with LOCKFS_INSTANCE replaced by bench-<slot> (malloc'd). */
static char **worker_env(int slot)
{
	size_t n = 0, i, o = 0;
	char **env;

	while (environ[n])
		n++;
	env = xcalloc(n + 2, sizeof(*env));
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "LOCKFS_INSTANCE=", 16) != 0)
			env[o++] = environ[i];
	if (asprintf(&env[o], "LOCKFS_INSTANCE=bench-worker-%d", slot) < 0)
		die("asprintf");
	return env;
}

static pid_t start_worker(const char *mode, const char *board, int slot,
			  int res, int64_t deadline, const char *dir,
			  const char *lockfs)
{
	char s_slot[16], s_res[16], s_deadline[32];
	char *argv[] = { "/proc/self/exe", (char *)mode, (char *)board, s_slot,
			 s_res, s_deadline, (char *)dir, (char *)lockfs, NULL };
	char **env = worker_env(slot);
	pid_t pid;

	snprintf(s_slot, sizeof(s_slot), "%d", slot);
	snprintf(s_res, sizeof(s_res), "%d", res);
	snprintf(s_deadline, sizeof(s_deadline), "%lld", (long long)deadline);
	pid = spawn_quiet(argv, env);
	for (size_t i = 0; env[i]; i++)
		if (strncmp(env[i], "LOCKFS_INSTANCE=", 16) == 0)
			free(env[i]);
	free(env);
	return pid;
}

static int cmd_contend(int argc, char **argv)
{
	char board_path[PATH_MAX];
	pid_t pids[MAX_WORKERS];
	const char *name, *mode, *dir, *lockfs;
	long secs, workers, resources, i;
	int64_t deadline, t0, elapsed;
	struct board *b, total = { 0 };
	int fails = 0;
	bool cli;

	if (argc != 6 && argc != 7)
		usage();
	secs = parse_long(argv[0], 1, 3600);
	name = argv[1];
	mode = argv[2];
	workers = parse_long(argv[3], 1, MAX_WORKERS);
	resources = parse_long(argv[4], 1, MAX_WORKERS);
	dir = argv[5];
	lockfs = argc == 7 ? argv[6] : NULL;
	cli = strcmp(mode, "cli") == 0;
	if ((!cli && strcmp(mode, "fs") != 0) || (cli && !lockfs))
		usage();
	snprintf(board_path, sizeof(board_path), "/dev/shm/lfbench-%d", (int)getpid());
	b = board_map(board_path, true);
	t0 = now_ns();
	deadline = t0 + (int64_t)secs * 1000000000LL;
	for (i = 0; i < workers; i++)
		pids[i] = start_worker(cli ? "worker-cli" : "worker-fs", board_path,
				       (int)i, (int)(i % resources), deadline,
				       dir, lockfs);
	for (i = 0; i < workers; i++)
		fails += wait_exit(pids[i]) != 0;
	elapsed = now_ns() - t0;
	for (i = 0; i < workers; i++) {
		total.w[0].cycles += b->w[i].cycles;
		total.w[0].busy += b->w[i].busy;
		total.w[0].errors += b->w[i].errors;
		total.w[0].violations += b->w[i].violations;
	}
	if (unlink(board_path) < 0)
		die(board_path);
	printf("%s\t%lld\t%.1f\t%lld\t%lld\t%lld\n", name,
	       (long long)total.w[0].cycles,
	       (double)total.w[0].cycles * 1e9 / (double)elapsed,
	       (long long)total.w[0].busy,
	       (long long)(total.w[0].errors + fails),
	       (long long)total.w[0].violations);
	return 0;
}

/* ---- handoff ---- */

struct handoff {
	const char *mode;
	const char *mount, *lockfs, *book, *res;	/* lockfs */
	const char *file;				/* flock */
	char path[PATH_MAX];
	int fd;
};

static int hold(struct handoff *h)
{
	if (strcmp(h->mode, "flock") == 0)
		return flock(h->fd, LOCK_EX);
	h->fd = open(h->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (h->fd < 0)
		return -1;
	return close(h->fd);
}

static int let_go(struct handoff *h)
{
	if (strcmp(h->mode, "flock") == 0)
		return flock(h->fd, LOCK_UN);
	return unlink(h->path);
}

static pid_t start_waiter(const struct handoff *h, char **env)
{
	char *fl[] = { "flock", (char *)h->file, "true", NULL };
	char *lf[] = { (char *)h->lockfs, "-C", (char *)h->book, "acquire",
		       "--wait", HANDOFF_WAIT, (char *)h->res, NULL };

	return spawn_quiet(strcmp(h->mode, "flock") == 0 ? fl : lf, env);
}

/* After a lockfs hand-off the waiter holds the lock: give it back. */
static int waiter_release(const struct handoff *h, char **env)
{
	char *rel[] = { (char *)h->lockfs, "-C", (char *)h->book, "release",
			(char *)h->res, NULL };

	if (strcmp(h->mode, "flock") == 0)
		return 0;
	return wait_exit(spawn_quiet(rel, env));
}

/* One hand-off: its duration, or -1. */
static int64_t handoff_once(struct handoff *h, char **env)
{
	int status;
	int64_t t0;
	pid_t pid;

	if (hold(h) < 0)
		return -1;
	pid = start_waiter(h, env);
	sleep_us(SETTLE_US);
	if (waitpid(pid, &status, WNOHANG) == pid) {	/* did not wait */
		let_go(h);
		waiter_release(h, env);
		return -1;
	}
	if (let_go(h) < 0)
		die("release");
	t0 = now_ns();
	if (wait_exit(pid) != 0)
		return -1;
	t0 = now_ns() - t0;
	if (waiter_release(h, env) != 0)
		return -1;
	return t0;
}

/* One target: NAME flock FILE, or NAME lockfs MOUNT LOCKFS BOOK RES.
 * Returns how many arguments it took. */
static int handoff_target(int argc, char **argv, struct handoff *h,
			  const char **name)
{
	memset(h, 0, sizeof(*h));
	if (argc < 3)
		usage();
	*name = argv[0];
	h->mode = argv[1];
	if (strcmp(h->mode, "flock") == 0) {
		h->file = argv[2];
		h->fd = open(h->file, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (h->fd < 0)
			die(h->file);
		return 3;
	}
	if (strcmp(h->mode, "lockfs") != 0 || argc < 6)
		usage();
	h->mount = argv[2];
	h->lockfs = argv[3];
	h->book = argv[4];
	h->res = argv[5];
	if (snprintf(h->path, sizeof(h->path), "%s/%s", h->mount, h->res) >=
	    (int)sizeof(h->path))
		usage();
	return 6;
}

/* handoff ROUNDS TARGET [+ TARGET]...: rounds interleaved across targets. */
static int cmd_handoff(int argc, char **argv)
{
	struct handoff h[MAX_PEERS];
	const char *name[MAX_PEERS];
	int64_t *ns[MAX_PEERS], t;
	long rounds, r, fails[MAX_PEERS] = { 0 };
	size_t n[MAX_PEERS] = { 0 }, nt = 0, i;
	char **env;
	int a = 1;

	if (argc < 4)
		usage();
	rounds = parse_long(argv[0], 1, 100000);
	while (a < argc) {
		if (nt == MAX_PEERS)
			usage();
		a += handoff_target(argc - a, argv + a, &h[nt], &name[nt]);
		ns[nt] = xcalloc((size_t)rounds, sizeof(int64_t));
		nt++;
		if (a < argc && strcmp(argv[a++], "+") != 0)
			usage();
	}
	env = worker_env(99);
	for (r = 0; r < rounds; r++)
		for (i = 0; i < nt; i++) {
			size_t k = ((size_t)r + i) % nt;

			t = handoff_once(&h[k], env);
			if (t < 0)
				fails[k]++;
			else
				ns[k][n[k]++] = t;
		}
	for (i = 0; i < nt; i++) {
		print_stats(name[i], ns[i], n[i], fails[i]);
		free(ns[i]);
	}
	return 0;
}

/* ---- mkstore ---- */

static unsigned long long start_time_of(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long v = 0;
	const char *s;
	ssize_t len;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(path);
	len = read(fd, buf, sizeof(buf) - 1);
	if (len < 0)
		die(path);
	if (close(fd) < 0)
		die("close");
	buf[len] = '\0';
	s = strrchr(buf, ')');
	if (!s)
		usage();
	/* s points at ") S ppid ...": field 3 is the state. */
	for (field = 2; field < 22 && s; field++)
		s = strchr(s + 1, ' ');
	if (!s || sscanf(s + 1, "%llu", &v) != 1)
		usage();
	return v;
}

static int cmd_mkstore(int argc, char **argv)
{
	char host[256], stamp[32];
	unsigned long long start;
	time_t now = time(NULL);
	struct tm tm;
	long n, i;
	pid_t pid;
	FILE *f;

	if (argc != 3)
		usage();
	n = parse_long(argv[1], 0, 10000);
	pid = (pid_t)parse_long(argv[2], 1, INT_MAX);
	start = start_time_of(pid);
	if (gethostname(host, sizeof(host)) < 0)
		die("gethostname");
	host[sizeof(host) - 1] = '\0';
	if (!gmtime_r(&now, &tm) ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		die("gmtime");
	f = fopen(argv[0], "w");
	if (!f)
		die(argv[0]);
	fprintf(f, "{\n  \"locks\": [");
	for (i = 0; i < n; i++)
		fprintf(f, "%s\n    {\n      \"resource\": \"Res_%04ld\",\n"
			"      \"timestamp\": \"%s\",\n"
			"      \"instance\": \"other-%ld\",\n"
			"      \"acquired\": \"%s\",\n      \"token\": %ld,\n"
			"      \"pid\": %d,\n      \"start_time\": %llu,\n"
			"      \"host\": \"%s\",\n      \"uid\": 0\n    }",
			i ? "," : "", i, stamp, i % 7, stamp, i + 1, (int)pid,
			start, host);
	fprintf(f, "%s],\n  \"last_token\": %ld\n}\n", n ? "\n  " : "", n);
	if (fclose(f) != 0)
		die(argv[0]);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2)
		usage();
	cmd = argv[1];
	argc -= 2;
	argv += 2;
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		die("signal");
	if (strcmp(cmd, "cycle") == 0)
		return cmd_cycle(argc, argv);
	if (strcmp(cmd, "inproc") == 0)
		return cmd_inproc(argc, argv);
	if (strcmp(cmd, "contend") == 0)
		return cmd_contend(argc, argv);
	if (strcmp(cmd, "handoff") == 0)
		return cmd_handoff(argc, argv);
	if (strcmp(cmd, "mkstore") == 0)
		return cmd_mkstore(argc, argv);
	if (strcmp(cmd, "worker-fs") == 0)
		return cmd_worker(false, argc, argv);
	if (strcmp(cmd, "worker-cli") == 0)
		return cmd_worker(true, argc, argv);
	usage();
	return 2;
}
