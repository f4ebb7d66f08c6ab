/* test_session.c - the sans-I/O session against a fake broker and clock.
 *
 * The broker lives here: it takes the session's output as the link would,
 * decodes it with mq_decode(), builds replies with mq_encode() and feeds
 * them back decoded, so every packet crosses the real codec both ways.
 * Every test runs for MQTT 3.1.1 and 5.0.
 */
#include <stdlib.h>

#include "session.h"
#include "unit.h"

/* ---- recorded events ------------------------------------------------------ */

#define MAX_TAGS 64
#define MANY 70000u

typedef struct rec {
	size_t connected, messages, subscribed, delivered;
	size_t traces_out, traces_in;
	uint64_t tags[MAX_TAGS];
	uint8_t reasons[MAX_TAGS];
	uint8_t *seen;              /* per-tag delivered flags, or NULL */
	size_t dup_deliveries;
	int message_rc;
	size_t suback_reasons;
	uint8_t msg_qos;
	char log[8][64];
	size_t nlog;
} rec;

static void ev_connected(void *ctx, const mq_connack *ack)
{
	(void)ack;
	((rec *)ctx)->connected++;
}

static int ev_message(void *ctx, const mq_publish *pub)
{
	rec *r = ctx;

	if (r->message_rc < 0)
		return r->message_rc;
	r->messages++;
	r->msg_qos = pub->qos;
	return r->message_rc;
}

static void ev_delivered(void *ctx, uint64_t tag, uint8_t reason)
{
	rec *r = ctx;

	if (r->seen) {
		if (tag == 0 || tag > MANY || r->seen[tag])
			r->dup_deliveries++;
		else
			r->seen[tag] = 1;
	} else if (r->delivered < MAX_TAGS) {
		r->tags[r->delivered] = tag;
		r->reasons[r->delivered] = reason;
	}
	r->delivered++;
}

static void ev_subscribed(void *ctx, const mq_suback *ack)
{
	rec *r = ctx;

	r->subscribed++;
	r->suback_reasons = ack->reasons.len;
}

static void ev_trace(void *ctx, bool outgoing, const mq_packet *p)
{
	rec *r = ctx;

	(void)p;
	if (outgoing)
		r->traces_out++;
	else
		r->traces_in++;
}

static void ev_log(void *ctx, const char *line)
{
	rec *r = ctx;

	if (r->nlog < 8)
		snprintf(r->log[r->nlog++], sizeof r->log[0], "%s", line);
}

/* ---- fake broker ------------------------------------------------------------ */

#define WIRE_CAP (4u << 20)
#define MAX_PK 1024

static uint8_t wire[WIRE_CAP];
static mq_packet pk[MAX_PK];
static uint8_t fbuf[1u << 16];

/* Take everything queued (as the link would write it) and decode it into
 * pk[]; returns the packet count.  Views stay valid until the next drain. */
static size_t drain(mq_session *s, uint64_t now)
{
	size_t len, off = 0, n = 0;
	const uint8_t *out = mq_session_output(s, &len);

	if (!out)
		return 0;
	if (len > WIRE_CAP) {
		CHECK(len <= WIRE_CAP);
		return 0;
	}
	memcpy(wire, out, len);
	mq_session_written(s, len, now);
	while (off < len && n < MAX_PK) {
		long r = mq_decode(wire + off, len - off, s->cfg.version, 0,
				   &pk[n]);
		if (r <= 0) {
			CHECK(r > 0);
			break;
		}
		off += (size_t)r;
		n++;
	}
	return n;
}

/* The broker sends p: encode, decode, hand to the session. */
static int feed(mq_session *s, const mq_packet *p, uint64_t now)
{
	mq_packet d;
	long n = mq_encode(fbuf, sizeof fbuf, s->cfg.version, p);

	if (n <= 0) {
		CHECK(n > 0);
		return -1000;
	}
	if (mq_decode(fbuf, (size_t)n, s->cfg.version, 0, &d) != n) {
		CHECK(!"broker packet does not decode");
		return -1000;
	}
	mq_session_read(s, now);
	return mq_session_handle(s, &d, now);
}

static mq_packet connack(bool sp, uint8_t reason)
{
	mq_packet p = { .type = MQ_CONNACK };

	p.u.connack.session_present = sp;
	p.u.connack.reason = reason;
	return p;
}

static mq_packet ack(uint8_t type, uint16_t id, uint8_t reason)
{
	mq_packet p = { .type = type };

	p.u.ack.packet_id = id;
	p.u.ack.reason = reason;
	return p;
}

static mq_packet pub_in(uint8_t qos, uint16_t id, bool dup)
{
	mq_packet p = { .type = MQ_PUBLISH };

	p.u.publish.qos = qos;
	p.u.publish.packet_id = id;
	p.u.publish.dup = dup;
	p.u.publish.topic = MQ_BYTES_STR("in/t");
	p.u.publish.payload = MQ_BYTES_STR("hello");
	return p;
}

static mq_packet suback(uint16_t id, const uint8_t *reasons, size_t n)
{
	mq_packet p = { .type = MQ_SUBACK };

	p.u.suback.packet_id = id;
	p.u.suback.reasons = (mq_bytes){ reasons, n };
	return p;
}

static int feed_connack_props(mq_session *s, const mq_props *pr, uint64_t now)
{
	mq_packet p = connack(false, 0);

	p.u.connack.props = *pr;
	return feed(s, &p, now);
}

static int feed_ack(mq_session *s, uint8_t type, uint16_t id, uint8_t reason,
		    uint64_t now)
{
	mq_packet p = ack(type, id, reason);

	return feed(s, &p, now);
}

/* ---- session set-up -------------------------------------------------------- */

static mq_session_config base_cfg(uint8_t v)
{
	mq_session_config c;

	memset(&c, 0, sizeof c);
	c.version = v;
	c.client_id = MQ_BYTES_STR("c1");
	c.clean_start = true;
	c.keepalive = 60;
	c.max_inflight = 10;
	return c;
}

static void setup(mq_session *s, rec *r, const mq_session_config *cfg)
{
	mq_session_events ev = {
		.ctx = r, .connected = ev_connected, .message = ev_message,
		.delivered = ev_delivered, .subscribed = ev_subscribed,
		.trace = ev_trace, .log = ev_log,
	};

	memset(r, 0, sizeof *r);
	mq_session_init(s, cfg, &ev);
}

/* CONNECT out, CONNACK in; output after the CONNACK is left queued. */
static int up(mq_session *s, uint64_t now, bool sp)
{
	mq_packet p = connack(sp, 0);

	if (mq_session_connect(s, now) < 0)
		return -1000;
	CHECK_EQ(drain(s, now), 1);
	CHECK_EQ(pk[0].type, MQ_CONNECT);
	return feed(s, &p, now);
}

static long long pub(mq_session *s, uint8_t qos, const char *topic)
{
	mq_message m = { .qos = qos };

	m.topic = (mq_bytes){ (const uint8_t *)topic, strlen(topic) };
	m.payload = MQ_BYTES_STR("payload");
	return mq_session_publish(s, &m, 0);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_connect_golden(uint8_t v)
{
	static const uint8_t v311[] = {
		0x10, 0x0e, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60,
		0, 2, 'c', '1'
	};
	static const uint8_t v5[] = {
		0x10, 0x12, 0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 60,
		3, 0x21, 0xff, 0xff, 0, 2, 'c', '1'
	};
	mq_session_config cfg = base_cfg(v);
	mq_session s;
	rec r;
	size_t len;
	const uint8_t *out;

	setup(&s, &r, &cfg);
	CHECK(mq_session_output(&s, &len) == NULL);
	CHECK_EQ(mq_session_connect(&s, 0), 0);
	CHECK_EQ(s.state, MQ_S_CONNECTING);
	out = mq_session_output(&s, &len);
	if (v == MQ_V311) {
		CHECK_EQ(len, sizeof v311);
		CHECK(out && len == sizeof v311 && !memcmp(out, v311, len));
	} else {
		CHECK_EQ(len, sizeof v5);
		CHECK(out && len == sizeof v5 && !memcmp(out, v5, len));
	}
	CHECK_EQ(r.traces_out, 1);
	CHECK_EQ(r.nlog, 1);
	CHECK(strcmp(r.log[0], "DISCONNECTED -> CONNECTING") == 0);
	mq_session_free(&s);
}

static void test_connect_fields(uint8_t v)
{
	mq_session_config cfg = base_cfg(v);
	mq_connect *c;
	mq_session s;
	rec r;

	cfg.clean_start = false;
	cfg.keepalive = 7;
	cfg.session_expiry = 3600;
	cfg.max_packet = 4096;
	cfg.has_username = cfg.has_password = true;
	cfg.username = MQ_BYTES_STR("user");
	cfg.password = MQ_BYTES_STR("secret");
	cfg.will = cfg.will_retain = true;
	cfg.will_qos = 1;
	cfg.will_topic = MQ_BYTES_STR("will/t");
	cfg.will_payload = MQ_BYTES_STR("gone");
	setup(&s, &r, &cfg);
	CHECK_EQ(mq_session_connect(&s, 0), 0);
	CHECK_EQ(drain(&s, 0), 1);
	c = &pk[0].u.connect;
	CHECK_EQ(pk[0].type, MQ_CONNECT);
	CHECK_EQ(c->version, v);
	CHECK(!c->clean_start);
	CHECK_EQ(c->keepalive, 7);
	CHECK(c->client_id.len == 2 && !memcmp(c->client_id.ptr, "c1", 2));
	CHECK(c->will && c->will_retain);
	CHECK_EQ(c->will_qos, 1);
	CHECK(c->will_topic.len == 6 && !memcmp(c->will_topic.ptr, "will/t", 6));
	CHECK(c->will_payload.len == 4);
	CHECK(c->has_username && c->has_password);
	CHECK(c->password.len == 6 && !memcmp(c->password.ptr, "secret", 6));
	if (v == MQ_V5) {
		CHECK(c->props.present & MQ_PROP_BIT(MQ_PROP_SESSION_EXPIRY));
		CHECK_EQ(c->props.session_expiry, 3600);
		CHECK_EQ(c->props.receive_maximum, 65535);
		CHECK(c->props.present &
		      MQ_PROP_BIT(MQ_PROP_MAXIMUM_PACKET_SIZE));
		CHECK_EQ(c->props.maximum_packet_size, 4096);
	}
	mq_session_free(&s);
}

/* receive_max is what a 5.0 CONNECT asks for; 0 means no limit. */
static void test_connect_receive_max(void)
{
	mq_session_config cfg = base_cfg(MQ_V5);
	mq_session s;
	rec r;

	cfg.receive_max = 5;
	setup(&s, &r, &cfg);
	CHECK_EQ(mq_session_connect(&s, 0), 0);
	CHECK_EQ(drain(&s, 0), 1);
	CHECK_EQ(pk[0].type, MQ_CONNECT);
	CHECK(pk[0].u.connect.props.present & MQ_PROP_BIT(MQ_PROP_RECEIVE_MAXIMUM));
	CHECK_EQ(pk[0].u.connect.props.receive_maximum, 5);
	mq_session_free(&s);
}

/* CONNECT user properties, Request Response Information and the will's
 * properties reach the wire in 5.0, and nothing of them in 3.1.1. */
static void test_connect_extra_props(uint8_t v)
{
	static uint8_t user[64];
	mq_session_config cfg = base_cfg(v);
	mq_props extra = { 0 }, will = { 0 };
	mq_bytes k, val;
	size_t off = 0;
	mq_session s;
	rec r;

	long n = mq_user_prop_put(user, sizeof user, MQ_BYTES_STR("k"), MQ_BYTES_STR("v"));
	CHECK(n > 0);
	extra.user = (mq_bytes){ user, (size_t)n };
	extra.request_response_info = 1;
	extra.present = MQ_PROP_BIT(MQ_PROP_REQUEST_RESPONSE_INFO);
	will.will_delay = 30;
	will.content_type = MQ_BYTES_STR("text/plain");
	will.present = MQ_PROP_BIT(MQ_PROP_WILL_DELAY) | MQ_PROP_BIT(MQ_PROP_CONTENT_TYPE);
	cfg.connect_props = &extra;
	cfg.will_props = &will;
	cfg.will = true;
	cfg.will_topic = MQ_BYTES_STR("w");
	setup(&s, &r, &cfg);
	CHECK_EQ(mq_session_connect(&s, 0), 0);
	CHECK_EQ(drain(&s, 0), 1);
	const mq_connect *c = &pk[0].u.connect;
	if (v == MQ_V5) {
		CHECK_EQ(c->props.request_response_info, 1);
		CHECK_EQ(mq_user_prop_next(&c->props, &off, &k, &val), 1);
		CHECK(k.len == 1 && k.ptr[0] == 'k' && val.len == 1 && val.ptr[0] == 'v');
		CHECK_EQ(c->props.receive_maximum, 65535);   /* still there */
		CHECK_EQ(c->will_props.will_delay, 30);
		CHECK(c->will_props.content_type.len == 10);
	} else {
		CHECK_EQ(c->props.present, 0);
		CHECK_EQ(c->will_props.present, 0);
	}
	mq_session_free(&s);
}

static void test_connack(uint8_t v)
{
	mq_session_config cfg = base_cfg(v);
	mq_packet p;
	mq_session s;
	rec r;
	uint8_t refuse = v == MQ_V5 ? 0x87 : 5;

	setup(&s, &r, &cfg);
	CHECK_EQ(mq_session_connect(&s, 0), 0);
	p = connack(false, refuse);
	CHECK_EQ(feed(&s, &p, 0), -MQ_E_REFUSED);
	CHECK_EQ(s.connack_reason, refuse);
	CHECK_EQ(r.connected, 0);
	mq_session_link_lost(&s);
	CHECK_EQ(s.state, MQ_S_DISCONNECTED);

	/* session present although we asked for a clean start */
	CHECK_EQ(mq_session_connect(&s, 0), 0);
	p = connack(true, 0);
	CHECK_EQ(feed(&s, &p, 0), -MQ_E_PROTOCOL);
	mq_session_link_lost(&s);

	r.nlog = 0;
	CHECK_EQ(up(&s, 0, false), 0);
	CHECK_EQ(s.state, MQ_S_CONNECTED);
	CHECK_EQ(r.connected, 1);
	CHECK_EQ(r.nlog, 2);
	CHECK(strcmp(r.log[1], "CONNECTING -> CONNECTED") == 0);
	CHECK_EQ(r.traces_in, 3);
	/* a second CONNACK */
	p = connack(false, 0);
	CHECK_EQ(feed(&s, &p, 0), -MQ_E_UNEXPECTED_PACKET);
	mq_session_free(&s);
	mq_session_free(&s);   /* twice is safe */
}

static void test_qos_round_trip(uint8_t v)
{
	mq_session_config cfg = base_cfg(v);
	mq_session s;
	rec r;
	uint16_t id1, id2;

	cfg.strict = true;   /* a PUBACK for QoS 2 is an error (--strict) */
	setup(&s, &r, &cfg);
	CHECK_EQ(pub(&s, 1, "a/b"), -MQ_E_WOULD_BLOCK);   /* not connected */
	CHECK_EQ(up(&s, 0, false), 0);
	CHECK_EQ(pub(&s, 1, "a/b"), 1);
	CHECK_EQ(pub(&s, 2, "a/c"), 2);
	CHECK_EQ(pub(&s, 0, "a/d"), 3);
	CHECK_EQ(mq_session_inflight(&s), 2);
	CHECK_EQ(drain(&s, 0), 3);
	CHECK(pk[0].type == MQ_PUBLISH && pk[0].u.publish.qos == 1);
	CHECK(pk[1].type == MQ_PUBLISH && pk[1].u.publish.qos == 2);
	CHECK(pk[2].type == MQ_PUBLISH && pk[2].u.publish.qos == 0);
	CHECK(!pk[0].u.publish.dup && !pk[1].u.publish.dup);
	CHECK(pk[0].u.publish.topic.len == 3 &&
	      !memcmp(pk[0].u.publish.topic.ptr, "a/b", 3));
	id1 = pk[0].u.publish.packet_id;
	id2 = pk[1].u.publish.packet_id;
	CHECK(id1 != 0 && id2 != 0 && id1 != id2);

	/* with --strict, a PUBACK for the QoS 2 message is the wrong stage */
	CHECK_EQ(feed_ack(&s, MQ_PUBACK, id2, 0, 0), -MQ_E_BAD_PACKET_ID);
	CHECK_EQ(feed_ack(&s, MQ_PUBACK, id1, 0, 0), 0);
	CHECK_EQ(r.delivered, 1);
	CHECK_EQ(r.tags[0], 1);
	CHECK_EQ(feed_ack(&s, MQ_PUBCOMP, id2, 0, 0), -MQ_E_BAD_PACKET_ID);
	CHECK_EQ(feed_ack(&s, MQ_PUBREC, id2, 0, 0), 0);
	CHECK_EQ(drain(&s, 0), 1);
	CHECK(pk[0].type == MQ_PUBREL && pk[0].u.ack.packet_id == id2);
	/* the broker repeats PUBREC: PUBREL again */
	CHECK_EQ(feed_ack(&s, MQ_PUBREC, id2, 0, 0), 0);
	CHECK_EQ(drain(&s, 0), 1);
	CHECK(pk[0].type == MQ_PUBREL && pk[0].u.ack.packet_id == id2);
	CHECK_EQ(r.delivered, 1);
	CHECK_EQ(feed_ack(&s, MQ_PUBCOMP, id2, 0, 0), 0);
	CHECK_EQ(r.delivered, 2);
	CHECK_EQ(r.tags[1], 2);
	CHECK_EQ(mq_session_inflight(&s), 0);
	CHECK_EQ(s.slot_count, 0);
	/* Acks for ids no longer in flight (a broker restarted from older
	 * saved state repeats them): ignored, a PUBREC answered with PUBREL
	 * (0x92 in 5.0), nothing delivered twice. */
	drain(&s, 0);
	CHECK_EQ(feed_ack(&s, MQ_PUBACK, id1, 0, 0), 0);
	CHECK_EQ(feed_ack(&s, MQ_PUBCOMP, id2, 0, 0), 0);
	CHECK_EQ(drain(&s, 0), 0);
	CHECK_EQ(feed_ack(&s, MQ_PUBREC, 999, 0, 0), 0);
	CHECK_EQ(drain(&s, 0), 1);
	CHECK(pk[0].type == MQ_PUBREL && pk[0].u.ack.packet_id == 999);
	CHECK_EQ(pk[0].u.ack.reason, v == MQ_V5 ? 0x92 : 0);
	CHECK_EQ(r.delivered, 2);
	/* A wrong-stage ack for an id that is in flight stays an error. */
	long long t = pub(&s, 2, "a/b");
	CHECK(t > 0);
	CHECK_EQ(drain(&s, 0), 1);
	CHECK_EQ(feed_ack(&s, MQ_PUBACK, pk[0].u.publish.packet_id, 0, 0),
		 -MQ_E_BAD_PACKET_ID);
	mq_session_free(&s);
}

/* 5.0: a refusing PUBREC ends the exchange without PUBREL. */
static void test_v5_refusals(void)
{
	mq_session_config cfg = base_cfg(MQ_V5);
	mq_session s;
	rec r;
	uint16_t id1, id2;

	setup(&s, &r, &cfg);
	CHECK_EQ(up(&s, 0, false), 0);
	CHECK_EQ(pub(&s, 2, "x"), 1);
	CHECK_EQ(pub(&s, 1, "x"), 2);
	CHECK_EQ(drain(&s, 0), 2);
	id1 = pk[0].u.publish.packet_id;
	id2 = pk[1].u.publish.packet_id;
	CHECK_EQ(feed_ack(&s, MQ_PUBREC, id1, 0x87, 0), 0);
	CHECK_EQ(drain(&s, 0), 0);
	CHECK_EQ(feed_ack(&s, MQ_PUBACK, id2, 0x10, 0), 0);
	CHECK_EQ(r.delivered, 2);
	CHECK(r.tags[0] == 1 && r.reasons[0] == 0x87);
	CHECK(r.tags[1] == 2 && r.reasons[1] == 0x10);
	CHECK_EQ(mq_session_inflight(&s), 0);
	mq_session_free(&s);
}

/* The ring starts at 16 slots and grows (unwrapping a ring that has
 * wrapped) as the window fills; acks, ids and the resend order after a
 * lost link hold across the growth. */
static void test_ring_grows(uint8_t v)
{
	mq_session_config cfg = base_cfg(v);
	mq_session s;
	rec r;
	uint16_t id[40];
	size_t i, n;

	cfg.max_inflight = 40;
	cfg.clean_start = false;
	setup(&s, &r, &cfg);
	CHECK_EQ(up(&s, 0, false), 0);
	for (i = 0; i < 16; i++)
		CHECK_EQ(pub(&s, 1, "g"), (long long)i + 1);
	CHECK_EQ(s.slot_cap, 16);
	CHECK_EQ(drain(&s, 0), 16);
	for (i = 0; i < 16; i++)
		id[i] = pk[i].u.publish.packet_id;
	for (i = 0; i < 8; i++)   /* the head moves to slot 8 */
		CHECK_EQ(feed_ack(&s, MQ_PUBACK, id[i], 0, 0), 0);
	for (i = 16; i < 33; i++)   /* 8 wrap around, the 9th grows the ring */
		CHECK_EQ(pub(&s, 1, "g"), (long long)i + 1);
	CHECK_EQ(s.slot_cap, 32);
	CHECK_EQ(mq_session_inflight(&s), 25);
	CHECK_EQ(drain(&s, 0), 17);
	for (i = 16; i < 33; i++)
		id[i] = pk[i - 16].u.publish.packet_id;
	CHECK_EQ(feed_ack(&s, MQ_PUBACK, id[20], 0, 0), 0);   /* out of order */
	CHECK_EQ(feed_ack(&s, MQ_PUBACK, id[9], 0, 0), 0);
	mq_session_link_lost(&s);
	CHECK_EQ(up(&s, 0, true), 0);
	n = drain(&s, 0);
	CHECK_EQ(n, 23);   /* 8..32 less 9 and 20, in publish order */
	for (i = 0, n = 0; i < 33 && n < 23; i++) {
		if (i < 8 || i == 9 || i == 20)
			continue;
		CHECK_EQ(pk[n].u.publish.packet_id, id[i]);
		CHECK(pk[n].u.publish.dup);
		n++;
	}
	for (i = 8; i < 33; i++)
		if (i != 9 && i != 20)
			CHECK_EQ(feed_ack(&s, MQ_PUBACK, id[i], 0, 0), 0);
	CHECK_EQ(mq_session_inflight(&s), 0);
	CHECK_EQ(r.delivered, 33);
	mq_session_free(&s);
}

static void test_window(uint8_t v)
{
	mq_session_config cfg = base_cfg(v);
	mq_session s;
	rec r;
	long long i;
	uint16_t first;

	cfg.max_inflight = 5;
	setup(&s, &r, &cfg);
	CHECK_EQ(up(&s, 0, false), 0);
	for (i = 1; i <= 5; i++) {
		CHECK(mq_session_can_publish(&s, 1));
		CHECK_EQ(pub(&s, 1, "w"), i);
	}
	CHECK_EQ(drain(&s, 0), 5);   /* all pipelined before any ack */
	first = pk[0].u.publish.packet_id;
	CHECK(!mq_session_can_publish(&s, 1));
	CHECK(!mq_session_can_publish(&s, 2));
	CHECK(mq_session_can_publish(&s, 0));
	CHECK_EQ(pub(&s, 1, "w"), -MQ_E_INFLIGHT_FULL);
	CHECK_EQ(pub(&s, 0, "w"), 6);
	drain(&s, 0);
	CHECK_EQ(feed_ack(&s, MQ_PUBACK, first, 0, 0), 0);
	CHECK(mq_session_can_publish(&s, 1));
	CHECK_EQ(pub(&s, 1, "w"), 7);
	CHECK(!mq_session_can_publish(&s, 1));
	mq_session_free(&s);
}

static void test_receive_maximum(void)
{
	mq_session_config cfg = base_cfg(MQ_V5);
	mq_props pr;
	mq_session s;
	rec r;

	memset(&pr, 0, sizeof pr);
	pr.present = MQ_PROP_BIT(MQ_PROP_RECEIVE_MAXIMUM);
	pr.receive_maximum = 3;
	setup(&s, &r, &cfg);
	CHECK_EQ(mq_session_connect(&s, 0), 0);
	drain(&s, 0);
	CHECK_EQ(feed_connack_props(&s, &pr, 0), 0);
	CHECK_EQ(s.window, 3);
	CHECK_EQ(pub(&s, 1, "r"), 1);
	CHECK_EQ(pub(&s, 2, "r"), 2);
	CHECK_EQ(pub(&s, 1, "r"), 3);
	CHECK(!mq_session_can_publish(&s, 1));
	CHECK_EQ(pub(&s, 1, "r"), -MQ_E_INFLIGHT_FULL);
	CHECK_EQ(drain(&s, 0), 3);
	mq_session_free(&s);
}

/* 5.0 broker limits: Maximum QoS, Retain Available, Maximum Packet Size;
 * and topic validation for both versions. */
static void test_publish_limits(uint8_t v)
{
	static uint8_t big[300];
	mq_session_config cfg = base_cfg(v);
	mq_message m = { .qos = 1 };
	mq_props pr;
	mq_session s;
	rec r;

	setup(&s, &r, &cfg);
	CHECK_EQ(mq_session_connect(&s, 0), 0);
	drain(&s, 0);
	memset(&pr, 0, sizeof pr);
	pr.present = MQ_PROP_BIT(MQ_PROP_MAXIMUM_QOS) |
		     MQ_PROP_BIT(MQ_PROP_RETAIN_AVAILABLE) |
		     MQ_PROP_BIT(MQ_PROP_MAXIMUM_PACKET_SIZE);
	pr.maximum_qos = 1;
	pr.retain_available = 0;
	pr.maximum_packet_size = 100;
	CHECK_EQ(feed_connack_props(&s, &pr, 0), 0);
	CHECK_EQ(pub(&s, 1, "a/+"), -MQ_E_BAD_TOPIC);
	CHECK_EQ(pub(&s, 1, ""), -MQ_E_BAD_TOPIC);
	CHECK_EQ(pub(&s, 3, "a"), -MQ_E_BAD_QOS);
	m.topic = MQ_BYTES_STR("t");
	m.payload = (mq_bytes){ big, sizeof big };
	if (v == MQ_V5) {
		CHECK_EQ(pub(&s, 2, "a"), -MQ_E_BAD_QOS);
		CHECK_EQ(mq_session_publish(&s, &m, 0),
			 -MQ_E_PACKET_TOO_LARGE);
		m.payload.len = 10;
		m.retain = true;
		CHECK_EQ(mq_session_publish(&s, &m, 0), -MQ_E_PROTOCOL);
		CHECK_EQ(mq_session_inflight(&s), 0);
		CHECK_EQ(drain(&s, 0), 0);
	} else {
		/* 3.1.1: no such limits */
		CHECK_EQ(pub(&s, 2, "a"), 1);
		CHECK_EQ(mq_session_publish(&s, &m, 0), 2);
		m.retain = true;
		CHECK_EQ(mq_session_publish(&s, &m, 0), 3);
	}
	mq_session_free(&s);
}

static const mq_sub_entry subs2[] = {
	{ MQ_BYTES_STR("s/+"), 1 }, { MQ_BYTES_STR("s/#"), 2 },
};
static const uint8_t granted2[] = { 1, 2 };

/* Publish MANY QoS 1 messages with acks out of order within the window:
 * no packet id is ever handed out twice while in flight, ids wrap, every
 * tag is delivered once, and buffers stop growing once warm. */
static void test_ids_never_reused(uint8_t v)
{
	static uint8_t inuse[65536], seen[MANY + 1];
	mq_session_config cfg = base_cfg(v);
	mq_message m = { .qos = 1, .topic = MQ_BYTES_STR("many") };
	uint16_t ids[32];
	size_t nout = 0, published = 0, i, n, bad = 0, collisions = 0;
	size_t warm_out = 0, warm_slots = 0, grew = 0;
	uint32_t rng = 12345u;
	bool saw_max = false;
	uint8_t payload[64];
	uint16_t sub_id;
	mq_packet p;
	mq_session s;
	rec r;

	memset(inuse, 0, sizeof inuse);
	memset(seen, 0, sizeof seen);
	memset(payload, 'p', sizeof payload);
	cfg.max_inflight = 20;
	setup(&s, &r, &cfg);
	r.seen = seen;
	CHECK_EQ(up(&s, 0, false), 0);
	/* a SUBSCRIBE left unacknowledged holds its id across the wrap */
	CHECK_EQ(mq_session_subscribe(&s, subs2, 2, 0), 0);
	CHECK_EQ(drain(&s, 0), 1);
	sub_id = pk[0].u.subscribe.packet_id;
	inuse[sub_id] = 1;
	while (r.delivered < MANY) {
		while (published < MANY && mq_session_can_publish(&s, 1)) {
			m.payload = (mq_bytes){ payload, published % 50 };
			if (mq_session_publish(&s, &m, 0) != (long long)published + 1)
				bad++;
			published++;
		}
		n = drain(&s, 0);
		for (i = 0; i < n; i++) {
			uint16_t id = pk[i].u.publish.packet_id;

			if (pk[i].type != MQ_PUBLISH || id == 0 || nout == 32) {
				bad++;
				continue;
			}
			collisions += inuse[id];
			inuse[id] = 1;
			saw_max |= id == 65535;
			ids[nout++] = id;
		}
		if (nout == 0) {
			CHECK(!"stuck: nothing in flight");
			break;
		}
		/* ack a random subset, in random order */
		for (n = 1 + (rng >> 8) % nout; n > 0; n--) {
			size_t k;

			rng = rng * 1103515245u + 12345u;
			k = (rng >> 8) % nout;
			if (feed_ack(&s, MQ_PUBACK, ids[k], 0, 0) != 0)
				bad++;
			inuse[ids[k]] = 0;
			ids[k] = ids[--nout];
		}
		if (published >= 1000 && !warm_out) {
			warm_out = s.out_cap;
			for (i = 0; i < s.slot_cap; i++)
				warm_slots += s.slots[i].cap;
		} else if (warm_out) {
			size_t caps = 0;

			for (i = 0; i < s.slot_cap; i++)
				caps += s.slots[i].cap;
			grew += s.out_cap != warm_out || caps != warm_slots;
		}
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(collisions, 0);
	CHECK(saw_max);
	CHECK_EQ(r.delivered, MANY);
	CHECK_EQ(r.dup_deliveries, 0);
	CHECK(seen[1] && seen[MANY]);
	CHECK(warm_out > 0);
	CHECK_EQ(grew, 0);
	CHECK_EQ(mq_session_inflight(&s), 0);
	p = suback(sub_id, granted2, 2);
	CHECK_EQ(feed(&s, &p, 0), 0);
	CHECK_EQ(r.subscribed, 1);
	mq_session_free(&s);
}

/* Publish q1, q2, q2 and take the third past PUBREC; returns their ids. */
static void three_in_flight(mq_session *s, uint16_t id[3])
{
	size_t i;

	CHECK_EQ(pub(s, 1, "m/a"), 1);
	CHECK_EQ(pub(s, 2, "m/b"), 2);
	CHECK_EQ(pub(s, 2, "m/c"), 3);
	CHECK_EQ(drain(s, 0), 3);
	for (i = 0; i < 3; i++)
		id[i] = pk[i].u.publish.packet_id;
	CHECK_EQ(feed_ack(s, MQ_PUBREC, id[2], 0, 0), 0);
	CHECK_EQ(drain(s, 0), 1);
	CHECK_EQ(pk[0].type, MQ_PUBREL);
}

static void test_resume_session(uint8_t v)
{
	mq_session_config cfg = base_cfg(v);
	mq_packet p;
	mq_session s;
	rec r;
	uint16_t id[3];
	size_t len;

	cfg.clean_start = false;
	setup(&s, &r, &cfg);
	CHECK_EQ(mq_session_subscribe(&s, subs2, 2, 0), 0);
	CHECK_EQ(up(&s, 0, false), 0);
	CHECK_EQ(drain(&s, 0), 1);
	CHECK_EQ(pk[0].type, MQ_SUBSCRIBE);
	p = suback(pk[0].u.subscribe.packet_id, granted2, 2);
	CHECK_EQ(feed(&s, &p, 0), 0);
	CHECK_EQ(r.subscribed, 1);
	three_in_flight(&s, id);
	CHECK_EQ(pub(&s, 0, "q0"), 4);   /* queued, never written */

	mq_session_link_lost(&s);
	CHECK_EQ(s.state, MQ_S_DISCONNECTED);
	CHECK(mq_session_output(&s, &len) == NULL && len == 0);
	CHECK_EQ(mq_session_inflight(&s), 3);
	CHECK(!mq_session_can_publish(&s, 0));

	CHECK_EQ(mq_session_connect(&s, 0), 0);
	CHECK_EQ(drain(&s, 0), 1);
	CHECK(!pk[0].u.connect.clean_start);
	p = connack(true, 0);
	len = r.traces_out;
	CHECK_EQ(feed(&s, &p, 0), 0);
	CHECK(s.session_present);
	CHECK_EQ(r.traces_out, len + 3);   /* re-sends are traced too */
	CHECK_EQ(drain(&s, 0), 3);   /* no SUBSCRIBE: the broker kept it */
	CHECK(pk[0].type == MQ_PUBLISH && pk[0].u.publish.dup &&
	      pk[0].u.publish.packet_id == id[0] && pk[0].u.publish.qos == 1);
	CHECK(pk[1].type == MQ_PUBLISH && pk[1].u.publish.dup &&
	      pk[1].u.publish.packet_id == id[1] && pk[1].u.publish.qos == 2);
	CHECK(pk[2].type == MQ_PUBREL && pk[2].u.ack.packet_id == id[2]);

	CHECK_EQ(feed_ack(&s, MQ_PUBACK, id[0], 0, 0), 0);
	CHECK_EQ(feed_ack(&s, MQ_PUBREC, id[1], 0, 0), 0);
	CHECK_EQ(feed_ack(&s, MQ_PUBCOMP, id[1], 0, 0), 0);
	CHECK_EQ(feed_ack(&s, MQ_PUBCOMP, id[2], 0, 0), 0);
	CHECK_EQ(r.delivered, 3);
	CHECK(r.tags[0] == 1 && r.tags[1] == 2 && r.tags[2] == 3);
	CHECK_EQ(mq_session_inflight(&s), 0);
	mq_session_free(&s);
}

/* Topic aliases (5.0 §3.3.2.3.4): set on first use, the alias alone
 * after; forgotten with the connection, and a QoS 1 message re-sent on the
 * next one goes with its full topic and no alias. */
static void test_topic_aliases(void)
{
	mq_session_config cfg = base_cfg(MQ_V5);
	mq_packet p;
	mq_session s;
	rec r;

	cfg.topic_aliases = true;
	cfg.clean_start = false;
	setup(&s, &r, &cfg);
	CHECK_EQ(mq_session_connect(&s, 0), 0);
	CHECK_EQ(drain(&s, 0), 1);
	p = connack(false, 0);
	p.u.connack.props.present = MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS_MAXIMUM);
	p.u.connack.props.topic_alias_maximum = 2;
	CHECK_EQ(feed(&s, &p, 0), 0);
	CHECK(pub(&s, 0, "a/1") > 0);
	CHECK(pub(&s, 1, "a/2") > 0);
	CHECK(pub(&s, 0, "a/1") > 0);
	CHECK(pub(&s, 1, "a/3") > 0);   /* the table is full and fresh: whole */
	CHECK(pub(&s, 0, "a/2") > 0);
	CHECK_EQ(drain(&s, 0), 5);
	const mq_publish *q = &pk[0].u.publish;
	CHECK(q->topic.len == 3 && q->props.topic_alias == 1);
	q = &pk[1].u.publish;
	CHECK(q->topic.len == 3 && q->props.topic_alias == 2 && q->qos == 1);
	q = &pk[2].u.publish;
	CHECK(q->topic.len == 0 && q->props.topic_alias == 1);
	q = &pk[3].u.publish;
	CHECK(q->topic.len == 3 && !memcmp(q->topic.ptr, "a/3", 3) &&
	      !(q->props.present & MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS)));
	q = &pk[4].u.publish;
	CHECK(q->topic.len == 0 && q->props.topic_alias == 2);
	CHECK_EQ(s.aliases->saved, 6);
	uint16_t id2 = pk[1].u.publish.packet_id;

	/* a new connection: re-sends carry full topics, no alias */
	mq_session_link_lost(&s);
	CHECK_EQ(mq_session_connect(&s, 0), 0);
	CHECK_EQ(drain(&s, 0), 1);
	p = connack(true, 0);
	CHECK_EQ(feed(&s, &p, 0), 0);   /* no Topic Alias Maximum this time */
	CHECK_EQ(drain(&s, 0), 2);
	q = &pk[0].u.publish;
	CHECK(q->dup && q->packet_id == id2 && q->topic.len == 3 &&
	      !(q->props.present & MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS)));
	CHECK(pub(&s, 0, "a/1") > 0);
	CHECK_EQ(drain(&s, 0), 1);
	CHECK(pk[0].u.publish.topic.len == 3 &&
	      !(pk[0].u.publish.props.present & MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS)));
	mq_session_free(&s);

	/* without cfg.topic_aliases, never */
	cfg.topic_aliases = false;
	setup(&s, &r, &cfg);
	CHECK_EQ(mq_session_connect(&s, 0), 0);
	CHECK_EQ(drain(&s, 0), 1);
	p = connack(false, 0);
	p.u.connack.props.present = MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS_MAXIMUM);
	p.u.connack.props.topic_alias_maximum = 2;
	CHECK_EQ(feed(&s, &p, 0), 0);
	CHECK(pub(&s, 0, "a/1") > 0);
	CHECK(pub(&s, 0, "a/1") > 0);
	CHECK_EQ(drain(&s, 0), 2);
	CHECK(pk[1].u.publish.topic.len == 3);
	CHECK(s.aliases == NULL);
	mq_session_free(&s);
}

static void test_fresh_session(uint8_t v)
{
	mq_session_config cfg = base_cfg(v);
	mq_packet p;
	mq_session s;
	rec r;
	uint16_t id[3];
	size_t i;

	cfg.clean_start = false;
	setup(&s, &r, &cfg);
	CHECK_EQ(up(&s, 0, false), 0);
	CHECK_EQ(mq_session_subscribe(&s, subs2, 2, 0), 0);
	CHECK_EQ(drain(&s, 0), 1);
	p = suback(pk[0].u.subscribe.packet_id, granted2, 2);
	CHECK_EQ(feed(&s, &p, 0), 0);
	three_in_flight(&s, id);
	/* the broker had the inbound QoS 2 id 9 awaiting PUBREL */
	p = pub_in(2, 9, false);
	CHECK_EQ(feed(&s, &p, 0), 0);
	drain(&s, 0);

	mq_session_link_lost(&s);
	CHECK_EQ(up(&s, 0, false), 0);
	CHECK(!s.session_present);
	CHECK_EQ(drain(&s, 0), 4);
	/* the subscriptions first, so that replies find them in place */
	CHECK_EQ(pk[0].type, MQ_SUBSCRIBE);
	CHECK_EQ(pk[0].u.subscribe.count, 2);
	for (i = 0; i < 3; i++) {
		CHECK_EQ(pk[i + 1].type, MQ_PUBLISH);
		CHECK(!pk[i + 1].u.publish.dup);
		CHECK_EQ(pk[i + 1].u.publish.packet_id, id[i]);
		CHECK(pk[i + 1].u.publish.packet_id != pk[0].u.subscribe.packet_id);
	}
	CHECK_EQ(pk[3].u.publish.qos, 2);
	p = suback(pk[0].u.subscribe.packet_id, granted2, 2);
	CHECK_EQ(feed(&s, &p, 0), 0);
	CHECK_EQ(r.subscribed, 2);
	/* the third starts over from PUBREC */
	CHECK_EQ(feed_ack(&s, MQ_PUBCOMP, id[2], 0, 0), -MQ_E_BAD_PACKET_ID);
	CHECK_EQ(feed_ack(&s, MQ_PUBREC, id[2], 0, 0), 0);
	CHECK_EQ(drain(&s, 0), 1);
	CHECK_EQ(pk[0].type, MQ_PUBREL);
	CHECK_EQ(feed_ack(&s, MQ_PUBCOMP, id[2], 0, 0), 0);
	CHECK_EQ(r.delivered, 1);
	CHECK_EQ(r.tags[0], 3);
	/* inbound id 9 was forgotten with the session: delivered again */
	p = pub_in(2, 9, false);
	CHECK_EQ(feed(&s, &p, 0), 0);
	CHECK_EQ(r.messages, 2);
	mq_session_free(&s);
}

/* An unacknowledged SUBSCRIBE is sent again even when the session stays,
 * and a list given before the first connect is sent at the first CONNACK. */
static void test_subscribe_resend(uint8_t v)
{
	mq_session_config cfg = base_cfg(v);
	mq_packet p;
	mq_session s;
	rec r;
	uint16_t old;

	cfg.clean_start = false;
	setup(&s, &r, &cfg);
	CHECK_EQ(mq_session_subscribe(&s, subs2, 2, 0), 0);
	CHECK_EQ(drain(&s, 0), 0);
	CHECK_EQ(up(&s, 0, true), 0);   /* session present, never subscribed */
	CHECK_EQ(drain(&s, 0), 1);
	CHECK_EQ(pk[0].type, MQ_SUBSCRIBE);
	old = pk[0].u.subscribe.packet_id;
	mq_session_link_lost(&s);
	CHECK_EQ(up(&s, 0, true), 0);
	CHECK_EQ(drain(&s, 0), 1);
	CHECK_EQ(pk[0].type, MQ_SUBSCRIBE);
	p = suback(old == pk[0].u.subscribe.packet_id ? old + 1 : old,
		   granted2, 2);
	CHECK_EQ(feed(&s, &p, 0), -MQ_E_BAD_PACKET_ID);
	p = suback(pk[0].u.subscribe.packet_id, granted2, 1);
	CHECK_EQ(feed(&s, &p, 0), -MQ_E_PROTOCOL);
	p = suback(pk[0].u.subscribe.packet_id, granted2, 2);
	CHECK_EQ(feed(&s, &p, 0), 0);
	CHECK_EQ(r.subscribed, 1);
	CHECK_EQ(r.suback_reasons, 2);
	CHECK_EQ(s.pending_sub_count, 0);
	/* acknowledged: a resumed session does not resubscribe */
	mq_session_link_lost(&s);
	CHECK_EQ(up(&s, 0, true), 0);
	CHECK_EQ(drain(&s, 0), 0);
	CHECK_EQ(feed(&s, &p, 0), -MQ_E_BAD_PACKET_ID);
	mq_session_free(&s);
}

/* SUBSCRIBE carries the configured 5.0 properties, resubscribes too;
 * UNSUBSCRIBE goes after it at the first CONNACK, again on a new link
 * until its UNSUBACK, and never after that. */
static void test_unsubscribe(uint8_t v)
{
	static const mq_bytes unsubs[] = { MQ_BYTES_STR("u/#"), MQ_BYTES_STR("v") };
	static const uint8_t reasons[] = { 0x00, 0x11 };
	mq_session_config cfg = base_cfg(v);
	mq_props sp;
	mq_packet p = { .type = MQ_UNSUBACK };
	mq_session s;
	rec r;

	memset(&sp, 0, sizeof sp);
	sp.present = MQ_PROP_BIT(MQ_PROP_SUBSCRIPTION_ID);
	sp.sub_ids[0] = 77;
	sp.sub_id_count = 1;
	cfg.subscribe_props = &sp;
	cfg.clean_start = false;
	setup(&s, &r, &cfg);
	CHECK_EQ(mq_session_subscribe(&s, subs2, 2, 0), 0);
	CHECK_EQ(mq_session_unsubscribe(&s, unsubs, 2, 0), 0);
	CHECK(mq_session_unsubscribing(&s));
	CHECK_EQ(up(&s, 0, false), 0);
	CHECK_EQ(drain(&s, 0), 2);
	CHECK_EQ(pk[0].type, MQ_SUBSCRIBE);
	CHECK_EQ(pk[0].u.subscribe.props.sub_id_count, v == MQ_V5 ? 1u : 0u);
	CHECK_EQ(pk[1].type, MQ_UNSUBSCRIBE);
	mq_session_link_lost(&s);
	CHECK_EQ(up(&s, 0, false), 0);
	CHECK_EQ(drain(&s, 0), 2);
	CHECK_EQ(pk[0].type, MQ_SUBSCRIBE);
	if (v == MQ_V5)
		CHECK_EQ(pk[0].u.subscribe.props.sub_ids[0], 77u);
	CHECK_EQ(pk[1].type, MQ_UNSUBSCRIBE);
	p.u.suback.packet_id = pk[1].u.unsubscribe.packet_id;
	if (v == MQ_V5) {
		p.u.suback.reasons = (mq_bytes){ reasons, 1 };
		CHECK_EQ(feed(&s, &p, 0), -MQ_E_PROTOCOL);
		p.u.suback.reasons = (mq_bytes){ reasons, 2 };
	}
	CHECK_EQ(feed(&s, &p, 0), 0);
	CHECK(!mq_session_unsubscribing(&s));
	CHECK_EQ(feed(&s, &p, 0), -MQ_E_BAD_PACKET_ID);
	/* the SUBACK never came: SUBSCRIBE again, UNSUBSCRIBE not */
	mq_session_link_lost(&s);
	CHECK_EQ(up(&s, 0, true), 0);
	CHECK_EQ(drain(&s, 0), 1);
	CHECK_EQ(pk[0].type, MQ_SUBSCRIBE);
	mq_session_free(&s);
}

static void test_inbound(uint8_t v)
{
	mq_session_config cfg = base_cfg(v);
	mq_packet p;
	mq_session s;
	rec r;

	setup(&s, &r, &cfg);
	CHECK_EQ(up(&s, 0, false), 0);
	p = pub_in(0, 0, false);
	CHECK_EQ(feed(&s, &p, 0), 0);
	CHECK_EQ(r.messages, 1);
	CHECK_EQ(drain(&s, 0), 0);

	p = pub_in(1, 5, false);
	CHECK_EQ(feed(&s, &p, 0), 0);
	CHECK_EQ(r.messages, 2);
	CHECK_EQ(drain(&s, 0), 1);
	CHECK(pk[0].type == MQ_PUBACK && pk[0].u.ack.packet_id == 5);

	p = pub_in(2, 7, false);
	CHECK_EQ(feed(&s, &p, 0), 0);
	CHECK_EQ(r.messages, 3);
	CHECK_EQ(r.msg_qos, 2);
	CHECK_EQ(drain(&s, 0), 1);
	CHECK(pk[0].type == MQ_PUBREC && pk[0].u.ack.packet_id == 7);
	p = pub_in(2, 7, true);   /* re-sent before PUBREL */
	CHECK_EQ(feed(&s, &p, 0), 0);
	CHECK_EQ(r.messages, 3);
	CHECK_EQ(drain(&s, 0), 1);
	CHECK(pk[0].type == MQ_PUBREC && pk[0].u.ack.packet_id == 7);
	CHECK_EQ(feed_ack(&s, MQ_PUBREL, 7, 0, 0), 0);
	CHECK_EQ(drain(&s, 0), 1);
	CHECK(pk[0].type == MQ_PUBCOMP && pk[0].u.ack.packet_id == 7);
	CHECK_EQ(pk[0].u.ack.reason, 0);
	/* PUBREL again: id unknown now */
	CHECK_EQ(feed_ack(&s, MQ_PUBREL, 7, 0, 0), 0);
	CHECK_EQ(drain(&s, 0), 1);
	CHECK(pk[0].type == MQ_PUBCOMP && pk[0].u.ack.packet_id == 7);
	CHECK_EQ(pk[0].u.ack.reason, v == MQ_V5 ? 0x92 : 0);
	/* after PUBREL the id is free: a new message with it is delivered */
	p = pub_in(2, 7, false);
	CHECK_EQ(feed(&s, &p, 0), 0);
	CHECK_EQ(r.messages, 4);
	drain(&s, 0);

	/* the application refuses: no acknowledgement */
	r.message_rc = -MQ_E_IO;
	p = pub_in(1, 8, false);
	CHECK_EQ(feed(&s, &p, 0), -MQ_E_IO);
	p = pub_in(2, 9, false);
	CHECK_EQ(feed(&s, &p, 0), -MQ_E_IO);
	CHECK_EQ(drain(&s, 0), 0);
	r.message_rc = 0;
	CHECK_EQ(feed(&s, &p, 0), 0);   /* not marked: delivered now */
	CHECK_EQ(r.messages, 5);
	mq_session_free(&s);
}

/* MQ_MESSAGE_LATER: no acknowledgement until mq_session_ack(); a QoS 2
 * message re-sent meanwhile goes to the app again; acks in the order the
 * app gives them; none while disconnected. */
static void test_deferred_ack(uint8_t v)
{
	mq_session_config cfg = base_cfg(v);
	mq_packet p;
	mq_session s;
	rec r;

	setup(&s, &r, &cfg);
	CHECK_EQ(up(&s, 0, false), 0);
	r.message_rc = MQ_MESSAGE_LATER;
	p = pub_in(1, 5, false);
	CHECK_EQ(feed(&s, &p, 0), 0);
	p = pub_in(2, 6, false);
	CHECK_EQ(feed(&s, &p, 0), 0);
	CHECK_EQ(r.messages, 2);
	CHECK_EQ(drain(&s, 0), 0);      /* nothing acknowledged yet */
	p = pub_in(2, 6, true);         /* re-sent: the app sees it again */
	CHECK_EQ(feed(&s, &p, 0), 0);
	CHECK_EQ(r.messages, 3);
	CHECK_EQ(drain(&s, 0), 0);
	CHECK_EQ(mq_session_ack(&s, 5, 1), 0);
	CHECK_EQ(mq_session_ack(&s, 6, 2), 0);
	CHECK_EQ(drain(&s, 0), 2);
	CHECK(pk[0].type == MQ_PUBACK && pk[0].u.ack.packet_id == 5);
	CHECK(pk[1].type == MQ_PUBREC && pk[1].u.ack.packet_id == 6);
	p = pub_in(2, 6, true);         /* after PUBREC: answered, not delivered */
	CHECK_EQ(feed(&s, &p, 0), 0);
	CHECK_EQ(r.messages, 3);
	CHECK_EQ(drain(&s, 0), 1);
	CHECK(pk[0].type == MQ_PUBREC && pk[0].u.ack.packet_id == 6);
	CHECK_EQ(feed_ack(&s, MQ_PUBREL, 6, 0, 0), 0);
	CHECK_EQ(drain(&s, 0), 1);
	CHECK(pk[0].type == MQ_PUBCOMP && pk[0].u.ack.packet_id == 6);
	mq_session_link_lost(&s);
	CHECK_EQ(mq_session_ack(&s, 7, 1), -MQ_E_WOULD_BLOCK);
	mq_session_free(&s);
}

static void test_v5_broker_packets(void)
{
	mq_session_config cfg = base_cfg(MQ_V5);
	mq_packet p;
	mq_session s;
	rec r;

	setup(&s, &r, &cfg);
	CHECK_EQ(up(&s, 0, false), 0);
	p = pub_in(0, 0, false);
	p.u.publish.props.present = MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS);
	p.u.publish.props.topic_alias = 1;
	CHECK_EQ(feed(&s, &p, 0), -MQ_E_TOPIC_ALIAS);
	CHECK_EQ(r.messages, 0);

	p = (mq_packet){ .type = MQ_AUTH };
	CHECK_EQ(feed(&s, &p, 0), -MQ_E_PROTOCOL);

	p = (mq_packet){ .type = MQ_DISCONNECT };
	p.u.disconnect.reason = 0x8E;
	p.u.disconnect.props.present = MQ_PROP_BIT(MQ_PROP_REASON_STRING);
	p.u.disconnect.props.reason_string = MQ_BYTES_STR("taken over");
	CHECK_EQ(feed(&s, &p, 0), -MQ_E_DISCONNECTED);
	CHECK_EQ(s.disconnect_reason, 0x8E);
	CHECK(s.reason_string.len == 10 &&
	      !memcmp(s.reason_string.ptr, "taken over", 10));
	mq_session_free(&s);
}

/* Packets a client never receives, and packets before CONNACK. */
static void test_unexpected(uint8_t v)
{
	static const mq_bytes filt[] = { MQ_BYTES_STR("u/f") };
	static const uint8_t unsub_ok[] = { 0 };
	mq_session_config cfg = base_cfg(v);
	mq_packet p;
	mq_session s;
	rec r;

	setup(&s, &r, &cfg);
	p = pub_in(0, 0, false);
	CHECK_EQ(feed(&s, &p, 0), -MQ_E_UNEXPECTED_PACKET);   /* no link */
	CHECK_EQ(mq_session_connect(&s, 0), 0);
	CHECK_EQ(feed(&s, &p, 0), -MQ_E_UNEXPECTED_PACKET);
	p = (mq_packet){ .type = MQ_PINGRESP };
	CHECK_EQ(feed(&s, &p, 0), -MQ_E_UNEXPECTED_PACKET);
	p = ack(MQ_PUBACK, 1, 0);
	CHECK_EQ(feed(&s, &p, 0), -MQ_E_UNEXPECTED_PACKET);
	mq_session_link_lost(&s);
	CHECK_EQ(up(&s, 0, false), 0);

	p = (mq_packet){ .type = MQ_CONNECT };
	p.u.connect.version = v;
	p.u.connect.clean_start = true;
	p.u.connect.client_id = MQ_BYTES_STR("x");
	CHECK_EQ(feed(&s, &p, 0), -MQ_E_UNEXPECTED_PACKET);
	p = (mq_packet){ .type = MQ_SUBSCRIBE };
	p.u.subscribe.packet_id = 3;
	p.u.subscribe.entries = subs2;
	p.u.subscribe.count = 1;
	CHECK_EQ(feed(&s, &p, 0), -MQ_E_UNEXPECTED_PACKET);
	p = (mq_packet){ .type = MQ_UNSUBSCRIBE };
	p.u.unsubscribe.packet_id = 3;
	p.u.unsubscribe.filters = filt;
	p.u.unsubscribe.count = 1;
	CHECK_EQ(feed(&s, &p, 0), -MQ_E_UNEXPECTED_PACKET);
	p = (mq_packet){ .type = MQ_PINGREQ };
	CHECK_EQ(feed(&s, &p, 0), -MQ_E_UNEXPECTED_PACKET);
	p = suback(3, unsub_ok, v == MQ_V5 ? 1 : 0);
	p.type = MQ_UNSUBACK;   /* for no UNSUBSCRIBE of ours: like a SUBACK */
	CHECK_EQ(feed(&s, &p, 0), -MQ_E_BAD_PACKET_ID);
	if (v == MQ_V311) {
		p = (mq_packet){ .type = MQ_DISCONNECT };
		CHECK_EQ(feed(&s, &p, 0), -MQ_E_UNEXPECTED_PACKET);
	}
	p = suback(77, granted2, 1);
	CHECK_EQ(feed(&s, &p, 0), -MQ_E_BAD_PACKET_ID);
	CHECK_EQ(feed_ack(&s, MQ_PUBACK, 4242, 0, 0), 0);    /* stray: ignored */
	CHECK_EQ(feed_ack(&s, MQ_PUBCOMP, 4242, 0, 0), 0);
	mq_session_free(&s);
}

static void test_keepalive(uint8_t v)
{
	mq_session_config cfg = base_cfg(v);
	mq_packet p;
	mq_session s;
	rec r;

	cfg.keepalive = 10;
	setup(&s, &r, &cfg);
	CHECK_EQ(mq_session_deadline(&s), UINT64_MAX);
	CHECK_EQ(mq_session_connect(&s, 1000), 0);
	CHECK_EQ(mq_session_deadline(&s), UINT64_MAX);   /* until CONNACK */
	drain(&s, 1000);
	p = connack(false, 0);
	CHECK_EQ(feed(&s, &p, 1000), 0);
	/* nothing read for K/2 comes first */
	CHECK_EQ(mq_session_deadline(&s), 6000);
	CHECK_EQ(mq_session_tick(&s, 5999), 0);
	CHECK_EQ(drain(&s, 5999), 0);
	CHECK_EQ(mq_session_tick(&s, 6000), 0);
	CHECK(s.ping_outstanding);
	CHECK_EQ(mq_session_deadline(&s), 16000);
	CHECK_EQ(mq_session_tick(&s, 6001), 0);   /* one PINGREQ only */
	CHECK_EQ(drain(&s, 6000), 1);
	CHECK_EQ(pk[0].type, MQ_PINGREQ);
	/* PINGRESP: no error, timers start over */
	p = (mq_packet){ .type = MQ_PINGRESP };
	CHECK_EQ(feed(&s, &p, 7000), 0);
	CHECK(!s.ping_outstanding);
	CHECK_EQ(mq_session_deadline(&s), 12000);
	CHECK_EQ(mq_session_tick(&s, 11000), 0);
	CHECK_EQ(drain(&s, 11000), 0);
	/* nothing written for K while the broker keeps talking */
	mq_session_read(&s, 11000);
	mq_session_read(&s, 15000);
	CHECK_EQ(mq_session_deadline(&s), 16000);
	CHECK_EQ(mq_session_tick(&s, 16000), 0);
	CHECK_EQ(drain(&s, 16000), 1);
	CHECK_EQ(pk[0].type, MQ_PINGREQ);
	CHECK_EQ(mq_session_deadline(&s), 26000);
	/* bytes after the PINGREQ count as life */
	mq_session_read(&s, 20000);
	CHECK_EQ(mq_session_deadline(&s), 30000);
	CHECK_EQ(mq_session_tick(&s, 29999), 0);
	/* silence for a whole K after that: dead */
	CHECK_EQ(mq_session_tick(&s, 30000), -MQ_E_KEEPALIVE);
	mq_session_link_lost(&s);
	CHECK(!s.ping_outstanding);
	CHECK_EQ(mq_session_deadline(&s), UINT64_MAX);

	/* a link that dies right after CONNACK is given up at 1.5 K */
	CHECK_EQ(up(&s, 0, false), 0);
	CHECK_EQ(mq_session_tick(&s, 5000), 0);
	CHECK_EQ(drain(&s, 5000), 1);
	CHECK_EQ(pk[0].type, MQ_PINGREQ);
	CHECK_EQ(mq_session_tick(&s, 14999), 0);
	CHECK_EQ(mq_session_tick(&s, 15000), -MQ_E_KEEPALIVE);
	mq_session_free(&s);

	/* keepalive 0: no timer */
	cfg.keepalive = 0;
	setup(&s, &r, &cfg);
	CHECK_EQ(up(&s, 0, false), 0);
	CHECK_EQ(mq_session_deadline(&s), UINT64_MAX);
	CHECK_EQ(mq_session_tick(&s, 1u << 30), 0);
	CHECK_EQ(drain(&s, 0), 0);
	mq_session_free(&s);
}

static void test_server_keepalive(void)
{
	mq_session_config cfg = base_cfg(MQ_V5);
	mq_props pr;
	mq_session s;
	rec r;

	cfg.keepalive = 10;
	memset(&pr, 0, sizeof pr);
	pr.present = MQ_PROP_BIT(MQ_PROP_SERVER_KEEPALIVE);
	pr.server_keepalive = 30;
	setup(&s, &r, &cfg);
	CHECK_EQ(mq_session_connect(&s, 0), 0);
	drain(&s, 0);
	CHECK_EQ(feed_connack_props(&s, &pr, 0), 0);
	CHECK_EQ(s.keepalive, 30);
	CHECK_EQ(mq_session_deadline(&s), 15000);
	mq_session_free(&s);
}

/* 5.0: after a reconnect the broker's Receive Maximum may be smaller than
 * what is in flight: the rest goes out as acks make room. */
static void test_resend_within_window(void)
{
	mq_session_config cfg = base_cfg(MQ_V5);
	mq_packet p;
	mq_props pr;
	mq_session s;
	rec r;
	uint16_t id[4];
	size_t i;

	cfg.clean_start = false;
	setup(&s, &r, &cfg);
	CHECK_EQ(up(&s, 0, false), 0);
	for (i = 0; i < 4; i++)
		CHECK_EQ(pub(&s, 1, "rw"), (long long)i + 1);
	CHECK_EQ(drain(&s, 0), 4);
	for (i = 0; i < 4; i++)
		id[i] = pk[i].u.publish.packet_id;
	mq_session_link_lost(&s);
	CHECK_EQ(mq_session_connect(&s, 0), 0);
	drain(&s, 0);
	memset(&pr, 0, sizeof pr);
	pr.present = MQ_PROP_BIT(MQ_PROP_RECEIVE_MAXIMUM);
	pr.receive_maximum = 2;
	p = connack(true, 0);
	p.u.connack.props = pr;
	CHECK_EQ(feed(&s, &p, 0), 0);
	CHECK_EQ(drain(&s, 0), 2);
	CHECK(pk[0].u.publish.packet_id == id[0] && pk[0].u.publish.dup);
	CHECK(pk[1].u.publish.packet_id == id[1]);
	CHECK(!mq_session_can_publish(&s, 1));
	CHECK_EQ(feed_ack(&s, MQ_PUBACK, id[1], 0, 0), 0);
	CHECK_EQ(drain(&s, 0), 1);
	CHECK(pk[0].u.publish.packet_id == id[2] && pk[0].u.publish.dup);
	CHECK_EQ(feed_ack(&s, MQ_PUBACK, id[0], 0, 0), 0);
	CHECK_EQ(drain(&s, 0), 1);
	CHECK(pk[0].u.publish.packet_id == id[3]);
	CHECK(!mq_session_can_publish(&s, 1));
	CHECK_EQ(feed_ack(&s, MQ_PUBACK, id[2], 0, 0), 0);
	CHECK(mq_session_can_publish(&s, 1));
	CHECK_EQ(feed_ack(&s, MQ_PUBACK, id[3], 0, 0), 0);
	CHECK_EQ(r.delivered, 4);
	CHECK(r.tags[0] == 2 && r.tags[1] == 1 && r.tags[2] == 3 &&
	      r.tags[3] == 4);
	mq_session_free(&s);
}

/* 5.0: an assigned client id is used on the next connect. */
static void test_assigned_id(void)
{
	mq_session_config cfg = base_cfg(MQ_V5);
	mq_props pr;
	mq_session s;
	rec r;

	cfg.client_id = (mq_bytes){ NULL, 0 };
	memset(&pr, 0, sizeof pr);
	pr.present = MQ_PROP_BIT(MQ_PROP_ASSIGNED_CLIENT_ID);
	pr.assigned_client_id = MQ_BYTES_STR("auto-123");
	setup(&s, &r, &cfg);
	CHECK_EQ(mq_session_connect(&s, 0), 0);
	CHECK_EQ(drain(&s, 0), 1);
	CHECK_EQ(pk[0].u.connect.client_id.len, 0);
	CHECK_EQ(feed_connack_props(&s, &pr, 0), 0);
	mq_session_link_lost(&s);
	CHECK_EQ(mq_session_connect(&s, 0), 0);
	CHECK_EQ(drain(&s, 0), 1);
	CHECK(pk[0].u.connect.client_id.len == 8 &&
	      !memcmp(pk[0].u.connect.client_id.ptr, "auto-123", 8));
	mq_session_free(&s);
}

static void test_disconnect_and_output(uint8_t v)
{
	mq_session_config cfg = base_cfg(v);
	mq_session s;
	rec r;
	size_t len, half;
	const uint8_t *out;
	uint8_t copy[64];

	setup(&s, &r, &cfg);
	CHECK_EQ(up(&s, 0, false), 0);
	CHECK_EQ(pub(&s, 0, "o"), 1);
	out = mq_session_output(&s, &len);
	CHECK(out != NULL && len > 4 && len < sizeof copy);
	memcpy(copy, out, len);
	/* a partial write leaves the rest in order */
	half = len / 2;
	mq_session_written(&s, half, 5);
	CHECK_EQ(s.last_write_ms, 5);
	out = mq_session_output(&s, &len);
	CHECK(out != NULL && !memcmp(out, copy + half, len));
	mq_session_written(&s, len, 6);
	CHECK(mq_session_output(&s, &len) == NULL);
	CHECK_EQ(s.out_start, 0);

	r.nlog = 0;
	CHECK_EQ(mq_session_disconnect(&s, 0, 0), 0);
	CHECK_EQ(s.state, MQ_S_CLOSING);
	CHECK(strcmp(r.log[0], "CONNECTED -> CLOSING") == 0);
	CHECK(!mq_session_can_publish(&s, 0));
	CHECK_EQ(drain(&s, 0), 1);
	CHECK_EQ(pk[0].type, MQ_DISCONNECT);
	mq_session_link_lost(&s);
	CHECK(strcmp(r.log[1], "CLOSING -> DISCONNECTED") == 0);
	mq_session_free(&s);
}

/* The output stays bounded: publishing stops above the high-water mark. */
static void test_high_water(uint8_t v)
{
	static uint8_t payload[4096];
	mq_session_config cfg = base_cfg(v);
	mq_message m = { .qos = 0, .topic = MQ_BYTES_STR("hw") };
	mq_session s;
	rec r;
	size_t len, n = 0;

	m.payload = (mq_bytes){ payload, sizeof payload };
	setup(&s, &r, &cfg);
	CHECK_EQ(up(&s, 0, false), 0);
	while (mq_session_can_publish(&s, 0) && n < 1000) {
		CHECK(mq_session_publish(&s, &m, 0) > 0);
		n++;
	}
	CHECK(n < 1000);
	CHECK_EQ(mq_session_publish(&s, &m, 0), -MQ_E_WOULD_BLOCK);
	mq_session_output(&s, &len);
	CHECK(len <= MQ_OUT_HIGH_WATER + sizeof payload + 16);
	CHECK(s.out_cap <= 2 * (MQ_OUT_HIGH_WATER + sizeof payload + 16));
	mq_session_free(&s);
}

static size_t nwarn;
static char last_warn[96];

static void ev_warn(void *ctx, const char *line)
{
	(void)ctx;
	nwarn++;
	snprintf(last_warn, sizeof last_warn, "%s", line);
}

/* A broker that grants QoS 1 for QoS 2 answers PUBLISH with PUBACK: the
 * message is complete, one warning per run, nothing lost; after PUBREC a
 * PUBACK is still an error. */
static void test_qos2_downgraded(uint8_t v)
{
	mq_session_config cfg = base_cfg(v);
	mq_session s;
	rec r;
	uint16_t id[3];

	setup(&s, &r, &cfg);
	s.ev.warn = ev_warn;
	nwarn = 0;
	CHECK_EQ(up(&s, 0, false), 0);
	CHECK_EQ(pub(&s, 2, "a/b"), 1);
	CHECK_EQ(pub(&s, 2, "a/c"), 2);
	CHECK_EQ(pub(&s, 2, "a/d"), 3);
	CHECK_EQ(drain(&s, 0), 3);
	for (int i = 0; i < 3; i++)
		id[i] = pk[i].u.publish.packet_id;
	CHECK_EQ(feed_ack(&s, MQ_PUBACK, id[0], 0, 0), 0);
	CHECK_EQ(feed_ack(&s, MQ_PUBACK, id[1], 0, 0), 0);
	CHECK_EQ(r.delivered, 2);
	CHECK_EQ(r.tags[0], 1);
	CHECK_EQ(r.tags[1], 2);
	CHECK_EQ(mq_session_inflight(&s), 1);
	CHECK_EQ(nwarn, 1);
	CHECK(strstr(last_warn, "acknowledged QoS 2 as QoS 1") != NULL);
	CHECK_EQ(drain(&s, 0), 0);   /* no PUBREL for them */
	CHECK_EQ(feed_ack(&s, MQ_PUBREC, id[2], 0, 0), 0);
	CHECK_EQ(feed_ack(&s, MQ_PUBACK, id[2], 0, 0), -MQ_E_BAD_PACKET_ID);
	mq_session_free(&s);
}

/* A 5.0 CONNACK 0x84 is "no MQTT 5 here"; the session then talks 3.1.1
 * and re-sends what is in flight as 3.1.1 PUBLISH, DUP set, same id. */
static void test_use_v311(void)
{
	mq_session_config cfg = base_cfg(MQ_V5);
	mq_session s;
	rec r;
	mq_packet p = connack(false, 0x84);
	mq_props pr;
	mq_message m = { .qos = 1 };
	uint16_t id;

	memset(&pr, 0, sizeof pr);
	pr.present = MQ_PROP_BIT(MQ_PROP_CONTENT_TYPE);
	pr.content_type = MQ_BYTES_STR("text/plain");
	m.topic = MQ_BYTES_STR("a/b");
	m.payload = MQ_BYTES_STR("keep me");
	m.props = &pr;
	cfg.version_fallback = true;
	cfg.clean_start = false;
	cfg.v311_max_inflight = 5;
	setup(&s, &r, &cfg);
	CHECK_EQ(mq_session_connect(&s, 0), 0);
	CHECK_EQ(drain(&s, 0), 1);
	CHECK_EQ(feed(&s, &p, 0), -MQ_E_REFUSED);
	CHECK(mq_session_v5_refused(&s, -MQ_E_REFUSED));
	CHECK(!mq_session_v5_refused(&s, -MQ_E_CLOSED));
	mq_session_link_lost(&s);
	/* a message in flight from an earlier 5.0 link */
	CHECK_EQ(up(&s, 0, false), 0);
	CHECK(mq_session_publish(&s, &m, 0) > 0);
	CHECK_EQ(drain(&s, 0), 1);
	id = pk[0].u.publish.packet_id;
	mq_session_link_lost(&s);
	CHECK_EQ(mq_session_use_v311(&s), 0);
	CHECK_EQ(s.cfg.version, MQ_V311);
	CHECK_EQ(s.cfg.max_inflight, 5);
	CHECK(!mq_session_v5_refused(&s, -MQ_E_REFUSED));
	CHECK_EQ(mq_session_connect(&s, 0), 0);
	CHECK_EQ(drain(&s, 0), 1);
	CHECK_EQ(pk[0].type, MQ_CONNECT);
	CHECK_EQ(pk[0].u.connect.version, MQ_V311);
	p = connack(true, 0);
	CHECK_EQ(feed(&s, &p, 0), 0);
	CHECK_EQ(drain(&s, 0), 1);
	CHECK_EQ(pk[0].type, MQ_PUBLISH);
	CHECK(pk[0].u.publish.dup);
	CHECK_EQ(pk[0].u.publish.packet_id, id);
	CHECK(pk[0].u.publish.payload.len == 7 &&
	      !memcmp(pk[0].u.publish.payload.ptr, "keep me", 7));
	CHECK_EQ(feed_ack(&s, MQ_PUBACK, id, 0, 0), 0);
	CHECK_EQ(r.delivered, 1);
	mq_session_free(&s);
}

static void test_free_zeroed(void)
{
	mq_session s;

	memset(&s, 0, sizeof s);
	mq_session_free(&s);
	mq_session_free(&s);
	CHECK(strcmp(mq_session_state_name(MQ_S_CONNECTED), "CONNECTED") == 0);
}

int main(void)
{
	static const uint8_t versions[] = { MQ_V311, MQ_V5 };
	size_t i;

	for (i = 0; i < sizeof versions; i++) {
		uint8_t v = versions[i];

		test_connect_golden(v);
		test_connect_fields(v);
		test_connack(v);
		test_qos_round_trip(v);
		test_window(v);
		test_ring_grows(v);
		test_publish_limits(v);
		test_ids_never_reused(v);
		test_resume_session(v);
		test_fresh_session(v);
		test_subscribe_resend(v);
		test_unsubscribe(v);
		test_inbound(v);
		test_deferred_ack(v);
		test_unexpected(v);
		test_keepalive(v);
		test_disconnect_and_output(v);
		test_high_water(v);
		test_qos2_downgraded(v);
	}
	test_use_v311();
	test_v5_refusals();
	test_receive_maximum();
	test_connect_receive_max();
	test_connect_extra_props(MQ_V311);
	test_connect_extra_props(MQ_V5);
	test_topic_aliases();
	test_v5_broker_packets();
	test_server_keepalive();
	test_resend_within_window();
	test_assigned_id();
	test_free_zeroed();
	return unit_done("test_session");
}
