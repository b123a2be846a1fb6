/* SPDX-License-Identifier: MIT */
/* Fuzzes the trap preload's check and join of the filter sysgate-run hands over
 * (trap_filter_join): what it takes is exactly a program whose jumps stay inside it, and the
 * joined program's jumps stay inside it too. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "preload.h"

#define IP64 0x3ffff7ff0010ull
#define IP32 0x3ffff7ff0020ull

/* Ends with a return and every jump lands inside: written apart from filter.c's own check. */
static bool jumps_inside(const struct sock_filter *prog, size_t n)
{
	if (n == 0 || BPF_CLASS(prog[n - 1].code) != BPF_RET)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint64_t left = n - i - 1;

		if (BPF_CLASS(prog[i].code) != BPF_JMP)
			continue;
		if (BPF_OP(prog[i].code) == BPF_JA ? prog[i].k >= left
						   : prog[i].jt >= left || prog[i].jf >= left)
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size / sizeof(struct sock_filter), out_n = 0;
	struct sock_filter *prog = malloc(n ? n * sizeof(*prog) : 1), *out = NULL;
	bool ok;
	int r;

	FUZZ_CHECK(prog, "malloc");
	memcpy(prog, data, n * sizeof(*prog));
	ok = jumps_inside(prog, n);
	r = trap_filter_join(prog, n, IP64, IP32, &out, &out_n);
	if (!ok) {
		FUZZ_CHECK(r == -EINVAL, "a bad program of %zu instructions joined: %d", n, r);
	} else if (n + SG_TRAP_PREFIX_MAX > BPF_MAXINSNS) {
		FUZZ_CHECK(r == 0 || r == -E2BIG, "%d", r);
	} else {
		FUZZ_CHECK(r == 0, "a good program of %zu instructions refused: %d", n, r);
	}
	if (r == 0) {
		FUZZ_CHECK(out_n > n && out_n <= n + SG_TRAP_PREFIX_MAX && out_n <= BPF_MAXINSNS,
			   "%zu instructions from %zu", out_n, n);
		FUZZ_CHECK(memcmp(out + (out_n - n), prog, n * sizeof(*prog)) == 0,
			   "the program is not at the end");
		FUZZ_CHECK(jumps_inside(out, out_n), "the joined program jumps outside");
	}
	free(out);
	free(prog);
	return 0;
}
