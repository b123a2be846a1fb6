/* SPDX-License-Identifier: MIT */
/*
 * sysgatectl policy merge A B [...] [-o FILE]: one policy allowing what any input
 * allows (lib/policy_merge.c), checked by parsing it back, written to stdout or
 * atomically to FILE.  The merge's notes go to stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "policy_tools.h"
#include "sysgatectl.h"

#define MERGE_FILES_MAX 64

static void free_all(struct sg_policy **in, size_t n)
{
	for (size_t i = 0; i < n; i++)
		policy_free(in[i]);
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
		return ctl_errx(r, "policy merge: the merged policy does not parse: %s", buf);
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
		return ctl_errx(-EINVAL, "policy merge: give 2 to %d policy files", MERGE_FILES_MAX);
	for (size_t i = 0; i < cfg->n_files && r >= 0; i++)
		r = ctl_load_policy(cfg->files[i], &in[i], NULL);
	if (r >= 0) {
		r = policy_merge((const struct sg_policy *const *)in, cfg->n_files, &text, &e);
		if (r == -EINVAL && e.msg[0]) {
			policy_error_format(&e, buf, sizeof(buf));
			fputs(buf, stderr);
		} else if (r < 0) {
			ctl_err(r, "policy merge");
		}
	}
	free_all(in, cfg->n_files);
	if (r < 0)
		return r;
	r = verify(text);
	if (r < 0)
		return r;
	print_notes(text);
	return ctl_write_text(cfg->output, text, "policy merge");
}
