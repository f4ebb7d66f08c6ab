/* transport_proxy.h - the client side of a proxy handshake on a
 * connected socket: SOCKS5 (RFC 1928, user/password RFC 1929) and HTTP CONNECT (RFC 9110
 * §9.3.6).  Blocking with a deadline over a non-blocking fd: it runs once
 * per connection, before any MQTT byte. */
#ifndef MQ_TRANSPORT_PROXY_H
#define MQ_TRANSPORT_PROXY_H

#include <stddef.h>

#include "transport.h"

/* Ask the proxy on fd for a tunnel to host:port.  deadline_ms is
 * CLOCK_MONOTONIC milliseconds.  Returns 0, or -MQ_E_CONNECT /
 * -MQ_E_TIMEOUT / -MQ_E_RESOLVE with err naming the proxy's answer. */
int mq_proxy_handshake(int fd, const mq_proxy *px, const char *host,
		       const char *port, long long deadline_ms, char *err,
		       size_t errlen);

#endif
