/* publish.c - the session's outbound PUBLISH (see session.h): checks
 * against the broker's limits, the template fast path (pubtmpl.h), topic
 * aliases (alias.h), and the slot a QoS 1/2 message waits in. */
#include <string.h>

#include "session_internal.h"

/* A QoS 0 PUBLISH written from the template. */
static int queue_template(mq_session *s, const mq_packet *p, size_t len)
{
	uint8_t *dst = sess_out_reserve(s, len);

	if (!dst)
		return -MQ_E_NOMEM;
	s->out_len += mq_pubtmpl_write(&s->tmpl, dst, 0, p->u.publish.payload);
	sess_trace(s, true, p);
	return 0;
}

bool mq_session_can_publish(const mq_session *s, uint8_t qos)
{
	if (s->state != MQ_S_CONNECTED || sess_out_pending(s) > MQ_OUT_HIGH_WATER)
		return false;
	return qos == 0 || sess_window_open(s);
}

static int publish_check(const mq_session *s, const mq_message *m,
			 bool topic_known)
{
	if (s->state != MQ_S_CONNECTED || sess_out_pending(s) > MQ_OUT_HIGH_WATER)
		return -MQ_E_WOULD_BLOCK;
	if (m->qos > 2 || m->qos > s->broker_max_qos)
		return -MQ_E_BAD_QOS;
	if (m->retain && !s->broker_retain_available)
		return -MQ_E_PROTOCOL;
	if (!topic_known && !m->topic_checked && mq_topic_check(m->topic.ptr, m->topic.len) < 0)
		return -MQ_E_BAD_TOPIC;
	if (m->qos > 0 && !sess_window_open(s))
		return -MQ_E_INFLIGHT_FULL;
	return 0;
}

/* Encoded size of the PUBLISH, checked against the broker's limit. */
static long publish_length(const mq_session *s, const mq_packet *p,
			   bool fast)
{
	long len = fast ? (long)mq_pubtmpl_length(&s->tmpl, p->u.publish.payload.len)
			: mq_encoded_length(s->cfg.version, p);

	if (len == 0)
		return -MQ_E_PACKET_TOO_LARGE;

	if (len < 0)
		return len;
	if (s->broker_max_packet && (uint64_t)len > s->broker_max_packet)
		return -MQ_E_PACKET_TOO_LARGE;
	return len;
}

/* 5.0 §3.3.2.3.4: the PUBLISH as sent on this connection, with a topic
 * alias (and no topic once the broker knows the alias).  Returns false
 * when it goes as it is. */
static bool alias_wire(mq_session *s, const mq_packet *p, mq_packet *wire)
{
	bool known;
	uint16_t a = s->aliases ? mq_alias_get(s->aliases, p->u.publish.topic, &known) : 0;
	if (!a)
		return false;
	*wire = *p;
	wire->u.publish.props.present |= MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS);
	wire->u.publish.props.topic_alias = a;
	if (known)
		wire->u.publish.topic = (mq_bytes){ NULL, 0 };
	return true;
}

/* Write the slot's packet onto the output: its bytes, or the aliased
 * form of the same PUBLISH (wire; the slot keeps the full one, valid for a
 * re-send on any later connection). */
static int slot_to_output(mq_session *s, const mq_slot *slot, mq_packet *wire)
{
	if (!wire) {
		memcpy(s->out + s->out_len, slot->buf, slot->len);
		s->out_len += slot->len;
		return 0;
	}
	wire->u.publish.packet_id = slot->packet_id;
	return sess_queue_packet(s, wire);
}

/* QoS 1/2: encode into the next slot, then copy onto the output. */
static int publish_slot(mq_session *s, mq_packet *p, size_t len, bool fast,
			mq_packet *wire)
{
	mq_slot *slot;
	size_t pos;
	uint16_t id;
	long n;
	int rc = sess_ring_alloc(s);

	if (rc < 0)
		return rc;
	pos = (s->slot_head + s->slot_count) % s->slot_cap;
	slot = &s->slots[pos];
	if (sess_slot_reserve(slot, len) < 0 || !sess_out_reserve(s, len))
		return -MQ_E_NOMEM;
	id = sess_id_alloc(s);
	if (!id)
		return -MQ_E_INFLIGHT_FULL;
	p->u.publish.packet_id = id;
	n = fast ? (long)mq_pubtmpl_write(&s->tmpl, slot->buf, id, p->u.publish.payload)
		 : mq_encode(slot->buf, slot->cap, s->cfg.version, p);
	if (n < 0) {
		sess_bit_clear(s->ids_out, id);
		return (int)n;
	}
	slot->tag = s->next_tag;
	slot->packet_id = id;
	slot->qos = p->u.publish.qos;
	slot->stage = slot->qos == 1 ? STAGE_PUBACK : STAGE_PUBREC;
	slot->sent = true;
	slot->len = (size_t)n;
	s->id_slot[id] = (uint16_t)pos;
	s->slot_count++;
	s->live++;
	s->changes++;
	if (!wire)
		sess_trace(s, true, p);
	return slot_to_output(s, slot, wire);
}

long long mq_session_publish(mq_session *s, const mq_message *m,
			     uint64_t now_ms)
{
	mq_packet p = { .type = MQ_PUBLISH };
	long len;
	int rc;

	(void)now_ms;
	p.u.publish.qos = m->qos;
	p.u.publish.retain = m->retain;
	p.u.publish.topic = m->topic;
	p.u.publish.payload = m->payload;
	p.u.publish.packet_id = m->qos ? 1 : 0;   /* sized like the real id */
	if (m->props && sess_is_v5(s))
		p.u.publish.props = *m->props;
	bool fast = mq_pubtmpl_match(&s->tmpl, s->cfg.version, &p.u.publish);
	rc = publish_check(s, m, fast);
	if (rc < 0)
		return rc;
	/* A new template pays off for a run of one topic; a stream that
	 * changes topic every message (--topic-lines) would build one each
	 * time for nothing: after a miss, try again only every 64th. */
	if (fast)
		s->tmpl_misses = 0;
	else if (mq_pubtmpl_eligible(&p.u.publish) && (s->tmpl_misses++ & 63) == 0)
		fast = mq_pubtmpl_build(&s->tmpl, s->cfg.version, &p.u.publish) == 0;
	len = publish_length(s, &p, fast);
	if (len < 0)
		return len;
	mq_packet wire;
	bool aliased = alias_wire(s, &p, &wire);
	if (m->qos)
		rc = publish_slot(s, &p, (size_t)len, fast, aliased ? &wire : NULL);
	else if (aliased)
		rc = sess_queue_packet(s, &wire);
	else
		rc = fast ? queue_template(s, &p, (size_t)len) : sess_queue_packet(s, &p);
	if (rc < 0)
		return rc;
	return (long long)s->next_tag++;
}

