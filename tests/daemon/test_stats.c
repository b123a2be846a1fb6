/* SPDX-License-Identifier: MIT */
/* stats.c: the per-session (arch, nr) table: lazy allocation, counts, growth. */
#include <errno.h>
#include <linux/audit.h>

#include "helpers.h"

TestSuite(stats, .timeout = 30);

Test(stats, table_is_allocated_at_the_first_count)
{
	struct stats_table t = { 0 };

	cr_expect_null(stats_get(&t, AUDIT_ARCH_X86_64, 0));
	cr_expect_null(t.rows);
	cr_assert_eq(stats_add(&t, AUDIT_ARCH_X86_64, 0, SG_COUNT_ALLOW), 0);
	cr_expect_not_null(t.rows);
	cr_expect_eq(t.n, 1);
	stats_done(&t);
	cr_expect_null(t.rows);
	cr_expect_eq(t.cap, 0);
}

Test(stats, counts_accumulate_per_key_and_verdict)
{
	struct stats_table t = { 0 };
	const struct stat_row *row;

	for (int i = 0; i < 5; i++)
		stats_add(&t, AUDIT_ARCH_X86_64, 257, SG_COUNT_DENY);
	stats_add(&t, AUDIT_ARCH_X86_64, 257, SG_COUNT_AUDIT);
	stats_add(&t, AUDIT_ARCH_I386, 257, SG_COUNT_FAKE);
	stats_add(&t, AUDIT_ARCH_X86_64, 257 | 0x40000000, SG_COUNT_KILL);
	stats_add(&t, AUDIT_ARCH_X86_64, -1, SG_COUNT_ALLOW);

	row = stats_get(&t, AUDIT_ARCH_X86_64, 257);
	cr_assert_not_null(row);
	cr_expect_eq(row->counts[SG_COUNT_DENY], 5);
	cr_expect_eq(row->counts[SG_COUNT_AUDIT], 1);
	cr_expect_eq(row->counts[SG_COUNT_ALLOW], 0);
	row = stats_get(&t, AUDIT_ARCH_I386, 257);
	cr_assert_not_null(row);
	cr_expect_eq(row->counts[SG_COUNT_FAKE], 1);
	cr_expect_eq(row->counts[SG_COUNT_DENY], 0);
	row = stats_get(&t, AUDIT_ARCH_X86_64, 257 | 0x40000000);
	cr_assert_not_null(row);
	cr_expect_eq(row->counts[SG_COUNT_KILL], 1);
	cr_expect_not_null(stats_get(&t, AUDIT_ARCH_X86_64, -1));
	cr_expect_null(stats_get(&t, AUDIT_ARCH_X86_64, 258));
	cr_expect_eq(t.n, 4);
	stats_done(&t);
}

Test(stats, grows_and_keeps_every_row)
{
	static const uint32_t arches[] = { AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64 };
	struct stats_table t = { 0 };
	size_t cap_before;

	for (int nr = 0; nr < 700; nr++)
		for (size_t a = 0; a < 3; a++)
			for (int k = 0; k <= nr % 3; k++)
				cr_assert_eq(stats_add(&t, arches[a], nr, (enum sg_count)(a + 1)), 0);
	cr_expect_eq(t.n, 2100);
	cr_expect_eq(t.cap & (t.cap - 1), 0, "cap %zu is a power of two", t.cap);
	cr_expect_leq(t.n * 2, t.cap, "load stays at most 1/2");
	for (int nr = 0; nr < 700; nr++)
		for (size_t a = 0; a < 3; a++) {
			const struct stat_row *row = stats_get(&t, arches[a], nr);

			cr_assert_not_null(row, "lost (%zu, %d)", a, nr);
			cr_expect_eq(row->counts[a + 1], (uint64_t)(nr % 3 + 1));
		}
	/* counting a known key never grows the table */
	cap_before = t.cap;
	stats_add(&t, arches[0], 5, SG_COUNT_ALLOW);
	cr_expect_eq(t.cap, cap_before);
	stats_done(&t);
}

Test(stats, rejects_an_unknown_verdict_index)
{
	struct stats_table t = { 0 };

	cr_expect_eq(stats_add(&t, AUDIT_ARCH_X86_64, 1, (enum sg_count)SG_NCOUNTS), -EINVAL);
	cr_expect_eq(t.n, 0);
	stats_done(&t);
}
