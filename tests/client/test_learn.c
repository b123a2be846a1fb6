/* SPDX-License-Identifier: MIT */
/* Tests for the learn reply's rows (client/learn.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "policy_learn.h"
#include "sysgatectl.h"

static struct sg_msg row_msg(int32_t nr)
{
	struct sg_msg m = { .type = SG_MSG_LEARN_ROW };

	m.u.learn_row = (struct sg_msg_learn_row){
		.count = 7, .first_usec = 100, .last_usec = 200, .arch = 0xc000003e, .nr = nr,
		.arg = 2, .n_values = 2, .overflow = 1, .values = { 0x10, 0x20 },
	};
	return m;
}

Test(client_learn, a_row_is_copied_whole)
{
	struct ctl_learn_rows rows = { 0 };
	struct sg_msg m = row_msg(257);

	cr_assert_eq(ctl_learn_add_row(&m, &rows), 0);
	cr_assert_eq(rows.n, 1);
	cr_expect_eq(rows.v[0].nr, 257);
	cr_expect_eq(rows.v[0].arch, 0xc000003e);
	cr_expect_eq(rows.v[0].count, 7);
	cr_expect_eq(rows.v[0].first_usec, 100);
	cr_expect_eq(rows.v[0].last_usec, 200);
	cr_expect_eq(rows.v[0].arg, 2);
	cr_expect_eq(rows.v[0].n_values, 2);
	cr_expect(rows.v[0].overflow);
	cr_expect_eq(rows.v[0].values[1], 0x20);
	free(rows.v);
}

/* The row past the limit is refused and the rows so far stay usable (the array
 * used to be grown before the limit was checked, and the grown copy lost). */
Test(client_learn, the_row_past_the_limit_is_refused_and_the_rows_kept)
{
	struct ctl_learn_rows rows = { 0 };

	for (int32_t i = 0; i < SG_LEARN_ROWS_MAX; i++) {
		struct sg_msg m = row_msg(i);

		cr_assert_eq(ctl_learn_add_row(&m, &rows), 0, "row %d", i);
	}
	{
		struct sg_msg m = row_msg(-1);

		cr_expect_eq(ctl_learn_add_row(&m, &rows), -EBADMSG);
	}
	cr_assert_eq(rows.n, SG_LEARN_ROWS_MAX);
	cr_expect_eq(rows.v[0].nr, 0);
	cr_expect_eq(rows.v[SG_LEARN_ROWS_MAX - 1].nr, SG_LEARN_ROWS_MAX - 1);
	free(rows.v);
}
