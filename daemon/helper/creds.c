/* SPDX-License-Identifier: MIT */
/*
 * Credentials from /proc/PID/status (creds.h): ids, groups, the five
 * capability sets, no_new_privs and the umask.  No allocation, no logging:
 * the helper program links this too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "helper/creds.h"

/* The value of "\nKEY:" in text, or NULL. */
static const char *field(const char *text, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = text; (p = strstr(p, key)); p += klen)
		if ((p == text || p[-1] == '\n') && p[klen] == ':')
			return p + klen + 1;
	return NULL;
}

/* n numbers in base at the value of key; -EIO unless there are exactly n on its line. */
static int numbers(const char *text, const char *key, int base, uint64_t *ret, unsigned n)
{
	const char *p = field(text, key);
	char *end;

	if (!p)
		return -EIO;
	for (unsigned i = 0; i < n; i++) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!((*p >= '0' && *p <= '9') || (base == 16 && ((*p >= 'a' && *p <= 'f')))))
			return -EIO;
		errno = 0;
		ret[i] = strtoull(p, &end, base);
		if (errno || end == p)
			return -EIO;
		p = end;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '\n' || *p == '\0' ? 0 : -EIO;
}

static int groups(const char *text, struct helper_creds *ret)
{
	const char *p = field(text, "Groups");
	char *end;

	if (!p)
		return -EIO;
	ret->n_groups = 0;
	for (;;) {
		unsigned long long g;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\n' || *p == '\0')
			return 0;
		if (*p < '0' || *p > '9')
			return -EIO;
		errno = 0;
		g = strtoull(p, &end, 10);
		if (errno || g > UINT32_MAX)
			return -EIO;
		if (ret->n_groups >= HELPER_GROUPS_MAX)
			return -E2BIG;
		ret->groups[ret->n_groups++] = (uint32_t)g;
		p = end;
	}
}

/* Parse /proc/PID/status; see creds.h. */
int creds_parse(const char *text, struct helper_creds *ret)
{
	static const char *const capkeys[CAP_SET_N] = { "CapInh", "CapPrm", "CapEff", "CapBnd",
							"CapAmb" };
	uint64_t v[4];
	int r;

	memset(ret, 0, offsetof(struct helper_creds, groups));
	r = numbers(text, "Uid", 10, v, 4);
	for (unsigned i = 0; r == 0 && i < 4; i++)
		ret->uid[i] = (uint32_t)v[i];
	if (r == 0)
		r = numbers(text, "Gid", 10, v, 4);
	for (unsigned i = 0; r == 0 && i < 4; i++)
		ret->gid[i] = (uint32_t)v[i];
	for (unsigned i = 0; r == 0 && i < CAP_SET_N; i++)
		r = numbers(text, capkeys[i], 16, &ret->caps[i], 1);
	if (r == 0)
		r = numbers(text, "NoNewPrivs", 10, v, 1);
	if (r == 0)
		ret->nnp = v[0] != 0;
	if (r == 0)
		r = numbers(text, "Umask", 8, v, 1);
	if (r == 0)
		ret->umask = (uint32_t)(v[0] & 0777);
	return r < 0 ? r : groups(text, ret);
}

/* Read and parse status at a /proc/PID directory fd; see creds.h. */
int creds_read_at(int dirfd, char *buf, size_t size, struct helper_creds *ret)
{
	int fd = openat(dirfd, "status", O_RDONLY | O_CLOEXEC | O_NOCTTY);
	size_t n = 0;
	ssize_t k = 0;

	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	while (n < size - 1) {
		k = read(fd, buf + n, size - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	if (k < 0)
		return errno == ESRCH ? -ESRCH : -EIO;
	if (n >= size - 1)
		return -E2BIG;
	buf[n] = '\0';
	return creds_parse(buf, ret);
}

/* This process's bounding set; see creds.h. */
uint64_t creds_bounding_self(void)
{
	uint64_t bnd = 0;

	for (unsigned cap = 0; cap < 64; cap++) {
		int have = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);

		if (have < 0)
			break; /* past the last capability this kernel knows */
		if (have)
			bnd |= UINT64_C(1) << cap;
	}
	return bnd;
}

/* Whether two tasks hold the same credentials; see creds.h. */
bool creds_equal(const struct helper_creds *a, const struct helper_creds *b)
{
	return memcmp(a->uid, b->uid, sizeof(a->uid)) == 0 &&
	       memcmp(a->gid, b->gid, sizeof(a->gid)) == 0 && a->n_groups == b->n_groups &&
	       memcmp(a->groups, b->groups, a->n_groups * sizeof(a->groups[0])) == 0 &&
	       memcmp(a->caps, b->caps, sizeof(a->caps)) == 0 && a->nnp == b->nnp;
}
