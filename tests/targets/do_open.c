/* SPDX-License-Identifier: MIT */
/*
 * do_open PATH FLAGS [EXPECT]: open PATH with FLAGS (O_RDONLY, O_WRONLY, O_RDWR,
 * O_CREAT, O_TRUNC joined by '|', or a number) and print "open=ok" or
 * "open=-1 errno=NAME". EXPECT is "ok" (the default) or an errno name/number;
 * exits 0 only when the result matches it.
 */
#include <fcntl.h>
#include <unistd.h>

#include "target.h"

static int parse_flags(const char *s)
{
	static const struct {
		const char *name;
		int flag;
	} names[] = {
		{ "O_RDONLY", O_RDONLY }, { "O_WRONLY", O_WRONLY }, { "O_RDWR", O_RDWR },
		{ "O_CREAT", O_CREAT },   { "O_TRUNC", O_TRUNC },   { "O_APPEND", O_APPEND },
	};
	char tmp[256], *save = NULL;
	int flags = 0;

	if (s[0] >= '0' && s[0] <= '9')
		return (int)target_parse_long("do_open", "flags", s);
	snprintf(tmp, sizeof(tmp), "%s", s);
	for (char *tok = strtok_r(tmp, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
		size_t i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcmp(tok, names[i].name) == 0)
				break;
		if (i == sizeof(names) / sizeof(names[0])) {
			fprintf(stderr, "do_open: unknown flag '%s'\n", tok);
			exit(2);
		}
		flags |= names[i].flag;
	}
	return flags;
}

int main(int argc, char **argv)
{
	char buf[16];
	int expect = 0, fd, err;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: do_open PATH FLAGS [ok|ERRNO]\n");
		return 2;
	}
	if (argc == 4)
		expect = target_parse_expect("do_open", argv[3]);
	fd = open(argv[1], parse_flags(argv[2]) | O_CLOEXEC, 0644);
	err = fd < 0 ? errno : 0;
	if (fd >= 0) {
		printf("open=ok\n");
		close(fd);
	} else {
		printf("open=-1 errno=%s\n", target_errno_name(err, buf, sizeof(buf)));
	}
	fflush(stdout);
	return err == expect ? 0 : 1;
}
