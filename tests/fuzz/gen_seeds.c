/* SPDX-License-Identifier: MIT */
/*
 * Seeds that are written by the code they feed rather than by hand:
 *
 *   gen-seeds proto DIR          proto_decode: one packet of every message type (and the
 *                                variants that matter: each mechanism, flags, strings) from
 *                                proto/msg_encode.c, after the byte that gives the fd count
 *   gen-seeds --check proto DIR  fail unless DIR holds each of them as written (a meson test)
 *   gen-seeds trap_filter DIR POLICY...
 *                                trap_filter: each policy compiled for a trap session and
 *                                exported as libseccomp makes it (DIR/NAME.bpf)
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "proto.h"

static const char policy[] = "version 1\ndefault allow\nunlinkat deny EPERM\n";
static const char record[] = "{\"time\":\"2026-12-02T06:04:36.955690Z\",\"event\":\"syscall\","
			     "\"session\":1,\"mechanism\":\"notify\",\"pid\":29918,\"tid\":29918,"
			     "\"comm\":\"rm\",\"exe\":\"/usr/bin/rm\",\"uid\":0,\"gid\":0,\"arch\":"
			     "\"x86_64\",\"syscall\":\"unlinkat\",\"nr\":263,\"args\":["
			     "\"0xffffff9c\",\"0x555d08f8ebf0\",\"0x0\",\"0x7f353538bf80\",\"0x3\","
			     "\"0x0\"],\"verdict\":\"deny\",\"errno\":1,\"errno_name\":\"EPERM\","
			     "\"rule\":\"/tmp/fz.policy:4\"}";
static uint8_t pkt[SG_MSG_MAX];

/* Write or check one seed: the fd count, then the packet of n bytes. */
static int seed(const char *dir, bool check, const char *name, unsigned n_fds, ssize_t n)
{
	char path[4096];
	uint8_t *old = NULL;
	size_t old_len = 0;
	FILE *f;
	int ok;

	if (n < 0) {
		fprintf(stderr, "%s: cannot encode: %s\n", name, strerror((int)-n));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!check) {
		f = fopen(path, "wbe");
		ok = f && fputc((int)n_fds, f) != EOF && fwrite(pkt, 1, (size_t)n, f) == (size_t)n;
		if (!f || fclose(f) != 0 || !ok) {
			fprintf(stderr, "%s: cannot write\n", path);
			return -1;
		}
		return 0;
	}
	f = fopen(path, "rbe");
	if (f) {
		old = malloc((size_t)n + 2);
		old_len = old ? fread(old, 1, (size_t)n + 2, f) : 0;
		fclose(f);
	}
	ok = old && old_len == (size_t)n + 1 && old[0] == n_fds && memcmp(old + 1, pkt, (size_t)n) == 0;
	free(old);
	if (!ok)
		fprintf(stderr, "%s: missing or not what the encoders write now: run gen-seeds proto "
			"%s\n", path, dir);
	return ok ? 0 : -1;
}

static int proto_seeds(const char *dir, bool check)
{
	struct sg_msg_status st = { .pid = 4242, .n_sessions = 3, .uptime_usec = 123456789,
				    .notifications = 99, .records = 98, .records_failed = 1 };
	struct sg_msg_session se = { .id = 7, .started_usec = 1700000000000000, .counts = { 1, 2, 3 },
				     .target_pid = 31337, .uid = 1000, .gid = 1000,
				     .mechanism = SG_MECH_TRACE, .state = SG_SESSION_RUNNING,
				     .flags = SG_SESSION_AUDIT | SG_SESSION_ROUTES_ALL };
	struct sg_msg_stat sa = { .session_id = 7, .counts = { 10, 0, 0, 0, 2, 1 },
				  .arch = 0xc000003e, .nr = 263 };
	struct sg_msg_learn_row lr = { .count = 12, .first_usec = 1, .last_usec = 2,
				       .arch = 0xc000003e, .nr = 16, .arg = 1, .n_values = 2,
				       .values = { 0x5401, 0x5413 } };
	struct sg_msg_trap_call tc = { .arch = 0xc000003e, .nr = 263,
				       .args = { (uint64_t)-100, 0x7ffd0000, 0, 0, 0, 0 },
				       .ip = 0x3ffff7ff0010, .tid = 31337 };
	int bad = 0;

#define SEED(name, fds, call) bad |= seed(dir, check, name, fds, call)
	SEED("hello-shim", 0, proto_encode_hello_flags(pkt, sizeof(pkt), SG_ROLE_SHIM,
						       SG_HELLO_TELL_KILLED));
	SEED("hello-client", 0, proto_encode_hello(pkt, sizeof(pkt), SG_ROLE_CLIENT));
	SEED("ack", 0, proto_encode_ack(pkt, sizeof(pkt), 42));
	SEED("error", 0, proto_encode_error(pkt, sizeof(pkt), -EPERM, "not your session"));
	SEED("error-empty", 0, proto_encode_error(pkt, sizeof(pkt), -ENOENT, NULL));
	SEED("register-notify", 1, proto_encode_register(pkt, sizeof(pkt), 31337, SG_MECH_NOTIFY,
							 "/etc/sysgate/policies/default.policy",
							 policy, strlen(policy)));
	SEED("register-trace", 0, proto_encode_register_flags(pkt, sizeof(pkt), 31337, SG_MECH_TRACE,
							      SG_REG_AUDIT | SG_REG_SWAPPABLE, "p",
							      policy, strlen(policy)));
	SEED("register-trap", 0, proto_encode_register_flags(pkt, sizeof(pkt), 31337, SG_MECH_TRAP,
							     SG_REG_LEARN, "learn", "", 0));
	SEED("status-req", 0, proto_encode_empty(pkt, sizeof(pkt), SG_MSG_STATUS_REQ));
	SEED("status", 0, proto_encode_status(pkt, sizeof(pkt), &st, "0.1.0"));
	SEED("sessions-req", 0, proto_encode_empty(pkt, sizeof(pkt), SG_MSG_SESSIONS_REQ));
	SEED("session-req", 0, proto_encode_session_req(pkt, sizeof(pkt), 7));
	SEED("session", 0, proto_encode_session(pkt, sizeof(pkt), &se, "/tmp/p.policy"));
	SEED("stats-req", 0, proto_encode_stats_req(pkt, sizeof(pkt), 0));
	SEED("stat", 0, proto_encode_stat(pkt, sizeof(pkt), &sa));
	SEED("end", 0, proto_encode_empty(pkt, sizeof(pkt), SG_MSG_END));
	SEED("subscribe", 0, proto_encode_subscribe(pkt, sizeof(pkt), 0,
						    SG_SUB_BACKLOG | SG_SUB_FOLLOW));
	SEED("record", 0, proto_encode_record(pkt, sizeof(pkt), 1, record, strlen(record)));
	SEED("trap-call", 0, proto_encode_trap_call(pkt, sizeof(pkt), &tc));
	SEED("trap-verdict", 0, proto_encode_trap_verdict(pkt, sizeof(pkt), SG_TRAP_RETURN, -13));
	SEED("session-mode", 0, proto_encode_session_mode(pkt, sizeof(pkt), 7, 1));
	SEED("policy-load", 0, proto_encode_policy_load(pkt, sizeof(pkt), 7, "new.policy", policy,
							strlen(policy)));
	SEED("learn-req", 0, proto_encode_learn_req(pkt, sizeof(pkt), 7));
	SEED("learn-row", 0, proto_encode_learn_row(pkt, sizeof(pkt), &lr));
	SEED("killed", 0, proto_encode_killed(pkt, sizeof(pkt), 7));
#undef SEED
	return bad ? 1 : 0;
}

/* Each policy file compiled as sysgate-run --mechanism trap does, its BPF in DIR. */
static int trap_filter_seeds(const char *dir, char **policies, int n)
{
	for (int i = 0; i < n; i++) {
		const char *base = strrchr(policies[i], '/') ? strrchr(policies[i], '/') + 1 : policies[i];
		struct sg_policy *p = NULL;
		struct sg_policy_error e;
		struct sock_fprog prog = { 0 };
		scmp_filter_ctx ctx = NULL;
		char path[4096];
		FILE *f;
		int r = policy_load_file(policies[i], &p, NULL, &e);

		if (r == 0)
			r = policy_compile(p, policy_session_flags(p, false, true, false), &ctx, &e);
		if (r == 0)
			r = policy_export_bpf(ctx, &prog);
		if (ctx)
			seccomp_release(ctx);
		policy_free(p);
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", policies[i], e.msg[0] ? e.msg : strerror(-r));
			return 1;
		}
		snprintf(path, sizeof(path), "%s/%.*s.bpf", dir,
			 (int)(strrchr(base, '.') ? strrchr(base, '.') - base : (long)strlen(base)), base);
		f = fopen(path, "wbe");
		r = f && fwrite(prog.filter, sizeof(*prog.filter), prog.len, f) == prog.len ? 0 : -1;
		if (!f || fclose(f) != 0 || r < 0) {
			fprintf(stderr, "%s: cannot write\n", path);
			free(prog.filter);
			return 1;
		}
		free(prog.filter);
	}
	return 0;
}

int main(int argc, char **argv)
{
	bool check = argc > 1 && strcmp(argv[1], "--check") == 0;

	if (argc == 3 + check && strcmp(argv[1 + check], "proto") == 0)
		return proto_seeds(argv[2 + check], check);
	if (argc >= 4 && !check && strcmp(argv[1], "trap_filter") == 0)
		return trap_filter_seeds(argv[2], argv + 3, argc - 3);
	fprintf(stderr, "usage: %s [--check] proto DIR | %s trap_filter DIR POLICY...\n", argv[0],
		argv[0]);
	return 2;
}
