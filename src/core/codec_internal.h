/* codec_internal.h - helpers shared by the codec's files (not installed,
 * not for use outside src/core/{codec,encode,decode,props,topic,reason}.c).
 *
 * mq_cur reads fields from a bounded body: every get checks the bytes that
 * are really there and fails with -MQ_E_MALFORMED when a field runs past
 * the end.  mq_wr writes fields, or only counts them when buf is NULL, so
 * one body function both measures and writes a packet.
 */
#ifndef MQ_CODEC_INTERNAL_H
#define MQ_CODEC_INTERNAL_H

#include <string.h>

#include "codec.h"

/* Property context for the Will Properties of CONNECT (no packet type 0). */
#define MQ_CTX_WILL 0

/* ---- reading ------------------------------------------------------------ */

typedef struct mq_cur {
	const uint8_t *p;
	size_t len, pos;
} mq_cur;

static inline size_t mq_cur_left(const mq_cur *c)
{
	return c->len - c->pos;
}

static inline int mq_get_u8(mq_cur *c, uint8_t *v)
{
	if (mq_cur_left(c) < 1)
		return -MQ_E_MALFORMED;
	*v = c->p[c->pos++];
	return 0;
}

/* Two Byte Integer, big-endian (§1.5.2). */
static inline int mq_get_u16(mq_cur *c, uint16_t *v)
{
	if (mq_cur_left(c) < 2)
		return -MQ_E_MALFORMED;
	*v = (uint16_t)((c->p[c->pos] << 8) | c->p[c->pos + 1]);
	c->pos += 2;
	return 0;
}

/* Four Byte Integer (5.0 §1.5.3). */
static inline int mq_get_u32(mq_cur *c, uint32_t *v)
{
	const uint8_t *b = c->p + c->pos;

	if (mq_cur_left(c) < 4)
		return -MQ_E_MALFORMED;
	*v = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
	     ((uint32_t)b[2] << 8) | b[3];
	c->pos += 4;
	return 0;
}

/* Variable Byte Integer inside a body: any defect is a malformed packet. */
static inline int mq_get_varint(mq_cur *c, uint32_t *v)
{
	int n = mq_varint_get(c->p + c->pos, mq_cur_left(c), v);

	if (n <= 0)
		return -MQ_E_MALFORMED;
	c->pos += (size_t)n;
	return 0;
}

/* Binary Data: 2-byte length then bytes (5.0 §1.5.6, 3.1.1 §1.5.3). */
static inline int mq_get_bin(mq_cur *c, mq_bytes *v)
{
	uint16_t n;
	int rc = mq_get_u16(c, &n);

	if (rc < 0)
		return rc;
	if (mq_cur_left(c) < n)
		return -MQ_E_MALFORMED;
	v->ptr = c->p + c->pos;
	v->len = n;
	c->pos += n;
	return 0;
}

/* UTF-8 Encoded String (§1.5.4 / 3.1.1 §1.5.3). */
static inline int mq_get_str(mq_cur *c, mq_bytes *v)
{
	int rc = mq_get_bin(c, v);

	if (rc < 0)
		return rc;
	return mq_utf8_check(v->ptr, v->len);
}

/* A sub-cursor over the next n bytes; n must already be checked. */
static inline mq_cur mq_cur_take(mq_cur *c, size_t n)
{
	mq_cur sub = { c->p + c->pos, n, 0 };

	c->pos += n;
	return sub;
}

/* ---- framing ------------------------------------------------------------ */

/* Smallest frame an incomplete header can still announce: i bytes are
 * present, the last i - 1 of them length bytes with the continuation bit
 * set; a further final length byte must then be at least 1. */
static inline uint64_t mq_least_frame(size_t i, uint32_t partial, uint32_t mul)
{
	return (uint64_t)i + 1 + partial + (i > 1 ? mul : 0);
}

/* mq_frame_length(), and *rem the Remaining Length when the header is
 * complete (the body then starts at frame - rem): the decoder reads the
 * header once.  MQTT 5.0 §2.1.4 / §2.2.3, §1.5.5 [MQTT-1.5.5-1]. */
static inline long mq_frame_head(const uint8_t *buf, size_t len,
				 uint32_t max_packet, uint32_t *rem)
{
	uint64_t limit = max_packet ? max_packet
		: (uint64_t)MQ_MAX_REMAINING_LENGTH + MQ_MAX_FIXED_HEADER;
	uint32_t v = 0, mul = 1;
	size_t i;

	if (len == 0)
		return 0;
	for (i = 1; i <= 4; i++) {
		uint8_t b;

		if (i >= len)
			return mq_least_frame(i, v, mul) > limit
				? -MQ_E_PACKET_TOO_LARGE : 0;
		b = buf[i];
		v += (uint32_t)(b & 0x7F) * mul;
		if (!(b & 0x80)) {
			if (i > 1 && b == 0)
				return -MQ_E_REMLEN_NOT_MINIMAL;
			if ((uint64_t)i + 1 + v > limit)
				return -MQ_E_PACKET_TOO_LARGE;
			*rem = v;
			return (long)(i + 1 + v);
		}
		mul *= 128;
	}
	return -MQ_E_REMLEN_TOO_LONG;
}

/* ---- writing ------------------------------------------------------------ */

typedef struct mq_wr {
	uint8_t *buf;   /* NULL: count only */
	size_t pos;
} mq_wr;

static inline void mq_put_raw(mq_wr *w, const void *src, size_t n)
{
	if (w->buf && n)
		memcpy(w->buf + w->pos, src, n);
	w->pos += n;
}

static inline void mq_put_u8(mq_wr *w, uint8_t v)
{
	mq_put_raw(w, &v, 1);
}

static inline void mq_put_u16(mq_wr *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	mq_put_raw(w, b, 2);
}

static inline void mq_put_u32(mq_wr *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };

	mq_put_raw(w, b, 4);
}

/* Value already checked to be <= MQ_MAX_REMAINING_LENGTH. */
static inline void mq_put_varint(mq_wr *w, uint32_t v)
{
	uint8_t b[4];
	int n = mq_varint_put(b, sizeof b, v);

	if (n > 0)
		mq_put_raw(w, b, (size_t)n);
}

/* Length-prefixed string or binary; length already checked <= 65535. */
static inline void mq_put_bin(mq_wr *w, mq_bytes v)
{
	mq_put_u16(w, (uint16_t)v.len);
	mq_put_raw(w, v.ptr, v.len);
}

/* ---- shared checks (props.c, reason.c) ---------------------------------- */

/* Decode a 5.0 property block (length + properties) for packet type ctx
 * (MQ_CTX_WILL for Will Properties) into *pr. */
int mq_props_get(mq_cur *c, uint8_t ctx, mq_props *pr);
/* Check *pr can be encoded in packet type ctx: ids allowed, values in
 * range, strings valid.  Returns 0 or -MQ_E_*. */
int mq_props_check(const mq_props *pr, uint8_t ctx);
/* Bytes of the property list, without its length prefix (checked pr). */
size_t mq_props_size(const mq_props *pr);
/* Write Property Length and the properties (checked pr). */
void mq_props_put(mq_wr *w, const mq_props *pr);

/* Is reason a valid reason code for this packet type and version? */
bool mq_reason_valid(uint8_t version, uint8_t type, uint8_t reason);
/* Subscription options byte (3.1.1 §3.8.3.1, 5.0 §3.8.3.1): 0 or -MQ_E_*. */
int mq_subopt_check(uint8_t version, uint8_t options);

/* Bytes needed for a Variable Byte Integer of value v (v <= max). */
static inline size_t mq_varint_size(uint32_t v)
{
	return v < 128u ? 1 : v < 16384u ? 2 : v < 2097152u ? 3 : 4;
}

#endif
