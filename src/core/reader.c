/* reader.c - incremental MQTT frame reader over one bounded buffer.
 *
 * Unread bytes live in buf[start..end).  Space is made by moving them to
 * the front first; the buffer only grows (doubling, never past the largest
 * frame accepted) when the frame being received does not fit, and a
 * header announcing a frame larger than that is an error before any body
 * byte is buffered.
 */
#include <stdlib.h>
#include <string.h>

#include "reader.h"

#define MQ_READER_INITIAL 65536   /* one read() takes a burst of small packets */

/* Largest frame accepted, header included. */
static size_t frame_limit(const mq_reader *r)
{
	return r->max_packet ? r->max_packet
		: (size_t)MQ_MAX_REMAINING_LENGTH + MQ_MAX_FIXED_HEADER;
}

void mq_reader_init(mq_reader *r, uint8_t version, uint32_t max_packet)
{
	r->buf = NULL;
	r->cap = r->start = r->end = 0;
	r->version = version;
	r->max_packet = max_packet ? max_packet
		: MQ_MAX_REMAINING_LENGTH + MQ_MAX_FIXED_HEADER;
}

void mq_reader_free(mq_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = r->start = r->end = 0;
}

void mq_reader_reset(mq_reader *r)
{
	r->start = r->end = 0;
}

/* Move the unread bytes to the front of the buffer. */
static void compact(mq_reader *r)
{
	size_t n = r->end - r->start;

	if (n && r->start)
		memmove(r->buf, r->buf + r->start, n);
	r->start = 0;
	r->end = n;
}

/* Bytes the buffer must hold for the frame at start: its length when the
 * header is complete, one more byte when not, 0 when the header is bad
 * (mq_reader_next() reports that; no point growing for it). */
static size_t pending_need(const mq_reader *r)
{
	long n;

	if (!r->buf)
		return 0;
	n = mq_frame_length(r->buf + r->start, r->end - r->start,
			    (uint32_t)frame_limit(r));
	if (n < 0)
		return 0;
	return n > 0 ? (size_t)n : r->end - r->start + 1;
}

/* Double the buffer until it holds need bytes, within the frame limit. */
static int grow(mq_reader *r, size_t need)
{
	size_t limit = frame_limit(r);
	size_t n = r->cap ? r->cap : MQ_READER_INITIAL;
	uint8_t *p;

	while (n < need || n == r->cap) {
		if (n >= limit)
			break;
		n *= 2;
	}
	if (n > limit)
		n = limit;
	if (n <= r->cap)
		return -MQ_E_NOMEM;
	p = realloc(r->buf, n);
	if (!p)
		return -MQ_E_NOMEM;
	r->buf = p;
	r->cap = n;
	return 0;
}

uint8_t *mq_reader_space(mq_reader *r, size_t *avail)
{
	*avail = 0;
	if (r->start == r->end)
		r->start = r->end = 0;
	if (r->end == r->cap && r->start > 0)
		compact(r);
	if (r->end == r->cap) {
		size_t need = pending_need(r);

		if ((r->buf && need == 0) || grow(r, need) < 0)
			return NULL;
	}
	*avail = r->cap - r->end;
	return r->buf + r->end;
}

void mq_reader_commit(mq_reader *r, size_t n)
{
	if (n > r->cap - r->end)
		n = r->cap - r->end;
	r->end += n;
}

int mq_reader_feed(mq_reader *r, const uint8_t *data, size_t len)
{
	while (len) {
		size_t avail, n;
		uint8_t *p = mq_reader_space(r, &avail);

		if (!p)
			return -MQ_E_NOMEM;
		n = avail < len ? avail : len;
		memcpy(p, data, n);
		mq_reader_commit(r, n);
		data += n;
		len -= n;
	}
	return 0;
}

uint8_t mq_reader_failed_type(const mq_reader *r)
{
	return r->start < r->end ? (uint8_t)(r->buf[r->start] >> 4) : 0;
}

bool mq_reader_v311_refusal(const mq_reader *r)
{
	static const uint8_t refusal[4] = { 0x20, 0x02, 0x00, 0x01 };

	return r->end - r->start >= sizeof refusal &&
	       memcmp(r->buf + r->start, refusal, sizeof refusal) == 0;
}

int mq_reader_next(mq_reader *r, mq_packet *out)
{
	long n;

	if (r->start == r->end)
		return 0;
	n = mq_decode(r->buf + r->start, r->end - r->start, r->version,
		      (uint32_t)frame_limit(r), out);
	if (n <= 0)
		return (int)n;
	r->start += (size_t)n;
	return 1;
}
