/* test_borrow.c - large payloads the session borrows (borrow.c): the
 * output gives the PUBLISH head, then the caller's own payload bytes (the
 * same pointer: no copy), then what was queued after it; QoS 1/2 re-sends
 * after a lost link, the state a store keeps, and a fall back to 3.1.1
 * carry the payload intact.  Every packet crosses the real codec. */
#include <stdlib.h>

#include "pubtmpl.h"
#include "session.h"
#include "unit.h"

#define BIG (200u * 1024u)
#define WIRE_CAP (1u << 20)
#define MAX_PK 16

static uint8_t payload[BIG];
static uint8_t wire[WIRE_CAP];
static mq_packet pk[MAX_PK];
static uint8_t fbuf[4096];
static size_t wire_len, chunks, borrowed_chunks;
static size_t delivered, traced;

static void ev_delivered(void *ctx, uint64_t tag, uint8_t reason)
{
	(void)ctx; (void)tag; (void)reason;
	delivered++;
}

static void ev_trace(void *ctx, bool out, const mq_packet *p)
{
	(void)ctx;
	if (out && p->type == MQ_PUBLISH && p->u.publish.payload.len == BIG &&
	    !memcmp(p->u.publish.payload.ptr, payload, BIG))
		traced++;
}

/* Write everything queued as the link would, chunk by chunk; count the
 * chunks that are the caller's payload itself; decode into pk[]. */
static size_t drain(mq_session *s)
{
	size_t len, off = 0, n = 0;
	const uint8_t *out;

	wire_len = chunks = borrowed_chunks = 0;
	while ((out = mq_session_output(s, &len)) != NULL) {
		CHECK(wire_len + len <= WIRE_CAP);
		if (wire_len + len > WIRE_CAP)
			return 0;
		memcpy(wire + wire_len, out, len);
		wire_len += len;
		chunks++;
		borrowed_chunks += out == payload;
		mq_session_written(s, len, 0);
	}
	CHECK_EQ(mq_session_pending(s), 0);
	while (off < wire_len && n < MAX_PK) {
		long r = mq_decode(wire + off, wire_len - off, s->cfg.version, 0, &pk[n]);
		CHECK(r > 0);
		if (r <= 0)
			break;
		off += (size_t)r;
		n++;
	}
	return n;
}

static int feed(mq_session *s, const mq_packet *p)
{
	mq_packet d;
	long n = mq_encode(fbuf, sizeof fbuf, s->cfg.version, p);
	CHECK(n > 0 && mq_decode(fbuf, (size_t)n, s->cfg.version, 0, &d) == n);
	return mq_session_handle(s, &d, 0);
}

static void up(mq_session *s, bool session_present)
{
	mq_packet p = { .type = MQ_CONNACK };
	p.u.connack.session_present = session_present;
	CHECK_EQ(mq_session_connect(s, 0), 0);
	CHECK_EQ(drain(s), 1);
	CHECK_EQ(feed(s, &p), 0);
}

static void start(mq_session *s, uint8_t v)
{
	mq_session_config c;
	mq_session_events ev = { .delivered = ev_delivered, .trace = ev_trace };
	memset(&c, 0, sizeof c);
	c.version = v;
	c.client_id = MQ_BYTES_STR("b1");
	c.max_inflight = 10;
	c.version_fallback = v == MQ_V5;
	mq_session_init(s, &c, &ev);
	delivered = traced = 0;
	up(s, false);
}

static mq_message big(uint8_t qos, bool stable)
{
	mq_message m = { .qos = qos, .payload_stable = stable };
	m.topic = MQ_BYTES_STR("big/t");
	m.payload = (mq_bytes){ payload, BIG };
	return m;
}

static bool is_big(const mq_packet *p, uint8_t qos, bool dup)
{
	const mq_publish *q = &p->u.publish;
	return p->type == MQ_PUBLISH && q->qos == qos && q->dup == dup &&
	       q->topic.len == 5 && !memcmp(q->topic.ptr, "big/t", 5) &&
	       q->payload.len == BIG && !memcmp(q->payload.ptr, payload, BIG);
}

/* QoS 0: head, the payload itself, then a PUBACK queued after it. */
static void test_qos0(uint8_t v)
{
	mq_session s;
	mq_message m = big(0, true);
	mq_packet in = { .type = MQ_PUBLISH };

	start(&s, v);
	CHECK(mq_session_publish(&s, &m, 0) > 0);
	CHECK(mq_session_pending(&s) > BIG);
	CHECK(!mq_session_can_publish(&s, 0));   /* above the high water */
	in.u.publish.qos = 1;
	in.u.publish.packet_id = 7;
	in.u.publish.topic = MQ_BYTES_STR("in");
	CHECK_EQ(feed(&s, &in), 0);
	CHECK_EQ(drain(&s), 2);
	CHECK(is_big(&pk[0], 0, false));
	CHECK(pk[1].type == MQ_PUBACK && pk[1].u.ack.packet_id == 7);
	CHECK_EQ(chunks, 3);
	CHECK_EQ(borrowed_chunks, 1);
	CHECK_EQ(traced, 1);
	CHECK(mq_session_can_publish(&s, 0));
	mq_session_free(&s);
}

/* Not stable, or small: copied as before. */
static void test_copied(uint8_t v)
{
	mq_session s;
	mq_message m = big(1, false);

	start(&s, v);
	CHECK(mq_session_publish(&s, &m, 0) > 0);
	CHECK_EQ(drain(&s), 1);
	CHECK(is_big(&pk[0], 1, false));
	CHECK_EQ(chunks, 1);
	CHECK_EQ(borrowed_chunks, 0);
	m = big(1, true);
	m.payload.len = MQ_BORROW_MIN - 1;
	CHECK(mq_session_publish(&s, &m, 0) > 0);
	CHECK_EQ(drain(&s), 1);
	CHECK_EQ(borrowed_chunks, 0);
	mq_session_free(&s);
}

/* QoS 1 and 2: a link lost mid-payload; the re-send (DUP) on the next
 * link is the same bytes, borrowed again; a store sees head + payload. */
static void test_resend(uint8_t v, uint8_t qos)
{
	mq_session s;
	mq_message m = big(qos, true);
	mq_stored_slot st;
	size_t pos = 0, len;

	start(&s, v);
	CHECK(mq_session_publish(&s, &m, 0) > 0);
	mq_session_output(&s, &len);
	mq_session_written(&s, len, 0);          /* the head */
	mq_session_output(&s, &len);
	CHECK_EQ(len, BIG);
	mq_session_written(&s, 1000, 0);         /* part of the payload */
	CHECK(mq_session_slot_next(&s, &pos, &st));
	CHECK(st.body.ptr == payload && st.body.len == BIG);
	memcpy(wire, st.packet.ptr, st.packet.len);
	memcpy(wire + st.packet.len, st.body.ptr, st.body.len);
	CHECK(mq_decode(wire, st.packet.len + BIG, v, 0, &pk[0]) == (long)(st.packet.len + BIG));
	CHECK(is_big(&pk[0], qos, false));
	mq_session_link_lost(&s);
	CHECK_EQ(mq_session_pending(&s), 0);
	up(&s, true);
	CHECK_EQ(drain(&s), 1);
	CHECK(is_big(&pk[0], qos, true));
	CHECK_EQ(borrowed_chunks, 1);
	CHECK_EQ(traced, 2);                     /* the re-send traced whole too */
	uint16_t id = pk[0].u.publish.packet_id;
	mq_packet a = { .type = qos == 1 ? MQ_PUBACK : MQ_PUBREC };
	a.u.ack.packet_id = id;
	CHECK_EQ(feed(&s, &a), 0);
	if (qos == 2) {
		CHECK_EQ(drain(&s), 1);
		a.type = MQ_PUBCOMP;
		CHECK_EQ(feed(&s, &a), 0);
	}
	CHECK_EQ(delivered, 1);
	pos = 0;
	CHECK(!mq_session_slot_next(&s, &pos, &st));
	mq_session_free(&s);
}

/* Two borrowed messages with a copied one between them, re-sent in
 * order after a lost link: the splices keep their places. */
static void test_many(uint8_t v)
{
	mq_session s;
	mq_message m = big(1, true), small = big(1, false);

	small.payload.len = 10;
	start(&s, v);
	CHECK(mq_session_publish(&s, &m, 0) > 0);
	CHECK_EQ(drain(&s), 1);                  /* below the high water again */
	CHECK(mq_session_publish(&s, &small, 0) > 0);
	CHECK(mq_session_publish(&s, &m, 0) > 0);
	CHECK_EQ(drain(&s), 2);
	CHECK_EQ(chunks, 2);                     /* small + head, payload */
	mq_session_link_lost(&s);
	up(&s, true);
	CHECK_EQ(drain(&s), 3);
	CHECK(is_big(&pk[0], 1, true) && is_big(&pk[2], 1, true));
	CHECK(pk[1].u.publish.payload.len == 10 && pk[1].u.publish.dup);
	CHECK_EQ(chunks, 4);                     /* head, payload, small + head, payload */
	CHECK_EQ(borrowed_chunks, 2);
	for (int i = 0; i < 3; i++) {
		mq_packet a = { .type = MQ_PUBACK };
		a.u.ack.packet_id = pk[i].u.publish.packet_id;
		CHECK_EQ(feed(&s, &a), 0);
	}
	CHECK_EQ(delivered, 3);
	mq_session_free(&s);
}

/* A 5.0 message in flight, the broker then refusing 5.0: re-encoded for
 * 3.1.1, its properties gone, its payload still borrowed. */
static void test_fallback(void)
{
	mq_session s;
	mq_message m = big(1, true);
	mq_props pr;

	memset(&pr, 0, sizeof pr);
	pr.present = MQ_PROP_BIT(MQ_PROP_CONTENT_TYPE);
	pr.content_type = MQ_BYTES_STR("application/octet-stream");
	m.props = &pr;
	start(&s, MQ_V5);
	CHECK(mq_session_publish(&s, &m, 0) > 0);
	CHECK_EQ(drain(&s), 1);
	CHECK(is_big(&pk[0], 1, false) && pk[0].u.publish.props.present);
	mq_session_link_lost(&s);
	CHECK_EQ(mq_session_use_v311(&s), 0);
	up(&s, true);
	CHECK_EQ(drain(&s), 1);
	CHECK(is_big(&pk[0], 1, true));
	CHECK_EQ(borrowed_chunks, 1);
	mq_session_free(&s);
}

/* The remaining length rewritten for a longer or shorter payload. */
static void test_head_resize(void)
{
	uint8_t b[32] = { 0x30, 3, 0, 1, 'a' };
	CHECK_EQ(mq_publish_head_resize(b, 5, sizeof b, 200000), 7);
	CHECK(b[0] == 0x30 && b[1] == 0xC3 && b[2] == 0x9A && b[3] == 0x0C &&
	      b[4] == 0 && b[5] == 1 && b[6] == 'a');
	CHECK_EQ(mq_publish_head_resize(b, 7, sizeof b, -200000), 5);
	CHECK(b[1] == 3 && b[4] == 'a');
	CHECK_EQ(mq_publish_head_resize(b, 5, sizeof b, -1), -MQ_E_MALFORMED);
	CHECK_EQ(mq_publish_head_resize(b, 5, 6, 200000), -MQ_E_BUFFER_TOO_SMALL);
	CHECK_EQ(mq_publish_head_resize(b, 5, sizeof b, 268435455), -MQ_E_PACKET_TOO_LARGE);
}

int main(void)
{
	static const uint8_t versions[] = { MQ_V311, MQ_V5 };

	for (size_t i = 0; i < BIG; i++)
		payload[i] = (uint8_t)(i * 7 + (i >> 9));
	for (size_t i = 0; i < sizeof versions; i++) {
		test_qos0(versions[i]);
		test_copied(versions[i]);
		test_resend(versions[i], 1);
		test_resend(versions[i], 2);
		test_many(versions[i]);
	}
	test_fallback();
	test_head_resize();
	return unit_done("test_borrow");
}
