/* SPDX-License-Identifier: MIT */
/* sysgatectl: option parsing and dispatch to the verbs. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "sysgatectl.h"
#include "sysgate.h"

#define EXIT_USAGE 2

enum {
	OPT_JSON = 0x100,
	OPT_VERSION,
	OPT_SESSION,
	OPT_LOG,
	OPT_STRICT,
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " CTL_NAME " [-s|--socket PATH] [--json] [-h|--help] [--version] COMMAND\n"
		"\n"
		"Query and steer sysgated, the sysgate syscall supervisor.\n"
		"\n"
		"Commands:\n"
		"  status                      daemon pid, version, uptime and counters (of your own\n"
		"                              sessions unless you are root)\n"
		"  sessions                    list the supervised sessions you can see\n"
		"  session ID                  show one session\n"
		"  session ID audit|enforce    switch a session to audit or enforce mode\n"
		"  policy load ID FILE         replace a running session's policy (refused, with\n"
		"                              the rules, when its filter cannot carry it out)\n"
		"  learn ID [-o FILE]          write the policy learnt from what a session did\n"
		"  stats [--session ID]        verdict counts per session, arch and syscall\n"
		"  log [-f] [--session ID]     print the audit records the daemon holds;\n"
		"                              with -f, keep printing new ones\n"
		"  policy check FILE           parse, check and compile a policy file; warn on\n"
		"                              stderr about rules that never match, syscalls\n"
		"                              missing on an arch, execve or exit_group refused\n"
		"                              (with --strict, a warning fails the check)\n"
		"  policy show FILE            print the compiled filter as libseccomp PFC\n"
		"  policy diff OLD NEW         what NEW decides differently from OLD, per\n"
		"                              syscall and arch (exit 1 if any, 0 if none, 2 on\n"
		"                              errors)\n"
		"  policy merge A B [...] [-o FILE]\n"
		"                              one policy allowing what any of A, B... allows\n"
		"  policy replay FILE --log LOGFILE | --session ID\n"
		"                              the recorded calls FILE would decide differently\n"
		"                              (exit 1 if any, 0 if none, 2 on errors)\n"
		"\n"
		"Options:\n"
		"  -s, --socket PATH           daemon socket (default: $SYSGATE_SOCKET, then\n"
		"                              " SG_DEFAULT_SOCKET ")\n"
		"      --json                  print JSON: one document; for log, the daemon's\n"
		"                              records, one per line\n"
		"      --session ID            only this session (stats, log); replay: the\n"
		"                              daemon's records of this session\n"
		"      --log LOGFILE           replay: a saved audit log (JSON lines, - = stdin)\n"
		"  -f, --follow                log: stream new records until interrupted\n"
		"      --strict                policy check: exit 1 when there are warnings\n"
		"  -o, --output FILE           policy merge, learn: write FILE (atomically), not stdout\n"
		"  -h, --help                  show this help and exit\n"
		"      --version               show the version and exit\n"
		"\n"
		"policy check, show, diff, merge and replay --log do not need the daemon.\n"
		"Exit status: 0 on success, 1 on failure, 2 on a usage error.\n");
}

static int usage_error(const char *fmt, const char *arg)
{
	fputs(CTL_NAME ": ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry '" CTL_NAME " --help' for more information.\n", stderr);
	return -EINVAL;
}

/* A session id: decimal, 1..UINT64_MAX. */
static int parse_id(const char *s, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* The words of command cfg->verb (already counted) into cfg. */
static int take_words(struct ctl_config *cfg, char **words, int n)
{
	if ((cfg->verb == CTL_SESSION || cfg->verb == CTL_LEARN) &&
	    parse_id(words[1], &cfg->session_id) < 0)
		return usage_error("invalid session id '%s'", words[1]);
	if (cfg->verb == CTL_POLICY_LOAD) {
		if (parse_id(words[2], &cfg->session_id) < 0)
			return usage_error("invalid session id '%s'", words[2]);
		cfg->file = words[3];
	}
	if (cfg->verb == CTL_POLICY_CHECK || cfg->verb == CTL_POLICY_SHOW ||
	    cfg->verb == CTL_POLICY_REPLAY)
		cfg->file = words[2];
	if (cfg->verb == CTL_POLICY_DIFF) {
		cfg->file = words[2];
		cfg->file2 = words[3];
	}
	if (cfg->verb == CTL_POLICY_MERGE) {
		cfg->files = (const char *const *)words + 2;
		cfg->n_files = (size_t)(n - 2);
	}
	return 0;
}

/* The command words after the options: verb and its arguments. */
static int parse_command(int n, char **words, struct ctl_config *cfg)
{
	static const struct {
		const char *name, *sub;
		enum ctl_verb verb;
		int n_args; /* words after name (and sub); negative: at least that many */
	} verbs[] = {
		{ "status", NULL, CTL_STATUS, 0 },
		{ "sessions", NULL, CTL_SESSIONS, 0 },
		{ "session", NULL, CTL_SESSION, 1 },
		{ "stats", NULL, CTL_STATS, 0 },
		{ "log", NULL, CTL_LOG, 0 },
		{ "policy", "check", CTL_POLICY_CHECK, 1 },
		{ "policy", "show", CTL_POLICY_SHOW, 1 },
		{ "policy", "replay", CTL_POLICY_REPLAY, 1 },
		{ "policy", "diff", CTL_POLICY_DIFF, 2 },
		{ "policy", "merge", CTL_POLICY_MERGE, -2 },
		{ "policy", "load", CTL_POLICY_LOAD, 2 },
		{ "learn", NULL, CTL_LEARN, 1 },
	};
	int skip;

	if (n == 0)
		return usage_error("missing command%s", "");
	if (n == 3 && strcmp(words[0], "session") == 0) {
		if (strcmp(words[2], "audit") != 0 && strcmp(words[2], "enforce") != 0)
			return usage_error("'session ID': expected 'audit' or 'enforce', not '%s'",
					   words[2]);
		if (parse_id(words[1], &cfg->session_id) < 0)
			return usage_error("invalid session id '%s'", words[1]);
		cfg->verb = CTL_SESSION_MODE;
		cfg->audit = strcmp(words[2], "audit") == 0;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++) {
		if (strcmp(words[0], verbs[i].name) != 0)
			continue;
		if (verbs[i].sub && (n < 2 || strcmp(words[1], verbs[i].sub) != 0))
			continue;
		skip = verbs[i].sub ? 2 : 1;
		if (n - skip < abs(verbs[i].n_args))
			return usage_error("'%s': missing argument", words[0]);
		if (verbs[i].n_args >= 0 && n - skip > verbs[i].n_args)
			return usage_error("unexpected argument '%s'", words[skip + verbs[i].n_args]);
		cfg->verb = verbs[i].verb;
		return take_words(cfg, words, n);
	}
	if (strcmp(words[0], "policy") == 0)
		return usage_error(n < 2 ? "'policy' needs 'check', 'show', 'diff', 'merge', 'replay' or 'load'%s"
					 : "unknown policy command '%s'", n < 2 ? "" : words[1]);
	return usage_error("unknown command '%s'", words[0]);
}

/* Parse argv into cfg: 0 to run, 1 when done (--help, --version), -EINVAL on a usage error. */
static int parse_args(int argc, char **argv, struct ctl_config *cfg)
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "session", required_argument, NULL, OPT_SESSION },
		{ "follow", no_argument, NULL, 'f' },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "output", required_argument, NULL, 'o' },
		{ 0 },
	};
	const char *env = getenv("SYSGATE_SOCKET");
	bool has_session = false;
	int c, r;

	*cfg = (struct ctl_config){ .socket_path = env && *env ? env : SG_DEFAULT_SOCKET };
	/* Options may follow the command ("sysgatectl log -f"); getopt permutes them. */
	while ((c = getopt_long(argc, argv, "s:hfo:", options, NULL)) >= 0) {
		switch (c) {
		case 's':
			if (!*optarg)
				return usage_error("empty socket path%s", "");
			cfg->socket_path = optarg;
			break;
		case OPT_JSON:
			cfg->json = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case OPT_VERSION:
			printf(CTL_NAME " %s\n", SG_VERSION);
			return 1;
		case OPT_SESSION:
			if (parse_id(optarg, &cfg->session_id) < 0)
				return usage_error("invalid session id '%s'", optarg);
			has_session = true;
			break;
		case 'f':
			cfg->follow = true;
			break;
		case 'o':
			if (!*optarg)
				return usage_error("empty output file name%s", "");
			cfg->output = optarg;
			break;
		case OPT_STRICT:
			cfg->strict = true;
			break;
		case OPT_LOG:
			if (!*optarg)
				return usage_error("empty log file name%s", "");
			cfg->log_file = optarg;
			break;
		default: /* getopt printed the problem */
			fputs("Try '" CTL_NAME " --help' for more information.\n", stderr);
			return -EINVAL;
		}
	}
	r = parse_command(argc - optind, argv + optind, cfg);
	if (r < 0)
		return r;
	if (has_session && cfg->verb != CTL_STATS && cfg->verb != CTL_LOG &&
	    cfg->verb != CTL_POLICY_REPLAY)
		return usage_error("--session applies to stats, log and policy replay only%s", "");
	if (cfg->log_file && cfg->verb != CTL_POLICY_REPLAY)
		return usage_error("--log applies to policy replay only%s", "");
	if (cfg->verb == CTL_POLICY_REPLAY && !has_session == !cfg->log_file)
		return usage_error("policy replay needs either --log LOGFILE or --session ID%s", "");
	if (cfg->output && cfg->verb != CTL_POLICY_MERGE && cfg->verb != CTL_LEARN)
		return usage_error("--output applies to policy merge and learn only%s", "");
	if (cfg->json && cfg->verb == CTL_POLICY_MERGE)
		return usage_error("policy merge writes a policy, not JSON: no --json%s", "");
	if (cfg->strict && cfg->verb != CTL_POLICY_CHECK)
		return usage_error("--strict applies to policy check only%s", "");
	if (cfg->follow && cfg->verb != CTL_LOG)
		return usage_error("--follow applies to log only%s", "");
	return 0;
}

/* Run the parsed command; 0 or a negative errno (already reported). */
static int ctl_run(const struct ctl_config *cfg)
{
	int r;

	switch (cfg->verb) {
	case CTL_STATUS:
		r = ctl_status(cfg);
		break;
	case CTL_SESSIONS:
		r = ctl_sessions(cfg);
		break;
	case CTL_SESSION:
		r = ctl_session(cfg);
		break;
	case CTL_SESSION_MODE:
		r = ctl_session_mode(cfg);
		break;
	case CTL_STATS:
		r = ctl_stats(cfg);
		break;
	case CTL_LOG:
		r = ctl_log(cfg);
		break;
	case CTL_POLICY_CHECK:
		r = ctl_policy_check(cfg);
		break;
	case CTL_POLICY_SHOW:
		r = ctl_policy_show(cfg);
		break;
	case CTL_POLICY_REPLAY:
		r = ctl_policy_replay(cfg);
		break;
	case CTL_POLICY_DIFF:
		r = ctl_policy_diff(cfg);
		break;
	case CTL_POLICY_MERGE:
		r = ctl_policy_merge(cfg);
		break;
	case CTL_POLICY_LOAD:
		r = ctl_policy_load(cfg);
		break;
	case CTL_LEARN:
		r = ctl_learn(cfg);
		break;
	default:
		r = -EINVAL;
		break;
	}
	/* Output buffered until now can still fail (a full disk, a closed pipe). */
	if (r >= 0) {
		int k = output_checked(stdout);

		if (k < 0)
			r = k;
	}
	return r;
}

int main(int argc, char **argv)
{
	struct ctl_config cfg;
	int r;

	r = parse_args(argc, argv, &cfg);
	if (r != 0)
		return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;
	r = ctl_run(&cfg);
	/* policy replay answers like diff(1): 0 no change, 1 changes, 2 trouble. */
	if (cfg.verb == CTL_POLICY_REPLAY || cfg.verb == CTL_POLICY_DIFF)
		return r < 0 ? EXIT_USAGE : r > 0 ? 1 : 0;
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
