/* borrow.c - large payloads sent from where they lie (see session.h,
 * mq_message.payload_stable): the output buffer holds the PUBLISH head,
 * a splice marks where the payload goes between its bytes, and a QoS 1/2
 * slot keeps the head and a pointer to the payload for a re-send.  A
 * 100 MB file is then never copied: the client writes it from the
 * caller's memory, or from its file with sendfile(2). */
#include <stdlib.h>
#include <string.h>

#include "session_internal.h"

int sess_splice_room(mq_session *s)
{
	if (s->splice_head + s->splice_count == s->splice_cap && s->splice_head) {
		memmove(s->splices, s->splices + s->splice_head,
			s->splice_count * sizeof *s->splices);
		s->splice_head = 0;
	}
	if (s->splice_count == s->splice_cap) {
		size_t cap = s->splice_cap ? s->splice_cap * 2 : 4;
		mq_splice *n = realloc(s->splices, cap * sizeof *n);
		if (!n)
			return -MQ_E_NOMEM;
		s->splices = n;
		s->splice_cap = cap;
	}
	return 0;
}

int sess_splice_push(mq_session *s, const mq_borrowed *b)
{
	if (sess_splice_room(s) < 0)
		return -MQ_E_NOMEM;
	s->splices[s->splice_head + s->splice_count++] =
		(mq_splice){ .at = s->out_len, .b = *b, .done = 0 };
	s->splice_bytes += b->len;
	return 0;
}

void sess_splice_clear(mq_session *s)
{
	s->splice_head = s->splice_count = 0;
	s->splice_bytes = 0;
}

void sess_out_rebase(mq_session *s)
{
	size_t pending = s->out_len - s->out_start;
	if (s->out_start == 0)
		return;
	if (pending)
		memmove(s->out, s->out + s->out_start, pending);
	for (size_t i = 0; i < s->splice_count; i++)
		s->splices[s->splice_head + i].at -= s->out_start;
	s->out_start = 0;
	s->out_len = pending;
}

int sess_queue_slot(mq_session *s, const mq_slot *slot)
{
	uint8_t *dst = sess_out_reserve(s, slot->len);
	if (!dst)
		return -MQ_E_NOMEM;
	memcpy(dst, slot->buf, slot->len);
	s->out_len += slot->len;
	if (slot->body.ptr && sess_splice_push(s, &slot->body) < 0) {
		s->out_len -= slot->len;
		return -MQ_E_NOMEM;
	}
	if (s->ev.trace) {
		mq_packet p;
		uint8_t *tmp = NULL;
		if (sess_decode_slot(slot, s->cfg.version, &p, &tmp) == 0)
			s->ev.trace(s->ev.ctx, true, &p);
		free(tmp);
	}
	return 0;
}

int sess_decode_slot(const mq_slot *slot, uint8_t version, mq_packet *p,
		     uint8_t **tmp)
{
	const uint8_t *buf = slot->buf;
	size_t len = slot->len;
	*tmp = NULL;
	if (slot->body.ptr) {   /* the head as a PUBLISH with no payload */
		if (!(*tmp = malloc(len)))
			return -MQ_E_NOMEM;
		memcpy(*tmp, slot->buf, len);
		long n = mq_publish_head_resize(*tmp, len, len, -(long long)slot->body.len);
		if (n < 0)
			return (int)n;
		buf = *tmp;
		len = (size_t)n;
	}
	if (mq_decode(buf, len, version, 0, p) != (long)len || p->type != MQ_PUBLISH)
		return -MQ_E_MALFORMED;
	if (slot->body.ptr)
		p->u.publish.payload = (mq_bytes){ slot->body.ptr, slot->body.len };
	return 0;
}
