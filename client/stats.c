/* SPDX-License-Identifier: MIT */
/* sysgatectl stats: per-(session, arch, syscall) verdict counters. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include <linux/audit.h>

#include "policy.h"
#include "sysgatectl.h"


static const char *const headers[] = {
	"SESSION", "ARCH", "SYSCALL", "ALLOW", "DENY", "FAKE", "KILL", "EMULATE", "AUDIT",
};

/* Display names of a STAT row's arch and syscall. */
void stat_names(uint32_t arch, int32_t nr, const char **ret_arch, char *arch_buf,
		size_t arch_size, char *name_buf, size_t name_size)
{
	*ret_arch = call_arch_label(arch, nr, arch_buf, arch_size);
	syscall_name(arch, nr, name_buf, name_size);
}

static int add_row(const struct sg_msg *m, struct table *t)
{
	const struct sg_msg_stat *st = &m->u.stat;
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

static struct json_object *stat_to_json(const struct sg_msg *m)
{
	const struct sg_msg_stat *st = &m->u.stat;
	struct json_object *o = json_object_new_object();
	char abuf[16], name[SG_SYSCALL_NAME_MAX];
	const char *arch;

	if (!o)
		return NULL;
	stat_names(st->arch, st->nr, &arch, abuf, sizeof(abuf), name, sizeof(name));
	json_object_object_add(o, "session", json_object_new_uint64(st->session_id));
	json_object_object_add(o, "arch", json_object_new_string(arch));
	json_object_object_add(o, "syscall", json_object_new_string(name));
	json_object_object_add(o, "nr", json_object_new_int(st->nr));
	json_object_object_add(o, "counts", counts_to_json(st->counts));
	return o;
}

/* sysgatectl stats [--session ID] */
int ctl_stats(const struct ctl_config *cfg)
{
	static const struct ctl_list_view view = {
		.what = "stats", .row_type = SG_MSG_STAT,
		.n_cols = ARRAY_SIZE(headers), .headers = headers, .align = "rllrrrrrr",
		.add_row = add_row, .to_json = stat_to_json,
	};
	uint8_t pkt[64];

	return ctl_list_print(cfg, pkt, proto_encode_stats_req(pkt, sizeof(pkt), cfg->session_id),
			      &view);
}
