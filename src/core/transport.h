/* transport.h - a small read/write/close vtable under the client loop.
 *
 * TCP lives in transport_tcp.c; TLS (transport_tls.c, the only file that
 * will include mbedtls) and WebSocket plug in behind the same table.
 * All sockets are non-blocking; the client loop polls t->fd.
 */
#ifndef MQ_TRANSPORT_H
#define MQ_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct mq_transport mq_transport;

typedef struct mq_transport_ops {
	/* > 0 bytes, -MQ_E_WOULD_BLOCK, -MQ_E_CLOSED (orderly EOF), or
	 * -MQ_E_IO / -MQ_E_TLS with t->err set. */
	ssize_t (*read)(mq_transport *t, void *buf, size_t len);
	ssize_t (*write)(mq_transport *t, const void *buf, size_t len);
	/* Write bytes that are both buf and file fd at off: from the file
	 * without reading it into memory (sendfile) when the transport can,
	 * else from buf.  -MQ_E_INPUT_SHRANK when the file ends before len.
	 * May be NULL (write is used). */
	ssize_t (*write_file)(mq_transport *t, const void *buf, size_t len,
			      int fd, uint64_t off);
	/* Does the transport want POLLOUT even with nothing to write (a TLS
	 * handshake in progress)?  May be NULL. */
	int (*poll_events)(mq_transport *t, int want_write);
	void (*close)(mq_transport *t);
} mq_transport_ops;

struct mq_transport {
	const mq_transport_ops *ops;
	int fd;
	void *impl;
	char err[256];      /* the cause, copied at the moment of failure */
	char info[256];     /* what was negotiated (TLS version, suite) */
};

/* A proxy in front of the broker (transport_proxy.c). */
enum mq_proxy_kind { MQ_PROXY_SOCKS5 = 1, MQ_PROXY_SOCKS5H, MQ_PROXY_HTTP };
typedef struct mq_proxy {
	enum mq_proxy_kind kind;    /* SOCKS5H: the proxy resolves the name */
	const char *host, *port;
	const char *user, *pass;    /* NULL: no authentication */
} mq_proxy;

/* MQTT over WebSocket (transport_ws.c). */
typedef struct mq_ws_config {
	const char *path;           /* of the HTTP request: "/mqtt" */
	const char *const *headers; /* "Name: value" lines to add, NULL-ended */
} mq_ws_config;

/* Where to connect: host and port as given by the user, or a Unix
 * socket; through a proxy or not; over WebSocket or not. */
typedef struct mq_endpoint {
	const char *host;
	const char *port;
	const char *unix_path;      /* connect to this Unix socket, or NULL */
	const mq_proxy *proxy;      /* reach host:port through it, or NULL */
	const char *bind_addr;      /* local address to connect from, or NULL */
	const mq_ws_config *ws;     /* MQTT over WebSocket, or NULL */
} mq_endpoint;

/* Resolve and connect with a deadline, trying every address in turn
 * (through ep->proxy when set; to ep->unix_path instead when set).
 * Returns 0 or -MQ_E_RESOLVE / -MQ_E_CONNECT / -MQ_E_TIMEOUT with t->err
 * naming the cause ("connection refused", ...).  t->fd is non-blocking. */
int mq_tcp_connect(mq_transport *t, const mq_endpoint *ep, int timeout_ms);

/* "host:port", "[v6]:port" or "unix socket PATH", for messages. */
void mq_endpoint_name(const mq_endpoint *ep, char *buf, size_t len);

/* CLOCK_MONOTONIC milliseconds, for connect and handshake deadlines. */
long long mq_transport_now_ms(void);

/* Safe on a closed or zeroed transport. */
void mq_transport_close(mq_transport *t);

#endif
