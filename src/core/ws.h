/* ws.h - the WebSocket frame codec (RFC 6455 §5), client side, sans-I/O
 * like the MQTT codec: build masked frame headers, mask payloads, and
 * parse the server's frame headers with every length checked against the
 * bytes actually there. */
#ifndef MQ_WS_H
#define MQ_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mq_ws_opcode {
	MQ_WS_CONTINUATION = 0x0, MQ_WS_TEXT = 0x1, MQ_WS_BINARY = 0x2,
	MQ_WS_CLOSE = 0x8, MQ_WS_PING = 0x9, MQ_WS_PONG = 0xA
};

#define MQ_WS_MAX_HEADER 14      /* 2 + 8 (64-bit length) + 4 (mask) */
#define MQ_WS_MAX_CONTROL 125    /* §5.5: control frame payload */

typedef struct mq_ws_frame {
	bool fin;
	uint8_t opcode;
	uint64_t length;             /* payload bytes that follow the header */
} mq_ws_frame;

/* Write the header of a client frame (FIN set, masked with mask) for a
 * payload of len bytes into out (MQ_WS_MAX_HEADER bytes).  Returns the
 * header length. */
size_t mq_ws_header(uint8_t *out, uint8_t opcode, uint64_t len, const uint8_t mask[4]);
/* XOR data with the mask, data[0] being byte `offset` of the payload. */
void mq_ws_mask(uint8_t *data, size_t len, const uint8_t mask[4], uint64_t offset);
/* Parse a server frame header from buf[0..len).  Returns the header
 * length with *f filled, 0 when more bytes are needed, or -MQ_E_MALFORMED
 * (reserved bits set, a masked server frame, a control frame that is
 * fragmented or longer than 125 bytes, an unknown opcode, a 64-bit length
 * with its top bit set or not minimally encoded) or -MQ_E_PACKET_TOO_LARGE
 * (over max_payload). */
int mq_ws_parse_header(const uint8_t *buf, size_t len, uint64_t max_payload,
		       mq_ws_frame *f);

#endif
