/* transport_tcp.c - plain TCP under the transport vtable. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "transport.h"

static ssize_t tcp_read(mq_transport *t, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = recv(t->fd, buf, len, 0);
		if (n > 0)
			return n;
		if (n == 0)
			return -MQ_E_CLOSED;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return -MQ_E_WOULD_BLOCK;
		snprintf(t->err, sizeof t->err, "%s", strerror(errno));
		return -MQ_E_IO;
	}
}

static ssize_t tcp_write(mq_transport *t, const void *buf, size_t len)
{
	for (;;) {
		ssize_t n = send(t->fd, buf, len, MSG_NOSIGNAL);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return -MQ_E_WOULD_BLOCK;
		snprintf(t->err, sizeof t->err, "%s", strerror(errno));
		return -MQ_E_IO;
	}
}

static void tcp_close(mq_transport *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

static const mq_transport_ops tcp_ops = {
	.read = tcp_read,
	.write = tcp_write,
	.poll_events = NULL,
	.close = tcp_close,
};

static long long monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for a non-blocking connect() to finish.  Returns 0 or an errno. */
static int wait_connected(int fd, long long deadline)
{
	for (;;) {
		long long left = deadline - monotonic_ms();
		if (left <= 0)
			return ETIMEDOUT;
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		int r = poll(&pfd, 1, (int)left);
		if (r < 0)
			return errno;   /* EINTR too: a signal asks us to stop */
		if (r == 0)
			return ETIMEDOUT;
		int soerr = 0;
		socklen_t sl = sizeof soerr;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			return errno;
		return soerr;
	}
}

/* One address: socket, non-blocking connect, wait.  Returns fd or -errno. */
static int connect_one(const struct addrinfo *ai, long long deadline)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			ai->ai_protocol);
	if (fd < 0)
		return -errno;
	int err = 0;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		err = errno == EINPROGRESS ? wait_connected(fd, deadline) : errno;
	}
	if (err) {
		close(fd);
		return -err;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

int mq_tcp_connect(mq_transport *t, const mq_endpoint *ep, int timeout_ms)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *res = NULL;
	memset(t, 0, sizeof *t);
	t->fd = -1;
	int gai = getaddrinfo(ep->host, ep->port, &hints, &res);
	if (gai != 0) {
		snprintf(t->err, sizeof t->err, "%s",
			 gai == EAI_SYSTEM ? strerror(errno) : gai_strerror(gai));
		return -MQ_E_RESOLVE;
	}
	long long deadline = monotonic_ms() + timeout_ms;
	int err = ECONNREFUSED;
	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		int fd = connect_one(ai, deadline);
		if (fd >= 0) {
			freeaddrinfo(res);
			t->fd = fd;
			t->ops = &tcp_ops;
			return MQ_OK;
		}
		err = -fd;
		if (err == ETIMEDOUT || err == EINTR)
			break;
	}
	freeaddrinfo(res);
	snprintf(t->err, sizeof t->err, "%s",
		 err == EINTR ? "interrupted" : strerror(err));
	return err == ETIMEDOUT ? -MQ_E_TIMEOUT : -MQ_E_CONNECT;
}

void mq_transport_close(mq_transport *t)
{
	if (t->ops && t->ops->close)
		t->ops->close(t);
	else if (t->fd > 0)
		close(t->fd);
	t->fd = -1;
	t->ops = NULL;
}
