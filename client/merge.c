/* SPDX-License-Identifier: MIT */
/*
 * sysgatectl policy merge A B [...] [-o FILE]: one policy allowing what any input
 * allows (lib/policy_merge.c), checked by parsing it back, written to stdout or
 * atomically to FILE.  The merge's notes go to stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"
#include "sysgatectl.h"

#define MERGE_FILES_MAX 64

static void policy_freep(struct sg_policy **p)
{
	policy_free(*p);
}

static void free_all(struct sg_policy **in, size_t n)
{
	for (size_t i = 0; i < n; i++)
		policy_free(in[i]);
}

/* Write text to path through a temporary file in the same directory, then rename. */
static int write_atomically(const char *path, const char *text)
{
	_cleanup_free_ char *tmp = NULL;
	size_t len = strlen(text);
	_cleanup_close_ int fd = -EBADF;
	ssize_t k;
	int r = 0;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return ctl_error(negative_errno(), "policy merge: cannot create '%s': %s", tmp,
				 strerror(errno));
	for (size_t off = 0; off < len && r == 0; off += (size_t)k) {
		k = write(fd, text + off, len - off);
		if (k < 0 && errno == EINTR)
			k = 0;
		else if (k <= 0)
			r = negative_errno();
	}
	if (r == 0 && (fchmod(fd, 0644) < 0 || fsync(fd) < 0))
		r = negative_errno();
	if (r == 0 && rename(tmp, path) < 0)
		r = negative_errno();
	if (r < 0) {
		ctl_error(r, "policy merge: cannot write '%s': %s", path, strerror(-r));
		unlink(tmp);
	}
	return r;
}

/* Print the merge's "# note: " lines to stderr. */
static void print_notes(const char *text)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, "# note: ", 8) == 0)
			fprintf(stderr, CTL_NAME ": note: %.*s\n",
				(int)(strchrnul(l, '\n') - l - 8), l + 8);
}

/* The merged text must parse as a policy: the check that nothing was mis-written. */
static int verify(const char *text)
{
	_cleanup_(policy_freep) struct sg_policy *p = NULL;
	struct sg_policy_error e = { 0 };
	char buf[1024];
	int r;

	r = policy_parse(text, strlen(text), "<merged>", &p, &e);
	if (r < 0) {
		policy_error_format(&e, buf, sizeof(buf));
		return ctl_error(r, "policy merge: the merged policy does not parse: %s", buf);
	}
	return 0;
}

/* sysgatectl policy merge A B [...] [-o FILE] */
int ctl_policy_merge(const struct ctl_config *cfg)
{
	struct sg_policy *in[MERGE_FILES_MAX] = { 0 };
	struct sg_policy_error e = { 0 };
	_cleanup_free_ char *text = NULL;
	char buf[1024];
	int r = 0;

	if (cfg->n_files < 2 || cfg->n_files > MERGE_FILES_MAX)
		return ctl_error(-EINVAL, "policy merge: give 2 to %d policy files",
				 MERGE_FILES_MAX);
	for (size_t i = 0; i < cfg->n_files && r >= 0; i++)
		r = ctl_load_policy(cfg->files[i], &in[i]);
	if (r >= 0) {
		r = policy_merge((const struct sg_policy *const *)in, cfg->n_files, &text, &e);
		if (r == -EINVAL && e.msg[0]) {
			policy_error_format(&e, buf, sizeof(buf));
			fputs(buf, stderr);
		} else if (r < 0) {
			ctl_error(r, "policy merge: %s", strerror(-r));
		}
	}
	free_all(in, cfg->n_files);
	if (r < 0)
		return r;
	r = verify(text);
	if (r < 0)
		return r;
	print_notes(text);
	if (cfg->output)
		return write_atomically(cfg->output, text);
	fputs(text, stdout);
	return output_checked(stdout);
}
