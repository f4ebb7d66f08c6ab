/* publish.c - the session's outbound PUBLISH (see session.h): checks
 * against the broker's limits, the template fast path (pubtmpl.h), topic
 * aliases (alias.h), and the slot a QoS 1/2 message waits in. */
#include <string.h>

#include "session_internal.h"

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

/* How a PUBLISH is written: from the template (the topic of the last
 * ones), directly (a topic the caller checked, no properties but an
 * alias), or by the generic encoder, which checks everything. */
enum enc { ENC_GENERIC, ENC_TEMPLATE, ENC_DIRECT };

/* p as it goes on this connection: with a Topic Alias when alias > 0,
 * and no topic once the broker knows the alias (5.0 §3.3.2.3.4). */
static mq_packet wire_form(const mq_publish *p, uint16_t alias, bool known)
{
	mq_packet w = { .type = MQ_PUBLISH, .u.publish = *p };
	if (alias) {
		w.u.publish.props.present |= MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS);
		w.u.publish.props.topic_alias = alias;
	}
	if (known)
		w.u.publish.topic = (mq_bytes){ NULL, 0 };
	return w;
}

/* Encoded size, 0 when over the protocol's limit, or -MQ_E_*. */
static long publish_size(const mq_session *s, enum enc e, const mq_publish *p,
			 uint16_t alias, bool known)
{
	if (e == ENC_TEMPLATE && !alias)
		return (long)mq_pubtmpl_length(&s->tmpl, p->payload.len);
	if (e != ENC_GENERIC)
		return (long)mq_pubdirect_length(s->cfg.version, p,
						 known ? (mq_bytes){ NULL, 0 } : p->topic, alias);
	mq_packet w = wire_form(p, alias, known);
	return mq_encoded_length(s->cfg.version, &w);
}

static long publish_write(mq_session *s, enum enc e, uint8_t *dst, size_t cap,
			  const mq_publish *p, uint16_t alias, bool known)
{
	if (e == ENC_TEMPLATE && !alias)
		return (long)mq_pubtmpl_write(&s->tmpl, dst, p->packet_id, p->payload);
	if (e != ENC_GENERIC)
		return (long)mq_pubdirect_write(dst, s->cfg.version, p,
						known ? (mq_bytes){ NULL, 0 } : p->topic, alias);
	mq_packet w = wire_form(p, alias, known);
	return mq_encode(dst, cap, s->cfg.version, &w);
}

/* p's head only, announcing its payload (borrowed: it is sent from
 * where it lies). */
static long publish_head(mq_session *s, enum enc e, uint8_t *dst, size_t cap,
			 const mq_publish *p, uint16_t alias, bool known)
{
	mq_publish h = *p;
	h.payload = (mq_bytes){ NULL, 0 };
	long n = publish_write(s, e, dst, cap, &h, alias, known);
	return n < 0 ? n : mq_publish_head_resize(dst, (size_t)n, cap,
						  (long long)p->payload.len);
}

static void publish_trace(mq_session *s, const mq_publish *p, uint16_t alias,
			  bool known)
{
	if (s->ev.trace) {
		mq_packet w = wire_form(p, alias, known);
		sess_trace(s, true, &w);
	}
}

/* Write p onto the output as it goes on this connection; len: its size
 * without an alias. */
static int queue_publish(mq_session *s, enum enc e, const mq_publish *p,
			 size_t len, uint16_t alias, bool known)
{
	long n = alias ? publish_size(s, e, p, alias, known) : (long)len;
	uint8_t *dst;

	if (n <= 0)
		return n == 0 ? -MQ_E_PACKET_TOO_LARGE : (int)n;
	if (!(dst = sess_out_reserve(s, (size_t)n)))
		return -MQ_E_NOMEM;
	n = publish_write(s, e, dst, (size_t)n, p, alias, known);
	if (n < 0)
		return (int)n;
	s->out_len += (size_t)n;
	publish_trace(s, p, alias, known);
	return 0;
}

/* queue_publish() for a borrowed payload b: the head onto the output,
 * the payload spliced after it. */
static int queue_publish_lent(mq_session *s, enum enc e, const mq_publish *p,
			      size_t len, uint16_t alias, bool known,
			      const mq_borrowed *b)
{
	long n = alias ? publish_size(s, e, p, alias, known) : (long)len;
	uint8_t *dst;

	if (n <= 0)
		return n == 0 ? -MQ_E_PACKET_TOO_LARGE : (int)n;
	size_t cap = (size_t)n - b->len;
	if (!(dst = sess_out_reserve(s, cap)) || sess_splice_room(s) < 0)
		return -MQ_E_NOMEM;
	n = publish_head(s, e, dst, cap, p, alias, known);
	if (n < 0)
		return (int)n;
	s->out_len += (size_t)n;
	sess_splice_push(s, b);   /* room made above */
	publish_trace(s, p, alias, known);
	return 0;
}

/* QoS 1/2: the whole PUBLISH (valid for a re-send on any later
 * connection) into the next slot, then onto the output: a copy of the
 * slot, or the aliased form. */
static int publish_slot(mq_session *s, enum enc e, mq_publish *p, size_t len,
			uint16_t alias, bool known)
{
	int rc = sess_ring_alloc(s);

	if (rc < 0)
		return rc;
	size_t pos = (s->slot_head + s->slot_count) % s->slot_cap;
	mq_slot *slot = &s->slots[pos];
	if (sess_slot_reserve(slot, len) < 0 || !sess_out_reserve(s, len))
		return -MQ_E_NOMEM;
	uint16_t id = sess_id_alloc(s);
	if (!id)
		return -MQ_E_INFLIGHT_FULL;
	p->packet_id = id;
	long n = publish_write(s, e, slot->buf, slot->cap, p, 0, false);
	if (n < 0) {
		sess_bit_clear(s->ids_out, id);
		return (int)n;
	}
	slot->tag = s->next_tag;
	slot->packet_id = id;
	slot->qos = p->qos;
	slot->stage = slot->qos == 1 ? STAGE_PUBACK : STAGE_PUBREC;
	slot->sent = true;
	slot->len = (size_t)n;
	slot->body.ptr = NULL;
	slot->body.len = 0;
	s->id_slot[id] = (uint16_t)pos;
	s->slot_count++;
	s->live++;
	s->changes++;
	if (alias)
		return queue_publish(s, e, p, len, alias, known);
	memcpy(s->out + s->out_len, slot->buf, slot->len);
	s->out_len += slot->len;
	publish_trace(s, p, 0, false);
	return 0;
}

/* publish_slot() for a borrowed payload b (kept apart so that the path
 * of ordinary messages stays as short as it was): the slot keeps the
 * head and b; the head goes onto the output, b is spliced after it. */
static int publish_slot_lent(mq_session *s, enum enc e, mq_publish *p,
			     size_t len, uint16_t alias, bool known,
			     const mq_borrowed *b)
{
	int rc = sess_ring_alloc(s);

	if (rc < 0)
		return rc;
	size_t pos = (s->slot_head + s->slot_count) % s->slot_cap;
	mq_slot *slot = &s->slots[pos];
	size_t head = len - b->len;
	if (sess_slot_reserve(slot, head) < 0 || !sess_out_reserve(s, head) ||
	    sess_splice_room(s) < 0)
		return -MQ_E_NOMEM;
	uint16_t id = sess_id_alloc(s);
	if (!id)
		return -MQ_E_INFLIGHT_FULL;
	p->packet_id = id;
	long n = publish_head(s, e, slot->buf, slot->cap, p, 0, false);
	if (n < 0) {
		sess_bit_clear(s->ids_out, id);
		return (int)n;
	}
	*slot = (mq_slot){ .tag = s->next_tag, .packet_id = id, .qos = p->qos,
			   .stage = p->qos == 1 ? STAGE_PUBACK : STAGE_PUBREC,
			   .sent = true, .buf = slot->buf, .len = (size_t)n,
			   .cap = slot->cap, .body = *b };
	s->id_slot[id] = (uint16_t)pos;
	s->slot_count++;
	s->live++;
	s->changes++;
	if (alias)
		return queue_publish_lent(s, e, p, len, alias, known, b);
	memcpy(s->out + s->out_len, slot->buf, slot->len);
	s->out_len += slot->len;
	sess_splice_push(s, b);   /* room made above */
	publish_trace(s, p, 0, false);
	return 0;
}

/* A large payload the caller keeps: sent from where it lies. */
static int publish_lent(mq_session *s, enum enc e, mq_publish *p, size_t len,
			uint16_t alias, bool known, const mq_message *m)
{
	mq_borrowed b = { m->payload.ptr, m->payload.len, m->payload_in_file,
			  m->payload_fd, m->payload_off };
	if (m->qos)
		return publish_slot_lent(s, e, p, len, alias, known, &b);
	return queue_publish_lent(s, e, p, len, alias, known, &b);
}

/* Which way p is written; builds a template when one pays off. */
static enum enc choose_encoder(mq_session *s, const mq_message *m,
			       const mq_publish *p)
{
	if (mq_pubtmpl_match(&s->tmpl, s->cfg.version, p)) {
		s->tmpl_misses = 0;
		return ENC_TEMPLATE;
	}
	if (!mq_pubtmpl_eligible(p))
		return ENC_GENERIC;
	if (m->topic_checked)
		return ENC_DIRECT;
	/* A new template pays off for a run of one topic; a stream that
	 * changes topic every message would build one each time for
	 * nothing: after a miss, try again only every 64th. */
	if ((s->tmpl_misses++ & 63) == 0 &&
	    mq_pubtmpl_build(&s->tmpl, s->cfg.version, p) == 0)
		return ENC_TEMPLATE;
	return ENC_GENERIC;
}

long long mq_session_publish(mq_session *s, const mq_message *m,
			     uint64_t now_ms)
{
	mq_publish p;   /* not zeroed whole: its properties are large */
	int rc;

	(void)now_ms;
	p.qos = m->qos;
	p.retain = m->retain;
	p.dup = false;
	p.topic = m->topic;
	p.payload = m->payload;
	p.packet_id = m->qos ? 1 : 0;   /* sized like the real id */
	if (m->props && sess_is_v5(s))
		p.props = *m->props;
	else
		mq_props_none(&p.props);
	enum enc e = choose_encoder(s, m, &p);
	rc = publish_check(s, m, e != ENC_GENERIC);
	if (rc < 0)
		return rc;
	long len = publish_size(s, e, &p, 0, false);
	if (len == 0 || (len > 0 && s->broker_max_packet &&
			 (uint64_t)len > s->broker_max_packet))
		return -MQ_E_PACKET_TOO_LARGE;
	if (len < 0)
		return len;
	bool known = false;
	uint16_t alias = s->aliases ? mq_alias_get(s->aliases, p.topic, &known) : 0;
	if (m->payload_stable && m->payload.len >= MQ_BORROW_MIN)
		rc = publish_lent(s, e, &p, (size_t)len, alias, known, m);
	else if (m->qos)
		rc = publish_slot(s, e, &p, (size_t)len, alias, known);
	else
		rc = queue_publish(s, e, &p, (size_t)len, alias, known);
	if (rc < 0)
		return rc;
	return (long long)s->next_tag++;
}
