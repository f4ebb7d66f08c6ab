/* output.c - buffered writes with EPIPE turned into a quiet "closed". */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output.h"

void outbuf_init(outbuf *o, int fd)
{
	memset(o, 0, sizeof *o);
	o->fd = fd;
}

void outbuf_free(outbuf *o)
{
	free(o->buf);
	o->buf = NULL;
	o->len = o->cap = 0;
}

static int write_all(outbuf *o, const char *p, size_t n)
{
	while (n > 0 && !o->closed && !o->error) {
		ssize_t w = write(o->fd, p, n);
		if (w >= 0) {
			p += w;
			n -= (size_t)w;
		} else if (errno == EPIPE) {
			o->closed = true;
		} else if (errno != EINTR && errno != EAGAIN) {
			o->error = errno;
		}
	}
	return o->closed || o->error ? -1 : 0;
}

int outbuf_flush(outbuf *o)
{
	int r = write_all(o, o->buf, o->len);
	o->len = 0;
	return r;
}

int outbuf_put(outbuf *o, const void *p, size_t n)
{
	if (o->closed || o->error)
		return -1;
	if (!o->buf) {
		o->buf = malloc(OUTBUF_SIZE);
		if (!o->buf)
			return write_all(o, p, n);
		o->cap = OUTBUF_SIZE;
	}
	if (o->len + n > o->cap && outbuf_flush(o) < 0)
		return -1;
	if (n >= o->cap)
		return write_all(o, p, n);
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	return 0;
}
