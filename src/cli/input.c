/* input.c - whole-stream and line-by-line input for mqpub. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "input.h"

#define CHUNK (64u * 1024u)

/* Grow *buf to hold at least need bytes, doubling, capped at max. */
static int grow(uint8_t **buf, size_t *cap, size_t need, size_t max)
{
	if (need <= *cap)
		return 0;
	if (need > max) {
		errno = EFBIG;
		return -1;
	}
	size_t ncap = *cap ? *cap : CHUNK;
	while (ncap < need)
		ncap = ncap > max / 2 ? max : ncap * 2;
	uint8_t *nb = realloc(*buf, ncap);
	if (!nb)
		return -1;
	*buf = nb;
	*cap = ncap;
	return 0;
}

int read_whole_fd(int fd, size_t max, uint8_t **out, size_t *len)
{
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (grow(&buf, &cap, n + 1 > max ? max + 1 : n + 1, max + 1) < 0)
			goto fail;
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			errno = EFBIG;
			goto fail;
		}
	}
	*out = buf;
	*len = n;
	return 0;
fail:;
	int saved = errno;
	free(buf);
	errno = saved;
	return -1;
}

void linereader_init(linereader *lr, int fd)
{
	memset(lr, 0, sizeof *lr);
	lr->fd = fd;
}

void linereader_free(linereader *lr)
{
	free(lr->buf);
	lr->buf = NULL;
}

/* Make room after end: slide unread bytes to the front, or grow. */
static int make_room(linereader *lr)
{
	if (lr->start > 0 && (lr->end == lr->cap || lr->start >= lr->cap / 2)) {
		memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
		lr->end -= lr->start;
		lr->start = 0;
	}
	if (lr->end < lr->cap)
		return 0;
	return grow(&lr->buf, &lr->cap, lr->cap + 1, MAX_PAYLOAD + 1);
}

int linereader_fill(linereader *lr)
{
	if (lr->eof || lr->error)
		return lr->error ? -1 : 0;
	if (make_room(lr) < 0) {
		lr->error = errno;
		return -1;
	}
	ssize_t r = read(lr->fd, lr->buf + lr->end, lr->cap - lr->end);
	if (r > 0)
		lr->end += (size_t)r;
	else if (r == 0)
		lr->eof = true;
	else if (errno != EINTR && errno != EAGAIN) {
		lr->error = errno;
		return -1;
	}
	return 0;
}

int linereader_next(linereader *lr, const uint8_t **line, size_t *len)
{
	size_t avail = lr->end - lr->start;
	const uint8_t *p = lr->buf + lr->start;
	const uint8_t *nl = avail > lr->scanned
		? memchr(p + lr->scanned, '\n', avail - lr->scanned) : NULL;
	if (nl) {
		*line = p;
		*len = (size_t)(nl - p);
		lr->start += *len + 1;
		lr->scanned = 0;
		return 1;
	}
	lr->scanned = avail;
	if (lr->eof && avail > 0) {
		*line = p;
		*len = avail;
		lr->start = lr->end;
		lr->scanned = 0;
		return 1;
	}
	return 0;
}

bool linereader_done(const linereader *lr)
{
	return lr->eof && lr->start == lr->end;
}

/* memmem() without _GNU_SOURCE. */
static const uint8_t *find(const uint8_t *p, size_t n, const char *s, size_t m)
{
	while (n >= m) {
		const uint8_t *c = memchr(p, (unsigned char)s[0], n - m + 1);
		if (!c)
			return NULL;
		if (!memcmp(c, s, m))
			return c;
		n -= (size_t)(c + 1 - p);
		p = c + 1;
	}
	return NULL;
}

int split_topic_line(const uint8_t *line, size_t len, const char *sep,
		     size_t sep_len, const uint8_t **topic, size_t *topic_len,
		     const uint8_t **payload, size_t *payload_len,
		     const char **why)
{
	const uint8_t *at = find(line, len, sep, sep_len);
	if (!at) {
		*why = "no separator between topic and payload";
		return -1;
	}
	*topic = line;
	*topic_len = (size_t)(at - line);
	*payload = at + sep_len;
	*payload_len = len - *topic_len - sep_len;
	int rc = mq_topic_check(line, *topic_len);
	if (rc < 0) {
		*why = rc == -MQ_E_BAD_UTF8 ? "topic not valid UTF-8"
			: "topic must be 1 to 65535 bytes without + or #";
		return -1;
	}
	return 0;
}
