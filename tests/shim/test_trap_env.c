/* SPDX-License-Identifier: MIT */
/*
 * shim/trap_env.c: which programs LD_PRELOAD can reach (crafted ELF headers), and the
 * environment and memfds sysgate-run --mechanism trap hands over to the command.
 */
#include <criterion/criterion.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "helpers.h"
#include "shim.h"

static void setup(void)
{
	st_setup();
	st_capture_stderr();
	unsetenv("LD_PRELOAD");
	unsetenv("SYSGATE_PRELOAD");
}

TestSuite(shim_trap_env, .init = setup, .fini = st_teardown);

/* DIR/NAME: an ELF header of this class and machine, with an interpreter or not. */
static const char *elf(const char *name, unsigned char cls, uint16_t machine, bool interp)
{
	Elf64_Ehdr eh = { .e_type = ET_DYN, .e_machine = machine, .e_version = EV_CURRENT,
			  .e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
			  .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 2 };
	Elf64_Phdr ph[2] = { { .p_type = PT_LOAD }, { .p_type = interp ? PT_INTERP : PT_NOTE } };
	const char *p = st_path(name);
	FILE *f = fopen(p, "w");

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = cls;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(&eh, sizeof(eh), 1, f), 1);
	cr_assert_eq(fwrite(ph, sizeof(ph), 1, f), 1);
	fclose(f);
	return p;
}

Test(shim_trap_env, programs_the_preload_library_reaches)
{
	cr_expect_eq(trap_check_exec("/bin/true"), 0, "a dynamic x86_64 program");
	cr_expect_eq(trap_check_exec(elf("dyn", ELFCLASS64, EM_X86_64, true)), 0);
	cr_expect_eq(trap_check_exec(st_write("script", "#!/bin/sh\nexit 0\n", 0755)), 0,
		     "a script: its interpreter is checked when it is exec'd");
	cr_expect_eq(trap_check_exec(st_write("short", "\177EL", 0755)), 0);
	cr_expect_eq(trap_check_exec(st_path("missing")), 0, "execve reports it");
	cr_expect_str_eq(st_stderr(), "");
}

Test(shim_trap_env, programs_it_cannot_reach_are_refused)
{
	const char *stat_prog = elf("static", ELFCLASS64, EM_X86_64, false);
	const char *i386 = elf("i386", ELFCLASS32, EM_386, false);
	const char *arm = elf("arm", ELFCLASS64, EM_AARCH64, true);
	char want[1024];

	cr_expect_eq(trap_check_exec(stat_prog), -ENOEXEC);
	snprintf(want, sizeof(want), "sysgate-run: '%s' is statically linked: LD_PRELOAD, hence the "
		 "trap mechanism, cannot reach it (use --mechanism notify)\n", stat_prog);
	cr_expect_str_eq(st_stderr(), want);
	cr_expect_eq(trap_check_exec(i386), -ENOEXEC);
	snprintf(want, sizeof(want), "sysgate-run: '%s' is not an x86_64 program: the trap mechanism "
		 "cannot reach it (use --mechanism notify)\n", i386);
	cr_expect_str_eq(st_stderr(), want);
	cr_expect_eq(trap_check_exec(arm), -ENOEXEC);
	cr_expect(strstr(st_stderr(), "is not an x86_64 program"), "%s", st_err);
}

static const struct sock_filter insns[2] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};
static const struct sock_fprog prog = { .len = 2, .filter = (struct sock_filter *)insns };

/* The content of the memfd whose number is in env var name. */
static void expect_memfd(const char *name, const void *want, size_t len)
{
	const char *v = getenv(name);
	char buf[256];
	int fd;

	cr_assert_not_null(v, "%s unset", name);
	fd = atoi(v);
	cr_expect_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0, "%s: inherited across exec", name);
	cr_expect_eq(fcntl(fd, F_GET_SEALS) & (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL),
		     F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL, "%s: sealed", name);
	cr_assert_eq(pread(fd, buf, sizeof(buf), 0), (ssize_t)len, "%s", name);
	cr_expect_eq(memcmp(buf, want, len), 0, "%s", name);
	close(fd);
}

Test(shim_trap_env, the_environment_handed_to_the_command)
{
	const char *lib = st_write("libx.so", "", 0644);
	char want[512];

	setenv("SYSGATE_PRELOAD", lib, 1);
	setenv("LD_PRELOAD", "/old/one.so", 1);
	cr_assert_eq(trap_env_prepare("/run/x.sock", "strict", 3, "version 1\n", 0, &prog), 0);
	snprintf(want, sizeof(want), "%s:/old/one.so", lib);
	cr_expect_str_eq(getenv("LD_PRELOAD"), want, "ours first, the old ones kept");
	cr_expect_str_eq(getenv("SYSGATE_TRAP_SOCKET"), "/run/x.sock");
	cr_expect_str_eq(getenv("SYSGATE_TRAP_POLICY_NAME"), "strict");
	cr_expect_str_eq(getenv("SYSGATE_TRAP_FLAGS"), "3");
	cr_expect_str_eq(getenv("SYSGATE_TRAP_UNREACHABLE"), "38", "no errno set: ENOSYS");
	expect_memfd("SYSGATE_TRAP_FILTER_FD", insns, sizeof(insns));
	expect_memfd("SYSGATE_TRAP_POLICY_FD", "version 1\n", 10);
	cr_expect_str_eq(st_stderr(), "");

	unsetenv("LD_PRELOAD");
	cr_assert_eq(trap_env_prepare("/s", "p", 0, "v", EPERM, &prog), 0);
	cr_expect_str_eq(getenv("LD_PRELOAD"), lib);
	cr_expect_str_eq(getenv("SYSGATE_TRAP_UNREACHABLE"), "1");
	cr_expect_str_eq(getenv("SYSGATE_TRAP_FLAGS"), "0");
	expect_memfd("SYSGATE_TRAP_FILTER_FD", insns, sizeof(insns));
	expect_memfd("SYSGATE_TRAP_POLICY_FD", "v", 1);
}

Test(shim_trap_env, the_preload_library_must_be_found_and_fit_ld_preload)
{
	const char *odd = st_write("lib x.so", "", 0644);
	char want[512];

	setenv("SYSGATE_PRELOAD", st_path("missing.so"), 1);
	cr_expect_eq(trap_env_prepare("/s", "p", 0, "v", 0, &prog), -ENOENT);
	snprintf(want, sizeof(want), "sysgate-run: SYSGATE_PRELOAD '%s': No such file or directory\n",
		 st_path("missing.so"));
	cr_expect_str_eq(st_stderr(), want);
	setenv("SYSGATE_PRELOAD", odd, 1);
	cr_expect_eq(trap_env_prepare("/s", "p", 0, "v", 0, &prog), -EINVAL);
	snprintf(want, sizeof(want), "sysgate-run: the preload library path '%s' contains ':' or a "
		 "space\n", odd);
	cr_expect_str_eq(st_stderr(), want);
	cr_expect_null(getenv("LD_PRELOAD"), "nothing set on failure");
	cr_expect_null(getenv("SYSGATE_TRAP_SOCKET"));
}

/* Without $SYSGATE_PRELOAD: beside our executable (preload/ in the build tree), then the
 * installed one; this test program has neither. */
Test(shim_trap_env, without_the_variable_the_library_is_searched)
{
	if (access(SG_PKGLIBDIR "/libsysgate-preload.so", F_OK) == 0)
		st_skip("the library is installed on this machine");
	setenv("SYSGATE_PRELOAD", "", 1);
	cr_expect_eq(trap_env_prepare("/s", "p", 0, "v", 0, &prog), -ENOENT);
	cr_expect_str_eq(st_stderr(), "sysgate-run: cannot find '" SG_PKGLIBDIR
				      "/libsysgate-preload.so': No such file or directory\n");
}
