/* spool.c - durable queue of messages for mqpub --spool. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "input.h"
#include "options.h"
#include "spool.h"

/* Entry file: MAGIC, then per message: flags (qos | retain << 2),
 * u16 topic length, topic, u32 payload length, payload; then TRAILER and
 * a u32 message count.  Integers are big-endian. */
static const char MAGIC[8] = { 'M', 'Q', 'S', 'P', 'O', 'O', 'L', '1' };
static const char TRAILER[4] = { 'M', 'Q', 'E', 'N' };

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int fail(spool *s, const char *what, const char *name)
{
	snprintf(s->err, sizeof s->err, "spool '%.120s': %s%s%.40s: %s", s->dir, what,
		 name ? " " : "", name ? name : "", strerror(errno));
	return -1;
}

/* Take the directory lock, retrying until the deadline. */
static int take_lock(spool *s, uint64_t deadline_ms)
{
	s->lock_fd = openat(s->dir_fd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lock_fd < 0)
		return fail(s, "cannot create", ".lock");
	while (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return fail(s, "cannot lock", ".lock");
		if (deadline_ms && mq_now_ms() >= deadline_ms) {
			errno = ETIMEDOUT;
			return fail(s, "another mqpub holds", ".lock");
		}
		poll(NULL, 0, 20);
	}
	return 0;
}

static int add_msg(spool *s, const spool_msg *m)
{
	if (s->nmsgs % 64 == 0) {
		spool_msg *n = realloc(s->msgs, (s->nmsgs + 64) * sizeof *n);
		if (!n)
			return -1;
		s->msgs = n;
	}
	s->msgs[s->nmsgs++] = *m;
	s->bytes += m->topic.len + m->payload.len;
	return 0;
}

/* Parse an entry's bytes, checking every length against the file size.
 * Returns the message count or -1 for a damaged file. */
static long parse_entry(spool *s, const uint8_t *p, size_t len)
{
	size_t off = sizeof MAGIC, n = 0;
	if (len < sizeof MAGIC + 8 || memcmp(p, MAGIC, sizeof MAGIC) != 0)
		return -1;
	size_t end = len - 8;
	if (memcmp(p + end, TRAILER, 4) != 0)
		return -1;
	while (off < end) {
		if (end - off < 3)
			return -1;
		spool_msg m = { .qos = p[off] & 3, .retain = (p[off] & 4) != 0 };
		m.topic.len = (size_t)p[off + 1] << 8 | p[off + 2];
		off += 3;
		if (m.qos > 2 || end - off < m.topic.len + 4)
			return -1;
		m.topic.ptr = p + off;
		off += m.topic.len;
		m.payload.len = get32(p + off);
		off += 4;
		if (end - off < m.payload.len)
			return -1;
		m.payload.ptr = p + off;
		off += m.payload.len;
		if (mq_topic_check(m.topic.ptr, m.topic.len) < 0 || add_msg(s, &m) < 0)
			return -1;
		n++;
	}
	return n == get32(p + end + 4) ? (long)n : -1;
}

/* A whole entry file, malloc'd. */
static int read_file_at(int dir_fd, const char *name, uint8_t **out, size_t *len)
{
	int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = read_whole_fd(fd, SIZE_MAX / 2, out, len);
	close(fd);
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const spool_entry *)a)->name, ((const spool_entry *)b)->name);
}

/* Is this "<20 digits>.msg"? */
static bool entry_name(const char *n)
{
	size_t len = strlen(n);
	if (len != 24 || strcmp(n + 20, ".msg") != 0)
		return false;
	for (size_t i = 0; i < 20; i++)
		if (n[i] < '0' || n[i] > '9')
			return false;
	return true;
}

/* Collect entry names (sorted); remove temporary files of crashed runs. */
static int list_entries(spool *s)
{
	DIR *d = fdopendir(dup(s->dir_fd));
	if (!d)
		return fail(s, "cannot list", NULL);
	struct dirent *e;
	size_t cap = 0;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, ".tmp.", 5) == 0) {
			unlinkat(s->dir_fd, e->d_name, 0);
			continue;
		}
		if (!entry_name(e->d_name))
			continue;
		if (s->nentries == cap) {
			cap = cap ? cap * 2 : 16;
			spool_entry *n = realloc(s->entries, cap * sizeof *n);
			if (!n) {
				closedir(d);
				return fail(s, "out of memory", NULL);
			}
			s->entries = n;
		}
		spool_entry *en = &s->entries[s->nentries++];
		memset(en, 0, sizeof *en);
		memcpy(en->name, e->d_name, 25);   /* entry_name(): 24 chars + NUL */
	}
	closedir(d);
	if (s->nentries)
		qsort(s->entries, s->nentries, sizeof *s->entries, name_cmp);
	return 0;
}

/* Read and parse every entry; a damaged one is set aside as NAME.bad. */
static int load_entries(spool *s)
{
	size_t kept = 0;
	for (size_t i = 0; i < s->nentries; i++) {
		spool_entry en = s->entries[i];
		size_t len;
		uint64_t seq = strtoull(en.name, NULL, 10);
		if (seq >= s->next_seq)
			s->next_seq = seq + 1;
		if (read_file_at(s->dir_fd, en.name, &en.data, &len) < 0)
			return fail(s, "cannot read", en.name);
		en.first = s->nmsgs;
		long n = parse_entry(s, en.data, len);
		if (n < 0) {
			char bad[40];
			snprintf(bad, sizeof bad, "%s.bad", en.name);
			renameat(s->dir_fd, en.name, s->dir_fd, bad);
			errorf("mqpub", "spool '%s': entry %s is damaged, set aside as %s",
			       s->dir, en.name, bad);
			s->nmsgs = en.first;
			free(en.data);
			continue;
		}
		en.count = (size_t)n;
		s->entries[kept++] = en;
	}
	s->nentries = kept;
	return 0;
}

int spool_open(spool *s, const char *dir, size_t max_msgs, size_t max_bytes,
	       uint64_t deadline_ms)
{
	memset(s, 0, sizeof *s);
	s->dir_fd = s->lock_fd = -1;
	s->dir = strdup(dir);
	s->max_msgs = max_msgs;
	s->max_bytes = max_bytes;
	s->next_seq = 1;
	if (!s->dir)
		return fail(s, "out of memory", NULL);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return fail(s, "cannot create", NULL);
	s->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dir_fd < 0)
		return fail(s, "cannot open", NULL);
	if (take_lock(s, deadline_ms) < 0 || list_entries(s) < 0)
		return -1;
	return load_entries(s);
}

/* Encode msgs into one entry image.  Returns a malloc'd buffer. */
static uint8_t *encode_entry(const spool_msg *msgs, size_t n, size_t *len)
{
	size_t total = sizeof MAGIC + 8;
	for (size_t i = 0; i < n; i++)
		total += 7 + msgs[i].topic.len + msgs[i].payload.len;
	uint8_t *buf = malloc(total), *p = buf;
	if (!buf)
		return NULL;
	memcpy(p, MAGIC, sizeof MAGIC);
	p += sizeof MAGIC;
	for (size_t i = 0; i < n; i++) {
		const spool_msg *m = &msgs[i];
		*p++ = (uint8_t)(m->qos | (m->retain ? 4 : 0));
		put16(p, (uint16_t)m->topic.len);
		memcpy(p + 2, m->topic.ptr, m->topic.len);
		p += 2 + m->topic.len;
		put32(p, (uint32_t)m->payload.len);
		if (m->payload.len)
			memcpy(p + 4, m->payload.ptr, m->payload.len);
		p += 4 + m->payload.len;
	}
	memcpy(p, TRAILER, 4);
	put32(p + 4, (uint32_t)n);
	*len = total;
	return buf;
}

/* Write data to NAME through a temporary file, fsync'd, renamed, and the
 * directory fsync'd: after this returns 0 the entry survives a crash. */
static int write_durably(spool *s, const char *name, const uint8_t *data, size_t len)
{
	char tmp[48];
	snprintf(tmp, sizeof tmp, ".tmp.%s", name);
	int fd = openat(s->dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(s, "cannot write", tmp);
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			close(fd);
			unlinkat(s->dir_fd, tmp, 0);
			return fail(s, "cannot write", tmp);
		}
		done += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		unlinkat(s->dir_fd, tmp, 0);
		return fail(s, "cannot sync", tmp);
	}
	if (renameat(s->dir_fd, tmp, s->dir_fd, name) < 0)
		return fail(s, "cannot rename", tmp);
	if (fsync(s->dir_fd) < 0)
		return fail(s, "cannot sync", NULL);
	return 0;
}

int spool_add(spool *s, const spool_msg *msgs, size_t n)
{
	size_t bytes = 0;
	for (size_t i = 0; i < n; i++)
		bytes += msgs[i].topic.len + msgs[i].payload.len;
	if (s->nmsgs + n > s->max_msgs || s->bytes + bytes > s->max_bytes) {
		snprintf(s->err, sizeof s->err,
			 "spool '%.120s' full (%zu messages, %zu bytes queued; limits %zu, %zu)",
			 s->dir, s->nmsgs, s->bytes, s->max_msgs, s->max_bytes);
		return -1;
	}
	spool_entry *grown = realloc(s->entries, (s->nentries + 1) * sizeof *grown);
	if (!grown)
		return fail(s, "out of memory", NULL);
	s->entries = grown;
	spool_entry *en = &s->entries[s->nentries];
	memset(en, 0, sizeof *en);
	snprintf(en->name, sizeof en->name, "%020" PRIu64 ".msg", s->next_seq);
	size_t len;
	en->data = encode_entry(msgs, n, &len);
	if (!en->data)
		return fail(s, "out of memory", NULL);
	if (write_durably(s, en->name, en->data, len) < 0) {
		free(en->data);
		return -1;
	}
	s->next_seq++;
	en->first = s->nmsgs;
	if (parse_entry(s, en->data, len) != (long)n)
		return fail(s, "cannot re-read", en->name);
	en->count = n;
	s->nentries++;
	return 0;
}

/* Rewrite or delete one entry according to its messages' state.
 * Returns how many of its messages remain, or -1. */
static long settle_entry(spool *s, spool_entry *en)
{
	size_t left = 0;
	for (size_t i = 0; i < en->count; i++)
		left += !s->msgs[en->first + i].done;
	if (left == en->count)
		return (long)left;
	if (left == 0)
		return unlinkat(s->dir_fd, en->name, 0) < 0 ? fail(s, "cannot remove", en->name) : 0;
	spool_msg *rest = malloc(left * sizeof *rest);
	if (!rest)
		return fail(s, "out of memory", NULL);
	size_t k = 0;
	for (size_t i = 0; i < en->count; i++)
		if (!s->msgs[en->first + i].done)
			rest[k++] = s->msgs[en->first + i];
	size_t len;
	uint8_t *img = encode_entry(rest, left, &len);
	free(rest);
	int rc = img ? write_durably(s, en->name, img, len) : fail(s, "out of memory", NULL);
	free(img);
	return rc < 0 ? -1 : (long)left;
}

long spool_settle(spool *s)
{
	long remaining = 0;
	for (size_t i = 0; i < s->nentries; i++) {
		long left = settle_entry(s, &s->entries[i]);
		if (left < 0)
			return -1;
		remaining += left;
	}
	return remaining;
}

void spool_close(spool *s)
{
	for (size_t i = 0; i < s->nentries; i++)
		free(s->entries[i].data);
	free(s->entries);
	free(s->msgs);
	if (s->dir) {   /* a zeroed spool owns no descriptors */
		if (s->lock_fd >= 0)
			close(s->lock_fd);
		if (s->dir_fd >= 0)
			close(s->dir_fd);
	}
	free(s->dir);
	memset(s, 0, sizeof *s);
	s->dir_fd = s->lock_fd = -1;
}
