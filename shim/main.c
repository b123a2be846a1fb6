/* SPDX-License-Identifier: MIT */
/* sysgate-run: option parsing; the launch sequence is in run.c. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "proto.h"
#include "policy_learn.h"
#include "shim.h"
#include "sysgated.h"

static void help(void)
{
	printf("Usage: sysgate-run [OPTION...] [--] CMD [ARG...]\n"
	       "\n"
	       "Run CMD under a seccomp filter compiled from a sysgate policy. Calls the policy\n"
	       "settles in the kernel never leave it; the others are routed to the sysgated\n"
	       "daemon, which decides them (allow, deny, fake, kill) and writes audit records.\n"
	       "\n"
	       "Options:\n"
	       "  -p, --policy FILE|NAME  the policy (default: '%s'). An argument containing '/'\n"
	       "                          or ending in '.policy' is a file; a NAME is read from\n"
	       "                          NAME.policy in $SYSGATE_POLICY_PATH (directories separated\n"
	       "                          by ':'), then %s, then\n"
	       "                          %s\n"
	       "  -s, --socket PATH       the daemon to use; if it cannot be reached, sysgate-run\n"
	       "                          fails (125). Default: $SYSGATE_SOCKET, else\n"
	       "                          %s\n"
	       "  -m, --mechanism notify|trace|trap\n"
	       "                          how routed calls reach the daemon (default: notify):\n"
	       "                          notify  seccomp user notification: the kernel holds the\n"
	       "                                  call for the daemon (about 7 us a routed call)\n"
	       "                          trace   the daemon is the command's ptracer (seccomp\n"
	       "                                  TRACE stops; about 60 us a routed call). Also\n"
	       "                                  enforcing, but no debugger or strace can attach\n"
	       "                                  to the command, and the daemon must be allowed\n"
	       "                                  to ptrace it (root, or the same uid without Yama\n"
	       "                                  restrictions); the command is killed if the\n"
	       "                                  daemon exits\n"
	       "                          trap    SIGSYS in the process, handled by the LD_PRELOAD\n"
	       "                                  library libsysgate-preload.so (about 77 us a\n"
	       "                                  call). Cooperative, not enforcing: a program that\n"
	       "                                  replaces the SIGSYS handler or jumps to the\n"
	       "                                  trampoline escapes it; dynamic x86_64 programs only\n"
	       "      --embedded          always use a private daemon, even when one is running\n"
	       "      --log FILE|-        the embedded daemon's audit log (JSON lines); '-', the\n"
	       "                          default, is sysgate-run's standard error\n"
	       "      --audit             audit mode: calls the policy denies or kills are allowed\n"
	       "                          and recorded with \"audit\":true; fake rules still apply\n"
	       "      --swappable         route every call to the daemon, so that 'sysgatectl policy\n"
	       "                          load' can later give the session any policy\n"
	       "      --learn OUT         run CMD allowing every call, count what it calls, and\n"
	       "                          write a policy allowing just that to OUT (notify only;\n"
	       "                          no -p)\n"
	       "      --learn-default ACTION\n"
	       "                          the learnt policy's default (default: 'deny EPERM')\n"
	       "      --print-filter      print the compiled filter (libseccomp PFC) and exit;\n"
	       "                          no CMD needed\n"
	       "  -v, --verbose           say which daemon is used; the embedded daemon logs info\n"
	       "  -h, --help              show this help and exit\n"
	       "      --version           show the version and exit\n",
	       SHIM_DEFAULT_POLICY, SHIM_ETC_POLICYDIR, SG_POLICYDIR, SG_DEFAULT_SOCKET);
	printf("\n"
	       "Embedded daemon:\n"
	       "  Without --socket, when nothing can be reached at $SYSGATE_SOCKET or the default\n"
	       "  socket (it does not exist, refuses the connection or is not accessible),\n"
	       "  sysgate-run says so in one line on standard error and starts a private\n"
	       "  sysgated; with --embedded it always does (and --socket is ignored). The private\n"
	       "  sysgated runs for this command only, listening in a new 0700 directory under\n"
	       "  $XDG_RUNTIME_DIR (or /tmp); it writes the audit log named by --log. It exits\n"
	       "  once every process under the filter has gone: like strace -f, sysgate-run then\n"
	       "  also waits for background processes the command left behind, and removes the\n"
	       "  directory. A signal during that wait ends the wait only; the daemon keeps\n"
	       "  supervising them. If the daemon is gone, routed calls fail with ENOSYS.\n"
	       "\n"
	       "Signals:\n"
	       "  SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1 and SIGUSR2 sent to sysgate-run are\n"
	       "  forwarded to CMD (not those generated by the terminal, which CMD receives\n"
	       "  itself). If sysgate-run is killed, CMD is killed too.\n"
	       "\n"
	       "Exit status:\n"
	       "  CMD's exit status, or 128+N when CMD was killed by signal N\n"
	       "  159  CMD was killed by its policy (128+SIGSYS), whether the kernel killed it\n"
	       "       (kill quiet) or the daemon did (kill, with SIGKILL); a SIGKILL from\n"
	       "       elsewhere is 137, a child of CMD killed by the policy is CMD's affair\n"
	       "  125  sysgate-run failed: bad option, policy error, the daemon named by --socket\n"
	       "       cannot be reached, no daemon and no embedded one, the daemon refused the\n"
	       "       session\n"
	       "  126  CMD was found but cannot be executed\n"
	       "  127  CMD was not found\n");
}

enum {
	ARG_EMBEDDED = 0x100,
	ARG_LOG,
	ARG_PRINT_FILTER,
	ARG_AUDIT,
	ARG_SWAPPABLE,
	ARG_LEARN,
	ARG_LEARN_DEFAULT,
	ARG_VERSION,
};

static int parse_mechanism(const char *name)
{
	int m = proto_mechanism_from_name(name);

	if (m == SG_MECH_NOTIFY || m == SG_MECH_TRACE || m == SG_MECH_TRAP)
		return m;
	if (m >= 0) {
		shim_err(0, "mechanism '%s' is not available yet", name);
		return -EOPNOTSUPP;
	}
	shim_err(0, "unknown mechanism '%s' (use 'notify', 'trace' or 'trap')", name);
	return -EINVAL;
}

/* --learn and its companions: 0, or -EINVAL (said). */
static int check_learn(const struct run_opts *o)
{
	struct sg_policy_error e = { 0 };
	const char *bad = NULL;

	if (o->learn_default && !o->learn_out)
		bad = "--learn-default needs --learn";
	else if (o->learn_out && !o->learn_out[0])
		bad = "empty --learn argument";
	else if (o->learn_out && (o->policy_given || o->audit))
		bad = "--learn allows every call: no --policy or --audit with it";
	if (bad) {
		shim_err(0, "%s", bad);
		return -EINVAL;
	}
	if (o->learn_default && policy_learn_check_default(o->learn_default, &e) < 0) {
		shim_err(0, "invalid --learn-default '%s'%s%s", o->learn_default,
			 e.msg[0] ? ": " : "", e.msg);
		return -EINVAL;
	}
	return 0;
}

/* 0 to go on, 1 to exit successfully (help, version), < 0 on a bad option. */
static int parse_argv(int argc, char *argv[], struct run_opts *o)
{
	static const struct option options[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "mechanism", required_argument, NULL, 'm' },
		{ "embedded", no_argument, NULL, ARG_EMBEDDED },
		{ "log", required_argument, NULL, ARG_LOG },
		{ "print-filter", no_argument, NULL, ARG_PRINT_FILTER },
		{ "audit", no_argument, NULL, ARG_AUDIT },
		{ "swappable", no_argument, NULL, ARG_SWAPPABLE },
		{ "learn", required_argument, NULL, ARG_LEARN },
		{ "learn-default", required_argument, NULL, ARG_LEARN_DEFAULT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, ARG_VERSION },
		{ 0 },
	};
	int c;

	opterr = 0; /* our own messages */
	while ((c = getopt_long(argc, argv, "+:p:s:m:vh", options, NULL)) >= 0) {
		switch (c) {
		case 'p':
			o->policy = optarg;
			o->policy_given = true;
			break;
		case 's':
			o->socket_path = optarg;
			break;
		case 'm':
			o->mechanism = parse_mechanism(optarg);
			if (o->mechanism < 0)
				return -EINVAL;
			break;
		case ARG_EMBEDDED:
			o->embedded = true;
			break;
		case ARG_LOG:
			o->log = optarg;
			break;
		case ARG_PRINT_FILTER:
			o->print_filter = true;
			break;
		case ARG_AUDIT:
			o->audit = true;
			break;
		case ARG_SWAPPABLE:
			o->swappable = true;
			break;
		case ARG_LEARN:
			o->learn_out = optarg;
			break;
		case ARG_LEARN_DEFAULT:
			o->learn_default = optarg;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			help();
			return 1;
		case ARG_VERSION:
			printf("sysgate-run %s\n", SG_VERSION);
			return 1;
		case ':':
			shim_err(0, "option '%s' needs an argument", argv[optind - 1]);
			return -EINVAL;
		default: {
			const char *arg = argv[optind - 1];

			if (strncmp(arg, "--", 2) != 0)
				shim_err(0, "unknown option '-%c'", optopt);
			else if (optopt && strchr(arg, '='))
				shim_err(0, "option '%.*s' takes no argument",
					 (int)strcspn(arg, "="), arg);
			else
				shim_err(0, "unknown option '%s'", arg);
			return -EINVAL;
		}
		}
	}
	if (!o->policy[0] || !o->log[0]) {
		shim_err(0, "empty --policy or --log argument");
		return -EINVAL;
	}
	if (check_learn(o) < 0)
		return -EINVAL;
	if (optind < argc)
		o->argv = argv + optind;
	else if (!o->print_filter) {
		shim_err(0, "no command given");
		return -EINVAL;
	}
	return 0;
}

/* A closed 0, 1 or 2 would be reused by our own sockets (and our messages would go
 * into one): open /dev/null on each closed one. In order, so open() gets that fd. */
static int ensure_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (open("/dev/null", O_RDWR) < 0)
			return -errno;
	}
	return 0;
}

/* Parse the options and run the command. */
int main(int argc, char *argv[])
{
	struct run_opts o = {
		.policy = SHIM_DEFAULT_POLICY,
		.log = "-",
	};
	int r;

	if (ensure_std_fds() < 0)
		return SHIM_EXIT_FAILURE;
	r = parse_argv(argc, argv, &o);
	if (r != 0) {
		if (r < 0)
			fputs("Try 'sysgate-run --help' for more information.\n", stderr);
		return r > 0 ? EXIT_SUCCESS : SHIM_EXIT_FAILURE;
	}
	shim_log_verbose(o.verbose);
	return run_command(&o);
}
