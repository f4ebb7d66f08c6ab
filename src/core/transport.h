/* transport.h - a small read/write/close vtable under the client loop.
 *
 * TCP lives in transport_tcp.c; TLS (transport_tls.c, the only file that
 * will include mbedtls) and WebSocket plug in behind the same table.
 * All sockets are non-blocking; the client loop polls t->fd.
 */
#ifndef MQ_TRANSPORT_H
#define MQ_TRANSPORT_H

#include <stddef.h>
#include <sys/types.h>

typedef struct mq_transport mq_transport;

typedef struct mq_transport_ops {
	/* > 0 bytes, -MQ_E_WOULD_BLOCK, -MQ_E_CLOSED (orderly EOF), or
	 * -MQ_E_IO / -MQ_E_TLS with t->err set. */
	ssize_t (*read)(mq_transport *t, void *buf, size_t len);
	ssize_t (*write)(mq_transport *t, const void *buf, size_t len);
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
	char info[128];     /* what was negotiated (TLS version, suite) */
};

/* Where to connect: host and port as given by the user. */
typedef struct mq_endpoint {
	const char *host;
	const char *port;
} mq_endpoint;

/* Resolve and connect with a deadline, trying every address in turn.
 * Returns 0 or -MQ_E_RESOLVE / -MQ_E_CONNECT / -MQ_E_TIMEOUT with t->err
 * naming the cause ("connection refused", ...).  t->fd is non-blocking. */
int mq_tcp_connect(mq_transport *t, const mq_endpoint *ep, int timeout_ms);

/* Safe on a closed or zeroed transport. */
void mq_transport_close(mq_transport *t);

#endif
