/* fallback.c - talking MQTT 3.1.1 to a broker that refuses 5.0.
 *
 * With no version asked for, the session starts at 5.0; a broker that
 * answers the 5.0 CONNECT with "unsupported protocol version" (5.0 §3.2.2.2
 * reason 0x84, or a 3.1.1 CONNACK with return code 1, 3.1.1 §3.2.2.3) gets
 * a 3.1.1 CONNECT on the next link.  What is in flight was encoded for
 * 5.0: each PUBLISH is encoded again for 3.1.1, without its properties.
 */
#include <stdlib.h>
#include <string.h>

#include "session_internal.h"

bool mq_session_v5_refused(const mq_session *s, int rc)
{
	return s->cfg.version == MQ_V5 && rc == -MQ_E_REFUSED &&
	       s->connack_reason == 0x84;
}

/* One stored 5.0 PUBLISH, encoded again as 3.1.1 in place (never longer:
 * only the property length and properties go).  A borrowed payload stays
 * where it is: only the head is encoded again. */
static int reencode(mq_slot *slot)
{
	mq_packet p;
	uint8_t *tmp, *head;
	long n;

	n = sess_decode_slot(slot, MQ_V5, &p, &head);
	if (n < 0) {
		free(head);
		return (int)n;
	}
	memset(&p.u.publish.props, 0, sizeof p.u.publish.props);
	if (slot->body.ptr)
		p.u.publish.payload = (mq_bytes){ NULL, 0 };
	tmp = malloc(slot->len);
	n = tmp ? mq_encode(tmp, slot->len, MQ_V311, &p) : -MQ_E_NOMEM;
	if (n > 0 && slot->body.ptr)
		n = mq_publish_head_resize(tmp, (size_t)n, slot->len,
					   (long long)slot->body.len);
	if (n > 0) {
		memcpy(slot->buf, tmp, (size_t)n);
		slot->len = (size_t)n;
	}
	free(tmp);
	free(head);
	return n < 0 ? (int)n : 0;
}

int mq_session_use_v311(mq_session *s)
{
	size_t i;
	int rc;

	if (s->cfg.version == MQ_V311)
		return 0;
	for (i = 0; s->slots && i < s->slot_count; i++) {
		mq_slot *slot = &s->slots[(s->slot_head + i) % s->slot_cap];

		if (slot->tag && (rc = reencode(slot)) < 0)
			return rc;
	}
	s->cfg.version = MQ_V311;
	if (s->cfg.v311_max_inflight)
		s->cfg.max_inflight = s->cfg.v311_max_inflight;
	s->changes++;   /* the state on disk is 3.1.1 from now on */
	return 0;
}
