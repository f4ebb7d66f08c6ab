/* output.c - buffered writes with EPIPE turned into a quiet "closed". */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output.h"

void outbuf_init(outbuf *o, int fd)
{
	memset(o, 0, sizeof *o);
	o->fd = fd;
	o->stop_fd = -1;
}

void outbuf_stop_on(outbuf *o, volatile sig_atomic_t *stop_flag, int stop_fd)
{
	o->stop_flag = stop_flag;
	o->stop_fd = stop_fd;
}

void outbuf_free(outbuf *o)
{
	free(o->buf);
	o->buf = NULL;
	o->len = o->cap = 0;
}

static bool stop_requested(const outbuf *o)
{
	return o->stop_flag && *o->stop_flag;
}

/* Wait until the fd takes more, or a stop signal comes (once stopping,
 * only check whether it takes more now).  A stop with the reader still
 * not reading ends the output for good. */
static void wait_writable(outbuf *o)
{
	bool stopping = stop_requested(o);
	struct pollfd pfd[2] = {
		{ .fd = o->fd, .events = POLLOUT },
		{ .fd = stopping ? -1 : o->stop_fd, .events = POLLIN },
	};
	int n = poll(pfd, 2, stopping ? 0 : -1);
	if (stop_requested(o) && !(n > 0 && (pfd[0].revents & POLLOUT)))
		o->interrupted = true;
}

static bool stopped(const outbuf *o)
{
	return o->closed || o->error || o->interrupted;
}

/* Once a stop signal has come, a write that would block is not started:
 * the reader is not reading, and the signal must end the run. */
static int write_all(outbuf *o, const char *p, size_t n)
{
	while (n > 0 && !stopped(o)) {
		if (stop_requested(o)) {
			wait_writable(o);
			if (o->interrupted)
				break;
		}
		ssize_t w = write(o->fd, p, n);
		if (w >= 0) {
			p += w;
			n -= (size_t)w;
		} else if (errno == EPIPE) {
			o->closed = true;
		} else if (errno == EAGAIN) {
			wait_writable(o);   /* non-blocking: no busy loop */
		} else if (errno != EINTR) {
			o->error = errno;
		}
	}
	return stopped(o) ? -1 : 0;
}

int outbuf_flush(outbuf *o)
{
	int r = write_all(o, o->buf, o->len);
	o->len = 0;
	return r;
}

char *outbuf_reserve(outbuf *o, size_t n)
{
	if (stopped(o) || n >= OUTBUF_SIZE)
		return NULL;
	if (!o->buf) {
		if (!(o->buf = malloc(OUTBUF_SIZE)))
			return NULL;
		o->cap = OUTBUF_SIZE;
	}
	if (o->len + n > o->cap && outbuf_flush(o) < 0)
		return NULL;
	return o->buf + o->len;
}

int outbuf_put(outbuf *o, const void *p, size_t n)
{
	if (stopped(o))
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
