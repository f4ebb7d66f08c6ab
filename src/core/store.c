/* store.c - session state snapshots for --state-dir.
 *
 * Layout (integers big-endian): "MQSTATE1", the protocol level byte, a
 * u32 message count, then per message: qos, released (0/1), u16 packet
 * id, u32 length, the encoded PUBLISH; a u32 count of inbound QoS 2 ids
 * and the u16 ids; "MQEND". */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

static const char MAGIC[8] = { 'M', 'Q', 'S', 'T', 'A', 'T', 'E', '1' };
static const char TRAILER[5] = { 'M', 'Q', 'E', 'N', 'D' };

typedef struct growbuf {
	uint8_t *p;
	size_t len, cap;
	bool failed;
} growbuf;

static void put(growbuf *b, const void *data, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		uint8_t *np = realloc(b->p, cap);
		if (!np) {
			b->failed = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void put_u16(growbuf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	put(b, x, 2);
}

static void put_u32(growbuf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	put(b, x, 4);
}

static void encode_state(growbuf *b, const mq_session *s)
{
	mq_stored_slot m;
	uint32_t in = 0;
	size_t pos = 0;

	put(b, MAGIC, sizeof MAGIC);
	put(b, &s->cfg.version, 1);
	put_u32(b, (uint32_t)mq_session_inflight(s));
	while (mq_session_slot_next(s, &pos, &m)) {
		uint8_t hdr[2] = { m.qos, m.released };
		put(b, hdr, 2);
		put_u16(b, m.packet_id);
		put_u32(b, (uint32_t)(m.packet.len + m.body.len));
		put(b, m.packet.ptr, m.packet.len);
		if (m.body.len)   /* a borrowed payload */
			put(b, m.body.ptr, m.body.len);
	}
	for (uint32_t id = 1; id <= 65535; id++)
		in += (s->ids_in_qos2[id >> 3] >> (id & 7)) & 1u;
	put_u32(b, in);
	for (uint32_t id = 1; id <= 65535; id++)
		if ((s->ids_in_qos2[id >> 3] >> (id & 7)) & 1u)
			put_u16(b, (uint16_t)id);
	put(b, TRAILER, sizeof TRAILER);
}

static int io_error(char *err, size_t errlen, const char *what, const char *path)
{
	snprintf(err, errlen, "cannot %s state file '%.200s': %s", what, path, strerror(errno));
	return -MQ_E_STORE;
}

/* fsync the directory holding path, so the rename itself is durable. */
static int sync_parent(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	size_t n = !slash ? 0 : slash == path ? 1 : (size_t)(slash - path);
	if (n >= sizeof dir)
		return 0;
	memcpy(dir, path, n);
	dir[n] = '\0';
	int fd = open(n ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

int mq_store_save(const char *path, const mq_session *s, char *err, size_t errlen)
{
	growbuf b = { 0 };
	char tmp[4200];
	encode_state(&b, s);
	if (b.failed) {
		free(b.p);
		errno = ENOMEM;
		return io_error(err, errlen, "write", path);
	}
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(b.p);
		return io_error(err, errlen, "write", tmp);
	}
	size_t done = 0;
	while (done < b.len) {
		ssize_t w = write(fd, b.p + done, b.len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
		done += (size_t)w;
	}
	free(b.p);
	if (done < b.len || fsync(fd) < 0) {
		int saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return io_error(err, errlen, "write", tmp);
	}
	close(fd);
	if (rename(tmp, path) < 0 || sync_parent(path) < 0)
		return io_error(err, errlen, "replace", path);
	return 0;
}

int mq_store_lock(const char *path, char *err, size_t errlen)
{
	char lock[4200];
	snprintf(lock, sizeof lock, "%s.lock", path);
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return io_error(err, errlen, "lock", lock);
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return fd;
	int saved = errno;
	close(fd);
	if (saved == EWOULDBLOCK)
		return -MQ_E_WOULD_BLOCK;
	errno = saved;
	return io_error(err, errlen, "lock", lock);
}

typedef struct cursor {
	const uint8_t *p;
	size_t len, pos;
} cursor;

static bool take(cursor *c, size_t n, const uint8_t **out)
{
	if (c->len - c->pos < n)
		return false;
	*out = c->p + c->pos;
	c->pos += n;
	return true;
}

static bool take_u32(cursor *c, uint32_t *v)
{
	const uint8_t *x;
	if (!take(c, 4, &x))
		return false;
	*v = (uint32_t)x[0] << 24 | (uint32_t)x[1] << 16 | (uint32_t)x[2] << 8 | x[3];
	return true;
}

static bool take_u16(cursor *c, uint16_t *v)
{
	const uint8_t *x;
	if (!take(c, 2, &x))
		return false;
	*v = (uint16_t)(x[0] << 8 | x[1]);
	return true;
}

/* Parse and restore; every length checked against the file's size. */
static int restore(cursor *c, mq_session *s, char *err, size_t errlen)
{
	const uint8_t *x;
	uint32_t n, in;
	int restored = 0;
	if (!take(c, sizeof MAGIC, &x) || memcmp(x, MAGIC, sizeof MAGIC) != 0 ||
	    !take(c, 1, &x))
		return -MQ_E_MALFORMED;
	/* Without -V, a state written after falling back to 3.1.1 says what
	 * this broker speaks: start with it. */
	if (x[0] == MQ_V311 && s->cfg.version == MQ_V5 && s->cfg.version_fallback &&
	    mq_session_use_v311(s) < 0)
		return -MQ_E_NOMEM;
	if (x[0] != s->cfg.version) {
		snprintf(err, errlen, "it was written for MQTT %s; use the same -V, "
			 "or remove the file to drop what it holds",
			 x[0] == MQ_V5 ? "5" : "3.1.1");
		return -MQ_E_MALFORMED;
	}
	if (!take_u32(c, &n))
		return -MQ_E_MALFORMED;
	for (uint32_t i = 0; i < n; i++) {
		mq_stored_slot m;
		uint32_t len;
		if (!take(c, 2, &x))
			return -MQ_E_MALFORMED;
		m.qos = x[0];
		m.released = x[1] != 0;
		if (!take_u16(c, &m.packet_id) || !take_u32(c, &len) || !take(c, len, &x))
			return -MQ_E_MALFORMED;
		m.packet = (mq_bytes){ x, len };
		int rc = mq_session_restore(s, &m);
		if (rc < 0) {
			if (rc == -MQ_E_INFLIGHT_FULL)
				snprintf(err, errlen, "it holds more messages in flight than --max-inflight allows");
			return rc;
		}
		restored++;
	}
	if (!take_u32(c, &in))
		return -MQ_E_MALFORMED;
	for (uint32_t i = 0; i < in; i++) {
		uint16_t id;
		if (!take_u16(c, &id))
			return -MQ_E_MALFORMED;
		mq_session_restore_inbound(s, id);
	}
	if (!take(c, sizeof TRAILER, &x) || memcmp(x, TRAILER, sizeof TRAILER) != 0 ||
	    c->pos != c->len)
		return -MQ_E_MALFORMED;
	return restored;
}

int mq_store_load(const char *path, mq_session *s, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : io_error(err, errlen, "read", path);
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;
	if (fstat(fd, &st) == 0 && (buf = malloc((size_t)st.st_size + 1)))
		while (got < (size_t)st.st_size) {
			ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
			if (r <= 0)
				break;
			got += (size_t)r;
		}
	close(fd);
	if (!buf || got != (size_t)st.st_size) {
		free(buf);
		return io_error(err, errlen, "read", path);
	}
	cursor c = { buf, got, 0 };
	err[0] = '\0';
	int rc = restore(&c, s, err, errlen);
	free(buf);
	if (rc < 0) {
		char why[200];
		snprintf(why, sizeof why, "%s", err[0] ? err : "damaged");
		snprintf(err, errlen, "cannot use state file '%.200s': %s", path, why);
	}
	return rc;
}
