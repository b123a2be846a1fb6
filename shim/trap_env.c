/* SPDX-License-Identifier: MIT */
/*
 * sysgate-run --mechanism trap: what the command's libsysgate-preload.so needs,
 * handed over through the environment: LD_PRELOAD naming the library, the
 * daemon's socket path, and two memfds (inherited, not close-on-exec, so a
 * program the command execs under the same filter finds them again) holding
 * the exported filter and the policy text.  The command registers its own
 * session; sysgate-run registers nothing.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "shim.h"

#define PRELOAD_NAME "libsysgate-preload.so"

/* $SYSGATE_PRELOAD, then preload/ beside our executable (the build tree), then the
 * installed library. */
static int preload_find(char **ret)
{
	const char *env = getenv("SYSGATE_PRELOAD");
	char exe[PATH_MAX], *slash, *p = NULL;
	ssize_t n;

	if (env && env[0]) {
		if (access(env, R_OK) < 0)
			return shim_err(-errno, "SYSGATE_PRELOAD '%s'", env);
		p = strdup(env);
	} else {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n > 0) {
			exe[n] = '\0';
			slash = strrchr(exe, '/');
			if (slash) {
				*slash = '\0';
				if (asprintf(&p, "%s/preload/" PRELOAD_NAME, exe) < 0)
					p = NULL;
				else if (access(p, R_OK) < 0) {
					free(p);
					p = NULL;
				}
			}
		}
		if (!p && access(SG_PKGLIBDIR "/" PRELOAD_NAME, R_OK) < 0)
			return shim_err(-errno, "cannot find '%s'", SG_PKGLIBDIR "/" PRELOAD_NAME);
		if (!p)
			p = strdup(SG_PKGLIBDIR "/" PRELOAD_NAME);
	}
	if (!p)
		return -ENOMEM;
	if (strchr(p, ':') || strchr(p, ' ')) { /* LD_PRELOAD separators */
		shim_err(0, "the preload library path '%s' contains ':' or a space", p);
		free(p);
		return -EINVAL;
	}
	*ret = p;
	return 0;
}

/* A memfd (inherited across exec) holding data; its fd or -errno. */
static int memfd_with(const char *name, const void *data, size_t len)
{
	int fd = memfd_create(name, MFD_ALLOW_SEALING);
	const char *p = data;

	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? -errno : -EIO;

			close(fd);
			return e;
		}
		p += n;
		len -= (size_t)n;
	}
	(void)fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
	return fd;
}

static int setenv_int(const char *name, int v_int)
{
	char v[16];

	snprintf(v, sizeof(v), "%d", v_int);
	return setenv(name, v, 1) < 0 ? -errno : 0;
}

/*
 * LD_PRELOAD only reaches dynamically linked programs of the library's own ELF class: a
 * static or 32-bit program would run with no filter at all.  Refuse those (fail closed);
 * anything not ELF (a script) runs its interpreter, which is checked when it is exec'd.
 */
int trap_check_exec(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf64_Ehdr eh;
	Elf64_Phdr ph;

	if (fd < 0)
		return 0; /* execve reports it */
	if (pread(fd, &eh, sizeof(eh), 0) < (ssize_t)EI_NIDENT ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
		return 0;
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64) {
		shim_err(0, "'%s' is not an x86_64 program: the trap mechanism cannot reach it "
			 "(use --mechanism notify)", path);
		return -ENOEXEC;
	}
	for (unsigned i = 0; i < eh.e_phnum && i < 4096; i++) {
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * eh.e_phentsize))
		    != (ssize_t)sizeof(ph))
			break;
		if (ph.p_type == PT_INTERP)
			return 0;
	}
	shim_err(0, "'%s' is statically linked: LD_PRELOAD, hence the trap mechanism, cannot "
		 "reach it (use --mechanism notify)", path);
	return -ENOEXEC;
}

/* Prepare the environment of a trap command; see shim.h. */
int trap_env_prepare(const char *sock_path, const char *policy_name, uint32_t flags,
		     const char *policy_text, int unreachable_errno,
		     const struct sock_fprog *prog)
{
	_cleanup_free_ char *lib = NULL, *preload = NULL;
	const char *old = getenv("LD_PRELOAD");
	int ffd, pfd, r;

	r = preload_find(&lib);
	if (r < 0)
		return r;
	ffd = memfd_with("sysgate-filter", prog->filter, prog->len * sizeof(*prog->filter));
	if (ffd < 0)
		return shim_err(ffd, "cannot hand the filter over");
	pfd = memfd_with("sysgate-policy", policy_text, strlen(policy_text));
	if (pfd < 0)
		return shim_err(pfd, "cannot hand the policy over");
	if (asprintf(&preload, "%s%s%s", lib, old && old[0] ? ":" : "", old ? old : "") < 0)
		return shim_err(-ENOMEM, "out of memory");
	r = setenv_int("SYSGATE_TRAP_FILTER_FD", ffd);
	if (r >= 0)
		r = setenv_int("SYSGATE_TRAP_POLICY_FD", pfd);
	if (r >= 0 && (setenv("SYSGATE_TRAP_SOCKET", sock_path, 1) < 0 ||
		       setenv("SYSGATE_TRAP_POLICY_NAME", policy_name, 1) < 0 ||
		       setenv_int("SYSGATE_TRAP_FLAGS", (int)flags) < 0 ||
		       setenv_int("SYSGATE_TRAP_UNREACHABLE",
				 unreachable_errno ? unreachable_errno : ENOSYS) < 0 ||
		       setenv("LD_PRELOAD", preload, 1) < 0))
		r = -errno;
	if (r < 0)
		return shim_err(r, "cannot set the command's environment");
	shim_info("trap: LD_PRELOAD=%s", preload);
	return 0;
}
