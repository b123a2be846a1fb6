/* SPDX-License-Identifier: MIT */
/*
 * Per-session call counts per (arch, nr): a small open-addressing hash table,
 * allocated at the first count and doubled at half load.  A session sees a few
 * dozen distinct syscalls, so this stays a few KiB where a dense arch x nr
 * array would be tens.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "session.h"

#define STATS_INITIAL_CAP 4
#define STATS_MAX_CAP 8192 /* nr is attacker-chosen: bound the table (3 arches of < 1024 calls fit at load 1/2) */

static size_t stats_hash(uint32_t arch, int nr)
{
	uint64_t h = ((uint64_t)arch << 32) | (uint32_t)nr;

	/* splitmix64 finaliser: spreads consecutive syscall numbers */
	h ^= h >> 30;
	h *= UINT64_C(0xbf58476d1ce4e5b9);
	h ^= h >> 27;
	h *= UINT64_C(0x94d049bb133111eb);
	h ^= h >> 31;
	return (size_t)h;
}

static struct stat_row *slot(struct stat_row *rows, size_t cap, uint32_t arch, int nr)
{
	size_t i = stats_hash(arch, nr) & (cap - 1);

	/* the table is never full (load <= 1/2), so this ends */
	while (rows[i].used && (rows[i].arch != arch || rows[i].nr != nr))
		i = (i + 1) & (cap - 1);
	return &rows[i];
}

static int grow(struct stats_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : STATS_INITIAL_CAP;
	struct stat_row *rows;

	if (cap > STATS_MAX_CAP)
		return -ENOSPC;
	rows = calloc(cap, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++)
		if (t->rows[i].used)
			*slot(rows, cap, t->rows[i].arch, t->rows[i].nr) = t->rows[i];
	free(t->rows);
	t->rows = rows;
	t->cap = cap;
	return 0;
}

/* Count one call of (arch, nr) under verdict what. */
int stats_add(struct stats_table *t, uint32_t arch, int nr, enum sg_count what)
{
	struct stat_row *row;
	int r;

	if ((unsigned)what >= SG_NCOUNTS)
		return -EINVAL;
	if (t->cap) {
		row = slot(t->rows, t->cap, arch, nr);
		if (row->used) {
			row->counts[what]++;
			return 0;
		}
	}
	if ((t->n + 1) * 2 > t->cap) {
		r = grow(t);
		if (r < 0)
			return r;
	}
	row = slot(t->rows, t->cap, arch, nr);
	row->used = true;
	row->arch = arch;
	row->nr = nr;
	row->counts[what]++;
	t->n++;
	return 0;
}

/* The row of (arch, nr), or NULL. */
const struct stat_row *stats_get(const struct stats_table *t, uint32_t arch, int nr)
{
	const struct stat_row *row;

	if (!t->cap)
		return NULL;
	row = slot(t->rows, t->cap, arch, nr);
	return row->used ? row : NULL;
}

/* The writable row of (arch, nr), or NULL. */
struct stat_row *stats_row(struct stats_table *t, uint32_t arch, int nr)
{
	struct stat_row *row;

	if (!t->cap)
		return NULL;
	row = slot(t->rows, t->cap, arch, nr);
	return row->used ? row : NULL;
}

/* Free the rows. */
void stats_done(struct stats_table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		learn_values_free(t->rows[i].values);
	free(t->rows);
	memset(t, 0, sizeof(*t));
}
