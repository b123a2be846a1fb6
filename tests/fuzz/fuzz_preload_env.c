/* SPDX-License-Identifier: MIT */
/* Fuzzes the trap preload's number parsers of its environment (env_number through env_flags
 * and env_unreachable, and env_fd): three values separated by NUL bytes. */
#include <errno.h>
#include <string.h>

#include "fuzz.h"

/*
 * preload.c is compiled in here for its static parsers.  Its constructor becomes an unused
 * function (this program is not a supervised process), and the trap_* functions it would
 * call are never reached.
 */
#define constructor unused
#include "preload.c"
#undef constructor

uint64_t sg_sys64_ret, sg_sys32_ret;

int trap_tramp_map(void)
{
	abort();
}

int trap_handler_init(const char *sock_path, const char *policy_name, uint32_t flags,
		      const char *policy_text, size_t text_len, int unreachable_errno)
{
	(void)sock_path;
	(void)policy_name;
	(void)flags;
	(void)policy_text;
	(void)text_len;
	(void)unreachable_errno;
	abort();
}

int trap_handler_connect(void)
{
	abort();
}

int trap_handler_install(void)
{
	abort();
}

int trap_filter_join(const struct sock_filter *prog, size_t n, uint64_t ip64, uint64_t ip32,
		     struct sock_filter **ret_out, size_t *ret_n)
{
	(void)prog;
	(void)n;
	(void)ip64;
	(void)ip32;
	(void)ret_out;
	(void)ret_n;
	abort();
}

/* NAME=VALUE in a buffer the environment keeps pointing to (putenv: nothing allocated). */
struct env_slot {
	const char *name;
	char buf[96];
};

/* Set the slot to the next piece of the input (up to a NUL, at most what the slot holds), or
 * unset it when the input is used up. */
static void take(struct env_slot *s, const uint8_t **p, const uint8_t *end)
{
	size_t prefix = strlen(s->name) + 1, room = sizeof(s->buf) - prefix - 1, len;
	const uint8_t *start = *p, *nul;

	if (start >= end) {
		unsetenv(s->name);
		return;
	}
	nul = memchr(start, '\0', (size_t)(end - start));
	len = (size_t)((nul ? nul : end) - start);
	*p = nul ? nul + 1 : end;
	snprintf(s->buf, sizeof(s->buf), "%s=", s->name);
	memcpy(s->buf + prefix, start, len < room ? len : room);
	s->buf[prefix + (len < room ? len : room)] = '\0';
	putenv(s->buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct env_slot flags_env = { SG_TRAP_ENV_FLAGS, "" },
			       unreachable_env = { SG_TRAP_ENV_UNREACHABLE, "" },
			       fd_env = { SG_TRAP_ENV_FILTER_FD, "" };
	const uint8_t *p = data, *end = data + size;
	uint32_t flags = 0xdead;
	int unreachable = -1, fd;

	take(&flags_env, &p, end);
	take(&unreachable_env, &p, end);
	take(&fd_env, &p, end);
	if (env_flags(&flags) == 0)
		FUZZ_CHECK(!(flags & ~(uint32_t)(SG_REG_AUDIT | SG_REG_SWAPPABLE)), "flags %#x",
			   flags);
	if (env_unreachable(&unreachable) == 0)
		FUZZ_CHECK(unreachable >= 1 && unreachable <= 4095, "errno %d", unreachable);
	fd = env_fd(SG_TRAP_ENV_FILTER_FD);
	if (fd >= 0) {
		struct stat st;

		FUZZ_CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode), "fd %d", fd);
	}
	/* leave nothing pointing into the slots once the input is done */
	unsetenv(SG_TRAP_ENV_FLAGS);
	unsetenv(SG_TRAP_ENV_UNREACHABLE);
	unsetenv(SG_TRAP_ENV_FILTER_FD);
	return 0;
}
