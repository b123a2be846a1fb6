/* SPDX-License-Identifier: MIT */
/*
 * emulate mknod / mknod-strict (mknod, mknodat): allowlisted character
 * devices (the rule's list, else the administrator's: sysgated --config) become real
 * nodes made with the daemon's privileges, owned by the
 * caller's fsuid/fsgid, with the caller's umask; other devices become an empty
 * regular file (mknod) or fail EPERM (mknod-strict).  A daemon that may not
 * make device nodes (an embedded one in a user namespace) makes the
 * placeholder instead.  Other file types are made as asked.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "daemon.h"
#include "emu/emu.h"

/* Allowlisted: in the rule's own MAJOR:MINOR list when it has one, else the administrator's
 * (--config); for a session of another user than root, always within the administrator's
 * too (checked at load, and here again before the daemon's privileges are used). */
static bool dev_allowed(const struct emu_ctx *ctx, mode_t mode, dev_t dev)
{
	const struct emu_bounds *b = &ctx->s->d->bounds;
	const char *o = ctx->action->emu_opts;
	unsigned maj, min;

	if (!S_ISCHR(mode))
		return false;
	if (session_bounded(ctx->s) && !bounds_dev_allowed(b, major(dev), minor(dev)))
		return false;
	if (!o[0])
		return bounds_dev_allowed(b, major(dev), minor(dev));
	for (const char *w = o; *w; w = *w ? w + 1 : w) { /* validated when the policy was loaded */
		size_t len = strcspn(w, " ");

		if (policy_emu_parse_dev(w, len, &maj, &min) == 0 && major(dev) == maj &&
		    minor(dev) == min)
			return true;
		w += len;
	}
	return false;
}

static int make_placeholder(int dirfd, const char *name, mode_t perm)
{
	int fd = openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, perm);

	if (fd < 0)
		return negative_errno();
	close(fd);
	return 0;
}

/* mknodat or the placeholder with exactly perm: the daemon's umask set aside. */
static int make_node(int dirfd, const char *name, mode_t type, mode_t perm, dev_t dev,
		     bool *placeholder)
{
	mode_t old = umask(0);
	int r;

	if (type == S_IFREG || *placeholder) {
		r = make_placeholder(dirfd, name, perm);
	} else {
		r = mknodat(dirfd, name, type | perm, dev) < 0 ? negative_errno() : 0;
		if (r == -EPERM && type != S_IFIFO && type != S_IFSOCK) {
			*placeholder = true; /* no privilege for device nodes here */
			r = make_placeholder(dirfd, name, perm);
		}
	}
	umask(old);
	return r;
}

static int may_create_in(pid_t tid, const struct tcred *cred, int dirfd)
{
	struct tcred_saved st = { 0 };
	int r = tcred_become(tid, cred, &st);

	if (r >= 0 && syscall(SYS_faccessat2, dirfd, "", W_OK | X_OK,
			      AT_EACCESS | AT_EMPTY_PATH) < 0)
		r = negative_errno();
	tcred_restore(&st);
	return r;
}

static void decode(struct emu_ctx *ctx, mode_t mode, dev_t dev)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "0%o", (unsigned)mode);
	json_object_object_add(ctx->decoded, "mode", json_object_new_string(buf));
	snprintf(buf, sizeof(buf), "%u:%u", major(dev), minor(dev));
	json_object_object_add(ctx->decoded, "dev", json_object_new_string(buf));
}

/* emulate mknod / mknod-strict; see emulate.h. */
int emu_mknod(struct emu_ctx *ctx, bool strict)
{
	const struct sg_call *c = ctx->c;
	bool at = c->nr == __NR_mknodat;
	int dirfd = at ? (int)c->args[0] : AT_FDCWD;
	mode_t mode = (mode_t)c->args[at ? 2 : 1];
	dev_t dev = (dev_t)c->args[at ? 3 : 2];
	mode_t type = mode & S_IFMT, perm;
	char path[PATH_MAX], last[NAME_MAX + 1];
	_cleanup_close_ int parent = -EBADF;
	struct tcred cred;
	bool placeholder;
	int r;

	decode(ctx, mode, dev);
	r = emu_read_path(ctx, "path", c->args[at ? 1 : 0], path, sizeof(path));
	if (r < 0)
		return r;
	if (type == 0)
		type = S_IFREG;
	if (type != S_IFREG && type != S_IFCHR && type != S_IFBLK && type != S_IFIFO &&
	    type != S_IFSOCK)
		return -EINVAL;
	if ((type == S_IFCHR || type == S_IFBLK) && !dev_allowed(ctx, mode, dev) && strict) {
		emu_result(ctx, "denied", EPERM, 0);
		return 0;
	}
	r = tcred_read(c->tid, &cred);
	if (r < 0)
		return r;
	parent = tpath_open_parent(c->tid, dirfd, path, last, sizeof(last));
	if (parent < 0)
		return parent;
	r = emu_still_valid(ctx); /* the pid may have been reused: act only for the caller */
	if (r < 0)
		return r;
	/* The daemon makes the node with its own privileges: only where the caller
	 * itself may create a file. */
	r = may_create_in(c->tid, &cred, parent);
	if (r < 0)
		return r;

	perm = mode & 07777 & ~cred.umask;
	placeholder = (type == S_IFCHR || type == S_IFBLK) && !dev_allowed(ctx, mode, dev);
	r = make_node(parent, last, type, perm, dev, &placeholder);
	if (r < 0) {
		emu_result(ctx, "denied", -r, 0);
		return 0;
	}
	/* The new node is the caller's, as if it had made it. */
	if (fchownat(parent, last, cred.fsuid, cred.fsgid, AT_SYMLINK_NOFOLLOW) < 0) {
		r = negative_errno();
		(void)unlinkat(parent, last, 0);
		emu_result(ctx, "denied", -r, 0);
		return 0;
	}
	emu_result(ctx, placeholder ? "placeholder" : "created", 0, 0);
	return 0;
}
