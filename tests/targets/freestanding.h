/* SPDX-License-Identifier: MIT */
/*
 * Raw x86_64 system calls and tiny output helpers for the freestanding seed
 * targets: no libc, so the program makes exactly the calls written in it.
 */
#pragma once

#define FS_NR_read 0
#define FS_NR_write 1
#define FS_NR_open 2
#define FS_NR_close 3
#define FS_NR_dup2 33
#define FS_NR_exit 60

#define FS_O_RDONLY 0

/* The process entry: the kernel leaves %rsp 16-byte aligned; the call keeps the ABI. */
#define FS_ENTRY(fn)                                 \
	__asm__(".text\n"                            \
		".global _start\n"                   \
		".type _start, @function\n"          \
		"_start:\n"                          \
		"\txor %ebp, %ebp\n"                 \
		"\tcall " #fn "\n"                   \
		"\tud2\n")

static inline long fs_syscall3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline long fs_syscall2(long nr, long a, long b)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return ret;
}

static inline __attribute__((noreturn)) void fs_exit(int code)
{
	for (;;)
		fs_syscall2(FS_NR_exit, code, 0);
}

static inline unsigned long fs_strlen(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	return n;
}

/* Write a string to stdout (best effort: the seed policies allow write). */
static inline void fs_puts(const char *s)
{
	fs_syscall3(FS_NR_write, 1, (long)s, (long)fs_strlen(s));
}

/* Write "<prefix><v>\n" with v in decimal. */
static inline void fs_put_long(const char *prefix, long v)
{
	char buf[32];
	unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
	int i = (int)sizeof(buf);

	buf[--i] = '\n';
	do {
		buf[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u && i > 1);
	if (v < 0)
		buf[--i] = '-';
	fs_puts(prefix);
	fs_syscall3(FS_NR_write, 1, (long)(buf + i), (long)sizeof(buf) - i);
}
