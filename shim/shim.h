/* SPDX-License-Identifier: MIT */
/* sysgate-run: the launcher that puts a command under a sysgate seccomp filter. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/signalfd.h>
#include <sys/types.h>

#include "macro.h"

/* Exit codes shared with the shell conventions (see --help). */
#define SHIM_EXIT_FAILURE 125  /* sysgate-run's own failure */
#define SHIM_EXIT_CANNOT_EXEC 126
#define SHIM_EXIT_NOT_FOUND 127
/* CMD killed by its policy: 128 + SIGSYS, whether the kernel killed it (kill quiet,
 * SIGSYS) or the daemon did (kill, SIGKILL through a pidfd). */
#define SHIM_EXIT_POLICY_KILL (128 + SIGSYS)

#define SHIM_DEFAULT_POLICY "default"
#define SHIM_ETC_POLICYDIR "/etc/sysgate/policies"

/* What main() parsed from the command line. */
struct run_opts {
	const char *policy;      /* -p: a file or a NAME */
	const char *socket_path; /* -s; NULL: $SYSGATE_SOCKET, then SG_DEFAULT_SOCKET */
	const char *log;         /* --log of the embedded daemon; "-" = our standard error */
	int mechanism;           /* enum sg_mechanism */
	bool embedded;
	bool print_filter;
	bool audit; /* --audit */
	bool swappable;           /* --swappable: the filter routes every call */
	bool policy_given;        /* -p was given */
	const char *learn_out;    /* --learn OUT.policy; NULL: not learning */
	const char *learn_default; /* --learn-default ACTION; NULL: deny EPERM */
	bool verbose;
	char **argv; /* the command and its arguments, NULL-terminated; NULL when absent */
};

/* The signals sysgate-run forwards to the command, read from a signalfd. */
struct run_signals {
	sigset_t forward;           /* forwarded signals that were not ignored at start */
	sigset_t orig_mask;         /* the mask to give back to children */
	struct sigaction orig_chld; /* SIGCHLD's disposition at start */
	int fd;                     /* signalfd for forward + SIGCHLD; -EBADF when unset */
};

/* A private sysgated run by sysgate-run for one command. */
struct embedded {
	pid_t pid;       /* the daemon process; 0 when none or reaped */
	char *dir;       /* private directory (0700); NULL when none */
	char *sock_path; /* dir/sock */
};

/* log.c */

/* Print "sysgate-run: MSG", with ": strerror(-r)" when r < 0 (r == 0: the message
 * alone); returns r.  The caller that knows the context says it, once. */
_printf_(2, 3) int shim_err(int r, const char *fmt, ...);
/* Print "sysgate-run: MSG" with -v only. */
_printf_(1, 2) void shim_info(const char *fmt, ...);
/* -v: whether shim_info() prints. */
void shim_log_verbose(bool on);

/* run.c */

/* Load the policy, start the command under its filter, wait; returns the exit code. */
int run_command(const struct run_opts *o);

/* learn.c */

struct sg_policy;
/* The policy of a --learn session (allows everything); checks that OUT can be written. */
int learn_policy(const struct run_opts *o, char **ret_path, char **ret_text,
		 struct sg_policy **ret_policy);
/* After the command exited (not yet reaped): fetch what the session did and write
 * the learnt policy to o->learn_out; 0 or a negative errno (reported). */
int learn_fetch(int sock, void *buf, uint64_t session, const struct run_opts *o);

/* command.c */

/* Find CMD as execvp would; 0 and *ret_path, -ENOENT when absent, -EACCES or
 * another negative errno when found but not executable. */
int command_find(const char *cmd, char **ret_path);
/* The argv execvp uses for a file without '#!': /bin/sh PATH ARGS...; free the array only. */
char **command_sh_argv(char *path, char *const *argv);

/* policy_find.c */

/* trap_env.c: LD_PRELOAD, socket path and memfds with the filter and the policy, in our
 * environment for the command to inherit. */
struct sock_fprog;
/* 0 when LD_PRELOAD can reach path (dynamic x86_64 ELF, or not ELF); -ENOEXEC, said. */
int trap_check_exec(const char *path);
int trap_env_prepare(const char *sock_path, const char *policy_name, uint32_t flags,
		     const char *policy_text, int unreachable_errno,
		     const struct sock_fprog *prog);

/* Resolve a --policy argument to a file path; 0 and *ret_path, or -ENOENT. */
int policy_find(const char *arg, char **ret_path);
/* Why a NAME was not found ("not found in DIRS: ...") and what would find it, naming the
 * source tree's policies when run from a build tree (malloc'd; NULL without memory). */
char *policy_find_describe(const char *name);

/* signals.c */

/* Block the forwarded signals and SIGCHLD and open a signalfd for them. */
int signals_setup(struct run_signals *s);
/* Give a child back the mask and SIGCHLD disposition sysgate-run started with. */
int signals_restore(const struct run_signals *s);
/* Read one pending signal: 1 and *ret, 0 when none is pending, or -errno. */
int signals_read(const struct run_signals *s, struct signalfd_siginfo *ret);
/* Wait until a signal is pending (timeout_ms < 0: forever): 1, 0 on timeout or EINTR, -errno. */
int signals_wait(const struct run_signals *s, int timeout_ms);
/* Whether si is a forwarded signal that child did not already get. */
bool signals_should_forward(const struct run_signals *s, const struct signalfd_siginfo *si,
			    pid_t child);
/* Close the signalfd (the signals stay blocked); accepts an unset struct. */
void signals_done(struct run_signals *s);

/* embedded.c */

/* Start a private daemon listening on a socket in a new private directory. */
int embedded_start(struct embedded *e, const struct run_opts *o, const struct run_signals *s);
/* Reap the daemon if it has exited: 1 (and *ret_status), 0 while it runs, -errno. */
int embedded_reap(struct embedded *e, int *ret_status);
/* Wait for the daemon to exit by itself: 0 and *ret_status, 1 when a forwarded signal
 * interrupted the wait, or -errno. */
int embedded_wait(struct embedded *e, const struct run_signals *s, int *ret_status);
/* Stop the daemon (SIGTERM, then SIGKILL) and reap it. */
void embedded_stop(struct embedded *e);
/* Remove the socket and the private directory; accepts an unset struct. */
void embedded_remove(struct embedded *e);
