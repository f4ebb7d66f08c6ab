/* tls_session.c - the --tls-resume session file: format, checks, and
 * safe reading and writing.  See tls_session.h for the layout. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tls_session.h"

static const uint8_t magic[8] = { 'M', 'Q', 'T', 'L', 'S', 'S', 'E', 'S' };
#define FORMAT_VERSION 1

static void put_be(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int bytes)
{
	uint64_t v = 0;
	for (int i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

long mq_tls_session_encode(uint8_t *buf, size_t cap, const mq_tls_session_file *f)
{
	if (f->blob_len > MQ_TLS_SESSION_MAX_BLOB || cap < MQ_TLS_SESSION_HEADER + f->blob_len)
		return -1;
	memcpy(buf, magic, sizeof magic);
	buf[8] = FORMAT_VERSION;
	buf[9] = buf[10] = buf[11] = 0;
	memcpy(buf + 12, f->params, 32);
	put_be(buf + 44, f->saved_at, 8);
	put_be(buf + 52, f->lifetime, 4);
	put_be(buf + 56, f->blob_len, 4);
	memcpy(buf + MQ_TLS_SESSION_HEADER, f->blob, f->blob_len);
	return (long)(MQ_TLS_SESSION_HEADER + f->blob_len);
}

int mq_tls_session_decode(const uint8_t *buf, size_t len, mq_tls_session_file *f,
			  const char **why)
{
	if (len < sizeof magic || memcmp(buf, magic, sizeof magic) != 0) {
		*why = len < sizeof magic ? "truncated" : "bad magic";
		return -1;
	}
	if (len < MQ_TLS_SESSION_HEADER) {
		*why = "truncated";
		return -1;
	}
	if (buf[8] != FORMAT_VERSION || buf[9] || buf[10] || buf[11]) {
		*why = "unknown format version";
		return -1;
	}
	uint64_t n = get_be(buf + 56, 4);
	if (n == 0 || n > MQ_TLS_SESSION_MAX_BLOB) {
		*why = "bad session length";
		return -1;
	}
	if (len - MQ_TLS_SESSION_HEADER != n) {   /* checked against what we hold */
		*why = len - MQ_TLS_SESSION_HEADER < n ? "truncated" : "trailing bytes";
		return -1;
	}
	memcpy(f->params, buf + 12, 32);
	f->saved_at = get_be(buf + 44, 8);
	f->lifetime = (uint32_t)get_be(buf + 52, 4);
	f->blob = buf + MQ_TLS_SESSION_HEADER;
	f->blob_len = (size_t)n;
	return 0;
}

const char *mq_tls_session_usable(const mq_tls_session_file *f, const uint8_t params[32],
				  uint64_t now)
{
	if (memcmp(f->params, params, 32) != 0)
		return "was made with other TLS parameters";
	uint64_t age = f->lifetime && f->lifetime < MQ_TLS_SESSION_MAX_AGE
		? f->lifetime : MQ_TLS_SESSION_MAX_AGE;
	if (f->saved_at > now + 60)
		return "is dated in the future";
	if (now >= f->saved_at && now - f->saved_at >= age)
		return "has expired";
	return NULL;
}

int mq_tls_session_path(char *out, size_t cap, const char *dir, const uint8_t key[32])
{
	static const char hex[] = "0123456789abcdef";
	char name[65];
	for (int i = 0; i < 32; i++) {
		name[2 * i] = hex[key[i] >> 4];
		name[2 * i + 1] = hex[key[i] & 15];
	}
	name[64] = '\0';
	int n = snprintf(out, cap, "%s/%s.tls", dir, name);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* Is the open file one we may trust?  NULL if so, else why not. */
static const char *untrusted(const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return "not a regular file";
	if (st->st_uid != geteuid())
		return "not owned by us";
	if (st->st_mode & 077)
		return "readable or writable by group or others";
	return NULL;
}

long mq_tls_session_read(const char *path, uint8_t *buf, size_t cap,
			 char *why, size_t whylen)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		snprintf(why, whylen, "a symbolic link");
		return -1;
	}
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return errno == ENOENT ? 0 : -1;
	}
	const char *bad = fstat(fd, &st) < 0 ? strerror(errno) : untrusted(&st);
	size_t got = 0;
	while (!bad && got < cap) {
		ssize_t r = read(fd, buf + got, cap - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			bad = strerror(errno);
		else if (r == 0)
			break;
		else
			got += (size_t)r;
	}
	close(fd);
	if (bad) {
		snprintf(why, whylen, "%s", bad);
		return -1;
	}
	return (long)got;   /* a file longer than cap decodes as "trailing bytes" */
}

int mq_tls_session_write(const char *path, const uint8_t *buf, size_t len,
			 char *why, size_t whylen)
{
	char tmp[4200];
	int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof tmp) {
		snprintf(why, whylen, "path too long");
		return -1;
	}
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, buf + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	int err = done < len ? (errno ? errno : EIO) : 0;
	if (!err && fsync(fd) < 0)
		err = errno;
	if (close(fd) < 0 && !err)
		err = errno;
	if (!err && rename(tmp, path) < 0)
		err = errno;
	if (err) {
		unlink(tmp);
		snprintf(why, whylen, "%s", strerror(err));
		return -1;
	}
	return 0;
}
