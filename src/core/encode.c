/* encode.c - encode every control packet, 3.1.1 and 5.0.
 *
 * Each packet type has a check (is it encodable?) and a body writer.  The
 * body writer runs twice: once counting (mq_wr with a NULL buffer) to learn
 * the remaining length, then writing after the fixed header.
 */
#include "codec_internal.h"

typedef int (*check_fn)(uint8_t v, const mq_packet *p);
typedef void (*body_fn)(mq_wr *w, uint8_t v, const mq_packet *p);

static int str_check(mq_bytes s)
{
	return mq_utf8_check(s.ptr, s.len);
}

/* Binary Data is at most 65,535 bytes (5.0 §1.5.6). */
static int bin_check(mq_bytes b)
{
	return b.len > 65535 ? -MQ_E_MALFORMED : 0;
}

static int props_check(uint8_t v, const mq_props *pr, uint8_t ctx)
{
	return v == MQ_V5 ? mq_props_check(pr, ctx) : 0;
}

static void props_put(mq_wr *w, uint8_t v, const mq_props *pr)
{
	if (v == MQ_V5)
		mq_props_put(w, pr);
}

static int reason_check(uint8_t v, uint8_t type, uint8_t reason)
{
	return mq_reason_valid(v, type, reason) ? 0 : -MQ_E_BAD_REASON;
}

/* ---- CONNECT (§3.1) ----------------------------------------------------- */

static int will_check(uint8_t v, const mq_connect *c)
{
	int rc;

	if (c->will_qos > 2)
		return -MQ_E_BAD_QOS;
	rc = mq_topic_check(c->will_topic.ptr, c->will_topic.len);
	if (rc == 0)
		rc = bin_check(c->will_payload);
	return rc < 0 ? rc : props_check(v, &c->will_props, MQ_CTX_WILL);
}

static int connect_check(uint8_t v, const mq_packet *p)
{
	const mq_connect *c = &p->u.connect;
	int rc = str_check(c->client_id);

	if (rc == 0 && c->has_username)
		rc = str_check(c->username);
	if (rc == 0 && c->has_password)
		rc = bin_check(c->password);
	if (rc < 0)
		return rc;
	/* 3.1.1 §3.1.2.9 [MQTT-3.1.2-22]; 5.0 allows it (§3.1.2.9). */
	if (v == MQ_V311 && c->has_password && !c->has_username)
		return -MQ_E_MALFORMED;
	rc = props_check(v, &c->props, MQ_CONNECT);
	if (rc == 0 && c->will)
		rc = will_check(v, c);
	return rc;
}

/* §3.1.2.3 Connect Flags. */
static uint8_t connect_flags(const mq_connect *c)
{
	uint8_t f = c->clean_start ? 0x02 : 0;

	if (c->will)
		f |= (uint8_t)(0x04 | (c->will_qos << 3) |
			       (c->will_retain ? 0x20 : 0));
	if (c->has_password)
		f |= 0x40;
	if (c->has_username)
		f |= 0x80;
	return f;
}

static void connect_body(mq_wr *w, uint8_t v, const mq_packet *p)
{
	const mq_connect *c = &p->u.connect;

	mq_put_bin(w, MQ_BYTES_STR("MQTT"));        /* §3.1.2.1 */
	mq_put_u8(w, v);                            /* §3.1.2.2 */
	mq_put_u8(w, connect_flags(c));
	mq_put_u16(w, c->keepalive);                /* §3.1.2.10 */
	props_put(w, v, &c->props);                 /* 5.0 §3.1.2.11 */
	mq_put_bin(w, c->client_id);                /* §3.1.3.1 */
	if (c->will) {
		props_put(w, v, &c->will_props);    /* 5.0 §3.1.3.2 */
		mq_put_bin(w, c->will_topic);
		mq_put_bin(w, c->will_payload);
	}
	if (c->has_username)
		mq_put_bin(w, c->username);
	if (c->has_password)
		mq_put_bin(w, c->password);
}

/* ---- CONNACK (§3.2) ----------------------------------------------------- */

static int connack_check(uint8_t v, const mq_packet *p)
{
	const mq_connack *a = &p->u.connack;
	int rc = reason_check(v, MQ_CONNACK, a->reason);

	if (rc < 0)
		return rc;
	if (a->session_present && a->reason != 0)   /* [MQTT-3.2.2-6] */
		return -MQ_E_PROTOCOL;
	return props_check(v, &a->props, MQ_CONNACK);
}

static void connack_body(mq_wr *w, uint8_t v, const mq_packet *p)
{
	mq_put_u8(w, p->u.connack.session_present ? 1 : 0);
	mq_put_u8(w, p->u.connack.reason);
	props_put(w, v, &p->u.connack.props);
}

/* ---- PUBLISH (§3.3) ----------------------------------------------------- */

static int publish_check(uint8_t v, const mq_packet *p)
{
	const mq_publish *m = &p->u.publish;
	bool alias = m->props.present & MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS);
	int rc;

	if (m->qos > 2)
		return -MQ_E_BAD_QOS;
	if (m->dup && m->qos == 0)                  /* [MQTT-3.3.1-2] */
		return -MQ_E_BAD_FLAGS;
	if (m->qos && m->packet_id == 0)            /* [MQTT-2.2.1-3] */
		return -MQ_E_BAD_PACKET_ID;
	if (m->payload.len > MQ_MAX_REMAINING_LENGTH)   /* keeps sizes exact */
		return -MQ_E_PACKET_TOO_LARGE;
	if (m->topic.len == 0 && v == MQ_V5 && alias)   /* 5.0 §3.3.2.3.4 */
		rc = 0;
	else
		rc = mq_topic_check(m->topic.ptr, m->topic.len);
	return rc < 0 ? rc : props_check(v, &m->props, MQ_PUBLISH);
}

static void publish_body(mq_wr *w, uint8_t v, const mq_packet *p)
{
	const mq_publish *m = &p->u.publish;

	mq_put_bin(w, m->topic);
	if (m->qos)
		mq_put_u16(w, m->packet_id);
	props_put(w, v, &m->props);
	mq_put_raw(w, m->payload.ptr, m->payload.len);
}

/* ---- PUBACK PUBREC PUBREL PUBCOMP (§3.4-§3.7) --------------------------- */

static int ack_check(uint8_t v, const mq_packet *p)
{
	const mq_ack *a = &p->u.ack;
	int rc;

	if (a->packet_id == 0)
		return -MQ_E_BAD_PACKET_ID;
	if (v != MQ_V5)
		return 0;
	rc = reason_check(v, p->type, a->reason);
	return rc < 0 ? rc : props_check(v, &a->props, p->type);
}

/* 5.0 reason code and properties, shortest form allowed: nothing when
 * both are empty (§3.4.2.1, §3.14.2.1, §3.15.2.1), the reason alone
 * when only properties are empty and alone_ok (§3.4.2.2.1, §3.14.2.2.1). */
static void reason_tail(mq_wr *w, uint8_t reason, const mq_props *pr,
			bool alone_ok)
{
	size_t n = mq_props_size(pr);

	if (reason == 0 && n == 0)
		return;
	mq_put_u8(w, reason);
	if (n == 0 && alone_ok)
		return;
	mq_props_put(w, pr);
}

static void ack_body(mq_wr *w, uint8_t v, const mq_packet *p)
{
	mq_put_u16(w, p->u.ack.packet_id);
	if (v == MQ_V5)
		reason_tail(w, p->u.ack.reason, &p->u.ack.props, true);
}

/* ---- SUBSCRIBE UNSUBSCRIBE (§3.8, §3.10) -------------------------------- */

static int subscribe_check(uint8_t v, const mq_packet *p)
{
	const mq_subscribe *s = &p->u.subscribe;
	size_t i;
	int rc = 0;

	if (s->packet_id == 0)
		return -MQ_E_BAD_PACKET_ID;
	if (s->count == 0 || !s->entries)           /* [MQTT-3.8.3-3] */
		return -MQ_E_PROTOCOL;
	for (i = 0; i < s->count && rc == 0; i++) {
		rc = mq_filter_check(s->entries[i].filter.ptr,
				     s->entries[i].filter.len);
		if (rc == 0)
			rc = mq_subopt_check(v, s->entries[i].options);
	}
	return rc < 0 ? rc : props_check(v, &s->props, MQ_SUBSCRIBE);
}

static void subscribe_body(mq_wr *w, uint8_t v, const mq_packet *p)
{
	const mq_subscribe *s = &p->u.subscribe;
	size_t i;

	mq_put_u16(w, s->packet_id);
	props_put(w, v, &s->props);
	for (i = 0; i < s->count; i++) {
		mq_put_bin(w, s->entries[i].filter);
		mq_put_u8(w, s->entries[i].options);
	}
}

static int unsubscribe_check(uint8_t v, const mq_packet *p)
{
	const mq_unsubscribe *u = &p->u.unsubscribe;
	size_t i;
	int rc = 0;

	if (u->packet_id == 0)
		return -MQ_E_BAD_PACKET_ID;
	if (u->count == 0 || !u->filters)           /* [MQTT-3.10.3-2] */
		return -MQ_E_PROTOCOL;
	for (i = 0; i < u->count && rc == 0; i++)
		rc = mq_filter_check(u->filters[i].ptr, u->filters[i].len);
	return rc < 0 ? rc : props_check(v, &u->props, MQ_UNSUBSCRIBE);
}

static void unsubscribe_body(mq_wr *w, uint8_t v, const mq_packet *p)
{
	const mq_unsubscribe *u = &p->u.unsubscribe;
	size_t i;

	mq_put_u16(w, u->packet_id);
	props_put(w, v, &u->props);
	for (i = 0; i < u->count; i++)
		mq_put_bin(w, u->filters[i]);
}

/* ---- SUBACK UNSUBACK (§3.9, §3.11) -------------------------------------- */

static int suback_check(uint8_t v, const mq_packet *p)
{
	const mq_suback *a = &p->u.suback;
	size_t i;

	if (a->packet_id == 0)
		return -MQ_E_BAD_PACKET_ID;
	if (p->type == MQ_UNSUBACK && v == MQ_V311)  /* 3.1.1 §3.11.3 */
		return 0;
	if (a->reasons.len == 0)
		return -MQ_E_PROTOCOL;
	if (a->reasons.len > MQ_MAX_REMAINING_LENGTH)
		return -MQ_E_PACKET_TOO_LARGE;
	for (i = 0; i < a->reasons.len; i++)
		if (!mq_reason_valid(v, p->type, a->reasons.ptr[i]))
			return -MQ_E_BAD_REASON;
	return props_check(v, &a->props, p->type);
}

static void suback_body(mq_wr *w, uint8_t v, const mq_packet *p)
{
	const mq_suback *a = &p->u.suback;

	mq_put_u16(w, a->packet_id);
	if (p->type == MQ_UNSUBACK && v == MQ_V311)
		return;
	props_put(w, v, &a->props);
	mq_put_raw(w, a->reasons.ptr, a->reasons.len);
}

/* ---- PINGREQ PINGRESP DISCONNECT AUTH (§3.12-§3.15) --------------------- */

static int empty_check(uint8_t v, const mq_packet *p)
{
	(void)v;
	(void)p;
	return 0;
}

static void empty_body(mq_wr *w, uint8_t v, const mq_packet *p)
{
	(void)w;
	(void)v;
	(void)p;
}

static int reason_only_check(uint8_t v, const mq_packet *p)
{
	const mq_reason_only *r = p->type == MQ_AUTH ? &p->u.auth
		: &p->u.disconnect;
	int rc;

	if (v != MQ_V5)
		return 0;
	rc = reason_check(v, p->type, r->reason);
	return rc < 0 ? rc : props_check(v, &r->props, p->type);
}

static void disconnect_body(mq_wr *w, uint8_t v, const mq_packet *p)
{
	if (v == MQ_V5)
		reason_tail(w, p->u.disconnect.reason, &p->u.disconnect.props,
			    true);
}

static void auth_body(mq_wr *w, uint8_t v, const mq_packet *p)
{
	(void)v;
	reason_tail(w, p->u.auth.reason, &p->u.auth.props, false);
}

/* ---- whole packets ------------------------------------------------------ */

static const struct {
	check_fn check;
	body_fn body;
} ops[16] = {
	[MQ_CONNECT] = { connect_check, connect_body },
	[MQ_CONNACK] = { connack_check, connack_body },
	[MQ_PUBLISH] = { publish_check, publish_body },
	[MQ_PUBACK] = { ack_check, ack_body },
	[MQ_PUBREC] = { ack_check, ack_body },
	[MQ_PUBREL] = { ack_check, ack_body },
	[MQ_PUBCOMP] = { ack_check, ack_body },
	[MQ_SUBSCRIBE] = { subscribe_check, subscribe_body },
	[MQ_SUBACK] = { suback_check, suback_body },
	[MQ_UNSUBSCRIBE] = { unsubscribe_check, unsubscribe_body },
	[MQ_UNSUBACK] = { suback_check, suback_body },
	[MQ_PINGREQ] = { empty_check, empty_body },
	[MQ_PINGRESP] = { empty_check, empty_body },
	[MQ_DISCONNECT] = { reason_only_check, disconnect_body },
	[MQ_AUTH] = { reason_only_check, auth_body },
};

/* §2.1.3 Flags: PUBLISH carries DUP, QoS, RETAIN; three types use 0010. */
static uint8_t fixed_flags(const mq_packet *p)
{
	const mq_publish *m = &p->u.publish;

	if (p->type == MQ_PUBLISH)
		return (uint8_t)((m->dup ? 0x08 : 0) | (m->qos << 1) |
				 (m->retain ? 0x01 : 0));
	if (p->type == MQ_PUBREL || p->type == MQ_SUBSCRIBE ||
	    p->type == MQ_UNSUBSCRIBE)
		return 0x02;
	return 0;
}

/* Check p and measure its body (the remaining length). */
static int prepare(uint8_t v, const mq_packet *p, uint32_t *remaining)
{
	mq_wr count = { NULL, 0 };
	int rc;

	if (v != MQ_V311 && v != MQ_V5)
		return -MQ_E_PROTOCOL;
	if (p->type < MQ_CONNECT || p->type > MQ_AUTH ||
	    (p->type == MQ_AUTH && v != MQ_V5))
		return -MQ_E_BAD_TYPE;
	rc = ops[p->type].check(v, p);
	if (rc < 0)
		return rc;
	ops[p->type].body(&count, v, p);
	if (count.pos > MQ_MAX_REMAINING_LENGTH)    /* §2.2.3 */
		return -MQ_E_PACKET_TOO_LARGE;
	*remaining = (uint32_t)count.pos;
	return 0;
}

long mq_encoded_length(uint8_t version, const mq_packet *p)
{
	uint32_t rem;
	int rc = prepare(version, p, &rem);

	if (rc < 0)
		return rc;
	return (long)(1 + mq_varint_size(rem) + rem);
}

long mq_encode(uint8_t *buf, size_t cap, uint8_t version, const mq_packet *p)
{
	uint32_t rem;
	size_t total;
	mq_wr w;
	int rc = prepare(version, p, &rem);

	if (rc < 0)
		return rc;
	total = 1 + mq_varint_size(rem) + rem;
	if (!buf || total > cap)
		return -MQ_E_BUFFER_TOO_SMALL;
	buf[0] = (uint8_t)(p->type << 4 | fixed_flags(p));
	w.buf = buf;
	w.pos = 1 + (size_t)mq_varint_put(buf + 1, cap - 1, rem);
	ops[p->type].body(&w, version, p);
	return (long)total;
}
