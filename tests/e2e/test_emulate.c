/* SPDX-License-Identifier: MIT */
/*
 * The emulate verdict end to end: tar of an archive with device nodes, a fifo
 * and files of several owners inside `unshare -Ur` under policies/userns.policy,
 * with the system daemon (real allowlisted nodes) and with an embedded daemon
 * inside the namespace (placeholders); mknod-strict refusing a block device;
 * chown to an unmapped id faked and recorded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "harness.h"

#define UNSHARE "/usr/bin/unshare"
#define TAR "/bin/tar"

TestSuite(emulate, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 60);

static void need_userns(void)
{
	const char *const argv[] = { UNSHARE, "-Ur", "/bin/true", NULL };
	struct sg_result *r;

	if (access(UNSHARE, X_OK) < 0 || access(TAR, X_OK) < 0)
		sg_skip("unshare or tar is not installed");
	r = sg_run(argv, NULL);
	if (!sg_exited(r, 0))
		sg_skip("cannot make a user namespace here (unshare -Ur failed)");
}

static const char *userns_policy(void)
{
	const char *src = getenv("SG_SOURCE_ROOT");

	cr_assert_not_null(src, "SG_SOURCE_ROOT is not set");
	return sg_strf("%s/policies/userns.policy", src);
}

/* An archive with d/null (1:3), d/weird (42:7), d/sda (b 8:0), d/fifo and files
 * owned by 0, 4242 and 65000; needs root to make the nodes it archives. */
static const char *make_archive(void)
{
	const char *src = sg_strf("%s/src", sg_dir()), *tarball = sg_strf("%s/dev.tar", sg_dir());
	const char *const argv[] = { TAR, "-C", src, "-cf", tarball, "d", NULL };
	const unsigned ids[] = { 0, 4242, 65000 };

	if (geteuid() != 0)
		sg_skip("making an archive with device nodes needs root");
	cr_assert_eq(mkdir(src, 0755), 0);
	cr_assert_eq(mkdir(sg_strf("%s/d", src), 0755), 0);
	cr_assert_eq(mknod(sg_strf("%s/d/null", src), S_IFCHR | 0666, makedev(1, 3)), 0);
	cr_assert_eq(mknod(sg_strf("%s/d/weird", src), S_IFCHR | 0600, makedev(42, 7)), 0);
	cr_assert_eq(mknod(sg_strf("%s/d/sda", src), S_IFBLK | 0600, makedev(8, 0)), 0);
	cr_assert_eq(mkfifo(sg_strf("%s/d/fifo", src), 0644), 0);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const char *f = sg_write_file(sg_strf("src/d/f%u", ids[i]), "x\n", 0644);

		cr_assert_eq(chown(f, ids[i], ids[i]), 0);
	}
	sg_assert_exit(sg_run(argv, NULL), 0);
	cr_assert_eq(mkdir(sg_strf("%s/out", sg_dir()), 0755), 0);
	return tarball;
}

static void expect_type(const char *rel, mode_t type)
{
	const char *path = sg_strf("%s/out/d/%s", sg_dir(), rel);
	struct stat st;

	cr_assert_eq(lstat(path, &st), 0, "%s: %s", path, strerror(errno));
	cr_expect_eq(st.st_mode & S_IFMT, type, "%s has type 0%o", path, st.st_mode & S_IFMT);
}

static json_object *emulated(json_object *log, const char *path)
{
	size_t n = json_object_array_length(log);

	for (size_t i = 0; i < n; i++) {
		json_object *rec = json_object_array_get_idx(log, i), *dec, *p;

		if (!sg_jstr(rec, "verdict") || strcmp(sg_jstr(rec, "verdict"), "emulate") != 0)
			continue;
		if (json_object_object_get_ex(rec, "decoded", &dec) &&
		    json_object_object_get_ex(dec, "path", &p) &&
		    strcmp(json_object_get_string(p), path) == 0)
			return rec;
	}
	return NULL;
}

static const char *outcome(json_object *rec)
{
	json_object *res, *o;

	if (!rec || !json_object_object_get_ex(rec, "result", &res) ||
	    !json_object_object_get_ex(res, "outcome", &o))
		return "";
	return json_object_get_string(o);
}

Test(emulate, tar_in_userns_with_system_daemon_makes_allowlisted_nodes)
{
	const char *tarball, *out;
	struct sg_result *r;
	json_object *log;

	need_userns();
	tarball = make_archive();
	out = sg_strf("%s/out", sg_dir());
	{
		const char *const argv[] = { UNSHARE, "-Ur", sg_run_path(), "-s", sg_sock(), "-p",
					     userns_policy(), "--", TAR, "-C", out, "-xf", tarball,
					     NULL };

		r = sg_run(argv, NULL);
	}
	sg_assert_exit(r, 0);
	expect_type("null", S_IFCHR);
	expect_type("weird", S_IFREG);
	expect_type("sda", S_IFREG);
	expect_type("fifo", S_IFIFO);
	expect_type("f4242", S_IFREG);
	cr_assert_geq(sg_audit_wait_n(1, "event", "session-end", NULL), 1);
	log = sg_audit();
	cr_expect_str_eq(outcome(emulated(log, "d/null")), "created", "%s", sg_jtext(log));
	cr_expect_str_eq(outcome(emulated(log, "d/sda")), "placeholder", "%s", sg_jtext(log));
	cr_expect_eq(sg_audit_count("syscall", "fchown", "verdict", "emulate", NULL), 2,
		     "chowns to 4242 and 65000 are faked, to 0 stays in the kernel: %s",
		     sg_jtext(log));
}

Test(emulate, tar_in_userns_with_embedded_daemon_makes_placeholders)
{
	const char *tarball, *out, *alog;
	struct sg_result *r;
	json_object *log;

	need_userns();
	tarball = make_archive();
	out = sg_strf("%s/out", sg_dir());
	alog = sg_strf("%s/embedded.log", sg_dir());
	{
		const char *const argv[] = { UNSHARE, "-Ur", sg_run_path(), "--embedded", "--log",
					     alog, "-p", userns_policy(), "--", TAR, "-C", out,
					     "-xf", tarball, NULL };

		r = sg_run(argv, NULL);
	}
	sg_assert_exit(r, 0);
	/* Inside the namespace the daemon may not make device nodes: placeholders. */
	expect_type("null", S_IFREG);
	expect_type("sda", S_IFREG);
	expect_type("fifo", S_IFIFO);
	log = sg_jsonl_parse(sg_read_file(alog), alog);
	cr_expect_str_eq(outcome(emulated(log, "d/null")), "placeholder", "%s", sg_jtext(log));
	cr_expect_str_eq(outcome(emulated(log, "d/weird")), "placeholder", "%s", sg_jtext(log));
}

Test(emulate, mknod_strict_denies_a_block_device_and_honours_the_umask)
{
	const char *pol = sg_policy("strict", "version 1\n"
					      "default allow\n"
					      "mknodat emulate mknod-strict if arg2 & 0130000 == 0020000\n");
	const char *blk = sg_strf("%s/blk", sg_dir()), *chr = sg_strf("%s/zero", sg_dir());
	struct sg_result *r;
	json_object *rec, *res;
	struct stat st;

	r = sg_shim(pol, "/bin/sh", "-c",
		    sg_strf("umask 027; /bin/mknod %s c 1 5 && /bin/mknod %s b 8 0", chr, blk),
		    NULL);
	sg_assert_exit(r, 1);
	cr_expect(strstr(r->err, "Operation not permitted"), "%s", r->err);
	cr_expect(lstat(blk, &st) < 0 && errno == ENOENT, "the refused node exists");
	cr_assert_eq(lstat(chr, &st), 0, "%s: %s", chr, strerror(errno));
	cr_expect(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 5), "zero is not 1:5");
	cr_expect_eq(st.st_mode & 07777, 0640, "umask 027 gives 0640, got 0%o",
		     st.st_mode & 07777);
	cr_assert_geq(sg_audit_wait_n(1, "event", "session-end", NULL), 1);
	rec = emulated(sg_audit(), blk);
	cr_assert_not_null(rec, "no record of %s: %s", blk, sg_jtext(sg_audit()));
	cr_expect_str_eq(outcome(rec), "denied");
	cr_assert(json_object_object_get_ex(rec, "result", &res));
	cr_expect_str_eq(sg_jstr(res, "errno_name"), "EPERM", "%s", sg_jtext(rec));
	cr_expect_str_eq(sg_jstr(json_object_object_get(rec, "decoded"), "dev"), "8:0");
	cr_expect_str_eq(sg_jstr(json_object_object_get(rec, "decoded"), "mode"), "060666");
}

Test(emulate, chown_to_an_unmapped_id_is_faked_and_recorded)
{
	const char *f = sg_write_file("owned", "x\n", 0644);
	const char *pol = sg_policy("chown", "version 1\n"
					     "default allow\n"
					     "fchownat emulate chown\n");
	struct sg_result *r;
	json_object *rec;
	struct stat st;

	need_userns();
	{
		const char *const argv[] = { UNSHARE, "-Ur", sg_run_path(), "-s", sg_sock(), "-p",
					     pol, "--", "/bin/chown", "4242:4242", f, NULL };

		r = sg_run(argv, NULL);
	}
	sg_assert_exit(r, 0);
	cr_assert_eq(stat(f, &st), 0);
	cr_expect_neq(st.st_uid, 4242, "the faked chown changed the owner");
	rec = sg_audit_wait("syscall", "fchownat", NULL);
	cr_assert_not_null(rec, "no fchownat record: %s", sg_jtext(sg_audit()));
	cr_expect_str_eq(sg_jstr(rec, "verdict"), "emulate");
	cr_expect_str_eq(outcome(rec), "faked", "%s", sg_jtext(rec));
}

Test(emulate, open_rule_denies_a_prefix_while_the_path_is_swapped)
{
	const char *pub = sg_write_file("pub", "public\n", 0644);
	const char *secret, *pol;
	struct sg_result *r;
	json_object *rec;

	cr_assert_eq(mkdir(sg_strf("%s/secret", sg_dir()), 0755), 0);
	secret = sg_write_file("secret/x", "secret\n", 0644);
	pol = sg_policy("open", sg_strf("version 1\n"
					"default allow\n"
					"open, openat emulate open %s/secret\n", sg_dir()));
	r = sg_shim(pol, sg_target("swap_open"), pub, secret, "2000", NULL);
	sg_assert_exit(r, 0);
	cr_expect(strstr(r->out, "leaked=0"), "%s", r->out);
	rec = sg_audit_wait("syscall", "openat", "verdict", "emulate", NULL);
	cr_assert_not_null(rec, "no emulated openat: %s", sg_jtext(sg_audit()));
	cr_assert_geq(sg_audit_wait_n(1, "event", "session-end", NULL), 1);
	cr_expect_not_null(emulated(sg_audit(), secret), "no record of the denied path");
	cr_expect_str_eq(outcome(emulated(sg_audit(), secret)), "denied");
}

Test(emulate, xattr_name_swap_never_sets_an_unfaked_name)
{
	const char *f = sg_write_file("xf", "x\n", 0644);
	const char *pol = sg_policy("xattr", "version 1\n"
					     "default allow\n"
					     "setxattr, lsetxattr, fsetxattr emulate xattr\n");
	struct sg_result *r;

	if (setxattr(f, "user.probe", "v", 1, 0) < 0)
		sg_skip("the test directory's file system has no user xattrs");
	r = sg_shim(pol, sg_target("swap_xattr"), f, "2000", NULL);
	sg_assert_exit(r, 0);
	cr_expect(strstr(r->out, "set=0"), "%s", r->out);
	cr_expect_gt(sg_audit_wait_n(2, "syscall", "setxattr", "verdict", "emulate", NULL), 1);
}

Test(emulate, mknod_only_where_the_caller_may_create)
{
	const char *pol = sg_policy("mk", "version 1\n"
					  "default allow\n"
					  "mknodat emulate mknod if arg2 & 0130000 == 0020000\n");
	const char *pub = sg_strf("%s/pub", sg_dir()), *ro = sg_strf("%s/ro", sg_dir());
	const struct sg_opts nobody = { .as_nobody = true };
	struct sg_result *r;
	struct stat st;

	if (geteuid() != 0)
		sg_skip("running the target as nobody needs root");
	cr_assert_eq(chmod(sg_dir(), 0711), 0);
	cr_assert_eq(mkdir(pub, 0777), 0);
	cr_assert_eq(chmod(pub, 0777), 0);
	cr_assert_eq(mkdir(ro, 0755), 0);
	r = sg_run(sg_shim_argv(pol, sg_target("do_mknod"), sg_strf("%s/null", pub), "ok", NULL),
		   &nobody);
	sg_assert_exit(r, 0);
	cr_assert_eq(lstat(sg_strf("%s/null", pub), &st), 0);
	cr_expect(S_ISCHR(st.st_mode) && st.st_uid == SG_NOBODY, "mode 0%o uid %u", st.st_mode,
		  st.st_uid);
	/* The daemon is root; the caller may not write ro: no node there. */
	r = sg_run(sg_shim_argv(pol, sg_target("do_mknod"), sg_strf("%s/null", ro), "EACCES",
				NULL), &nobody);
	sg_assert_exit(r, 0);
	cr_expect(lstat(sg_strf("%s/null", ro), &st) < 0 && errno == ENOENT,
		  "a node was made where the caller may not write");
}

Test(emulate, trace_and_trap_sessions_refuse_emulate_rules)
{
	const char *pol = sg_policy("emu-mech", "version 1\ndefault allow\n"
						"mknod, mknodat emulate mknod\n");
	const char *mechs[] = { "trace", "trap" };

	for (size_t i = 0; i < 2; i++) {
		const char *argv[] = { sg_run_path(), "-s", sg_sock(), "-p", pol, "--mechanism",
				       mechs[i], "--", sg_target("exit_with"), "0", NULL };
		struct sg_result *r = sg_run(argv, NULL);

		sg_assert_exit(r, 125);
		cr_expect(strstr(r->err, "emu-mech.policy:3:1: error: emulate needs --mechanism notify, not"),
			  "%s: %s", mechs[i], r->err);
	}
}

Test(emulate, a_quiet_emulate_rule_acts_without_a_record)
{
	const char *f = sg_write_file("owned", "x\n", 0644);
	const char *pol = sg_policy("chownq", "version 1\n"
					      "default allow\n"
					      "fchownat emulate chown quiet\n");
	struct sg_result *r;

	need_userns();
	{
		const char *const argv[] = { UNSHARE, "-Ur", sg_run_path(), "-s", sg_sock(), "-p",
					     pol, "--", "/bin/chown", "4242:4242", f, NULL };

		r = sg_run(argv, NULL);
	}
	sg_assert_exit(r, 0); /* faked: without the emulator chown fails with EINVAL */
	cr_assert_not_null(sg_audit_wait("event", "session-end", NULL), "%s", sg_jtext(sg_audit()));
	cr_expect_null(sg_audit_find("syscall", "fchownat", NULL), "%s", sg_jtext(sg_audit()));
}

Test(emulate, a_rule_s_own_allowlist_replaces_the_default)
{
	const char *pol = sg_policy("own", "version 1\n"
					   "default allow\n"
					   "mknodat emulate mknod 10:200 if arg2 & 0130000 == 0020000\n");
	const char *tun = sg_strf("%s/tun", sg_dir()), *null = sg_strf("%s/null", sg_dir());
	struct sg_result *r;
	struct stat st;

	r = sg_shim(pol, "/bin/sh", "-c",
		    sg_strf("/bin/mknod %s c 10 200 && /bin/mknod %s c 1 3", tun, null), NULL);
	sg_assert_exit(r, 0);
	cr_assert_eq(lstat(tun, &st), 0, "%s: %s", tun, strerror(errno));
	cr_expect(S_ISCHR(st.st_mode) && st.st_rdev == makedev(10, 200), "tun is not 10:200");
	cr_assert_eq(lstat(null, &st), 0, "%s: %s", null, strerror(errno));
	cr_expect(S_ISREG(st.st_mode), "1:3 is not in this rule's list: a placeholder file");
}

Test(emulate, userns_policy_leaves_mount_to_the_kernel_and_records_it)
{
	const char *dir = sg_strf("%s/m", sg_dir());
	const char *const argv[] = { UNSHARE, "-Urm", sg_run_path(), "-s", sg_sock(), "-p",
				     userns_policy(), "--", "/bin/sh", "-c",
				     "mount -t tmpfs none \"$0\" && umount \"$0\" && echo done", dir,
				     NULL };
	struct sg_result *r;

	need_userns();
	cr_assert_eq(mkdir(dir, 0755), 0);
	r = sg_run(argv, NULL);
	sg_assert_exit(r, 0);
	cr_expect_str_eq(r->out, "done\n");
	cr_expect_not_null(sg_audit_wait("syscall", "mount", "verdict", "allow", NULL), "%s",
			   sg_jtext(sg_audit()));
	cr_expect_not_null(sg_audit_wait("syscall", "umount2", "verdict", "allow", NULL), "%s",
			   sg_jtext(sg_audit()));
}
