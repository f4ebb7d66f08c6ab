/* subscriptions.c - the session's SUBSCRIBE and UNSUBSCRIBE (see
 * session.h): the lists kept for the next link, and their acknowledgements. */
#include <string.h>

#include "session_internal.h"

/* Queue one SUBSCRIBE for the whole list and remember it until SUBACK. */
int sess_send_subscribe(mq_session *s)
{
	mq_packet p = { .type = MQ_SUBSCRIBE };
	mq_pending_sub *ps;
	uint16_t id;
	int rc;

	if (s->sub_count == 0)
		return 0;
	if (s->pending_sub_count == MQ_MAX_PENDING_SUBS)
		return -MQ_E_INFLIGHT_FULL;
	id = sess_id_alloc(s);
	if (!id)
		return -MQ_E_INFLIGHT_FULL;
	p.u.subscribe.packet_id = id;
	if (sess_is_v5(s) && s->cfg.subscribe_props)   /* MQTT 5.0 §3.8.2.1 */
		p.u.subscribe.props = *s->cfg.subscribe_props;
	p.u.subscribe.entries = s->subs;
	p.u.subscribe.count = s->sub_count;
	rc = sess_queue_packet(s, &p);
	if (rc < 0) {
		sess_bit_clear(s->ids_out, id);
		return rc;
	}
	ps = &s->pending_subs[s->pending_sub_count++];
	ps->packet_id = id;
	ps->count = (uint16_t)s->sub_count;
	return 0;
}

int mq_session_subscribe(mq_session *s, const mq_sub_entry *subs,
			 size_t count, uint64_t now_ms)
{
	size_t i;
	int rc;

	(void)now_ms;
	if (count > UINT16_MAX)
		return -MQ_E_PACKET_TOO_LARGE;
	for (i = 0; i < count; i++) {
		rc = mq_filter_check(subs[i].filter.ptr, subs[i].filter.len);
		if (rc < 0)
			return rc;
		if ((subs[i].options & MQ_SUBOPT_QOS_MASK) > 2)
			return -MQ_E_BAD_QOS;
	}
	s->subs = subs;
	s->sub_count = count;
	if (s->state != MQ_S_CONNECTED) {
		s->subs_resend = true;
		return 0;
	}
	return sess_send_subscribe(s);
}

/* Queue one UNSUBSCRIBE for the whole list (MQTT 5.0 §3.10). */
int sess_send_unsubscribe(mq_session *s)
{
	mq_packet p = { .type = MQ_UNSUBSCRIBE };
	uint16_t id;
	int rc;

	if (s->unsub_count == 0)
		return 0;
	id = sess_id_alloc(s);
	if (!id)
		return -MQ_E_INFLIGHT_FULL;
	p.u.unsubscribe.packet_id = id;
	p.u.unsubscribe.filters = s->unsubs;
	p.u.unsubscribe.count = s->unsub_count;
	rc = sess_queue_packet(s, &p);
	if (rc < 0) {
		sess_bit_clear(s->ids_out, id);
		return rc;
	}
	s->unsub_id = id;
	return 0;
}

int mq_session_unsubscribe(mq_session *s, const mq_bytes *filters,
			   size_t count, uint64_t now_ms)
{
	size_t i;
	int rc;

	(void)now_ms;
	if (count > UINT16_MAX || s->unsub_count)
		return -MQ_E_INFLIGHT_FULL;
	for (i = 0; i < count; i++) {
		rc = mq_filter_check(filters[i].ptr, filters[i].len);
		if (rc < 0)
			return rc;
	}
	s->unsubs = filters;
	s->unsub_count = count;
	s->unsub_id = 0;
	return s->state == MQ_S_CONNECTED ? sess_send_unsubscribe(s) : 0;
}

bool mq_session_unsubscribing(const mq_session *s)
{
	return s->unsub_count > 0;
}

/* MQTT 5.0 §3.11: one reason code per filter (3.1.1 §3.11: none). */
int sess_on_unsuback(mq_session *s, const mq_suback *ack)
{
	if (!s->unsub_id || ack->packet_id != s->unsub_id)
		return -MQ_E_BAD_PACKET_ID;
	if (sess_is_v5(s) && ack->reasons.len != s->unsub_count)
		return -MQ_E_PROTOCOL;
	sess_bit_clear(s->ids_out, ack->packet_id);
	s->unsub_id = 0;
	s->unsub_count = 0;
	if (s->ev.unsubscribed)
		s->ev.unsubscribed(s->ev.ctx, ack);
	return 0;
}

int sess_on_suback(mq_session *s, const mq_suback *ack)
{
	size_t i;

	for (i = 0; i < s->pending_sub_count; i++)
		if (s->pending_subs[i].packet_id == ack->packet_id)
			break;
	if (i == s->pending_sub_count)
		return -MQ_E_BAD_PACKET_ID;
	if (ack->reasons.len != s->pending_subs[i].count)
		return -MQ_E_PROTOCOL;
	sess_bit_clear(s->ids_out, ack->packet_id);
	memmove(&s->pending_subs[i], &s->pending_subs[i + 1],
		(s->pending_sub_count - i - 1) * sizeof s->pending_subs[0]);
	s->pending_sub_count--;
	if (s->ev.subscribed)
		s->ev.subscribed(s->ev.ctx, ack);
	return 0;
}

/* MQTT 5.0 §3.14: the broker closes the connection and says why. */
