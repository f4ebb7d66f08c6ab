/* codec.c - framing: the Variable Byte Integer and the fixed header.
 *
 * The packet bodies are in encode.c and decode.c, properties in props.c,
 * strings and topics in topic.c, reason codes and names in reason.c.
 */
#include "codec_internal.h"

/* MQTT 5.0 §1.5.5, 3.1.1 §2.2.3: 7 bits per byte, low group first. */
int mq_varint_put(uint8_t *buf, size_t cap, uint32_t value)
{
	size_t n = 0;

	if (value > MQ_MAX_REMAINING_LENGTH)
		return -MQ_E_MALFORMED;
	if (cap < mq_varint_size(value))
		return -MQ_E_BUFFER_TOO_SMALL;
	do {
		uint8_t b = value & 0x7F;

		value >>= 7;
		buf[n++] = value ? (uint8_t)(b | 0x80) : b;
	} while (value);
	return (int)n;
}

/* At most 4 bytes [MQTT-1.5.5-1]; a last byte of 0 after a continuation
 * byte means the value fitted in fewer bytes: not minimal. */
int mq_varint_get(const uint8_t *buf, size_t len, uint32_t *value)
{
	uint32_t v = 0;
	size_t i;

	for (i = 0; i < 4; i++) {
		if (i >= len)
			return 0;
		v |= (uint32_t)(buf[i] & 0x7F) << (7 * i);
		if (!(buf[i] & 0x80)) {
			if (i > 0 && buf[i] == 0)
				return -MQ_E_REMLEN_NOT_MINIMAL;
			*value = v;
			return (int)i + 1;
		}
	}
	return -MQ_E_REMLEN_TOO_LONG;
}

/* MQTT 5.0 §2.1.4 / §2.2.3: header byte, then the remaining length
 * (mq_frame_head() in codec_internal.h does the work). */
long mq_frame_length(const uint8_t *buf, size_t len, uint32_t max_packet)
{
	uint32_t rem;

	return mq_frame_head(buf, len, max_packet, &rem);
}
