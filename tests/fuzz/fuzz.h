/* SPDX-License-Identifier: MIT */
/*
 * What every harness of tests/fuzz shares: the libFuzzer entry points (the harness defines
 * LLVMFuzzerTestOneInput, LLVMFuzzerInitialize when it needs one), and a check that aborts
 * with a message, so a broken promise is a crash libFuzzer keeps and the replay reports.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond, ...)                                                       \
	do {                                                                        \
		if (!(cond)) {                                                      \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, \
				#cond);                                             \
			fprintf(stderr, __VA_ARGS__);                               \
			fputc('\n', stderr);                                        \
			abort();                                                    \
		}                                                                   \
	} while (0)

/* A NUL-terminated copy of the input (malloc'd, exactly size + 1 bytes); aborts when out of
 * memory. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	for (size_t i = 0; i < size; i++)
		s[i] = (char)data[i];
	s[size] = '\0';
	return s;
}
