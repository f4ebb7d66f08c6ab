/* decode.c - decode every control packet, 3.1.1 and 5.0.
 *
 * mq_decode() checks the fixed header, waits for the whole frame, then
 * hands the body to one function per packet type through a cursor bounded
 * by the remaining length; the body must be consumed exactly.
 */
#include "codec_internal.h"

typedef int (*get_fn)(mq_cur *c, uint8_t v, mq_packet *out);

/* 5.0 §2.2.2.1: most packets carry no property, a Property Length of 0
 * (one byte), taken here without the general walk in props.c. */
static inline int props_get(mq_cur *c, uint8_t v, uint8_t ctx, mq_props *pr)
{
	if (v != MQ_V5)
		return 0;
	if (mq_cur_left(c) && c->p[c->pos] == 0) {
		pr->raw = (mq_bytes){ c->p + ++c->pos, 0 };
		return 0;
	}
	return mq_props_get(c, ctx, pr);
}

/* Packet Identifier: non-zero (§2.2.1 [MQTT-2.2.1-3]). */
static int packet_id_get(mq_cur *c, uint16_t *id)
{
	int rc = mq_get_u16(c, id);

	if (rc == 0 && *id == 0)
		return -MQ_E_BAD_PACKET_ID;
	return rc;
}

/* The rest of the body as one view. */
static mq_bytes rest(mq_cur *c)
{
	mq_bytes b = { c->p + c->pos, mq_cur_left(c) };

	c->pos = c->len;
	return b;
}

/* ---- CONNECT (§3.1) ----------------------------------------------------- */

/* §3.1.2.3 reserved bit, §3.1.2.5-7 will flags, 3.1.1 §3.1.2.9. */
static int connect_flags_check(uint8_t v, uint8_t f)
{
	uint8_t will_qos = (f >> 3) & 3;

	if (f & 0x01)                               /* [MQTT-3.1.2-3] */
		return -MQ_E_MALFORMED;
	if (will_qos == 3)                          /* [MQTT-3.1.2-12] */
		return -MQ_E_BAD_QOS;
	if (!(f & 0x04) && (will_qos || (f & 0x20)))    /* [MQTT-3.1.2-11] */
		return -MQ_E_MALFORMED;
	if (v == MQ_V311 && (f & 0x40) && !(f & 0x80))  /* [MQTT-3.1.2-22] */
		return -MQ_E_MALFORMED;
	return 0;
}

/* §3.1.2.1 Protocol Name "MQTT", §3.1.2.2 level. */
static int connect_header_get(mq_cur *c, uint8_t v, uint8_t *flags)
{
	mq_bytes name;
	uint8_t level;
	int rc = mq_get_str(c, &name);

	if (rc < 0)
		return rc;
	if (name.len != 4 || memcmp(name.ptr, "MQTT", 4) != 0)
		return -MQ_E_MALFORMED;
	rc = mq_get_u8(c, &level);
	if (rc == 0)
		rc = mq_get_u8(c, flags);
	if (rc < 0)
		return rc;
	if (level != v)                             /* [MQTT-3.1.2-2] */
		return -MQ_E_PROTOCOL;
	return connect_flags_check(v, *flags);
}

/* §3.1.3.2-4: Will Properties, Will Topic, Will Payload. */
static int will_get(mq_cur *c, uint8_t v, mq_connect *k)
{
	int rc = props_get(c, v, MQ_CTX_WILL, &k->will_props);

	if (rc == 0)
		rc = mq_get_bin(c, &k->will_topic);
	if (rc == 0)
		rc = mq_topic_check(k->will_topic.ptr, k->will_topic.len);
	if (rc == 0)
		rc = mq_get_bin(c, &k->will_payload);
	return rc;
}

static int connect_get(mq_cur *c, uint8_t v, mq_packet *out)
{
	mq_connect *k = &out->u.connect;
	uint8_t f;
	int rc = connect_header_get(c, v, &f);

	if (rc < 0)
		return rc;
	k->version = v;
	k->clean_start = f & 0x02;
	k->will = f & 0x04;
	k->will_qos = (f >> 3) & 3;
	k->will_retain = f & 0x20;
	k->has_password = f & 0x40;
	k->has_username = f & 0x80;
	rc = mq_get_u16(c, &k->keepalive);
	if (rc == 0)
		rc = props_get(c, v, MQ_CONNECT, &k->props);
	if (rc == 0)
		rc = mq_get_str(c, &k->client_id);
	if (rc == 0 && k->will)
		rc = will_get(c, v, k);
	if (rc == 0 && k->has_username)
		rc = mq_get_str(c, &k->username);
	if (rc == 0 && k->has_password)
		rc = mq_get_bin(c, &k->password);
	return rc;
}

/* ---- CONNACK (§3.2) ----------------------------------------------------- */

static int connack_get(mq_cur *c, uint8_t v, mq_packet *out)
{
	mq_connack *a = &out->u.connack;
	uint8_t flags;
	int rc = mq_get_u8(c, &flags);

	if (rc == 0)
		rc = mq_get_u8(c, &a->reason);
	if (rc < 0)
		return rc;
	if (flags & 0xFE)                           /* §3.2.2.1 reserved */
		return -MQ_E_MALFORMED;
	a->session_present = flags & 1;
	if (!mq_reason_valid(v, MQ_CONNACK, a->reason))
		return -MQ_E_BAD_REASON;
	if (a->session_present && a->reason != 0)   /* [MQTT-3.2.2-6] */
		return -MQ_E_PROTOCOL;
	return props_get(c, v, MQ_CONNACK, &a->props);
}

/* ---- PUBLISH (§3.3) ----------------------------------------------------- */

/* Empty every field a PUBLISH can carry (5.0 §3.3.2.3), in place of
 * zeroing the whole packet (~300 bytes) per message: the other property
 * fields never belong to a PUBLISH (see mq_decode() in codec.h). */
static void publish_clear(mq_publish *m)
{
	mq_props *pr = &m->props;

	m->topic = m->payload = (mq_bytes){ NULL, 0 };
	m->packet_id = 0;
	mq_props_none(pr);   /* presence bits, sub_id_count, user, raw */
	pr->payload_format = 0;
	pr->topic_alias = 0;
	pr->message_expiry = 0;
	pr->content_type = pr->response_topic = pr->correlation_data =
		(mq_bytes){ NULL, 0 };
}

/* §3.3.2.1 Topic Name, checked as soon as it is read; an empty one only
 * once the properties show a Topic Alias (5.0 §3.3.2.3.4). */
static int publish_get(mq_cur *c, uint8_t v, mq_packet *out)
{
	mq_publish *m = &out->u.publish;
	int rc;

	publish_clear(m);
	m->dup = out->flags & 0x08;
	m->qos = (out->flags >> 1) & 3;
	m->retain = out->flags & 0x01;
	rc = mq_get_bin(c, &m->topic);
	if (rc == 0 && m->topic.len)
		rc = mq_topic_check(m->topic.ptr, m->topic.len);
	if (rc == 0 && m->qos)
		rc = packet_id_get(c, &m->packet_id);
	if (rc == 0)
		rc = props_get(c, v, MQ_PUBLISH, &m->props);
	if (rc == 0 && m->topic.len == 0 && !(m->props.present &
	    MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS)))
		rc = -MQ_E_BAD_TOPIC;
	m->payload = rest(c);                       /* §3.3.3 */
	return rc;
}

/* ---- acks, DISCONNECT, AUTH: 5.0 reason code and properties ------------- */

/* §3.4.2.1, §3.14.2.1, §3.15.2.1: the reason code may be absent (0), and
 * the Property Length too when nothing follows the reason code. */
static int reason_tail_get(mq_cur *c, uint8_t type, mq_reason_only *r)
{
	int rc;

	if (mq_cur_left(c) == 0)
		return 0;
	rc = mq_get_u8(c, &r->reason);
	if (rc < 0)
		return rc;
	if (!mq_reason_valid(MQ_V5, type, r->reason))
		return -MQ_E_BAD_REASON;
	if (mq_cur_left(c) == 0)
		return 0;
	return mq_props_get(c, type, &r->props);
}

static int ack_get(mq_cur *c, uint8_t v, mq_packet *out)
{
	mq_reason_only r = { 0 };
	int rc = packet_id_get(c, &out->u.ack.packet_id);

	if (rc < 0 || v != MQ_V5)
		return rc;
	rc = reason_tail_get(c, out->type, &r);
	out->u.ack.reason = r.reason;
	out->u.ack.props = r.props;
	return rc;
}

static int disconnect_get(mq_cur *c, uint8_t v, mq_packet *out)
{
	return v == MQ_V5 ? reason_tail_get(c, MQ_DISCONNECT,
					     &out->u.disconnect) : 0;
}

static int auth_get(mq_cur *c, uint8_t v, mq_packet *out)
{
	(void)v;
	return reason_tail_get(c, MQ_AUTH, &out->u.auth);
}

static int empty_get(mq_cur *c, uint8_t v, mq_packet *out)
{
	(void)c;
	(void)v;
	(void)out;
	return 0;
}

/* ---- SUBSCRIBE UNSUBSCRIBE (§3.8, §3.10) -------------------------------- */

/* One topic filter (§4.7), and for SUBSCRIBE its options byte. */
static int entry_get(mq_cur *c, uint8_t v, bool options)
{
	mq_bytes filter;
	uint8_t opt;
	int rc = mq_get_bin(c, &filter);

	if (rc == 0)
		rc = mq_filter_check(filter.ptr, filter.len);
	if (rc < 0 || !options)
		return rc;
	rc = mq_get_u8(c, &opt);
	return rc < 0 ? rc : mq_subopt_check(v, opt);
}

/* Check the entry list; at least one entry [MQTT-3.8.3-3] [MQTT-3.10.3-2]. */
static int entries_get(mq_cur *c, uint8_t v, bool options, mq_bytes *list,
		       size_t *count)
{
	mq_cur l;
	int rc;

	*list = rest(c);
	l = (mq_cur){ list->ptr, list->len, 0 };
	while (mq_cur_left(&l)) {
		rc = entry_get(&l, v, options);
		if (rc < 0)
			return rc;
		(*count)++;
	}
	return *count ? 0 : -MQ_E_PROTOCOL;
}

static int subscribe_get(mq_cur *c, uint8_t v, mq_packet *out)
{
	mq_subscribe *s = &out->u.subscribe;
	int rc = packet_id_get(c, &s->packet_id);

	if (rc == 0)
		rc = props_get(c, v, MQ_SUBSCRIBE, &s->props);
	if (rc == 0)
		rc = entries_get(c, v, true, &s->list, &s->count);
	return rc;
}

static int unsubscribe_get(mq_cur *c, uint8_t v, mq_packet *out)
{
	mq_unsubscribe *u = &out->u.unsubscribe;
	int rc = packet_id_get(c, &u->packet_id);

	if (rc == 0)
		rc = props_get(c, v, MQ_UNSUBSCRIBE, &u->props);
	if (rc == 0)
		rc = entries_get(c, v, false, &u->list, &u->count);
	return rc;
}

/* ---- SUBACK UNSUBACK (§3.9, §3.11) -------------------------------------- */

static int suback_get(mq_cur *c, uint8_t v, mq_packet *out)
{
	mq_suback *a = &out->u.suback;
	size_t i;
	int rc = packet_id_get(c, &a->packet_id);

	if (rc < 0 || (out->type == MQ_UNSUBACK && v == MQ_V311))
		return rc;                          /* 3.1.1 §3.11.2 */
	rc = props_get(c, v, out->type, &a->props);
	if (rc < 0)
		return rc;
	a->reasons = rest(c);
	if (a->reasons.len == 0)                    /* §3.9.3, §3.11.3 */
		return -MQ_E_PROTOCOL;
	for (i = 0; i < a->reasons.len; i++)
		if (!mq_reason_valid(v, out->type, a->reasons.ptr[i]))
			return -MQ_E_BAD_REASON;
	return 0;
}

/* ---- whole packets ------------------------------------------------------ */

static const get_fn getters[16] = {
	[MQ_CONNECT] = connect_get,
	[MQ_CONNACK] = connack_get,
	[MQ_PUBLISH] = publish_get,
	[MQ_PUBACK] = ack_get,
	[MQ_PUBREC] = ack_get,
	[MQ_PUBREL] = ack_get,
	[MQ_PUBCOMP] = ack_get,
	[MQ_SUBSCRIBE] = subscribe_get,
	[MQ_SUBACK] = suback_get,
	[MQ_UNSUBSCRIBE] = unsubscribe_get,
	[MQ_UNSUBACK] = suback_get,
	[MQ_PINGREQ] = empty_get,
	[MQ_PINGRESP] = empty_get,
	[MQ_DISCONNECT] = disconnect_get,
	[MQ_AUTH] = auth_get,
};

/* §2.1.2 type and §2.1.3 flags, from the first byte alone. */
static int header_check(uint8_t v, uint8_t type, uint8_t flags)
{
	if (type == 0 || (type == MQ_AUTH && v != MQ_V5))
		return -MQ_E_BAD_TYPE;
	if (type == MQ_PUBLISH) {
		if (((flags >> 1) & 3) == 3)        /* [MQTT-3.3.1-4] */
			return -MQ_E_BAD_QOS;
		if ((flags & 0x08) && !(flags & 0x06))  /* [MQTT-3.3.1-2] */
			return -MQ_E_BAD_FLAGS;
		return 0;
	}
	if (type == MQ_PUBREL || type == MQ_SUBSCRIBE || type == MQ_UNSUBSCRIBE)
		return flags == 0x02 ? 0 : -MQ_E_BAD_FLAGS;
	return flags == 0 ? 0 : -MQ_E_BAD_FLAGS;
}

long mq_decode(const uint8_t *buf, size_t len, uint8_t version,
	       uint32_t max_packet, mq_packet *out)
{
	uint32_t rem = 0;
	long frame;
	int rc;
	mq_cur c;

	/* Zero what the getter fills; a PUBLISH, the hot path, empties its
	 * own fields (publish_clear). */
	if (len && buf[0] >> 4 == MQ_PUBLISH)
		out->type = out->flags = 0;
	else
		memset(out, 0, sizeof *out);
	if (version != MQ_V311 && version != MQ_V5)
		return -MQ_E_PROTOCOL;
	if (len == 0)
		return 0;
	rc = header_check(version, buf[0] >> 4, buf[0] & 0x0F);
	if (rc < 0)
		return rc;
	frame = mq_frame_head(buf, len, max_packet, &rem);
	if (frame <= 0 || (size_t)frame > len)
		return frame < 0 ? frame : 0;
	out->type = buf[0] >> 4;
	out->flags = buf[0] & 0x0F;
	c = (mq_cur){ buf + frame - rem, rem, 0 };
	/* PUBLISH, the hot path, called directly, not through the table */
	rc = out->type == MQ_PUBLISH ? publish_get(&c, version, out)
				     : getters[out->type](&c, version, out);
	if (rc < 0)
		return rc;
	if (c.pos != c.len)                         /* §2.1.4 */
		return -MQ_E_MALFORMED;
	return frame;
}

int mq_subscribe_next(const mq_subscribe *s, size_t *off, mq_sub_entry *out)
{
	mq_cur c = { s->list.ptr, s->list.len, *off };

	if (*off >= s->list.len || mq_get_bin(&c, &out->filter) < 0 ||
	    mq_get_u8(&c, &out->options) < 0)
		return 0;
	*off = c.pos;
	return 1;
}

int mq_unsubscribe_next(const mq_unsubscribe *u, size_t *off, mq_bytes *out)
{
	mq_cur c = { u->list.ptr, u->list.len, *off };

	if (*off >= u->list.len || mq_get_bin(&c, out) < 0)
		return 0;
	*off = c.pos;
	return 1;
}
