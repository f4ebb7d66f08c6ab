/* ws.c - the WebSocket frame codec (see ws.h). */
#include "errors.h"
#include "ws.h"

size_t mq_ws_header(uint8_t *out, uint8_t opcode, uint64_t len, const uint8_t mask[4])
{
	size_t n = 0;
	out[n++] = (uint8_t)(0x80 | (opcode & 0x0F));   /* FIN, no RSV */
	if (len < 126) {
		out[n++] = (uint8_t)(0x80 | len);       /* MASK bit */
	} else if (len <= 0xFFFF) {
		out[n++] = 0x80 | 126;
		out[n++] = (uint8_t)(len >> 8);
		out[n++] = (uint8_t)len;
	} else {
		out[n++] = 0x80 | 127;
		for (int i = 7; i >= 0; i--)
			out[n++] = (uint8_t)(len >> (8 * i));
	}
	for (int i = 0; i < 4; i++)
		out[n++] = mask[i];
	return n;
}

void mq_ws_mask(uint8_t *data, size_t len, const uint8_t mask[4], uint64_t offset)
{
	for (size_t i = 0; i < len; i++)
		data[i] ^= mask[(offset + i) & 3];
}

static bool known_opcode(uint8_t op)
{
	return op <= MQ_WS_BINARY || (op >= MQ_WS_CLOSE && op <= MQ_WS_PONG);
}

int mq_ws_parse_header(const uint8_t *buf, size_t len, uint64_t max_payload,
		       mq_ws_frame *f)
{
	if (len < 2)
		return 0;
	uint8_t b0 = buf[0], b1 = buf[1];
	if (b0 & 0x70)
		return -MQ_E_MALFORMED;   /* §5.2: RSV1-3, no extension agreed */
	if (b1 & 0x80)
		return -MQ_E_MALFORMED;   /* §5.1: a server never masks */
	f->fin = b0 & 0x80;
	f->opcode = b0 & 0x0F;
	if (!known_opcode(f->opcode))
		return -MQ_E_MALFORMED;
	uint64_t l = b1 & 0x7F;
	size_t n = 2;
	if (l == 126) {
		if (len < 4)
			return 0;
		l = (uint64_t)buf[2] << 8 | buf[3];
		if (l < 126)
			return -MQ_E_MALFORMED;   /* §5.2: minimal length */
		n = 4;
	} else if (l == 127) {
		if (len < 10)
			return 0;
		if (buf[2] & 0x80)
			return -MQ_E_MALFORMED;   /* §5.2: the top bit is 0 */
		l = 0;
		for (int i = 2; i < 10; i++)
			l = l << 8 | buf[i];
		if (l <= 0xFFFF)
			return -MQ_E_MALFORMED;
		n = 10;
	}
	if (f->opcode >= MQ_WS_CLOSE && (!f->fin || l > MQ_WS_MAX_CONTROL))
		return -MQ_E_MALFORMED;   /* §5.5 */
	if (l > max_payload)
		return -MQ_E_PACKET_TOO_LARGE;
	f->length = l;
	return (int)n;
}
