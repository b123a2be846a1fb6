/* SPDX-License-Identifier: MIT */
/*
 * Names, numbers and messages: errno names, arch names, syscall names per arch,
 * the number syntax of the policy language, and policy error messages.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include "policy-internal.h"

struct errno_name {
	const char *name;
	int err;
};

#define E(e) { #e, e }

/* Every E* constant of glibc's errno.h on Linux, canonical names first so that
 * errno_to_name() prefers them; the three aliases come last. */
static const struct errno_name errno_names[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO),
	E(ENXIO), E(E2BIG), E(ENOEXEC), E(EBADF), E(ECHILD),
	E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(ENOTBLK),
	E(EBUSY), E(EEXIST), E(EXDEV), E(ENODEV), E(ENOTDIR),
	E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY),
	E(ETXTBSY), E(EFBIG), E(ENOSPC), E(ESPIPE), E(EROFS),
	E(EMLINK), E(EPIPE), E(EDOM), E(ERANGE), E(EDEADLK),
	E(ENAMETOOLONG), E(ENOLCK), E(ENOSYS), E(ENOTEMPTY), E(ELOOP),
	E(ENOMSG), E(EIDRM), E(ECHRNG), E(EL2NSYNC), E(EL3HLT),
	E(EL3RST), E(ELNRNG), E(EUNATCH), E(ENOCSI), E(EL2HLT),
	E(EBADE), E(EBADR), E(EXFULL), E(ENOANO), E(EBADRQC),
	E(EBADSLT), E(EBFONT), E(ENOSTR), E(ENODATA), E(ETIME),
	E(ENOSR), E(ENONET), E(ENOPKG), E(EREMOTE), E(ENOLINK),
	E(EADV), E(ESRMNT), E(ECOMM), E(EPROTO), E(EMULTIHOP),
	E(EDOTDOT), E(EBADMSG), E(EOVERFLOW), E(ENOTUNIQ), E(EBADFD),
	E(EREMCHG), E(ELIBACC), E(ELIBBAD), E(ELIBSCN), E(ELIBMAX),
	E(ELIBEXEC), E(EILSEQ), E(ERESTART), E(ESTRPIPE), E(EUSERS),
	E(ENOTSOCK), E(EDESTADDRREQ), E(EMSGSIZE), E(EPROTOTYPE), E(ENOPROTOOPT),
	E(EPROTONOSUPPORT), E(ESOCKTNOSUPPORT), E(EOPNOTSUPP), E(EPFNOSUPPORT), E(EAFNOSUPPORT),
	E(EADDRINUSE), E(EADDRNOTAVAIL), E(ENETDOWN), E(ENETUNREACH), E(ENETRESET),
	E(ECONNABORTED), E(ECONNRESET), E(ENOBUFS), E(EISCONN), E(ENOTCONN),
	E(ESHUTDOWN), E(ETOOMANYREFS), E(ETIMEDOUT), E(ECONNREFUSED), E(EHOSTDOWN),
	E(EHOSTUNREACH), E(EALREADY), E(EINPROGRESS), E(ESTALE), E(EUCLEAN),
	E(ENOTNAM), E(ENAVAIL), E(EISNAM), E(EREMOTEIO), E(EDQUOT),
	E(ENOMEDIUM), E(EMEDIUMTYPE), E(ECANCELED), E(ENOKEY), E(EKEYEXPIRED),
	E(EKEYREVOKED), E(EKEYREJECTED), E(EOWNERDEAD), E(ENOTRECOVERABLE), E(ERFKILL),
	E(EHWPOISON),
	E(EWOULDBLOCK), E(EDEADLOCK), E(ENOTSUP),
};

#undef E

struct arch_name {
	const char *name;
	uint32_t arch;
};

static const struct arch_name arch_names[] = {
	{ "x86_64", SCMP_ARCH_X86_64 },
	{ "x86", SCMP_ARCH_X86 },
	{ "i386", SCMP_ARCH_X86 },
	{ "x32", SCMP_ARCH_X32 },
};

static const char *const action_names[SG_ACT_MAX] = {
	[SG_ACT_ALLOW] = "allow",
	[SG_ACT_DENY] = "deny",
	[SG_ACT_FAKE] = "fake",
	[SG_ACT_KILL] = "kill",
	[SG_ACT_EMULATE] = "emulate",
};

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* Parse "123", "0x7b" or "0173" into a uint64; -EINVAL or -ERANGE. */
int parse_uint64(const char *s, size_t len, uint64_t *ret)
{
	unsigned base = 10;
	uint64_t v = 0;
	bool overflow = false;
	size_t i = 0;

	if (!s || len == 0)
		return -EINVAL;
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
		if (len == 2)
			return -EINVAL;
	} else if (len >= 2 && s[0] == '0') {
		base = 8;
		i = 1;
	}
	for (; i < len; i++) {
		unsigned d = (unsigned)digit_value(s[i]);

		if (d >= base)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			overflow = true; /* keep scanning: a bad digit later is -EINVAL */
		v = v * base + d;
	}
	if (overflow)
		return -ERANGE;
	*ret = v;
	return 0;
}

/* errno by name ("EPERM") or number ("1"); -EINVAL when unknown or out of 1..4095. */
int errno_from_string(const char *s)
{
	uint64_t v;

	if (!s || !*s)
		return -EINVAL;
	if (*s >= '0' && *s <= '9') {
		if (parse_uint64(s, strlen(s), &v) < 0 || v < 1 || v > 4095)
			return -EINVAL;
		return (int)v;
	}
	for (size_t i = 0; i < ARRAY_SIZE(errno_names); i++)
		if (strcmp(errno_names[i].name, s) == 0)
			return errno_names[i].err;
	return -EINVAL;
}

/* Canonical name of an errno ("EAGAIN" for 11, not "EWOULDBLOCK"); NULL when unknown. */
const char *errno_to_name(int err)
{
	for (size_t i = 0; i < ARRAY_SIZE(errno_names); i++)
		if (errno_names[i].err == err)
			return errno_names[i].name;
	return NULL;
}

/* Arch token from a policy/arch name: x86_64, x86 (alias i386), x32; 0 when unknown. */
uint32_t arch_from_name(const char *name)
{
	if (!name)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(arch_names); i++)
		if (strcmp(arch_names[i].name, name) == 0)
			return arch_names[i].arch;
	return 0;
}

/* "x86_64", "x86", "x32", or NULL for any other token. */
const char *arch_to_name(uint32_t arch)
{
	for (size_t i = 0; i < ARRAY_SIZE(arch_names); i++)
		if (arch_names[i].arch == arch)
			return arch_names[i].name;
	return NULL;
}

/* Native arch plus the compat ABIs the kernel also runs (x86_64: x86 and x32). */
unsigned arch_defaults(uint32_t arches[SG_MAX_ARCHES])
{
	uint32_t native = seccomp_arch_native();
	unsigned n = 0;

	arches[n++] = native;
	if (native == SCMP_ARCH_X86_64) {
		arches[n++] = SCMP_ARCH_X86;
		arches[n++] = SCMP_ARCH_X32;
	}
	return n;
}

/* Syscall name for (arch, nr) written into buf; "nr_<N>" when unknown. Returns buf. */
/* The ABI of a reported call; see policy.h. */
uint32_t call_arch(uint32_t arch, int nr)
{
	/* The kernel reports x32 calls as AUDIT_ARCH_X86_64 with the x32 bit in nr. */
	if (arch == SCMP_ARCH_X86_64 && nr >= 0 && (nr & SG_X32_SYSCALL_BIT))
		return SCMP_ARCH_X32;
	return arch;
}

/* The label of a reported call's ABI; see policy.h. */
const char *call_arch_label(uint32_t arch, int nr, char *buf, size_t size)
{
	const char *s = arch_to_name(call_arch(arch, nr));

	if (s)
		return s;
	snprintf(buf, size, "0x%08" PRIx32, call_arch(arch, nr));
	return buf;
}

const char *syscall_name(uint32_t arch, int nr, char *buf, size_t size)
{
	char *s;

	if (!buf || size == 0)
		return buf;
	arch = call_arch(arch, nr);
	s = arch ? seccomp_syscall_resolve_num_arch(arch, nr) : NULL;
	if (s)
		snprintf(buf, size, "%s", s);
	else
		snprintf(buf, size, "nr_%d", nr);
	free(s);
	return buf;
}

/* Number of a syscall name on one arch as the kernel delivers it, or __NR_SCMP_ERROR. */
int syscall_resolve_arch(uint32_t arch, const char *name, bool *ret_known)
{
	int nr = seccomp_syscall_resolve_name_arch(arch, name);
	int base = arch == SCMP_ARCH_X32 ? SG_X32_SYSCALL_BIT : 0;

	*ret_known = nr >= 0;
	if (nr >= 0)
		return nr;
	if (nr < SG_PNR_MUX_FIRST || nr > SG_PNR_MUX_LAST)
		return __NR_SCMP_ERROR; /* unknown, or a __PNR_* placeholder: not on this arch */

	/* A socketcall/ipc multiplexed call: the kernel delivers the direct syscall of the
	 * same name when the arch has one (x86 socket is 359); libseccomp only knows the
	 * pseudo number, so look the name up among the real numbers. */
	*ret_known = true;
	for (int i = 0; i < 1024; i++) {
		char *s = seccomp_syscall_resolve_num_arch(arch, base + i);
		bool same = s && strcmp(s, name) == 0;

		free(s);
		if (same)
			return base + i;
	}
	return __NR_SCMP_ERROR;
}

/* "allow", "deny", "fake", "kill", "emulate"; NULL for an invalid kind. */
const char *action_kind_to_string(enum sg_action_kind k)
{
	if ((unsigned)k >= SG_ACT_MAX)
		return NULL;
	return action_names[k];
}

/* Fill *e (if not NULL): where, what, and the source line for the caret. */
void policy_error_set(struct sg_policy_error *e, const char *file, unsigned line, unsigned col,
		      const char *text, size_t text_len, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	memset(e, 0, sizeof(*e));
	snprintf(e->file, sizeof(e->file), "%s", file ? file : "<input>");
	e->line = line;
	e->col = col;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	if (text) {
		size_t n = text_len < sizeof(e->text) - 1 ? text_len : sizeof(e->text) - 1;

		memcpy(e->text, text, n);
		e->text[n] = '\0';
	}
}

static void append(char *buf, size_t size, size_t *n, const char *fmt, ...) _printf_(4, 5);

static void append(char *buf, size_t size, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*n >= size - 1)
		return;
	va_start(ap, fmt);
	k = vsnprintf(buf + *n, size - *n, fmt, ap);
	va_end(ap);
	if (k > 0)
		*n = *n + (size_t)k < size ? *n + (size_t)k : size - 1;
}

/* "file:line:col: error: msg\n<line>\n<caret>\n"; tabs kept so the caret lines up. */
void policy_error_format(const struct sg_policy_error *e, char *buf, size_t size)
{
	const char *file;
	size_t n = 0, tlen;

	if (!buf || size == 0)
		return;
	buf[0] = '\0';
	if (!e)
		return;
	file = e->file[0] ? e->file : "<input>";
	if (e->line == 0)
		append(buf, size, &n, "%s: error: %s\n", file, e->msg);
	else if (e->col == 0)
		append(buf, size, &n, "%s:%u: error: %s\n", file, e->line, e->msg);
	else
		append(buf, size, &n, "%s:%u:%u: error: %s\n", file, e->line, e->col, e->msg);
	if (e->line == 0 || e->text[0] == '\0')
		return;
	append(buf, size, &n, "%s\n", e->text);
	if (e->col == 0)
		return;
	tlen = strnlen(e->text, sizeof(e->text));
	for (size_t i = 0; i + 1 < e->col && n < size - 1; i++)
		buf[n++] = i < tlen && e->text[i] == '\t' ? '\t' : ' ';
	buf[n] = '\0';
	append(buf, size, &n, "^\n");
}
