/* SPDX-License-Identifier: MIT */
/*
 * The learnt policy: from the (arch, nr) rows a session called, a policy in
 * the project's language.  Header comment (command, date, session), version,
 * the arches seen, the default (deny EPERM unless told), then one allow rule
 * per syscall in name order with its count; for the syscalls whose argument
 * values were kept, one rule per value (too many values: unconditional).  The
 * text is parsed back before it is handed out.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy-internal.h"
#include "policy_learn.h"


struct entry {
	char name[SG_SYSCALL_NAME_MAX];
	uint64_t count;
	unsigned arg;
	bool values_kept; /* every row of this name kept values */
	bool overflow;
	unsigned n_values;
	uint64_t values[SG_LEARN_KEEP_MAX];
};

static uint32_t row_arch(const struct sg_learn_row *r)
{
	return call_arch(r->arch, r->nr);
}

int policy_learn_check_default(const char *def, struct sg_policy_error *err)
{
	_cleanup_(policy_freep) struct sg_policy *p = NULL;
	_cleanup_free_ char *text = NULL;
	int r;

	if (!def || strchr(def, '\n') || strchr(def, '#'))
		return -EINVAL;
	if (asprintf(&text, "version 1\ndefault %s\n", def) < 0)
		return -ENOMEM;
	r = policy_parse(text, strlen(text), "--learn-default", &p, err);
	if (r < 0)
		return r;
	return policy_check_loadable(p, err);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static int by_value(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Merge the values of a row of the same name into e. */
static void merge_values(struct entry *e, const struct sg_learn_row *r)
{
	if (r->overflow) {
		e->overflow = true;
		return;
	}
	if (r->n_values == 0 || r->arg != e->arg) {
		e->values_kept = false;
		return;
	}
	for (unsigned i = 0; i < r->n_values && i < SG_LEARN_KEEP_MAX; i++) {
		bool seen = false;

		for (unsigned k = 0; k < e->n_values && !seen; k++)
			seen = e->values[k] == r->values[i];
		if (seen)
			continue;
		if (e->n_values == SG_LEARN_KEEP_MAX)
			e->overflow = true;
		else
			e->values[e->n_values++] = r->values[i];
	}
}

/* The command for a comment: control characters shown as '?'. */
static void put_comment_text(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

static void write_entries(FILE *f, const struct entry *es, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct entry *e = &es[i];

		fprintf(f, "\n# %" PRIu64 " call%s", e->count, e->count == 1 ? "" : "s");
		if (e->values_kept && e->overflow)
			fprintf(f, ", more than %d distinct arg%u values: unconditional",
				SG_LEARN_KEEP_MAX, e->arg);
		fputc('\n', f);
		if (!e->values_kept || e->overflow || e->n_values == 0) {
			fprintf(f, "%s allow\n", e->name);
			continue;
		}
		for (unsigned k = 0; k < e->n_values; k++)
			fprintf(f, "%s allow if arg%u == 0x%" PRIx64 "\n", e->name, e->arg,
				e->values[k]);
	}
}

/* What the rows say, merged per syscall name: the entries, the arches seen, the rows whose
 * number has no name (they cannot be written as a rule and stay denied). */
struct learnt {
	struct entry *es;
	size_t n_es, n_unnamed;
	uint32_t arches[SG_MAX_ARCHES];
	unsigned n_arches;
};

static int note_arch(struct learnt *l, uint32_t arch)
{
	for (unsigned k = 0; k < l->n_arches; k++)
		if (l->arches[k] == arch)
			return 0;
	if (l->n_arches == SG_MAX_ARCHES)
		return -EINVAL;
	l->arches[l->n_arches++] = arch;
	return 0;
}

/* Merge the rows into l->es (allocated for n entries), sorted by name and value. */
static int collect(const struct sg_learn_row *rows, size_t n, struct learnt *l)
{
	for (size_t i = 0; i < n; i++) {
		const struct sg_learn_row *row = &rows[i];
		uint32_t arch = row_arch(row);
		struct entry *e = NULL;
		char name[SG_SYSCALL_NAME_MAX];

		if (!arch_to_name(arch) || row->n_values > SG_LEARN_KEEP_MAX || row->arg >= SG_MAX_ARGS)
			return -EINVAL;
		syscall_name(row->arch, row->nr, name, sizeof(name));
		/* no system call has a negative number: libseccomp's names of its own pseudo
		 * numbers (e.g. -10036, 'oldolduname') are not rules a policy can hold */
		if (row->nr < 0 || strncmp(name, "nr_", 3) == 0 ||
		    seccomp_syscall_resolve_name(name) == __NR_SCMP_ERROR) {
			l->n_unnamed++; /* cannot be written as a rule: stays denied */
			continue;
		}
		if (note_arch(l, arch) < 0)
			return -EINVAL;
		for (size_t k = 0; k < l->n_es && !e; k++)
			if (strcmp(l->es[k].name, name) == 0)
				e = &l->es[k];
		if (!e) {
			e = &l->es[l->n_es++];
			snprintf(e->name, sizeof(e->name), "%s", name);
			e->arg = row->arg;
			e->values_kept = row->n_values > 0 || row->overflow;
		}
		e->count += row->count;
		merge_values(e, row);
	}
	if (l->n_es == 0)
		return -ENOENT;
	qsort(l->es, l->n_es, sizeof(*l->es), by_name);
	for (size_t i = 0; i < l->n_es; i++)
		qsort(l->es[i].values, l->es[i].n_values, sizeof(l->es[i].values[0]), by_value);
	return 0;
}

/* The comment block, the version, arch and default lines. */
static void write_header(FILE *f, const struct learnt *l, const struct sg_learn_opts *o,
			 const char *def)
{
	char date[32] = "unknown date";

	if (o && o->now_usec) {
		time_t t = (time_t)(o->now_usec / 1000000);
		struct tm tm;

		if (gmtime_r(&t, &tm))
			strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	fputs("# Learnt by sysgate", f);
	if (o && o->session)
		fprintf(f, " from session %" PRIu64, o->session);
	fprintf(f, " on %s.\n# command: ", date);
	put_comment_text(f, o && o->command ? o->command : "unknown");
	fputs("\n# Allows every syscall the run made and denies the rest: a code path the run\n"
	      "# did not take is denied. Review before enforcing.\n", f);
	if (l->n_unnamed)
		fprintf(f, "# %zu syscall number%s without a name stay%s denied.\n", l->n_unnamed,
			l->n_unnamed == 1 ? "" : "s", l->n_unnamed == 1 ? "s" : "");
	fputs("version 1\narch", f);
	for (unsigned k = 0; k < l->n_arches; k++)
		fprintf(f, " %s", arch_to_name(l->arches[k]));
	fprintf(f, "\ndefault %s\n", def);
}

int policy_learn_write(const struct sg_learn_row *rows, size_t n, const struct sg_learn_opts *o,
		       char **ret_text, struct sg_policy_error *err)
{
	_cleanup_(policy_freep) struct sg_policy *check = NULL;
	_cleanup_free_ struct entry *es = NULL;
	_cleanup_free_ char *text = NULL;
	const char *def = o && o->def ? o->def : "deny EPERM";
	struct learnt l = { 0 };
	size_t len = 0;
	FILE *f;
	int r;

	if (err)
		memset(err, 0, sizeof(*err));
	if ((!rows && n) || !ret_text)
		return -EINVAL;
	r = policy_learn_check_default(def, err);
	if (r < 0)
		return r;
	es = calloc(n ? n : 1, sizeof(*es));
	if (!es)
		return -ENOMEM;
	l.es = es;
	r = collect(rows, n, &l);
	if (r < 0)
		return r;
	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	write_header(f, &l, o, def);
	write_entries(f, es, l.n_es);
	if (fclose(f) != 0)
		return -ENOMEM;
	r = policy_parse(text, len, "learnt policy", &check, err);
	if (r < 0)
		return r;
	*ret_text = TAKE_PTR(text);
	return 0;
}
