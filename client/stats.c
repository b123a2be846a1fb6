/* SPDX-License-Identifier: MIT */
/* sysgatectl stats: per-(session, arch, syscall) verdict counters. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include <linux/audit.h>

#include "policy.h"
#include "sysgatectl.h"

#define X32_SYSCALL_BIT 0x40000000

static const char *const headers[] = {
	"SESSION", "ARCH", "SYSCALL", "ALLOW", "DENY", "FAKE", "KILL", "EMULATE", "AUDIT",
};

/* Display names of a STAT row's arch and syscall. */
void stat_names(uint32_t arch, int32_t nr, const char **ret_arch, char *arch_buf,
		size_t arch_size, char *name_buf, size_t name_size)
{
	const char *a;

	/* The kernel reports x32 calls as x86_64 with the x32 bit in the number. */
	if (arch == AUDIT_ARCH_X86_64 && (nr & X32_SYSCALL_BIT))
		arch = SCMP_ARCH_X32;
	a = arch_to_name(arch);
	if (!a) {
		snprintf(arch_buf, arch_size, "0x%08" PRIx32, arch);
		a = arch_buf;
	}
	*ret_arch = a;
	syscall_name(arch, nr, name_buf, name_size);
}

static int add_row(const struct sg_msg *m, void *userdata)
{
	const struct sg_msg_stat *st = &m->u.stat;
	struct table *t = userdata;
	char abuf[16], name[SG_SYSCALL_NAME_MAX];
	const char *arch;
	int r = 0;

	stat_names(st->arch, st->nr, &arch, abuf, sizeof(abuf), name, sizeof(name));
	r |= table_add(t, "%" PRIu64, st->session_id);
	r |= table_add(t, "%s", arch);
	r |= table_add(t, "%s", name);
	for (unsigned i = 0; i < SG_NCOUNTS; i++)
		r |= table_add(t, "%" PRIu64, st->counts[i]);
	return r < 0 ? -ENOMEM : 0;
}

static int add_json(const struct sg_msg *m, void *userdata)
{
	const struct sg_msg_stat *st = &m->u.stat;
	struct json_object *o = json_object_new_object();
	char abuf[16], name[SG_SYSCALL_NAME_MAX];
	const char *arch;

	if (!o)
		return -ENOMEM;
	stat_names(st->arch, st->nr, &arch, abuf, sizeof(abuf), name, sizeof(name));
	json_object_object_add(o, "session", json_object_new_uint64(st->session_id));
	json_object_object_add(o, "arch", json_object_new_string(arch));
	json_object_object_add(o, "syscall", json_object_new_string(name));
	json_object_object_add(o, "nr", json_object_new_int(st->nr));
	json_object_object_add(o, "counts", counts_to_json(st->counts));
	if (json_object_array_add(userdata, o) < 0) {
		json_object_put(o);
		return -ENOMEM;
	}
	return 0;
}

/* sysgatectl stats [--session ID] */
int ctl_stats(const struct ctl_config *cfg)
{
	struct ctl_conn c = { .fd = -EBADF };
	struct table *t = NULL;
	struct json_object *arr = NULL;
	uint8_t pkt[64];
	int r;

	if (cfg->json)
		arr = json_object_new_array();
	else
		t = table_new(ARRAY_SIZE(headers), headers, "rllrrrrrr");
	if (!t && !arr)
		return ctl_error(-ENOMEM, "out of memory");
	r = ctl_connect(cfg, &c);
	if (r >= 0)
		r = ctl_list(&c, pkt, proto_encode_stats_req(pkt, sizeof(pkt), cfg->session_id),
			     "stats", SG_MSG_STAT, arr ? add_json : add_row,
			     arr ? (void *)arr : (void *)t);
	if (r >= 0)
		r = arr ? json_print(arr) : table_print(t, stdout);
	ctl_conn_done(&c);
	json_object_put(arr);
	table_free(t);
	return r;
}
