/* SPDX-License-Identifier: MIT */
/*
 * A policy comes into the daemon by two doors: REGISTER (a new session) and
 * POLICY_LOAD (sysgatectl policy load, a running one).  Both refuse the same
 * policies with the same errno and the same reason, under each mechanism, and
 * a refused load leaves the running policy in force.  REGISTER is spoken
 * directly here: sysgate-run checks a policy itself before it registers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "proto.h"
#include "sysgate.h"

TestSuite(policy_doors, .init = sg_setup_daemon, .fini = sg_teardown, .timeout = 60);

static uint8_t buf[SG_MSG_MAX];

/* What the daemon answered: 0 and the ACK's value, or the ERROR's errno and reason. */
struct reply {
	int err;
	uint64_t value;
	char reason[SG_REASON_MAX];
};

/* What a REGISTER names under the mechanism under test: a child of ours holding a
 * seccomp listener (notify) or waiting (trace), or this process (trap registers itself). */
struct target {
	pid_t pid;
	pid_t child;  /* 0: none */
	int listener; /* notify: our copy of the child's listener; -1 otherwise */
	int hold;     /* our end of the child's socket: closing it lets the child exit */
};

/* Send one request (with fds) and read the reply into *ret. */
static void request(int fd, ssize_t len, const int *fds, size_t n_fds, struct reply *ret)
{
	const char *why = NULL;
	struct sg_msg m = { 0 };
	int r;

	cr_assert_gt(len, 0, "cannot encode the request: %s", strerror((int)-len));
	r = proto_call(fd, buf, (size_t)len, fds, n_fds, buf, sizeof(buf), &m, &why);
	memset(ret, 0, sizeof(*ret));
	ret->err = r;
	if (r < 0) {
		cr_assert_eq(m.type, SG_MSG_ERROR, "no reply: %s (%s)", strerror(-r),
			     why ? why : "");
		snprintf(ret->reason, sizeof(ret->reason), "%.*s", (int)m.str_len, m.str);
		return;
	}
	cr_assert_eq(m.type, SG_MSG_ACK, "reply %u", m.type);
	ret->value = m.u.ack.value;
}

/* A connection to the daemon that said HELLO as role. */
static int connect_as(enum sg_role role)
{
	int fd = proto_connect(sg_sock());
	struct reply r;

	cr_assert_geq(fd, 0, "connect: %s", strerror(-fd));
	request(fd, proto_encode_hello(buf, sizeof(buf), role), NULL, 0, &r);
	cr_assert_eq(r.err, 0, "hello: %s", r.reason);
	return fd;
}

static bool under(const char *mech)
{
	return strcmp(sg_mechanism(), mech) == 0;
}

/* The child: a listener on an allow-all filter (notify), its number sent; then wait for
 * the test to close its end. */
static void __attribute__((noreturn)) child_main(int sock, bool listener)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { .len = 1, .filter = &allow };
	int fd = -1;
	char c;

	if (listener) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(1);
		fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				  SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
		if (fd < 0)
			_exit(1);
	}
	if (write(sock, &fd, sizeof(fd)) != sizeof(fd))
		_exit(1);
	(void)!read(sock, &c, 1);
	_exit(0);
}

static void target_start(struct target *t)
{
	int sv[2], fd = -1, pidfd;
	pid_t pid;

	*t = (struct target){ .pid = getpid(), .listener = -1, .hold = -1 };
	if (under("trap"))
		return;
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		child_main(sv[1], under("notify"));
	close(sv[1]);
	t->pid = t->child = pid;
	t->hold = sv[0];
	cr_assert_eq(read(sv[0], &fd, sizeof(fd)), (ssize_t)sizeof(fd), "the child failed");
	if (fd < 0)
		return;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	cr_assert_geq(pidfd, 0, "pidfd_open: %s", strerror(errno));
	t->listener = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	cr_assert_geq(t->listener, 0, "pidfd_getfd: %s", strerror(errno));
	close(pidfd);
}

static void target_stop(struct target *t)
{
	if (!t->child)
		return;
	close(t->hold);
	kill(t->child, SIGKILL);
	waitpid(t->child, NULL, 0);
	if (t->listener >= 0)
		close(t->listener);
	t->child = 0;
}

/* REGISTER t under the mechanism under test on a new shim connection, returned (a trap
 * session lives as long as it). */
static int register_door(const struct target *t, uint32_t flags, const char *name,
			 const char *text, size_t len, struct reply *ret)
{
	int mech = proto_mechanism_from_name(sg_mechanism());
	int fd = connect_as(SG_ROLE_SHIM);

	cr_assert_geq(mech, 0);
	request(fd, proto_encode_register_flags(buf, sizeof(buf), t->pid, (enum sg_mechanism)mech,
						flags, name, text, len),
		t->listener >= 0 ? &t->listener : NULL, t->listener >= 0, ret);
	return fd;
}

/* sysgatectl policy load, spoken directly: name and text as given. */
static void load_door(int64_t id, const char *name, const char *text, size_t len,
		      struct reply *ret)
{
	int fd = connect_as(SG_ROLE_CLIENT);

	request(fd, proto_encode_policy_load(buf, sizeof(buf), (uint64_t)id, name, text, len),
		NULL, 0, ret);
	close(fd);
}

/* Both doors refuse name/text with err and the same reason, which contains what. */
static void both_refuse(const struct target *t, uint32_t flags, int64_t id, const char *name,
			const char *text, size_t len, int err, const char *what)
{
	struct reply reg, load;

	close(register_door(t, flags, name, text, len, &reg));
	load_door(id, name, text, len, &load);
	cr_expect_eq(reg.err, err, "REGISTER: %s (%s)", strerror(-reg.err), reg.reason);
	cr_expect_eq(load.err, err, "policy load: %s (%s)", strerror(-load.err), load.reason);
	cr_expect(strstr(reg.reason, what), "REGISTER's reason lacks '%s': %s", what, reg.reason);
	cr_expect_str_eq(load.reason, reg.reason, "the doors differ");
}

/* A text of len bytes: a valid policy padded with comment lines. */
static const char *padded_policy(size_t len)
{
	char *s = sg_strf("%*s", (int)len, "");

	memset(s, '#', len);
	memcpy(s, "version 1\ndefault allow\n", 24);
	for (size_t i = 24 + 70; i < len; i += 71)
		s[i] = '\n';
	s[len - 1] = '\n';
	return s;
}

Test(policy_doors, both_doors_refuse_the_same_policies_with_the_same_reason)
{
	const char *pol = sg_policy("old", "version 1\ndefault allow\ngetppid fake 5\n");
	const char *bad = "version 1\ndefault allow\ngetppid fake x\n";
	const char *frob = "version 1\ndefault allow\ngetppid emulate frob\n";
	const char *big = padded_policy(64 * 1024 + 1); /* the parser's limit, and one */
	char *long_name = sg_strf("%*s", SG_POLICY_NAME_MAX, "");
	struct sg_proc *p = sg_stepper(pol, "--swappable");
	struct target t;
	int64_t id;

	cr_assert_str_eq(sg_step(p, "getppid"), "getppid = 5");
	id = sg_session_id(0);
	target_start(&t);
	memset(long_name, 'n', SG_POLICY_NAME_MAX);
	both_refuse(&t, 0, id, "bad.policy", bad, strlen(bad), -EINVAL, "bad.policy:3:");
	both_refuse(&t, 0, id, "frob.policy", frob, strlen(frob), -EINVAL,
		    "frob.policy:3:1: error: unknown emulator 'frob'");
	both_refuse(&t, 0, id, "big.policy", big, strlen(big), -EFBIG, "policy text too large");
	both_refuse(&t, 0, id, long_name, "version 1\ndefault allow\n", 24, -ENAMETOOLONG,
		    sg_strf("policy name too long (max %d bytes)", SG_POLICY_NAME_MAX - 1));
	/* one byte shorter is a name: on to the policy */
	long_name[SG_POLICY_NAME_MAX - 1] = '\0';
	both_refuse(&t, 0, id, long_name, bad, strlen(bad), -EINVAL, ":3:");

	cr_expect_str_eq(sg_step(p, "getppid"), "getppid = 5", "a refused load changed the policy");
	cr_expect_eq(sg_audit_count("event", "policy-load", NULL), 0, "%s", sg_jtext(sg_audit()));
	cr_expect_eq(sg_audit_count("event", "session-start", NULL), 1, "%s", sg_jtext(sg_audit()));
	target_stop(&t);
	sg_stepper_finish(p);
}

Test(policy_doors, emulate_is_refused_by_both_doors_but_under_notify)
{
	const char *pol = sg_policy("old", "version 1\ndefault allow\ngetppid fake 5\n");
	const char *text = "version 1\ndefault allow\ngetppid fake 6\nmknod emulate mknod\n";
	const char *emu = sg_policy("emu", text), *id;
	struct sg_proc *p = sg_stepper(pol, "--swappable");
	struct sg_result *r;
	struct reply reg;
	struct target t;

	cr_assert_str_eq(sg_step(p, "getppid"), "getppid = 5");
	id = sg_strf("%lld", (long long)sg_session_id(0));
	target_start(&t);
	if (under("notify")) { /* the emulators work through its listener */
		close(register_door(&t, 0, emu, text, strlen(text), &reg));
		cr_expect_eq(reg.err, 0, "REGISTER: %s", reg.reason);
		sg_assert_exit(sg_ctl("policy", "load", id, emu, NULL), 0);
		cr_expect_str_eq(sg_step(p, "getppid"), "getppid = 6");
	} else {
		both_refuse(&t, 0, strtoll(id, NULL, 10), emu, text, strlen(text), -EOPNOTSUPP,
			    sg_strf("%s:4:1: error: emulate needs --mechanism notify, not %s", emu,
				    sg_mechanism()));
		r = sg_ctl("policy", "load", id, emu, NULL);
		cr_expect(sg_exited(r, 1) && strstr(r->err, "emulate needs --mechanism notify"),
			  "%s", r->err);
		cr_expect_str_eq(sg_step(p, "getppid"), "getppid = 5");
		cr_expect_eq(sg_audit_count("event", "policy-load", NULL), 0);
	}
	target_stop(&t);
	sg_stepper_finish(p);
}

/* The policy sysgatectl shows for session id. */
static const char *policy_of(int64_t id)
{
	json_object *s = sg_ctl_json("session", sg_strf("%lld", (long long)id), NULL);

	return sg_jstr(s, "policy");
}

Test(policy_doors, a_learning_session_takes_only_a_policy_that_allows_every_call)
{
	const char *all = "version 1\ndefault allow\n";
	const char *some = "version 1\ndefault allow\ngetppid fake 5\n";
	struct reply reg, load;
	struct target t;
	int fd;

	target_start(&t);
	fd = register_door(&t, SG_REG_LEARN, "learn.policy", all, strlen(all), &reg);
	cr_assert_eq(reg.err, 0, "REGISTER: %s", reg.reason);
	both_refuse(&t, SG_REG_LEARN, (int64_t)reg.value, "some.policy", some, strlen(some),
		    -EINVAL, "a learning session's policy must allow every call");
	cr_expect_str_eq(policy_of((int64_t)reg.value), "learn.policy");
	load_door((int64_t)reg.value, "all.policy", all, strlen(all), &load);
	cr_expect_eq(load.err, 0, "policy load: %s", load.reason);
	cr_expect_str_eq(policy_of((int64_t)reg.value), "all.policy");
	close(fd);
	target_stop(&t);
}
