/* SPDX-License-Identifier: MIT */
/*
 * Whether an id is mapped in a task's user namespace, for the chown emulator,
 * with a small cache of namespaces' maps: a map is written once in a
 * namespace's life, so once seen non-empty it never changes.  An entry holds
 * its namespace open (an fd on /proc/TID/ns/user), so the namespace, and the
 * inode number that identifies it, cannot be freed and reused while cached.
 * A call costs one stat of /proc/TID/ns/user instead of reading two /proc files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "emu/emu.h"
#include "proc.h"

#define IDMAP_SLOTS 8    /* namespaces cached */
#define IDMAP_EXTENTS 16 /* extents per map cached; a longer map is read every time */
#define MAP_EXTENTS_MAX 340 /* the kernel's limit of lines in a uid_map or gid_map */
#define MAP_TEXT_MAX 16384  /* 340 lines of "%10u %10u %10u\n" fit */

struct extent {
	uint32_t inside, count;
};

struct idmap {
	int fd;      /* the namespace, held; -EBADF: free slot */
	dev_t dev;
	ino_t ino;
	unsigned n[2];                         /* [0] uid_map, [1] gid_map */
	struct extent ext[2][IDMAP_EXTENTS];
};

struct idmap_cache {
	struct idmap slot[IDMAP_SLOTS];
	unsigned next; /* the slot to fill next */
};

/* Parse a uid_map/gid_map text ("inside outside count" per line; outside is in the
 * reader's namespace) into ext: the count of extents, -EIO when a line is malformed or
 * there are more than max. */
static int parse_map(const char *text, struct extent *ext, unsigned max)
{
	unsigned k = 0;

	for (const char *p = text; *p;) {
		unsigned long inside, count;
		char *end;

		errno = 0;
		inside = strtoul(p, &end, 10);
		(void)strtoul(end, &end, 10);
		count = strtoul(end, &end, 10);
		if (end == p || errno || inside > UINT32_MAX || count > UINT32_MAX || k == max)
			return -EIO;
		ext[k++] = (struct extent){ (uint32_t)inside, (uint32_t)count };
		p = strchrnul(end, '\n');
		if (*p)
			p++;
	}
	return (int)k;
}

static bool in_map(const struct extent *ext, unsigned n, uint32_t id)
{
	if (id == UINT32_MAX) /* -1: "unchanged" */
		return true;
	for (unsigned i = 0; i < n; i++)
		if (id >= ext[i].inside && id - ext[i].inside < ext[i].count)
			return true;
	return false;
}

/* Read tid's uid_map (gid: gid_map) into ext: the count of extents, or -errno (-ESRCH:
 * the task is gone). */
static int read_map(pid_t tid, bool gid, struct extent *ext)
{
	char path[64], text[MAP_TEXT_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)tid, gid ? "gid_map" : "uid_map");
	n = proc_read(path, text, sizeof(text));
	if (n < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	return parse_map(text, ext, MAP_EXTENTS_MAX);
}

static int stat_errno(void)
{
	return errno == ENOENT ? -ESRCH : negative_errno();
}

/* Cache the maps of the namespace held by fd (which tid was in when both were read),
 * when they are written and short enough; fd is taken either way. */
static void remember(struct idmap_cache *c, int fd, pid_t tid,
		     struct extent map[2][MAP_EXTENTS_MAX], const int n[2])
{
	char path[64];
	struct stat held, now;
	struct idmap *e;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)tid);
	if (n[0] == 0 || n[1] == 0 || n[0] > IDMAP_EXTENTS || n[1] > IDMAP_EXTENTS ||
	    fstat(fd, &held) < 0 || stat(path, &now) < 0 || held.st_dev != now.st_dev ||
	    held.st_ino != now.st_ino) {
		/* not written yet (it may be later), too long, or it moved meanwhile (the
		 * maps may be of two namespaces) */
		close(fd);
		return;
	}
	e = &c->slot[c->next];
	c->next = (c->next + 1) % IDMAP_SLOTS;
	safe_close(e->fd);
	e->fd = fd;
	e->dev = held.st_dev;
	e->ino = held.st_ino;
	for (int g = 0; g < 2; g++) {
		e->n[g] = (unsigned)n[g];
		memcpy(e->ext[g], map[g], (size_t)n[g] * sizeof(map[g][0]));
	}
}

/* Whether uid and gid are inside the task's uid_map and gid_map; see emulate.h. */
int tid_mapped(struct sysgated *d, pid_t tid, uint32_t uid, uint32_t gid)
{
	struct idmap_cache *c = d ? d->idmap : NULL;
	struct extent map[2][MAP_EXTENTS_MAX];
	char path[64];
	struct stat st;
	int fd, n[2];

	if (d && !c && (c = calloc(1, sizeof(*c)))) { /* without memory: uncached */
		for (unsigned i = 0; i < IDMAP_SLOTS; i++)
			c->slot[i].fd = -EBADF;
		d->idmap = c;
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)tid);
	if (stat(path, &st) < 0)
		return stat_errno();
	for (unsigned i = 0; c && i < IDMAP_SLOTS; i++) {
		const struct idmap *e = &c->slot[i];

		if (e->fd >= 0 && e->dev == st.st_dev && e->ino == st.st_ino)
			return in_map(e->ext[0], e->n[0], uid) && in_map(e->ext[1], e->n[1], gid);
	}
	/* a miss: hold the namespace, then read both maps */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return stat_errno();
	if ((n[0] = read_map(tid, false, map[0])) < 0 || (n[1] = read_map(tid, true, map[1])) < 0) {
		close(fd);
		return n[0] < 0 ? n[0] : n[1];
	}
	if (c)
		remember(c, fd, tid, map, n);
	else
		close(fd);
	return in_map(map[0], (unsigned)n[0], uid) && in_map(map[1], (unsigned)n[1], gid);
}

/* Close the cached namespaces and free the cache; see daemon.h. */
void idmap_free(struct sysgated *d)
{
	if (!d->idmap)
		return;
	for (unsigned i = 0; i < IDMAP_SLOTS; i++)
		safe_close(d->idmap->slot[i].fd);
	free(d->idmap);
	d->idmap = NULL;
}
