/* SPDX-License-Identifier: MIT */
/* State and helpers shared by the harness's own files (not for tests). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "harness.h"

struct sg_harness {
	char *dir, *sock, *audit, *daemon_err;
	pid_t daemon;
	int daemon_pidfd;
	unsigned counter; /* names output files of commands */
	void **allocs;    /* freed at teardown */
	size_t n_allocs, cap_allocs;
	json_object **jsons; /* put at teardown */
	size_t n_jsons, cap_jsons;
	json_object *audit_cache; /* the audit log as last parsed (tracked) */
	off_t audit_cache_size;   /* the log's size then */
	struct sg_proc **procs; /* every command started */
	size_t n_procs, cap_procs;
};

/* The one harness of this test process (criterion runs each test in its own process). */
extern struct sg_harness sg_h;

/* Keep p until teardown; fails on NULL. */
void *sg_track(void *p);
/* Keep a JSON object until teardown; returns it. */
json_object *sg_json_track(json_object *o);
/* Release every tracked JSON object. */
void sg_json_free_all(void);
int64_t sg_now_ms(void);
void sg_sleep_ms(int ms);
/* Fork and exec argv in a new process group with stdout/stderr to files. */
pid_t sg_fork_exec(const char *const argv[], const struct sg_opts *o, const char *out_path,
		   const char *err_path, bool stdin_pipe, int *ret_stdin_fd);
