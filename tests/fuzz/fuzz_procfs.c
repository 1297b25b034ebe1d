/* fuzz_procfs.c - libFuzzer harness for the /proc parsers (core/procfs.c).
 *
 * A process chooses its own command name and environment, so the stat,
 * status and environ parsers read text an attacker writes.  The raw
 * bytes go to all three (libFuzzer's buffer is exactly sized and not
 * NUL-terminated, so any over-read is an ASan report).  Checked:
 *   - procfs_parse_stat(): an accepted line gives a pid >= 1, a
 *     terminated comm within its array, a state that is one visible
 *     character, and non-negative ppid, session and thread count;
 *   - procfs_parse_status(): an accepted file gives a Tgid >= 1 and a
 *     Uid that is not (uid_t)-1;
 *   - procfs_env_find() for the keys identity.c looks up: a found value
 *     lies inside the buffer, right after "KEY=" at the start of an
 *     entry, and holds no NUL.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "check.h"
#include "procfs.h"

/* libFuzzer's entry point; declared because the project builds with
 * -Wmissing-prototypes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_stat(const char *buf, size_t len)
{
	struct proc_stat st;

	if (procfs_parse_stat(buf, len, &st) != 0)
		return;
	CHECK(st.pid >= 1);
	CHECK(memchr(st.comm, '\0', sizeof(st.comm)) != NULL);
	CHECK(st.state != ' ' && st.state != '\n' && st.state != '\0');
	CHECK(st.ppid >= 0);
	CHECK(st.session >= 0);
	CHECK(st.num_threads >= 0);
}

static void check_status(const char *buf, size_t len)
{
	pid_t tgid = 0;
	uid_t uid = 0;

	if (procfs_parse_status(buf, len, &tgid, &uid) != 0)
		return;
	CHECK(tgid >= 1);
	CHECK(uid != (uid_t)-1);
}

static void check_env(const char *buf, size_t len, const char *key)
{
	size_t klen = strlen(key), vlen = 0;
	const char *val = NULL, *entry;
	uintptr_t b = (uintptr_t)buf, v;

	if (procfs_env_find(buf, len, key, &val, &vlen) != 1)
		return;
	CHECK(val != NULL);
	/* As integers: a pointer outside buf may not even be compared. */
	v = (uintptr_t)val;
	CHECK(v >= b + klen + 1 && v <= b + len);
	CHECK(vlen <= b + len - v);
	entry = val - klen - 1;
	CHECK(entry == buf || entry[-1] == '\0');
	CHECK(memcmp(entry, key, klen) == 0 && entry[klen] == '=');
	CHECK(memchr(val, '\0', vlen) == NULL);
	CHECK(val + vlen == buf + len || val[vlen] == '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;

	check_stat(buf, size);
	check_status(buf, size);
	check_env(buf, size, "LOCKFS_INSTANCE");
	check_env(buf, size, "CLAUDE_CODE_SESSION_ID");
	return 0;
}
