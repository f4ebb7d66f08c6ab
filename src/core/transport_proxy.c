/* transport_proxy.c - SOCKS5 and HTTP CONNECT handshakes (see
 * transport_proxy.h). */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/base64.h>

#include "errors.h"
#include "transport_proxy.h"

#define HTTP_HEAD_MAX 8192

typedef struct hs {
	int fd;
	long long deadline;
	char *err;
	size_t errlen;
	const mq_proxy *px;
} hs;

/* Set err to "proxy HOST:PORT: what" and return rc. */
static int fail(hs *h, int rc, const char *what)
{
	snprintf(h->err, h->errlen, "proxy %s:%s: %s", h->px->host, h->px->port, what);
	return rc;
}

/* Wait for events on the fd until the deadline.  0, or -MQ_E_*. */
static int wait_fd(hs *h, short events)
{
	long long left = h->deadline - mq_transport_now_ms();
	struct pollfd pfd = { .fd = h->fd, .events = events };
	int r = left > 0 ? poll(&pfd, 1, (int)left) : 0;
	if (r > 0)
		return 0;
	if (r == 0)
		return fail(h, -MQ_E_TIMEOUT, "no answer in time");
	return fail(h, -MQ_E_CONNECT, errno == EINTR ? "interrupted" : strerror(errno));
}

static int send_all(hs *h, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = send(h->fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int rc = wait_fd(h, POLLOUT);
			if (rc < 0)
				return rc;
		} else if (n < 0 && errno != EINTR) {
			return fail(h, -MQ_E_CONNECT, strerror(errno));
		}
	}
	return 0;
}

static int recv_exact(hs *h, void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = recv(h->fd, p, len, 0);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n == 0) {
			return fail(h, -MQ_E_CONNECT, "closed the connection during the handshake");
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			int rc = wait_fd(h, POLLIN);
			if (rc < 0)
				return rc;
		} else if (errno != EINTR) {
			return fail(h, -MQ_E_CONNECT, strerror(errno));
		}
	}
	return 0;
}

/* ---- SOCKS5 ----------------------------------------------------------- */

/* RFC 1928 §6: the REP field. */
static const char *socks_reply(unsigned rep)
{
	static const char *why[] = {
		"succeeded", "general SOCKS server failure",
		"connection not allowed by ruleset", "network unreachable",
		"host unreachable", "connection refused", "TTL expired",
		"command not supported", "address type not supported",
	};
	return rep < sizeof why / sizeof why[0] ? why[rep] : "unknown reply";
}

/* RFC 1928 §3, RFC 1929: method selection and user/password. */
static int socks_auth(hs *h)
{
	const mq_proxy *px = h->px;
	uint8_t hello[4] = { 5, px->user ? 2 : 1, 0, 2 }, ans[2];
	int rc = send_all(h, hello, px->user ? 4 : 3);
	if (rc == 0)
		rc = recv_exact(h, ans, 2);
	if (rc < 0)
		return rc;
	if (ans[0] != 5)
		return fail(h, -MQ_E_CONNECT, "not a SOCKS5 proxy");
	if (ans[1] == 0)
		return 0;
	if (ans[1] != 2 || !px->user)
		return fail(h, -MQ_E_CONNECT, "no acceptable authentication method "
			    "(a user name and password may be needed)");
	size_t ul = strlen(px->user), pl = px->pass ? strlen(px->pass) : 0;
	if (ul > 255 || pl > 255)
		return fail(h, -MQ_E_CONNECT, "user name or password over 255 bytes");
	uint8_t req[3 + 255 + 255];
	size_t n = 0;
	req[n++] = 1;
	req[n++] = (uint8_t)ul;
	memcpy(req + n, px->user, ul);
	n += ul;
	req[n++] = (uint8_t)pl;
	memcpy(req + n, px->pass ? px->pass : "", pl);
	n += pl;
	if ((rc = send_all(h, req, n)) < 0 || (rc = recv_exact(h, ans, 2)) < 0)
		return rc;
	return ans[1] == 0 ? 0 : fail(h, -MQ_E_CONNECT, "user name or password refused");
}

/* The address part of a CONNECT request: the name (SOCKS5H), or the
 * first address we resolve it to.  Returns its length or -MQ_E_*. */
static int socks_address(hs *h, const char *host, const char *port, uint8_t *out)
{
	if (h->px->kind == MQ_PROXY_SOCKS5H) {
		size_t hl = strlen(host);
		if (hl > 255)
			return fail(h, -MQ_E_CONNECT, "host name over 255 bytes");
		out[0] = 3;
		out[1] = (uint8_t)hl;
		memcpy(out + 2, host, hl);
		return (int)hl + 2;
	}
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	int gai = getaddrinfo(host, port, &hints, &res);
	if (gai != 0) {
		snprintf(h->err, h->errlen, "%s: %s", host, gai_strerror(gai));
		return -MQ_E_RESOLVE;
	}
	int n;
	if (res->ai_family == AF_INET6) {
		out[0] = 4;
		memcpy(out + 1, &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr, 16);
		n = 17;
	} else {
		out[0] = 1;
		memcpy(out + 1, &((struct sockaddr_in *)res->ai_addr)->sin_addr, 4);
		n = 5;
	}
	freeaddrinfo(res);
	return n;
}

/* RFC 1928 §4-6: CONNECT, then the reply and its bound address. */
static int socks_connect(hs *h, const char *host, const char *port)
{
	uint8_t req[4 + 257 + 2] = { 5, 1, 0 }, ans[4], skip[256 + 2];
	int n = socks_address(h, host, port, req + 3);
	if (n < 0)
		return n;
	unsigned p = (unsigned)strtoul(port, NULL, 10);
	req[3 + n] = (uint8_t)(p >> 8);
	req[4 + n] = (uint8_t)p;
	int rc = send_all(h, req, (size_t)n + 5);
	if (rc == 0)
		rc = recv_exact(h, ans, 4);
	if (rc < 0)
		return rc;
	if (ans[0] != 5 || ans[1] != 0) {
		char why[96];
		snprintf(why, sizeof why, "SOCKS5 reply %u: %s", ans[1], socks_reply(ans[1]));
		return fail(h, -MQ_E_CONNECT, why);
	}
	size_t rest = ans[3] == 1 ? 4 : ans[3] == 4 ? 16 : 0;
	if (ans[3] == 3) {
		uint8_t l;
		if ((rc = recv_exact(h, &l, 1)) < 0)
			return rc;
		rest = l;
	} else if (!rest) {
		return fail(h, -MQ_E_CONNECT, "SOCKS5 reply with an unknown address type");
	}
	return recv_exact(h, skip, rest + 2);
}

/* ---- HTTP CONNECT ----------------------------------------------------- */

/* "Proxy-Authorization: Basic ...\r\n", or "" without a user. */
static int basic_auth(const mq_proxy *px, char *out, size_t len)
{
	char plain[600];
	size_t b64len;
	out[0] = '\0';
	if (!px->user)
		return 0;
	int n = snprintf(plain, sizeof plain, "%s:%s", px->user, px->pass ? px->pass : "");
	int m = snprintf(out, len, "Proxy-Authorization: Basic ");
	if (n < 0 || (size_t)n >= sizeof plain || m < 0 ||
	    mbedtls_base64_encode((unsigned char *)out + m, len - (size_t)m - 2, &b64len,
				  (const unsigned char *)plain, (size_t)n))
		return -1;
	memcpy(out + m + b64len, "\r\n", 3);
	return 0;
}

/* Read the response head, one byte at a time: nothing past it is ours. */
static int http_head(hs *h, char *buf, size_t cap)
{
	size_t n = 0;
	while (n + 1 < cap) {
		int rc = recv_exact(h, buf + n, 1);
		if (rc < 0)
			return rc;
		buf[++n] = '\0';
		if (n >= 4 && !memcmp(buf + n - 4, "\r\n\r\n", 4))
			return 0;
	}
	return fail(h, -MQ_E_CONNECT, "HTTP response head too long");
}

static int http_connect(hs *h, const char *host, const char *port)
{
	char auth[800], req[1400], head[HTTP_HEAD_MAX];
	bool v6 = strchr(host, ':') != NULL;
	if (basic_auth(h->px, auth, sizeof auth) < 0)
		return fail(h, -MQ_E_CONNECT, "user name or password too long");
	int n = snprintf(req, sizeof req, "CONNECT %s%s%s:%s HTTP/1.1\r\nHost: %s%s%s:%s\r\n%s\r\n",
			 v6 ? "[" : "", host, v6 ? "]" : "", port,
			 v6 ? "[" : "", host, v6 ? "]" : "", port, auth);
	if (n < 0 || (size_t)n >= sizeof req)
		return fail(h, -MQ_E_CONNECT, "host name too long");
	int rc = send_all(h, req, (size_t)n);
	if (rc == 0)
		rc = http_head(h, head, sizeof head);
	if (rc < 0)
		return rc;
	unsigned status = 0;
	if (sscanf(head, "HTTP/1.%*1[01] %3u", &status) != 1)
		return fail(h, -MQ_E_CONNECT, "not an HTTP proxy (no HTTP status line)");
	if (status / 100 == 2)
		return 0;
	char *eol = strstr(head, "\r\n");
	char why[200];
	snprintf(why, sizeof why, "%s%.*s", status == 407 ? "authentication refused: " : "",
		 (int)(eol - head), head);
	return fail(h, -MQ_E_CONNECT, why);
}

int mq_proxy_handshake(int fd, const mq_proxy *px, const char *host,
		       const char *port, long long deadline_ms, char *err,
		       size_t errlen)
{
	hs h = { fd, deadline_ms, err, errlen, px };
	if (px->kind == MQ_PROXY_HTTP)
		return http_connect(&h, host, port);
	int rc = socks_auth(&h);
	return rc < 0 ? rc : socks_connect(&h, host, port);
}
