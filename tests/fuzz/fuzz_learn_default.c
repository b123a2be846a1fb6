/* SPDX-License-Identifier: MIT */
/* Fuzzes sysgate-run --learn-default's action check (policy_learn_check_default) and the learnt
 * policy written from rows as the daemon sends them (policy_learn_write): a default the check
 * takes always gives a policy.  Input: the default, '\n', the command, '\n', then packed rows. */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "policy_learn.h"

#define X32_BIT 0x40000000

/* A row from the input: arch, arg, n_values, overflow (1 byte each), nr (4), count (8), then
 * n_values values (8 each); false when the input ends first. */
static bool take_row(const uint8_t **p, const uint8_t *end, struct sg_learn_row *row, bool *valid)
{
	static const uint32_t arches[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X86_64,
					   SCMP_ARCH_AARCH64 };
	uint8_t head[4];

	if (end - *p < 16)
		return false;
	memset(row, 0, sizeof(*row));
	memcpy(head, *p, 4);
	memcpy(&row->nr, *p + 4, 4);
	memcpy(&row->count, *p + 8, 8);
	*p += 16;
	row->arch = arches[head[0] % 4];
	if (head[0] % 4 == 2) /* x32: the x86_64 arch with the x32 bit in nr */
		row->nr |= X32_BIT;
	row->arg = head[1] % 8;
	row->n_values = head[2] % 20;
	row->overflow = head[3] & 1;
	for (unsigned i = 0; i < row->n_values && i < SG_LEARN_KEEP_MAX; i++) {
		if (end - *p < 8)
			break;
		memcpy(&row->values[i], *p, 8);
		*p += 8;
	}
	*valid &= head[0] % 4 != 3 && row->arg < SG_MAX_ARGS && row->n_values <= SG_LEARN_KEEP_MAX;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *end = data + size, *nl = memchr(data, '\n', size), *p, *cmd_end;
	struct sg_learn_row rows[64];
	struct sg_learn_opts o = { .session = 7, .now_usec = 1700000000000000ull };
	struct sg_policy_error e;
	char *def, *cmd, *text = NULL;
	size_t n = 0;
	bool valid = true;
	int r, check;

	if (!nl)
		nl = end;
	def = fuzz_strndup(data, (size_t)(nl - data));
	check = policy_learn_check_default(def, &e);
	FUZZ_CHECK(check == 0 || check == -EINVAL || check == -E2BIG, "%d", check);
	p = nl < end ? nl + 1 : end;
	cmd_end = memchr(p, '\n', (size_t)(end - p));
	if (!cmd_end)
		cmd_end = end;
	cmd = fuzz_strndup(p, (size_t)(cmd_end - p));
	p = cmd_end < end ? cmd_end + 1 : end;
	while (n < sizeof(rows) / sizeof(rows[0]) && take_row(&p, end, &rows[n], &valid))
		n++;
	o.def = def;
	o.command = cmd;
	r = policy_learn_write(rows, n, &o, &text, &e);
	if (check < 0) /* the default is refused first, whatever the rows */
		FUZZ_CHECK(r == check, "default '%s' refused with %d, written with %d", def, check, r);
	else if (valid)
		FUZZ_CHECK(r == 0 || r == -ENOENT, "default '%s' and %zu valid rows: %d %s", def, n,
			   r, e.msg);
	FUZZ_CHECK(r == 0 || text == NULL, "text on failure");
	free(text);
	free(cmd);
	free(def);
	return 0;
}
