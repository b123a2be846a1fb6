/* SPDX-License-Identifier: MIT */
/* Resolve the command like execvp: the shim cannot try execve itself before the filter. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim.h"

/* What execve would say about path, as far as it can be told without running it. */
static int check_executable(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EACCES; /* execve: EACCES for a directory or a device */
	if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0)
		return -errno;
	return 0;
}

static char *default_path(void)
{
	size_t n = confstr(_CS_PATH, NULL, 0);
	char *p;

	if (n == 0)
		return strdup("/bin:/usr/bin");
	p = malloc(n);
	if (p)
		confstr(_CS_PATH, p, n);
	return p;
}

/* Find CMD as execvp would (PATH search, default PATH when unset). */
int command_find(const char *cmd, char **ret_path)
{
	_cleanup_free_ char *path = NULL;
	bool eacces = false;
	const char *env;
	char *p, *dir;
	int r;

	if (!cmd[0])
		return -ENOENT;
	if (strchr(cmd, '/')) {
		r = check_executable(cmd);
		if (r < 0)
			return r;
		*ret_path = strdup(cmd);
		return *ret_path ? 0 : -ENOMEM;
	}
	env = getenv("PATH");
	path = env ? strdup(env) : default_path();
	if (!path)
		return -ENOMEM;
	for (p = path; (dir = strsep(&p, ":"));) {
		_cleanup_free_ char *file = NULL;

		/* An empty element is the current directory, as in execvp. */
		if (asprintf(&file, "%s%s%s", dir, dir[0] ? "/" : "", cmd) < 0)
			return -ENOMEM;
		r = check_executable(file);
		switch (r) {
		case 0:
			*ret_path = TAKE_PTR(file);
			return 0;
		case -EACCES:
			eacces = true; /* execvp goes on, and reports EACCES if nothing runs */
			break;
		case -ENOENT:
		case -ENOTDIR:
		case -ESTALE:
		case -ENODEV:
		case -ETIMEDOUT:
			break;
		default:
			return r;
		}
	}
	return eacces ? -EACCES : -ENOENT;
}

/* The argv execvp uses for a file without '#!': /bin/sh path ARGS... (the strings are
 * borrowed; free the array only).  NULL without memory. */
char **command_sh_argv(char *path, char *const *argv)
{
	size_t n = 0;
	char **v;

	while (argv[n])
		n++;
	v = calloc(n + 2, sizeof(*v));
	if (!v)
		return NULL;
	v[0] = (char *)"/bin/sh";
	v[1] = path;
	for (size_t i = 1; i < n; i++)
		v[i + 1] = argv[i];
	return v;
}
