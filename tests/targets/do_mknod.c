/* SPDX-License-Identifier: MIT */
/*
 * do_mknod PATH [EXPECT [MAJOR:MINOR]]: mknod PATH as a character device, 1:3 (like
 * /dev/null) unless named,
 * and print "mknod=0" or "mknod=-1 errno=NAME". EXPECT is "ok" (the default) or
 * an errno name/number; exits 0 only when the result matches it.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "target.h"

int main(int argc, char **argv)
{
	char buf[16];
	unsigned maj = 1, min = 3;
	int expect = 0, r, err;

	if (argc < 2 || argc > 4 || (argc == 4 && sscanf(argv[3], "%u:%u", &maj, &min) != 2)) {
		fprintf(stderr, "usage: do_mknod PATH [ok|ERRNO [MAJOR:MINOR]]\n");
		return 2;
	}
	if (argc >= 3)
		expect = target_parse_expect("do_mknod", argv[2]);
	r = mknod(argv[1], S_IFCHR | 0666, makedev(maj, min));
	err = r < 0 ? errno : 0;
	if (r >= 0)
		printf("mknod=%d\n", r);
	else
		printf("mknod=%d errno=%s\n", r, target_errno_name(err, buf, sizeof(buf)));
	fflush(stdout);
	/* success is exactly 0: a faked other value is a mismatch too */
	return (r == 0 && expect == 0) || (r < 0 && err == expect) ? 0 : 1;
}
