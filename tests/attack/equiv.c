/* SPDX-License-Identifier: MIT */
/*
 * equiv ATTACK ARGS: reach what a rule denies through an equivalent call, and print
 * what each step gave ("CALL=ok", "CALL=-1 errno=NAME", or an io_uring operation's
 * "OP=RESULT").  Exits 0 when it ran to the end, 2 on bad usage.
 *   uring-unlinkat PATH   remove PATH with IORING_OP_UNLINKAT
 *   uring-openat PATH     create PATH for writing with IORING_OP_OPENAT
 *   uring-mkdirat PATH    make the directory PATH with IORING_OP_MKDIRAT
 *   renameat2 SRC DST [noreplace]   rename SRC over DST (removing DST)
 *   clone3-newuser        clone3(CLONE_NEWUSER), then unshare(CLONE_NEWUSER)
 *   execveat PATH         execveat(AT_FDCWD, PATH, {PATH, "ran"}); the program run
 *                         prints "ran"
 *   openat2 PATH          create PATH for writing with openat2, then with openat
 */
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "attack.h"

/* One io_uring operation on path from AT_FDCWD: the ring set up by hand (no liburing),
 * one submission, one completion.  Prints io_uring_setup's result, then the op's. */
static int uring(const char *what, unsigned op, const char *path, uint32_t flags, uint32_t mode)
{
	struct io_uring_params prm = { 0 };
	struct io_uring_sqe *sqe;
	const struct io_uring_cqe *cqe;
	size_t sq_size, cq_size;
	unsigned *tail;
	uint8_t *ring;
	long fd = syscall(__NR_io_uring_setup, 4, &prm);

	attack_report("io_uring_setup", fd, errno);
	if (fd < 0)
		return 0;
	sq_size = prm.sq_off.array + prm.sq_entries * sizeof(unsigned);
	cq_size = prm.cq_off.cqes + prm.cq_entries * sizeof(struct io_uring_cqe);
	if (!(prm.features & IORING_FEAT_SINGLE_MMAP))
		return 3; /* every kernel since 5.4 has it */
	ring = mmap(NULL, sq_size > cq_size ? sq_size : cq_size, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, (int)fd, IORING_OFF_SQ_RING);
	sqe = mmap(NULL, prm.sq_entries * sizeof(*sqe), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_POPULATE, (int)fd, IORING_OFF_SQES);
	if (ring == MAP_FAILED || sqe == MAP_FAILED)
		return 3;
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = (uint8_t)op;
	sqe->fd = AT_FDCWD;
	sqe->addr = (uint64_t)(uintptr_t)path;
	sqe->len = mode;
	sqe->open_flags = flags; /* the same word as unlink_flags */
	tail = (unsigned *)(ring + prm.sq_off.tail);
	((unsigned *)(ring + prm.sq_off.array))[*tail & *(unsigned *)(ring + prm.sq_off.ring_mask)] = 0;
	__atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0) {
		attack_report("io_uring_enter", -1, errno);
		return 0;
	}
	cqe = (const struct io_uring_cqe *)(ring + prm.cq_off.cqes) +
	      (*(unsigned *)(ring + prm.cq_off.head) & *(unsigned *)(ring + prm.cq_off.ring_mask));
	if (cqe->res < 0)
		attack_report(what, -1, -cqe->res);
	else
		attack_report(what, 0, 0);
	return 0;
}

static int rename_over(int argc, char **argv)
{
	unsigned flags = argc == 5 && strcmp(argv[4], "noreplace") == 0 ? RENAME_NOREPLACE : 0;
	long r;

	if (argc < 4 || argc > 5)
		return 2;
	r = syscall(SYS_renameat2, AT_FDCWD, argv[2], AT_FDCWD, argv[3], flags);
	attack_report("renameat2", r, errno);
	return 0;
}

static int clone3_newuser(void)
{
	struct clone_args ca = { .flags = CLONE_NEWUSER, .exit_signal = SIGCHLD };
	long r = syscall(SYS_clone3, &ca, sizeof(ca));

	if (r == 0)
		syscall(SYS_exit_group, 0);
	attack_report("clone3", r, errno);
	if (r > 0)
		waitpid((pid_t)r, NULL, 0);
	r = unshare(CLONE_NEWUSER);
	attack_report("unshare", r, errno);
	return 0;
}

static int exec_at(const char *path)
{
	char *const args[] = { (char *)path, (char *)"ran", NULL };
	long r = syscall(SYS_execveat, AT_FDCWD, path, args, NULL, 0);

	attack_report("execveat", r, errno);
	return 0;
}

static int open_at2(const char *path)
{
	struct open_how how = { .flags = O_WRONLY | O_CREAT | O_CLOEXEC, .mode = 0600 };
	long r = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));

	attack_report("openat2", r, errno);
	r = openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	attack_report("openat", r, errno);
	return 0;
}

int main(int argc, char **argv)
{
	const char *a = argc > 1 ? argv[1] : "";

	if (strcmp(a, "ran") == 0) {
		printf("ran\n");
		return 0;
	}
	if (argc == 3 && strcmp(a, "uring-unlinkat") == 0)
		return uring("unlinkat", IORING_OP_UNLINKAT, argv[2], 0, 0);
	if (argc == 3 && strcmp(a, "uring-openat") == 0)
		return uring("openat", IORING_OP_OPENAT, argv[2], O_WRONLY | O_CREAT, 0600);
	if (argc == 3 && strcmp(a, "uring-mkdirat") == 0)
		return uring("mkdirat", IORING_OP_MKDIRAT, argv[2], 0, 0755);
	if (strcmp(a, "renameat2") == 0 && rename_over(argc, argv) == 0)
		return 0;
	if (argc == 2 && strcmp(a, "clone3-newuser") == 0)
		return clone3_newuser();
	if (argc == 3 && strcmp(a, "execveat") == 0)
		return exec_at(argv[2]);
	if (argc == 3 && strcmp(a, "openat2") == 0)
		return open_at2(argv[2]);
	fprintf(stderr, "usage: equiv uring-unlinkat|uring-openat|uring-mkdirat PATH | renameat2 "
		"SRC DST [noreplace] | clone3-newuser | execveat PATH | openat2 PATH\n");
	return 2;
}
