/* SPDX-License-Identifier: MIT */
/*
 * garbage SOCK SECONDS: what an unprivileged user can throw at the daemon's
 * control socket, for SECONDS, one connection per throw, by turns:
 *   random     packets of random bytes and lengths (some behind a valid header)
 *   truncated  a valid message of some type, cut short
 *   lengths    a valid message whose header's length is wrong
 *   oversized  a packet beyond SG_MSG_MAX
 *   versions   HELLO with another version or magic
 *   fds        REGISTER with an fd of the wrong kind (pipe, /dev/null, eventfd,
 *              socket, memfd, epoll, pidfd, the connection itself), with too
 *              many fds, or fds on HELLO
 *   order      requests before HELLO, HELLO twice, a client's REGISTER, a shim's
 *              query, TRAP_CALL without a session, requests while following
 * then, five times over, more connections at once than a user may hold.  Prints
 * "throws=N connections=C"; exits 0 when it ran to the end, 2 on bad usage.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>

#include "attack.h"
#include "proto.h"

#define MANY_FDS 64
#define HOLD_CONNS 300

enum kind { RANDOM, TRUNCATED, LENGTHS, OVERSIZED, VERSIONS, FDS, ORDER, N_KINDS };

static const char *sock_path;
static uint8_t pkt[SG_MSG_MAX + 64 * 1024];
static long connections;

static int dial(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), big = 1 << 20;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock_path);
	if (fd < 0)
		exit(3);
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	connections++;
	return fd;
}

/* Send len bytes of pkt with n fds; errors are the daemon's business. */
static void throw_pkt(int fd, size_t len, const int *fds, size_t n)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * MANY_FDS)];
	} control;
	struct iovec iov = { pkt, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (n > 0) {
		struct cmsghdr *c;

		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	}
	(void)sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* Read what the daemon answers for a little while (until it closes). */
static void drain(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[4096];

	while (poll(&p, 1, 2) == 1 && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static size_t hello(enum sg_role role)
{
	return (size_t)proto_encode_hello(pkt, sizeof(pkt), role);
}

/* A valid message of one of several types in pkt; its length. */
static size_t valid_message(unsigned which)
{
	static const char pol[] = "version 1\ndefault allow\ngetppid fake 1\n";
	struct sg_msg_trap_call tc = { .arch = 0xc000003e, .nr = 110, .tid = 1 };
	ssize_t n;

	switch (which % 6) {
	case 0:
		n = proto_encode_hello(pkt, sizeof(pkt), SG_ROLE_CLIENT);
		break;
	case 1:
		n = proto_encode_register(pkt, sizeof(pkt), getpid(), SG_MECH_NOTIFY, "p", pol,
					  strlen(pol));
		break;
	case 2:
		n = proto_encode_policy_load(pkt, sizeof(pkt), 1, "p", pol, strlen(pol));
		break;
	case 3:
		n = proto_encode_subscribe(pkt, sizeof(pkt), 0, SG_SUB_FOLLOW);
		break;
	case 4:
		n = proto_encode_trap_call(pkt, sizeof(pkt), &tc);
		break;
	default:
		n = proto_encode_session_mode(pkt, sizeof(pkt), 1, 1);
		break;
	}
	if (n <= 0)
		exit(3);
	return (size_t)n;
}

static void fill_random(size_t len)
{
	for (size_t i = 0; i < len; i++)
		pkt[i] = (uint8_t)rand();
}

/* An fd of the wrong kind for REGISTER (which picks one); -1 when none could be made. */
static int wrong_fd(unsigned which, int conn)
{
	int p[2];

	switch (which % 8) {
	case 0:
		if (pipe2(p, O_CLOEXEC) < 0)
			return -1;
		close(p[1]);
		return p[0];
	case 1:
		return open("/dev/null", O_RDONLY | O_CLOEXEC);
	case 2:
		return eventfd(0, EFD_CLOEXEC);
	case 3:
		return socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	case 4:
		return memfd_create("garbage", MFD_CLOEXEC);
	case 5:
		return epoll_create1(EPOLL_CLOEXEC);
	case 6:
		return (int)syscall(SYS_pidfd_open, getpid(), 0);
	default:
		return dup(conn);
	}
}

/* REGISTER (after a shim's HELLO) with a wrong fd, too many fds, or fds on HELLO. */
static void throw_fds(int conn, unsigned r)
{
	int fds[MANY_FDS];
	size_t n = r % 3 == 0 ? 1 : r % 3 == 1 ? SG_MSG_FDS_MAX + 1 + r % MANY_FDS / 2 : 2;

	if (n > MANY_FDS)
		n = MANY_FDS;
	for (size_t i = 0; i < n; i++)
		fds[i] = wrong_fd(r / 3 + (unsigned)i, conn);
	for (size_t i = 0; i < n; i++)
		if (fds[i] < 0)
			fds[i] = fds[0];
	if (fds[0] < 0)
		return;
	if (r % 3 == 2) { /* fds on HELLO */
		throw_pkt(conn, hello(SG_ROLE_SHIM), fds, n);
	} else {
		throw_pkt(conn, hello(SG_ROLE_SHIM), NULL, 0);
		throw_pkt(conn, valid_message(1), fds, n);
	}
	for (size_t i = 0; i < n; i++)
		if (i == 0 || fds[i] != fds[0])
			close(fds[i]);
}

/* Protocol violations, one per r. */
static void throw_order(int conn, unsigned r)
{
	switch (r % 6) {
	case 0: /* a request before HELLO */
		throw_pkt(conn, (size_t)proto_encode_empty(pkt, sizeof(pkt), SG_MSG_STATUS_REQ),
			  NULL, 0);
		break;
	case 1:
		throw_pkt(conn, hello(SG_ROLE_CLIENT), NULL, 0);
		throw_pkt(conn, hello(SG_ROLE_CLIENT), NULL, 0);
		break;
	case 2: /* a client's REGISTER */
		throw_pkt(conn, hello(SG_ROLE_CLIENT), NULL, 0);
		throw_pkt(conn, valid_message(1), NULL, 0);
		break;
	case 3: /* a shim's query */
		throw_pkt(conn, hello(SG_ROLE_SHIM), NULL, 0);
		throw_pkt(conn, (size_t)proto_encode_empty(pkt, sizeof(pkt), SG_MSG_SESSIONS_REQ),
			  NULL, 0);
		break;
	case 4: /* TRAP_CALL without a session */
		throw_pkt(conn, hello(SG_ROLE_SHIM), NULL, 0);
		throw_pkt(conn, valid_message(4), NULL, 0);
		break;
	default: /* a request while following */
		throw_pkt(conn, hello(SG_ROLE_CLIENT), NULL, 0);
		throw_pkt(conn, valid_message(3), NULL, 0);
		throw_pkt(conn, valid_message(5), NULL, 0);
		break;
	}
}

/* A header with a wrong length, version or magic, over a valid message. */
static void throw_header(int conn, enum kind k, unsigned r)
{
	size_t len = valid_message(r);
	struct sg_hdr h;

	memcpy(&h, pkt, sizeof(h));
	if (k == LENGTHS)
		h.len = r % 2 ? h.len + 1 + r % 64 : h.len - 1 - r % (h.len - 1);
	else if (r % 4 == 3)
		h.magic ^= 1u << (r % 32);
	else
		h.version = (uint16_t[]){ 0, 2, 0xffff }[r % 3];
	memcpy(pkt, &h, sizeof(h));
	throw_pkt(conn, len, NULL, 0);
}

static void throw_one(enum kind k, unsigned r)
{
	int conn = dial();
	size_t len;

	if (conn < 0)
		return;
	switch (k) {
	case RANDOM:
		len = (size_t)rand() % 4096 + 1;
		fill_random(len);
		if (r % 2 && len >= sizeof(struct sg_hdr)) /* past the magic and version */
			memcpy(pkt, &(struct sg_hdr){ SG_PROTO_MAGIC, SG_PROTO_VERSION,
						      (uint16_t)(r % 32), (uint32_t)len, 0 },
			       sizeof(struct sg_hdr));
		throw_pkt(conn, len, NULL, 0);
		break;
	case TRUNCATED:
		len = valid_message(r);
		throw_pkt(conn, (size_t)rand() % len, NULL, 0); /* 0: an empty packet */
		break;
	case OVERSIZED:
		len = SG_MSG_MAX + 1 + (size_t)rand() % (sizeof(pkt) - SG_MSG_MAX - 1);
		fill_random(len);
		throw_pkt(conn, len, NULL, 0);
		break;
	case FDS:
		throw_fds(conn, r);
		break;
	case ORDER:
		throw_order(conn, r);
		break;
	default:
		throw_header(conn, k, r);
		break;
	}
	drain(conn);
	close(conn);
}

/* More connections at once than one user may hold; each that is let in says HELLO. */
static void crowd(void)
{
	int fds[HOLD_CONNS];

	for (int i = 0; i < HOLD_CONNS; i++) {
		fds[i] = dial();
		if (fds[i] >= 0)
			throw_pkt(fds[i], hello(SG_ROLE_CLIENT), NULL, 0);
	}
	usleep(200 * 1000);
	for (int i = 0; i < HOLD_CONNS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

int main(int argc, char **argv)
{
	long seconds, throws = 0;
	time_t end;

	if (argc != 3 || (seconds = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: garbage SOCK SECONDS\n");
		return 2;
	}
	sock_path = argv[1];
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	end = time(NULL) + seconds;
	while (time(NULL) < end) {
		throw_one((enum kind)(throws % N_KINDS), (unsigned)rand());
		throws++;
	}
	for (int i = 0; i < 5; i++)
		crowd();
	printf("throws=%ld connections=%ld\n", throws, connections);
	return 0;
}
