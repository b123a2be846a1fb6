/* SPDX-License-Identifier: MIT */
/* Resolve a --policy argument: a file, or a NAME looked up in the policy directories. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "shim.h"

static bool is_file_argument(const char *arg)
{
	size_t n = strlen(arg), s = strlen(".policy");

	return strchr(arg, '/') || (n >= s && strcmp(arg + n - s, ".policy") == 0);
}

/* dir/NAME.policy in *ret_path if it exists: 1, 0 if not, -ENOMEM. */
static int try_dir(const char *dir, const char *name, char **ret_path)
{
	_cleanup_free_ char *file = NULL;
	struct stat st;

	if (!dir[0])
		return 0;
	if (asprintf(&file, "%s/%s.policy", dir, name) < 0)
		return -ENOMEM;
	if (stat(file, &st) < 0)
		return 0;
	*ret_path = TAKE_PTR(file);
	return 1;
}

/* Resolve a --policy argument: a file, or NAME.policy in the policy directories. */
int policy_find(const char *arg, char **ret_path)
{
	const char *env = getenv("SYSGATE_POLICY_PATH");
	const char *fixed[] = { SHIM_ETC_POLICYDIR, SG_POLICYDIR };
	int r;

	if (is_file_argument(arg)) {
		*ret_path = strdup(arg);
		return *ret_path ? 0 : -ENOMEM;
	}
	if (!arg[0])
		return -ENOENT;
	if (env) {
		_cleanup_free_ char *list = strdup(env);
		char *p = list, *dir;

		if (!list)
			return -ENOMEM;
		while ((dir = strsep(&p, ":"))) {
			r = try_dir(dir, arg, ret_path);
			if (r != 0)
				return r < 0 ? r : 0;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++) {
		r = try_dir(fixed[i], arg, ret_path);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	return -ENOENT;
}

/* Whether this is the sysgate-run meson built in its build tree, not an installed copy. */
static bool in_build_tree(void)
{
	struct stat self, built;

	return stat("/proc/self/exe", &self) == 0 && stat(SG_BUILD_SYSGATE_RUN, &built) == 0 &&
	       self.st_dev == built.st_dev && self.st_ino == built.st_ino;
}

/* Why NAME was not found and what would find it, for the message (malloc'd). */
char *policy_find_describe(const char *name)
{
	const char *env = getenv("SYSGATE_POLICY_PATH");
	bool build = in_build_tree();
	char *s = NULL;

	if (asprintf(&s, "not found in %s%s%s%s, %s: name its directory in SYSGATE_POLICY_PATH or "
		     "give a path (./%s.policy)%s%s%s", env ? "$SYSGATE_POLICY_PATH (" : "",
		     env ? env : "", env ? "), " : "", SHIM_ETC_POLICYDIR, SG_POLICYDIR, name,
		     build ? "; from this build tree, the shipped policies are in '" : "",
		     build ? SG_SOURCE_POLICYDIR : "", build ? "'" : "") < 0)
		return NULL;
	return s;
}
