/* transport_ws.h - MQTT over WebSocket (RFC 6455) behind the transport
 * vtable: the HTTP upgrade with the "mqtt" subprotocol over TCP or TLS,
 * then binary frames (ws.c) both ways. */
#ifndef MQ_TRANSPORT_WS_H
#define MQ_TRANSPORT_WS_H

#include "transport.h"
#include "transport_tls.h"

/* Connect to ep (TLS under it when tls is non-NULL and enabled) and run
 * the WebSocket handshake of ep->ws within timeout_ms.  Returns 0, or
 * -MQ_E_* with t->err naming the cause: -MQ_E_AUTH for a 401 or 403,
 * -MQ_E_CONNECT for any other refusal of the upgrade. */
int mq_ws_connect(mq_transport *t, const mq_endpoint *ep,
		  const mq_tls_config *tls, int timeout_ms);

/* RFC 6455 §4.2.2: base64(SHA-1(key + GUID)) into out (29 bytes). */
void mq_ws_accept_key(const char *key, char out[29]);

#endif
