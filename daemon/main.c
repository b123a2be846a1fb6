/* SPDX-License-Identifier: MIT */
/* sysgated: parse the command line into a config, daemonize unless told not to, run. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "log.h"

enum {
	OPT_SOCKET = 0x100,
	OPT_SOCKET_MODE,
	OPT_SOCKET_GROUP,
	OPT_LOG,
	OPT_PIDFILE,
	OPT_FOREGROUND,
	OPT_NO_SANDBOX,
	OPT_VERSION,
	OPT_CONFIG,
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: sysgated [OPTION]...\n"
		"Supervise system calls routed by sysgate-run and decide them by policy.\n"
		"\n"
		"  --socket PATH         listen on PATH (default %s)\n"
		"  --socket-mode OCTAL   mode of the socket (default 0660)\n"
		"  --socket-group NAME   group of the socket (default '%s' when it exists)\n"
		"  --log FILE|-          audit log, JSON lines; '-' is standard output\n"
		"                        (default %s)\n"
		"  --pidfile FILE        write the daemon's pid to FILE\n"
		"  --config FILE         what the emulators may do for sessions of other users\n"
		"                        (default %s, built-in defaults when it is missing)\n"
		"  --foreground          do not daemonize; diagnostics go to standard error\n"
		"  --no-sandbox          keep every capability and do not filter the daemon's own\n"
		"                        system calls (see the README's Hardening section)\n"
		"  -v, --verbose         debug diagnostics\n"
		"  -h, --help            show this help and exit\n"
		"      --version         show the version and exit\n"
		"\n"
		"A socket passed by systemd (LISTEN_PID/LISTEN_FDS) is used instead of --socket.\n"
		"SIGTERM/SIGINT stop the daemon cleanly; SIGHUP reopens the audit log.\n",
		SG_DEFAULT_SOCKET, SG_SOCKET_GROUP, SG_DEFAULT_AUDIT_LOG, SG_CONFIG_FILE);
}

static int parse_mode(const char *s, mode_t *ret)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno || end == s || *end || v > 07777 || s[0] == '-')
		return -EINVAL;
	*ret = (mode_t)v;
	return 0;
}

/* An absolute version of path (the daemon runs in /); malloc'd, or NULL. */
static char *absolute(const char *path)
{
	char cwd[PATH_MAX];
	char *s;

	if (path[0] == '/')
		return strdup(path);
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	if (asprintf(&s, "%s/%s", cwd, path) < 0)
		return NULL;
	return s;
}

static const struct option long_options[] = {
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "socket-mode", required_argument, NULL, OPT_SOCKET_MODE },
	{ "socket-group", required_argument, NULL, OPT_SOCKET_GROUP },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "pidfile", required_argument, NULL, OPT_PIDFILE },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "foreground", no_argument, NULL, OPT_FOREGROUND },
	{ "no-sandbox", no_argument, NULL, OPT_NO_SANDBOX },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ 0 },
};

/* Parse argv into cfg; 0, or the exit code to leave with (EXIT_SUCCESS for --help). */
static int parse_argv(int argc, char **argv, struct sg_config *cfg, bool *foreground,
		      int *exit_code)
{
	int c;

	while ((c = getopt_long(argc, argv, "hv", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_SOCKET:
			cfg->socket_path = optarg;
			break;
		case OPT_SOCKET_MODE:
			if (parse_mode(optarg, &cfg->socket_mode) < 0) {
				fprintf(stderr, "sysgated: invalid socket mode '%s'\n", optarg);
				usage(stderr);
				*exit_code = 2;
				return 1;
			}
			break;
		case OPT_SOCKET_GROUP:
			cfg->socket_group = optarg;
			break;
		case OPT_LOG:
			cfg->audit_path = optarg;
			break;
		case OPT_PIDFILE:
			cfg->pidfile = optarg;
			break;
		case OPT_CONFIG:
			cfg->config_path = optarg;
			cfg->config_required = true;
			break;
		case OPT_FOREGROUND:
			*foreground = true;
			break;
		case OPT_NO_SANDBOX:
			cfg->sandbox = false;
			break;
		case 'v':
			cfg->log_level = LOG_DEBUG;
			break;
		case 'h':
			usage(stdout);
			*exit_code = EXIT_SUCCESS;
			return 1;
		case OPT_VERSION:
			printf("sysgated %s\n", SG_VERSION);
			*exit_code = EXIT_SUCCESS;
			return 1;
		default:
			usage(stderr);
			*exit_code = 2;
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sysgated: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		*exit_code = 2;
		return 1;
	}
	if (!cfg->socket_path[0] || !cfg->audit_path[0] || !cfg->config_path[0]) {
		fprintf(stderr, "sysgated: empty path\n");
		*exit_code = 2;
		return 1;
	}
	return 0;
}

/*
 * Double fork and setsid.  The original process waits for a byte on a pipe
 * (the daemon accepts connections) and exits 0, or 1 when the pipe closes
 * without one.  Returns the pipe's write end in the daemon, or -errno.
 * keep_stdout: the audit log is standard output.
 */
static int daemonize(bool keep_stdout)
{
	int p[2], null;
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0)
		return negative_errno();
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return negative_errno();
	if (pid > 0) {
		ssize_t n;

		safe_close(p[1]);
		do
			n = read(p[0], &c, 1);
		while (n < 0 && errno == EINTR);
		(void)waitpid(pid, NULL, 0);
		_exit(n == 1 ? EXIT_SUCCESS : EXIT_FAILURE);
	}
	safe_close(p[0]);
	if (setsid() < 0)
		_exit(EXIT_FAILURE);
	pid = fork();
	if (pid < 0)
		_exit(EXIT_FAILURE);
	if (pid > 0)
		_exit(EXIT_SUCCESS);
	umask(022);
	if (chdir("/") < 0)
		return negative_errno();
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return negative_errno();
	/* Standard error stays until the daemon is ready, so start-up errors are seen. */
	if (dup2(null, STDIN_FILENO) < 0 || (!keep_stdout && dup2(null, STDOUT_FILENO) < 0))
		return negative_errno();
	safe_close(null);
	return p[1];
}

int main(int argc, char **argv)
{
	_cleanup_free_ char *sock = NULL, *log = NULL, *pidfile = NULL, *conf = NULL;
	struct sg_config cfg;
	bool foreground = false;
	int exit_code = 0, ready = -EBADF, r;

	sysgated_config_init(&cfg);
	if (parse_argv(argc, argv, &cfg, &foreground, &exit_code))
		return exit_code;
	log_setup(cfg.log_level, false);

	if (!foreground) {
		/* the daemon runs in /: relative paths are the caller's */
		sock = absolute(cfg.socket_path);
		log = strcmp(cfg.audit_path, "-") == 0 ? strdup("-") : absolute(cfg.audit_path);
		pidfile = cfg.pidfile ? absolute(cfg.pidfile) : NULL;
		conf = absolute(cfg.config_path);
		if (!sock || !log || (cfg.pidfile && !pidfile) || !conf) {
			log_err(-ENOMEM, "cannot resolve the paths");
			return EXIT_FAILURE;
		}
		cfg.socket_path = sock;
		cfg.audit_path = log;
		cfg.pidfile = pidfile;
		cfg.config_path = conf;
		ready = daemonize(strcmp(log, "-") == 0);
		if (ready < 0) {
			log_err(ready, "cannot daemonize");
			return EXIT_FAILURE;
		}
	}
	r = daemon_run(&cfg, ready);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
