/* transport_tcp.c - plain TCP under the transport vtable. */
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#ifdef __linux__
#include <sys/sendfile.h>
#endif
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "transport_proxy.h"
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

#ifdef __linux__
/* The payload of a file goes from the page cache to the socket: the
 * process never holds it (sendfile(2)); where the file cannot be sent
 * that way, from buf. */
static ssize_t tcp_write_file(mq_transport *t, const void *buf, size_t len,
			      int fd, uint64_t off)
{
	for (;;) {
		off_t at = (off_t)off;
		ssize_t n = sendfile(t->fd, fd, &at, len);
		if (n > 0)
			return n;
		if (n == 0) {
			snprintf(t->err, sizeof t->err, "%s", mq_strerror(MQ_E_INPUT_SHRANK));
			return -MQ_E_INPUT_SHRANK;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return -MQ_E_WOULD_BLOCK;
		if (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)
			return tcp_write(t, buf, len);
		snprintf(t->err, sizeof t->err, "%s", strerror(errno));
		return -MQ_E_IO;
	}
}
#endif

static void tcp_close(mq_transport *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

static const mq_transport_ops tcp_ops = {
	.read = tcp_read,
	.write = tcp_write,
#ifdef __linux__
	.write_file = tcp_write_file,
#endif
	.poll_events = NULL,
	.close = tcp_close,
};

long long mq_transport_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for a non-blocking connect() to finish.  Returns 0 or an errno. */
static int wait_connected(int fd, long long deadline)
{
	for (;;) {
		long long left = deadline - mq_transport_now_ms();
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

/* A numeric address (dotted quad or IPv6, no scope) and a decimal port
 * into *ss: no getaddrinfo(), so no NSS, nscd probe or netlink dump for
 * AI_ADDRCONFIG.  family: AF_UNSPEC or the one wanted.  Returns the
 * address length, or 0 when host or port is not in that form. */
static socklen_t numeric_addr(const char *host, const char *port, int family,
			      struct sockaddr_storage *ss)
{
	unsigned long p = 0;
	for (const char *c = port; c && *c; c++) {
		if (*c < '0' || *c > '9' || (p = p * 10 + (unsigned long)(*c - '0')) > 65535)
			return 0;
	}
	if (!port || !*port)
		return 0;
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (family != AF_INET6 && inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)p);
		return sizeof *in;
	}
	if (family != AF_INET && inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		return sizeof *in6;
	}
	return 0;
}

/* -A: bind the socket to a local address of its family.  0 or an errno. */
static int bind_local(int fd, int family, const char *addr)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE }, *res = NULL;
	if (!addr || family == AF_UNIX)
		return 0;
	struct sockaddr_storage ss;
	socklen_t len = numeric_addr(addr, "0", family, &ss);
	if (len)
		return bind(fd, (struct sockaddr *)&ss, len) < 0 ? errno : 0;
	if (getaddrinfo(addr, NULL, &hints, &res) != 0)
		return EADDRNOTAVAIL;
	int err = bind(fd, res->ai_addr, res->ai_addrlen) < 0 ? errno : 0;
	freeaddrinfo(res);
	return err;
}

/* One address: socket, non-blocking connect, wait.  Returns fd or -errno. */
static int connect_addr(int family, const struct sockaddr *sa, socklen_t len,
			const char *bind_addr, long long deadline)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	int err = bind_local(fd, family, bind_addr);
	if (err) {
		close(fd);
		return -err;
	}
	if (connect(fd, sa, len) < 0) {
		err = errno == EINPROGRESS || errno == EAGAIN
			? wait_connected(fd, deadline) : errno;
	}
	if (err) {
		close(fd);
		return -err;
	}
	int one = 1;
	if (family != AF_UNIX)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static int connected(mq_transport *t, int fd)
{
	t->fd = fd;
	t->ops = &tcp_ops;
	return MQ_OK;
}

static int connect_failed(mq_transport *t, int err)
{
	snprintf(t->err, sizeof t->err, "%s",
		 err == EINTR ? "interrupted" : strerror(err));
	return err == ETIMEDOUT ? -MQ_E_TIMEOUT : -MQ_E_CONNECT;
}

/* The last connect's errno as the transport's error. */
static int connect_errno(mq_transport *t, int err, const char *bind_addr)
{
	if (bind_addr && (err == EADDRNOTAVAIL || err == EINVAL || err == EAFNOSUPPORT)) {
		snprintf(t->err, sizeof t->err, "cannot bind to %.200s: %s", bind_addr,
			 strerror(err));
		return -MQ_E_CONNECT;
	}
	return connect_failed(t, err);
}

/* A broker's Unix socket (--unix, unix:// URLs). */
static int connect_unix(mq_transport *t, const char *path, long long deadline)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sun.sun_path) {
		snprintf(t->err, sizeof t->err, "socket path longer than %zu bytes",
			 sizeof sun.sun_path - 1);
		return -MQ_E_CONNECT;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	int fd = connect_addr(AF_UNIX, (struct sockaddr *)&sun, sizeof sun, NULL, deadline);
	return fd >= 0 ? connected(t, fd) : connect_failed(t, -fd);
}

void mq_endpoint_name(const mq_endpoint *ep, char *buf, size_t len)
{
	bool v6 = strchr(ep->host, ':') != NULL;
	if (ep->unix_path)
		snprintf(buf, len, "unix socket %s", ep->unix_path);
	else
		snprintf(buf, len, "%s%s%s:%s%s%s", v6 ? "[" : "", ep->host, v6 ? "]" : "",
			 ep->port, ep->ws ? ep->ws->path : "", ep->ws ? " (WebSocket)" : "");
}

/* "localhost", or a name under it: RFC 6761 §6.3 has these answered
 * with the loopback address without asking a resolver (curl does the
 * same).  A trailing dot is allowed. */
static bool loopback_name(const char *host)
{
	size_t n = strlen(host);
	if (n && host[n - 1] == '.')
		n--;
	const size_t k = sizeof "localhost" - 1;
	return n >= k && strncasecmp(host + n - k, "localhost", k) == 0 &&
	       (n == k || host[n - k - 1] == '.');
}

/* Connect to the first address of the list that answers.  An error
 * that only says this host has no such family (no IPv6) does not
 * replace the one from an address tried before. */
static int connect_first(mq_transport *t, const struct addrinfo *list,
			 const char *bind_addr, long long deadline)
{
	int err = 0;
	for (const struct addrinfo *ai = list; ai; ai = ai->ai_next) {
		int fd = connect_addr(ai->ai_family, ai->ai_addr, ai->ai_addrlen,
				      bind_addr, deadline);
		if (fd >= 0)
			return connected(t, fd);
		if (!err || (-fd != EAFNOSUPPORT && -fd != EADDRNOTAVAIL && -fd != ENETUNREACH))
			err = -fd;
		if (err == ETIMEDOUT || err == EINTR)
			break;
	}
	return connect_errno(t, err ? err : ECONNREFUSED, bind_addr);
}

/* Resolve host:port and connect to the first address that answers. */
static int connect_host(mq_transport *t, const char *host, const char *port,
			const char *bind_addr, long long deadline)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *res = NULL;
	struct sockaddr_storage ss;
	socklen_t len = numeric_addr(host, port, AF_UNSPEC, &ss);
	if (len) {   /* an address, not a name: nothing to look up */
		int fd = connect_addr(ss.ss_family, (struct sockaddr *)&ss, len,
				      bind_addr, deadline);
		return fd >= 0 ? connected(t, fd) : connect_errno(t, -fd, bind_addr);
	}
	struct sockaddr_storage v4, v6;
	if (loopback_name(host) && numeric_addr("127.0.0.1", port, AF_INET, &v4) &&
	    numeric_addr("::1", port, AF_INET6, &v6)) {
		struct addrinfo a6 = { .ai_family = AF_INET6, .ai_addr = (struct sockaddr *)&v6,
				       .ai_addrlen = sizeof(struct sockaddr_in6) };
		struct addrinfo a4 = { .ai_family = AF_INET, .ai_addr = (struct sockaddr *)&v4,
				       .ai_addrlen = sizeof(struct sockaddr_in), .ai_next = &a6 };
		return connect_first(t, &a4, bind_addr, deadline);
	}
	int gai = getaddrinfo(host, port, &hints, &res);
	if (gai != 0) {
		snprintf(t->err, sizeof t->err, "%s",
			 gai == EAI_SYSTEM ? strerror(errno) : gai_strerror(gai));
		return -MQ_E_RESOLVE;
	}
	int rc = connect_first(t, res, bind_addr, deadline);
	freeaddrinfo(res);
	return rc;
}

int mq_tcp_connect(mq_transport *t, const mq_endpoint *ep, int timeout_ms)
{
	long long deadline = mq_transport_now_ms() + timeout_ms;
	memset(t, 0, sizeof *t);
	t->fd = -1;
	if (ep->unix_path)
		return connect_unix(t, ep->unix_path, deadline);
	if (!ep->proxy)
		return connect_host(t, ep->host, ep->port, ep->bind_addr, deadline);
	int rc = connect_host(t, ep->proxy->host, ep->proxy->port, ep->bind_addr, deadline);
	if (rc < 0) {   /* name the proxy, not the broker */
		char why[sizeof t->err];
		memcpy(why, t->err, sizeof why);
		snprintf(t->err, sizeof t->err, "proxy %s:%s: %.200s", ep->proxy->host,
			 ep->proxy->port, why);
		return rc;
	}
	rc = mq_proxy_handshake(t->fd, ep->proxy, ep->host, ep->port, deadline,
				t->err, sizeof t->err);
	if (rc < 0)
		mq_transport_close(t);
	return rc;
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
