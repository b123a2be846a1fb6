/* SPDX-License-Identifier: MIT */
/*
 * The harnesses' main() in a build without -Dfuzz: feed every file of the corpus
 * directories (and files) named on the command line to LLVMFuzzerTestOneInput, in name
 * order, each in a buffer of exactly its size (a sanitizer build sees any read past it).
 * Fails when it finds no input at all, so a missing corpus is not a pass.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Defined by the harnesses that need a set-up; NULL otherwise. */
extern int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* Read path whole into a malloc'd buffer of exactly its size; -errno. */
static int slurp(const char *path, uint8_t **ret, size_t *ret_len)
{
	FILE *f = fopen(path, "rbe");
	uint8_t *buf = NULL;
	size_t len = 0;
	struct stat st;

	if (!f)
		return -errno;
	if (fstat(fileno(f), &st) < 0 || st.st_size < 0) {
		fclose(f);
		return -EIO;
	}
	len = (size_t)st.st_size;
	buf = malloc(len ? len : 1);
	if (!buf || fread(buf, 1, len, f) != len) {
		free(buf);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*ret = buf;
	*ret_len = len;
	return 0;
}

static int run_file(const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r = slurp(path, &buf, &len);

	if (r < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(-r));
		return r;
	}
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int only_files(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

/* Every input below dir, in name order; the number run, or -errno. */
static int run_dir(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, only_files, alphasort), done = 0;

	if (n < 0) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return -errno;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && done >= 0)
			done = run_file(path) < 0 ? -EIO : done + 1;
		free(names[i]);
	}
	free(names);
	return done;
}

int main(int argc, char **argv)
{
	int total = 0;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		int n;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		n = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]) < 0 ? -EIO : 1;
		if (n < 0)
			return 1;
		printf("%s: %d inputs replayed\n", argv[i], n);
		total += n;
	}
	if (total == 0) {
		fprintf(stderr, "no input to replay\n");
		return 1;
	}
	return 0;
}
