/* SPDX-License-Identifier: MIT */
/*
 * open_via MODE ...: open a file under a denied prefix by another name, as a target
 * under `open, openat emulate open SECRET` would (issue 13).  For each way prints
 * "NAME=ok CONTENT" (the first line of what it read) or "NAME=-1 errno=E"; exits 0
 * when it ran to the end, 2 on bad usage.
 *   magic DIR HOLDER FD   /proc magic links to DIR/secret/x: through an fd of DIR
 *                         (/proc/self/fd, /proc/thread-self/fd), the cwd
 *                         (/proc/self/cwd), /proc/self/root, and through HOLDER,
 *                         another process chrooted into DIR/secret holding x open at
 *                         FD (/proc/HOLDER/root, /proc/HOLDER/cwd, /proc/HOLDER/fd)
 *   hardlink FILE LINK    link(FILE, LINK) where the caller may, then open LINK;
 *                         for contrast symlink(FILE, LINK.sym) and open that
 *   bind DIR MNT          in the caller's own mount namespace: bind DIR/secret on
 *                         MNT, open MNT/x; bind DIR/secret/x on DIR/pub/x, open it;
 *                         bind DIR on MNT, open MNT/secret/x
 *   hold SECRET DIR       not an attack: the HOLDER above.  Open SECRET/x, chroot
 *                         into SECRET, write "PID FD" to DIR/holder (whole: by a
 *                         rename), wait for a signal
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <unistd.h>

#include "attack.h"

/* Open path, print NAME=ok CONTENT or NAME=-1 errno=E. */
static void try_open(const char *name, const char *path)
{
	char got[256] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		attack_report(name, -1, errno);
		return;
	}
	if (read(fd, got, sizeof(got) - 1) < 0)
		snprintf(got, sizeof(got), "(unreadable)");
	got[strcspn(got, "\n")] = '\0';
	close(fd);
	printf("%s=ok %s\n", name, got);
	fflush(stdout);
}

static int magic(const char *dir, const char *holder, const char *holder_fd)
{
	char p[4096];
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || chdir(dir) < 0) {
		fprintf(stderr, "open_via: %s: %s\n", dir, strerror(errno));
		return 3;
	}
	snprintf(p, sizeof(p), "/proc/self/fd/%d/secret/x", fd);
	try_open("self-fd", p);
	snprintf(p, sizeof(p), "/proc/thread-self/fd/%d/secret/x", fd);
	try_open("thread-self-fd", p);
	try_open("self-cwd", "/proc/self/cwd/secret/x");
	snprintf(p, sizeof(p), "/proc/self/root%s/secret/x", dir);
	try_open("self-root", p);
	snprintf(p, sizeof(p), "/proc/%d/root%s/secret/x", (int)getpid(), dir);
	try_open("pid-root", p);
	snprintf(p, sizeof(p), "/proc/%s/root/x", holder);
	try_open("holder-root", p);
	snprintf(p, sizeof(p), "/proc/%s/cwd/x", holder);
	try_open("holder-cwd", p);
	snprintf(p, sizeof(p), "/proc/%s/fd/%s", holder, holder_fd);
	try_open("holder-fd", p);
	return 0;
}

static int hardlink(const char *file, const char *link_path)
{
	char sym[4096];

	snprintf(sym, sizeof(sym), "%s.sym", link_path);
	attack_report("link", link(file, link_path), errno);
	try_open("hardlink", link_path);
	attack_report("symlink", symlink(file, sym), errno);
	try_open("via-symlink", sym);
	return 0;
}

static void bind_open(const char *name, const char *src, const char *dst, const char *path)
{
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0) {
		attack_report(name, -1, errno);
		return;
	}
	try_open(name, path);
	(void)umount2(dst, MNT_DETACH);
}

static int bind_mounts(const char *dir, const char *mnt)
{
	char secret[4096], file[4096], pub[4096], p[4096];

	snprintf(secret, sizeof(secret), "%s/secret", dir);
	snprintf(file, sizeof(file), "%s/secret/x", dir);
	snprintf(pub, sizeof(pub), "%s/pub/x", dir);
	/* our mounts must not reach the namespace we came from */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		fprintf(stderr, "open_via: not in a mount namespace of our own: %s\n",
			strerror(errno));
		return 3;
	}
	snprintf(p, sizeof(p), "%s/x", mnt);
	bind_open("bind-dir", secret, mnt, p);
	bind_open("bind-file", file, pub, pub);
	snprintf(p, sizeof(p), "%s/secret/x", mnt);
	bind_open("bind-parent", dir, mnt, p);
	return 0;
}

static int hold(const char *secret, const char *dir)
{
	char p[4096];
	int fd, dfd, out;

	snprintf(p, sizeof(p), "%s/x", secret);
	fd = open(p, O_RDONLY);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	out = openat(dfd, "holder.tmp", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || out < 0 || chroot(secret) < 0 || chdir("/") < 0) {
		fprintf(stderr, "open_via: hold %s: %s\n", secret, strerror(errno));
		return 3;
	}
	dprintf(out, "%d %d\n", (int)getpid(), fd);
	close(out);
	if (renameat(dfd, "holder.tmp", dfd, "holder") < 0)
		return 3;
	pause();
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "magic") == 0)
		return magic(argv[2], argv[3], argv[4]);
	if (argc == 4 && strcmp(argv[1], "hardlink") == 0)
		return hardlink(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "bind") == 0)
		return bind_mounts(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "hold") == 0)
		return hold(argv[2], argv[3]);
	fprintf(stderr, "usage: open_via magic DIR HOLDER FD | hardlink FILE LINK | "
			"bind DIR MNT | hold SECRET DIR\n");
	return 2;
}
