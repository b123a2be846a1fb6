/* SPDX-License-Identifier: MIT */
/* Replacing a file whole: readers see the old contents or the new, never a part. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Replace path with len bytes of data: written to a temporary file in the same directory,
 * fsync'd, given mode (less the umask) and renamed over path.  On failure path is left as
 * it was and no temporary file remains.  0 or negative errno; never logs. */
int file_write_atomic(const char *path, const void *data, size_t len, mode_t mode);
