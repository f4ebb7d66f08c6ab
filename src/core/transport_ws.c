/* transport_ws.c - MQTT over WebSocket (see transport_ws.h).
 *
 * Reading: bytes from the inner transport (TCP or TLS) are buffered and
 * parsed into frames; the payload of binary and continuation frames is
 * the MQTT byte stream, handed up as it comes, across frame boundaries
 * either way.  A ping is answered with a pong, a close with a close.
 * Writing: one masked binary frame per batch the client writes, with a
 * fresh mask; a frame the socket did not take whole is finished by the
 * next write call before anything else (as TLS does), so frames never
 * interleave.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <mbedtls/base64.h>
#include <mbedtls/sha1.h>

#include "errors.h"
#include "transport_ws.h"
#include "ws.h"

#define RX_CAP (64u * 1024u)
#define TX_MAX_PAYLOAD (256u * 1024u)
#define HEAD_MAX (16u * 1024u)
#define MAX_FRAME (268435455u + 5u)   /* no MQTT packet is longer */

struct ws_impl {
	mq_transport inner;
	uint8_t rx[RX_CAP];
	size_t rx_start, rx_end;
	bool in_frame;                /* a header was parsed, payload follows */
	bool in_msg;                  /* a fragmented data message is open */
	mq_ws_frame cur;
	uint64_t left;                /* payload bytes of cur still to come */
	uint8_t ctl[MQ_WS_MAX_CONTROL];
	size_t ctl_len;
	uint8_t *tx;                  /* the frame being written, or empty */
	size_t tx_len, tx_off, tx_payload;
	uint8_t reply[MQ_WS_MAX_HEADER + MQ_WS_MAX_CONTROL];   /* pong / close */
	size_t reply_len, reply_off;
	uint8_t rnd[256];
	size_t rnd_off;
};

void mq_ws_accept_key(const char *key, char out[29])
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	unsigned char digest[20], buf[128];
	size_t kl = strlen(key), n = 0;
	if (kl > sizeof buf - sizeof guid)
		kl = sizeof buf - sizeof guid;
	memcpy(buf, key, kl);
	memcpy(buf + kl, guid, sizeof guid - 1);
	mbedtls_sha1_ret(buf, kl + sizeof guid - 1, digest);
	mbedtls_base64_encode((unsigned char *)out, 29, &n, digest, sizeof digest);
	out[n < 29 ? n : 28] = '\0';
}

/* A fresh mask per frame (§5.3), from the kernel 256 bytes at a time. */
static void next_mask(struct ws_impl *m, uint8_t mask[4])
{
	if (m->rnd_off + 4 > sizeof m->rnd) {
		if (getentropy(m->rnd, sizeof m->rnd) < 0) {
			for (size_t i = 0; i < sizeof m->rnd; i++)   /* cannot happen on Linux */
				m->rnd[i] = (uint8_t)(rand() >> 7);
		}
		m->rnd_off = 0;
	}
	memcpy(mask, m->rnd + m->rnd_off, 4);
	m->rnd_off += 4;
}

/* ---- writing ------------------------------------------------------------ */

/* Write what remains of buf[*off..len) to the inner transport. */
static ssize_t drain(struct ws_impl *m, const uint8_t *buf, size_t len, size_t *off)
{
	while (*off < len) {
		ssize_t n = m->inner.ops->write(&m->inner, buf + *off, len - *off);
		if (n < 0)
			return n;
		*off += (size_t)n;
	}
	return 0;
}

/* Queue a control frame (pong, close) to go before the next data frame.
 * One at a time: a newer one replaces one not yet begun (§5.5.3: a pong
 * for the most recent ping will do), except a close, which stays. */
static void queue_reply(struct ws_impl *m, uint8_t opcode, const uint8_t *p, size_t len)
{
	uint8_t mask[4];
	if (m->reply_len && (m->reply_off || (m->reply[0] & 0x0F) == MQ_WS_CLOSE))
		return;
	next_mask(m, mask);
	size_t h = mq_ws_header(m->reply, opcode, len, mask);
	memcpy(m->reply + h, p, len);
	mq_ws_mask(m->reply + h, len, mask, 0);
	m->reply_len = h + len;
	m->reply_off = 0;
}

/* Send a queued control frame when no data frame is half written. */
static ssize_t flush_reply(mq_transport *t, struct ws_impl *m)
{
	if (!m->reply_len || m->tx_len)
		return 0;
	ssize_t rc = drain(m, m->reply, m->reply_len, &m->reply_off);
	if (rc == 0)
		m->reply_len = 0;
	else if (rc != -MQ_E_WOULD_BLOCK)
		memcpy(t->err, m->inner.err, sizeof t->err);
	return rc;
}

static ssize_t ws_write(mq_transport *t, const void *buf, size_t len)
{
	struct ws_impl *m = t->impl;
	ssize_t rc = flush_reply(t, m);
	if (rc < 0)
		return rc;
	if (!m->tx_len) {   /* a new frame for this batch */
		size_t k = len < TX_MAX_PAYLOAD ? len : TX_MAX_PAYLOAD;
		uint8_t mask[4];
		next_mask(m, mask);
		size_t h = mq_ws_header(m->tx, MQ_WS_BINARY, k, mask);
		memcpy(m->tx + h, buf, k);
		mq_ws_mask(m->tx + h, k, mask, 0);
		m->tx_len = h + k;
		m->tx_off = 0;
		m->tx_payload = k;
	} else if (len < m->tx_payload) {
		snprintf(t->err, sizeof t->err, "WebSocket write retried with less data than before");
		return -MQ_E_IO;
	}
	rc = drain(m, m->tx, m->tx_len, &m->tx_off);
	if (rc < 0) {
		if (rc != -MQ_E_WOULD_BLOCK)
			memcpy(t->err, m->inner.err, sizeof t->err);
		return rc;
	}
	m->tx_len = 0;
	return (ssize_t)m->tx_payload;
}

/* ---- reading ------------------------------------------------------------ */

static ssize_t fill(mq_transport *t, struct ws_impl *m)
{
	if (m->rx_start > 0) {
		memmove(m->rx, m->rx + m->rx_start, m->rx_end - m->rx_start);
		m->rx_end -= m->rx_start;
		m->rx_start = 0;
	}
	ssize_t n = m->inner.ops->read(&m->inner, m->rx + m->rx_end, RX_CAP - m->rx_end);
	if (n > 0)
		m->rx_end += (size_t)n;
	else if (n != -MQ_E_WOULD_BLOCK && n != -MQ_E_CLOSED)
		memcpy(t->err, m->inner.err, sizeof t->err);
	return n;
}

/* A whole control frame arrived (§5.5). */
static int on_control(mq_transport *t, struct ws_impl *m)
{
	if (m->cur.opcode == MQ_WS_PING) {
		queue_reply(m, MQ_WS_PONG, m->ctl, m->ctl_len);
		return 0;
	}
	if (m->cur.opcode != MQ_WS_CLOSE)
		return 0;   /* a pong: nothing to do */
	if (m->ctl_len == 1) {   /* §5.5.1: no body, or a 2-byte status first */
		snprintf(t->err, sizeof t->err,
			 "malformed WebSocket frame from the server: a close frame of 1 byte");
		return -MQ_E_MALFORMED;
	}
	unsigned code = m->ctl_len >= 2 ? (unsigned)m->ctl[0] << 8 | m->ctl[1] : 1005;
	snprintf(t->err, sizeof t->err, "WebSocket closed by the server: status %u%s%.*s",
		 code, m->ctl_len > 2 ? " " : "", (int)(m->ctl_len > 2 ? m->ctl_len - 2 : 0),
		 (const char *)m->ctl + 2);
	queue_reply(m, MQ_WS_CLOSE, m->ctl, m->ctl_len >= 2 ? 2 : 0);
	flush_reply(t, m);
	return -MQ_E_CLOSED;
}

/* Parse the next header from rx.  1 parsed, 0 need more, or -MQ_E_*. */
static int next_header(mq_transport *t, struct ws_impl *m)
{
	int n = mq_ws_parse_header(m->rx + m->rx_start, m->rx_end - m->rx_start,
				   MAX_FRAME, &m->cur);
	if (n <= 0) {
		if (n < 0)
			snprintf(t->err, sizeof t->err, "malformed WebSocket frame from the server");
		return n;
	}
	if (m->cur.opcode == MQ_WS_TEXT) {
		snprintf(t->err, sizeof t->err, "WebSocket text frame from the server (MQTT is binary)");
		return -MQ_E_MALFORMED;
	}
	if (m->cur.opcode < MQ_WS_CLOSE) {
		/* §5.4: a continuation continues an open message; a new
		 * data frame may not start inside one */
		if ((m->cur.opcode == MQ_WS_CONTINUATION) != m->in_msg) {
			snprintf(t->err, sizeof t->err, "malformed WebSocket frame from the server: %s",
				 m->in_msg ? "a new message inside a fragmented one"
				 : "a continuation with no message started");
			return -MQ_E_MALFORMED;
		}
		m->in_msg = !m->cur.fin;
	}
	m->rx_start += (size_t)n;
	m->in_frame = true;
	m->left = m->cur.length;
	m->ctl_len = 0;
	return 1;
}

/* Take what rx holds: payload into buf.  Returns bytes copied (maybe 0),
 * or -MQ_E_* (a close, a bad frame). */
static ssize_t take(mq_transport *t, struct ws_impl *m, uint8_t *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		if (!m->in_frame) {
			int r = next_header(t, m);
			if (r <= 0)
				return r < 0 ? r : (ssize_t)got;
		}
		size_t avail = m->rx_end - m->rx_start;
		size_t k = m->left < avail ? (size_t)m->left : avail;
		bool control = m->cur.opcode >= MQ_WS_CLOSE;
		if (!control && k > len - got)
			k = len - got;
		if (control) {
			memcpy(m->ctl + m->ctl_len, m->rx + m->rx_start, k);
			m->ctl_len += k;
		} else {
			memcpy(buf + got, m->rx + m->rx_start, k);
			got += k;
		}
		m->rx_start += k;
		m->left -= k;
		if (m->left > 0)
			return (ssize_t)got;   /* more of this frame to come */
		m->in_frame = false;
		int rc = control ? on_control(t, m) : 0;
		if (rc < 0)
			return rc;
	}
	return (ssize_t)got;
}

static ssize_t read_frames(mq_transport *t, struct ws_impl *m, uint8_t *buf, size_t len)
{
	for (;;) {
		ssize_t r = take(t, m, buf, len);
		if (r != 0)
			return r;
		r = fill(t, m);
		if (r <= 0)
			return r == 0 ? -MQ_E_CLOSED : r;
	}
}

static ssize_t ws_read(mq_transport *t, void *buf, size_t len)
{
	struct ws_impl *m = t->impl;
	ssize_t r = flush_reply(t, m);
	if (r < 0 && r != -MQ_E_WOULD_BLOCK)
		return r;
	r = read_frames(t, m, buf, len);
	if (r > 0 || r == -MQ_E_WOULD_BLOCK) {
		/* the pong a ping just read asks for goes now (§5.5.2), not
		 * with whatever the client writes next, maybe a minute away */
		ssize_t w = flush_reply(t, m);
		if (w < 0 && w != -MQ_E_WOULD_BLOCK && r < 0)
			return w;
	}
	return r;
}

/* Does rx hold what a read can take without new bytes (payload, a whole
 * header, a bad one)?  The kernel will not say so: the frames that came
 * with the 101, or more than one wakeup's worth of reads. */
static bool rx_ready(struct ws_impl *m)
{
	mq_ws_frame f;
	if (m->rx_end == m->rx_start)
		return false;
	return m->in_frame || mq_ws_parse_header(m->rx + m->rx_start, m->rx_end - m->rx_start,
						 MAX_FRAME, &f) != 0;
}

/* POLLOUT too when a control frame or a half frame waits to be written,
 * or input waits in rx: a writable socket wakes the loop, which reads. */
static int ws_poll_events(mq_transport *t, int want_write)
{
	struct ws_impl *m = t->impl;
	if (m->reply_len || m->tx_len || rx_ready(m))
		want_write = 1;
	if (m->inner.ops->poll_events)
		return m->inner.ops->poll_events(&m->inner, want_write);
	return want_write ? POLLIN | POLLOUT : POLLIN;
}

static void ws_close(mq_transport *t)
{
	struct ws_impl *m = t->impl;
	if (m) {
		mq_transport_close(&m->inner);
		free(m->tx);
		free(m);
	}
	t->impl = NULL;
	t->fd = -1;
}

static const mq_transport_ops ws_ops = {
	.read = ws_read, .write = ws_write,
	.poll_events = ws_poll_events, .close = ws_close,
};

/* ---- the opening handshake (§4.1) -------------------------------------- */

/* Wait until the inner transport's fd is ready, within the deadline. */
static int wait_ready(mq_transport *t, struct ws_impl *m, short events, long long deadline)
{
	long long left = deadline - mq_transport_now_ms();
	struct pollfd pfd = { .fd = m->inner.fd, .events = events };
	int r = left > 0 ? poll(&pfd, 1, (int)left) : 0;
	if (r > 0)
		return 0;
	snprintf(t->err, sizeof t->err, r == 0 ? "no WebSocket handshake answer in time"
		 : "interrupted");
	return r == 0 ? -MQ_E_TIMEOUT : -MQ_E_CONNECT;
}

static int send_request(mq_transport *t, struct ws_impl *m, const char *req,
			long long deadline)
{
	size_t off = 0, len = strlen(req);
	for (;;) {
		ssize_t rc = drain(m, (const uint8_t *)req, len, &off);
		if (rc == 0)
			return 0;
		if (rc != -MQ_E_WOULD_BLOCK) {
			memcpy(t->err, m->inner.err, sizeof t->err);
			return (int)rc;
		}
		if ((rc = wait_ready(t, m, POLLOUT | POLLIN, deadline)) < 0)
			return (int)rc;
	}
}

/* The length of the head ending in the first blank line of rx, or 0.
 * Not strstr: a NUL byte in what the server sent must not hide the end. */
static size_t head_end(const struct ws_impl *m)
{
	for (size_t i = 0; i + 4 <= m->rx_end; i++)
		if (!memcmp(m->rx + i, "\r\n\r\n", 4))
			return i + 4;
	return 0;
}

/* Read the response head into rx; what follows it stays there (frames).
 * Returns its length or -MQ_E_*. */
static int read_head(mq_transport *t, struct ws_impl *m, long long deadline)
{
	for (;;) {
		size_t end = head_end(m);
		if (end)
			return (int)end;
		if (m->rx_end >= HEAD_MAX) {
			snprintf(t->err, sizeof t->err, "WebSocket handshake: HTTP response head too long");
			return -MQ_E_CONNECT;
		}
		ssize_t n = m->inner.ops->read(&m->inner, m->rx + m->rx_end, HEAD_MAX - m->rx_end);
		if (n > 0) {
			m->rx_end += (size_t)n;
			continue;
		}
		if (n != -MQ_E_WOULD_BLOCK) {
			snprintf(t->err, sizeof t->err, "WebSocket handshake: %.200s",
				 n == -MQ_E_CLOSED ? "the server closed the connection" : m->inner.err);
			return -MQ_E_CONNECT;
		}
		int rc = wait_ready(t, m, POLLIN, deadline);
		if (rc < 0)
			return rc;
	}
}

/* The value of header `name` in the head, copied into out. */
static bool header_value(const char *head, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	for (const char *p = strstr(head, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
		const char *line = p + 2;
		if (strncasecmp(line, name, nl) || line[nl] != ':')
			continue;
		const char *v = line + nl + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		size_t n = strcspn(v, "\r");
		while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
			n--;
		snprintf(out, cap, "%.*s", (int)n, v);
		return true;
	}
	return false;
}

/* Is tok one of the comma-separated tokens of list (any case)? */
static bool has_token(const char *list, const char *tok)
{
	size_t tl = strlen(tok);
	for (const char *p = list; *p; ) {
		p += strspn(p, " \t,");
		size_t n = strcspn(p, ",");
		size_t k = n;
		while (k && (p[k - 1] == ' ' || p[k - 1] == '\t'))
			k--;
		if (k == tl && !strncasecmp(p, tok, tl))
			return true;
		p += n;
	}
	return false;
}

/* The status line and headers of §4.1 (client requirements 1-6). */
static int check_response(mq_transport *t, const char *head, const char *key)
{
	static const char ext_why[] = "the server chose an extension we did not ask for: ";
	unsigned status = 0;
	char v[256], want[29];
	int eol = (int)strcspn(head, "\r");
	if (eol > 80)
		eol = 80;
	if (sscanf(head, "HTTP/1.1 %3u", &status) != 1) {
		snprintf(t->err, sizeof t->err, "WebSocket handshake: not an HTTP response: '%.*s'",
			 eol > 60 ? 60 : eol, head);
		return -MQ_E_CONNECT;
	}
	if (status == 401 || status == 403) {
		snprintf(t->err, sizeof t->err, "WebSocket handshake refused: %.*s", eol, head);
		return -MQ_E_AUTH;
	}
	if (status / 100 == 3) {
		bool loc = header_value(head, "Location", v, sizeof v);
		snprintf(t->err, sizeof t->err, "WebSocket handshake: %.*s, to %.100s (not followed)",
			 eol > 60 ? 60 : eol, head, loc ? v : "nowhere");
		return -MQ_E_CONNECT;
	}
	const char *why = NULL;
	if (status != 101)
		why = "the server did not switch protocols";
	else if (!header_value(head, "Upgrade", v, sizeof v) || strcasecmp(v, "websocket"))
		why = "no 'Upgrade: websocket'";
	else if (!header_value(head, "Connection", v, sizeof v) || !has_token(v, "upgrade"))
		why = "no 'Connection: Upgrade'";
	else if (header_value(head, "Sec-WebSocket-Extensions", v, sizeof v))
		why = ext_why;   /* §4.1 item 5: we asked for none */
	else if (!header_value(head, "Sec-WebSocket-Accept", v, sizeof v) ||
		 (mq_ws_accept_key(key, want), strcmp(v, want)))
		why = "wrong Sec-WebSocket-Accept";
	else if (!header_value(head, "Sec-WebSocket-Protocol", v, sizeof v) || strcmp(v, "mqtt"))
		why = "the server did not agree to the 'mqtt' subprotocol";
	if (!why)
		return 0;
	snprintf(t->err, sizeof t->err, "WebSocket handshake failed: %s%.60s (%.*s)", why,
		 why == ext_why ? v : "", eol, head);
	return -MQ_E_CONNECT;
}

static int handshake(mq_transport *t, struct ws_impl *m, const mq_endpoint *ep,
		     long long deadline)
{
	uint8_t raw[16];
	char key[32], req[4096];
	size_t kl = 0;
	if (getentropy(raw, sizeof raw) < 0)
		return -MQ_E_IO;
	mbedtls_base64_encode((unsigned char *)key, sizeof key, &kl, raw, sizeof raw);
	key[kl] = '\0';
	bool v6 = strchr(ep->host, ':') != NULL;
	int n = snprintf(req, sizeof req,
			 "GET %s HTTP/1.1\r\nHost: %s%s%s:%s\r\nUpgrade: websocket\r\n"
			 "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
			 "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n",
			 ep->ws->path, v6 ? "[" : "", ep->host, v6 ? "]" : "", ep->port, key);
	for (const char *const *h = ep->ws->headers; h && *h && n > 0; h++)
		n += snprintf(req + n, sizeof req - (size_t)n < sizeof req ? sizeof req - (size_t)n : 0,
			      "%s\r\n", *h);
	if (n < 0 || (size_t)n + 3 > sizeof req) {
		snprintf(t->err, sizeof t->err, "WebSocket request longer than %zu bytes", sizeof req);
		return -MQ_E_CONNECT;
	}
	memcpy(req + n, "\r\n", 3);
	int rc = send_request(t, m, req, deadline);
	if (rc == 0)
		rc = read_head(t, m, deadline);
	if (rc < 0)
		return rc;
	size_t head_len = (size_t)rc;
	char save = (char)m->rx[head_len];
	m->rx[head_len] = '\0';
	rc = check_response(t, (const char *)m->rx, key);
	m->rx[head_len] = (uint8_t)save;
	m->rx_start = head_len;   /* frames may already follow */
	return rc;
}

int mq_ws_connect(mq_transport *t, const mq_endpoint *ep,
		  const mq_tls_config *tls, int timeout_ms)
{
	long long deadline = mq_transport_now_ms() + timeout_ms;
	memset(t, 0, sizeof *t);
	t->fd = -1;
	struct ws_impl *m = calloc(1, sizeof *m);
	if (!m || !(m->tx = malloc(MQ_WS_MAX_HEADER + TX_MAX_PAYLOAD))) {
		free(m);
		snprintf(t->err, sizeof t->err, "out of memory");
		return -MQ_E_NOMEM;
	}
	m->rnd_off = sizeof m->rnd;
	int rc = tls && tls->enabled ? mq_tls_connect(&m->inner, ep, tls, timeout_ms)
		 : mq_tcp_connect(&m->inner, ep, timeout_ms);
	if (rc == 0)
		rc = handshake(t, m, ep, deadline);
	else
		memcpy(t->err, m->inner.err, sizeof t->err);
	if (rc < 0) {
		char keep[sizeof t->err];
		memcpy(keep, t->err, sizeof keep);
		t->impl = m;
		ws_close(t);
		memcpy(t->err, keep, sizeof keep);
		return rc;
	}
	memcpy(t->info, m->inner.info, sizeof t->info);
	t->impl = m;
	t->fd = m->inner.fd;
	t->ops = &ws_ops;
	return 0;
}
