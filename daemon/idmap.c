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
#include "emulate.h"

#define IDMAP_SLOTS 8    /* namespaces cached */
#define IDMAP_EXTENTS 16 /* extents per map cached; a longer map is read every time */

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

/* Scan a uid_map/gid_map text ("inside outside count" per line): whether id is inside
 * it; its first max extents go to ext, *n_ext gets their count (-1: more than max, or a
 * malformed line). */
static bool scan_map(const char *text, uint32_t id, struct extent *ext, unsigned max,
		     int *n_ext)
{
	bool found = false;
	int k = 0;

	for (const char *p = text; *p;) {
		unsigned long inside, count;
		char *end;

		errno = 0;
		inside = strtoul(p, &end, 10);
		(void)strtoul(end, &end, 10); /* outside: in the reader's namespace */
		count = strtoul(end, &end, 10);
		if (end == p || errno || inside > UINT32_MAX || count > UINT32_MAX) {
			k = -1;
			break;
		}
		if (id == UINT32_MAX || (id >= inside && id - inside < count))
			found = true;
		if (k >= 0 && (unsigned)k < max)
			ext[k++] = (struct extent){ (uint32_t)inside, (uint32_t)count };
		else
			k = -1;
		p = strchrnul(end, '\n');
		if (*p)
			p++;
	}
	*n_ext = k;
	return found;
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

/* Read tid's uid_map (gid: gid_map) into text; -errno (-ESRCH: the task is gone). */
static int read_map(pid_t tid, bool gid, char *text, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)tid, gid ? "gid_map" : "uid_map");
	n = proc_read(path, text, size);
	if (n < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	return 0;
}

static int stat_errno(void)
{
	return errno == ENOENT ? -ESRCH : negative_errno();
}

/* Cache the maps of the namespace held by fd (which tid was in when both texts were
 * read), when they are written and short enough. */
static void remember(struct idmap_cache *c, int fd, pid_t tid, const char *texts[2])
{
	char path[64];
	struct stat held, now;
	struct idmap *e;
	int n[2];

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)tid);
	if (fstat(fd, &held) < 0 || stat(path, &now) < 0 || held.st_dev != now.st_dev ||
	    held.st_ino != now.st_ino) { /* it moved meanwhile: the texts may be mixed */
		close(fd);
		return;
	}
	e = &c->slot[c->next];
	for (int g = 0; g < 2; g++)
		(void)scan_map(texts[g], 0, e->ext[g], IDMAP_EXTENTS, &n[g]);
	if (n[0] <= 0 || n[1] <= 0) { /* not written yet (it may be later), or too long */
		close(fd);
		return;
	}
	c->next = (c->next + 1) % IDMAP_SLOTS;
	if (e->fd >= 0)
		close(e->fd);
	e->fd = fd;
	e->dev = held.st_dev;
	e->ino = held.st_ino;
	e->n[0] = (unsigned)n[0];
	e->n[1] = (unsigned)n[1];
}

/* Whether uid and gid are inside the task's uid_map and gid_map; see emulate.h. */
int tid_mapped(struct sysgated *d, pid_t tid, uint32_t uid, uint32_t gid)
{
	char path[64], text[2][4096];
	const char *texts[2] = { text[0], text[1] };
	struct extent ext[IDMAP_EXTENTS];
	struct stat st;
	bool found;
	int fd, r, n;

	struct idmap_cache *c = d ? d->idmap : NULL;

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
	if ((r = read_map(tid, false, text[0], sizeof(text[0]))) < 0 ||
	    (r = read_map(tid, true, text[1], sizeof(text[1]))) < 0) {
		close(fd);
		return r;
	}
	found = scan_map(text[0], uid, ext, IDMAP_EXTENTS, &n) &&
		scan_map(text[1], gid, ext, IDMAP_EXTENTS, &n);
	if (c)
		remember(c, fd, tid, texts);
	else
		close(fd);
	return found;
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
