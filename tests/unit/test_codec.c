/* test_codec.c - golden bytes, round trips and hostile input for codec.h.
 *
 * Every golden vector below is derived by hand from the MQTT 3.1.1 and 5.0
 * specifications; the comment above each one shows the derivation.
 */
#include <stdint.h>
#include <stdlib.h>

#include "codec_internal.h"
#include "unit.h"

#define G(...) (const uint8_t[]){ __VA_ARGS__ }, \
	sizeof((const uint8_t[]){ __VA_ARGS__ })
#define BIT(id) MQ_PROP_BIT(MQ_PROP_##id)
#define B(s) MQ_BYTES_STR(s)

/* One encoded User Property ("k", "v"): 26 0001 'k' 0001 'v'. */
static const uint8_t kv[] = { 0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v' };
#define KV ((mq_bytes){ kv, sizeof kv })

static void note(int line, int before)
{
	if (unit_failed != before)
		fprintf(stderr, "  (case at line %d)\n", line);
}

static bool same(mq_bytes a, mq_bytes b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static uint8_t *copy(const uint8_t *b, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	if (n)
		memcpy(p, b, n);
	return p;
}

/* Decode from an exact-size heap copy so ASan sees any over-read. */
static long decode_exact(uint8_t v, const uint8_t *b, size_t n, uint32_t max)
{
	mq_packet p;
	uint8_t *c = copy(b, n);
	long r = mq_decode(c, n, v, max, &p);

	free(c);
	return r;
}

/* Encode p: exact length, golden bytes, refusal of every smaller cap
 * without a single byte written. */
static void check_encode(uint8_t v, const mq_packet *p, const uint8_t *g,
			 size_t n)
{
	uint8_t buf[600];
	bool ok = true;
	size_t cap, i;

	CHECK_EQ(mq_encoded_length(v, p), (long)n);
	memset(buf, 0xA5, sizeof buf);
	CHECK_EQ(mq_encode(buf, sizeof buf, v, p), (long)n);
	CHECK_MEM(buf, g, n);
	for (cap = 0; cap < n; cap++) {
		memset(buf, 0xA5, sizeof buf);
		ok &= mq_encode(buf, cap, v, p) == -MQ_E_BUFFER_TOO_SMALL;
		for (i = 0; i < sizeof buf; i++)
			ok &= buf[i] == 0xA5;
	}
	CHECK(ok);
}

/* Every prefix needs more; shortened bodies and corrupted bytes give an
 * error or a whole packet, never a crash or an over-read. */
static void check_hostile(uint8_t v, const uint8_t *g, size_t n)
{
	static const uint8_t flips[] = { 0x00, 0xFF, 0x01, 0x80, 0x7F };
	bool prefix_ok = true, short_ok = true, flip_ok = true;
	uint8_t buf[600];
	size_t k, i, f;

	for (k = 0; k < n; k++)
		prefix_ok &= decode_exact(v, g, k, 0) == 0;
	CHECK(prefix_ok);
	CHECK_EQ(decode_exact(v, g, n, 0), (long)n);
	for (k = 1; g[1] < 128 && k <= g[1]; k++) {
		long r;

		buf[0] = g[0];
		buf[1] = (uint8_t)(g[1] - k);
		memcpy(buf + 2, g + 2, g[1] - k);
		r = decode_exact(v, buf, 2 + g[1] - k, 0);
		short_ok &= r < 0 || r == (long)(2 + g[1] - k);
	}
	CHECK(short_ok);
	for (i = 0; i < n; i++) {
		for (f = 0; f < sizeof flips; f++) {
			long r;

			memcpy(buf, g, n);
			buf[i] = f < 2 ? flips[f] : (uint8_t)(g[i] ^ flips[f]);
			r = decode_exact(v, buf, n, 0);
			flip_ok &= r <= (long)n;
		}
	}
	CHECK(flip_ok);
}

/* Decode golden bytes and encode the result again: same bytes. */
static void check_roundtrip(uint8_t v, const uint8_t *g, size_t n)
{
	mq_packet p;
	mq_sub_entry ents[8];
	mq_bytes filters[8];
	uint8_t buf[600];
	size_t off = 0, k = 0;

	CHECK_EQ(mq_decode(g, n, v, 0, &p), (long)n);
	if (p.type == MQ_SUBSCRIBE) {
		while (k < 8 && mq_subscribe_next(&p.u.subscribe, &off, &ents[k]))
			k++;
		CHECK_EQ(k, p.u.subscribe.count);
		p.u.subscribe.entries = ents;
	} else if (p.type == MQ_UNSUBSCRIBE) {
		while (k < 8 &&
		       mq_unsubscribe_next(&p.u.unsubscribe, &off, &filters[k]))
			k++;
		CHECK_EQ(k, p.u.unsubscribe.count);
		p.u.unsubscribe.filters = filters;
	}
	CHECK_EQ(mq_encode(buf, sizeof buf, v, &p), (long)n);
	CHECK_MEM(buf, g, n);
}

static void golden(int line, uint8_t v, const mq_packet *p, const uint8_t *g,
		   size_t n)
{
	int before = unit_failed;

	check_encode(v, p, g, n);
	check_hostile(v, g, n);
	check_roundtrip(v, g, n);
	note(line, before);
}
#define GOLDEN(v, p, ...) golden(__LINE__, v, p, G(__VA_ARGS__))

static void bad(int line, uint8_t v, long want, const uint8_t *b, size_t n)
{
	int before = unit_failed;

	/* want 0: the packet is valid and consumed whole. */
	CHECK_EQ(decode_exact(v, b, n, 0), want ? want : (long)n);
	note(line, before);
}
#define BAD(v, err, ...) bad(__LINE__, v, -(long)(err), G(__VA_ARGS__))
#define BAD_BOTH(err, ...) do {                                            \
	BAD(MQ_V311, err, __VA_ARGS__);                                    \
	BAD(MQ_V5, err, __VA_ARGS__);                                      \
} while (0)

/* ---- variable byte integer ---------------------------------------------- */

static void varint_case(uint32_t v, const uint8_t *g, size_t n)
{
	uint8_t buf[4];
	uint32_t back = 0;

	CHECK_EQ(mq_varint_put(buf, sizeof buf, v), (long)n);
	CHECK_MEM(buf, g, n);
	CHECK_EQ(mq_varint_get(g, n, &back), (long)n);
	CHECK_EQ(back, v);
	CHECK_EQ(mq_varint_get(g, n - 1, &back), 0);
	CHECK_EQ(mq_varint_put(buf, n - 1, v), -MQ_E_BUFFER_TOO_SMALL);
}

static void test_varint(void)
{
	uint32_t v;

	/* MQTT 5.0 §1.5.5 Table 1-1 boundaries. */
	varint_case(0, G(0x00));
	varint_case(127, G(0x7F));
	varint_case(128, G(0x80, 0x01));
	varint_case(16383, G(0xFF, 0x7F));
	varint_case(16384, G(0x80, 0x80, 0x01));
	varint_case(2097151, G(0xFF, 0xFF, 0x7F));
	varint_case(2097152, G(0x80, 0x80, 0x80, 0x01));
	varint_case(268435455, G(0xFF, 0xFF, 0xFF, 0x7F));
	CHECK_EQ(mq_varint_put((uint8_t[4]){ 0 }, 4, 268435456u),
		 -MQ_E_MALFORMED);
	CHECK_EQ(mq_varint_get(G(0xFF, 0xFF, 0xFF, 0xFF, 0x01), &v),
		 -MQ_E_REMLEN_TOO_LONG);
	CHECK_EQ(mq_varint_get(G(0xFF, 0xFF, 0xFF, 0xFF), &v),
		 -MQ_E_REMLEN_TOO_LONG);
	CHECK_EQ(mq_varint_get(G(0x80, 0x00), &v), -MQ_E_REMLEN_NOT_MINIMAL);
	CHECK_EQ(mq_varint_get(G(0xFF, 0x80, 0x00), &v),
		 -MQ_E_REMLEN_NOT_MINIMAL);
	CHECK_EQ(mq_varint_get(G(0x80), &v), 0);
}

static void test_frame_length(void)
{
	/* Whole frame length from the header alone. */
	CHECK_EQ(mq_frame_length(G(0xC0, 0x00), 0), 2);
	CHECK_EQ(mq_frame_length(G(0x30, 0x7F), 0), 129);
	CHECK_EQ(mq_frame_length(G(0x30, 0x80, 0x01), 0), 131);
	CHECK_EQ(mq_frame_length(G(0x30, 0xFF, 0xFF, 0xFF, 0x7F), 0),
		 268435455L + 5);
	CHECK_EQ(mq_frame_length(G(0x30), 0), 0);
	CHECK_EQ(mq_frame_length(NULL, 0, 0), 0);
	CHECK_EQ(mq_frame_length(G(0x30, 0x80), 0), 0);
	/* A fifth length byte: the 4th still has the continuation bit. */
	CHECK_EQ(mq_frame_length(G(0x30, 0xFF, 0xFF, 0xFF, 0xFF), 0),
		 -MQ_E_REMLEN_TOO_LONG);
	CHECK_EQ(mq_frame_length(G(0x30, 0x80, 0x00), 0),
		 -MQ_E_REMLEN_NOT_MINIMAL);
	CHECK_EQ(mq_frame_length(G(0x30, 0x80, 0x80, 0x80, 0x00), 0),
		 -MQ_E_REMLEN_NOT_MINIMAL);
	/* max_packet counts the header: 2 + 10 = 12. */
	CHECK_EQ(mq_frame_length(G(0x30, 0x0A), 12), 12);
	CHECK_EQ(mq_frame_length(G(0x30, 0x0A), 11), -MQ_E_PACKET_TOO_LARGE);
	/* 256 MB announced against 1 MiB: refused from the header... */
	CHECK_EQ(mq_frame_length(G(0x30, 0xFF, 0xFF, 0xFF, 0x7F), 1u << 20),
		 -MQ_E_PACKET_TOO_LARGE);
	/* ... even before its last length byte: >= 5 + 2097151 + 2097152. */
	CHECK_EQ(mq_frame_length(G(0x30, 0xFF, 0xFF, 0xFF), 1u << 20),
		 -MQ_E_PACKET_TOO_LARGE);
	/* but 3 bytes only prove >= 32771 bytes: need more. */
	CHECK_EQ(mq_frame_length(G(0x30, 0xFF, 0xFF), 1u << 20), 0);
}

/* ---- CONNECT ------------------------------------------------------------ */

static void test_connect_v311(void)
{
	/* 3.1.1 §3.1: flags 0xEE = user 80 | pass 40 | will retain 20 |
	 * will QoS 1 (08) | will 04 | clean 02; keepalive 60 = 00 3C.
	 * Body: 10 (variable header) + 5 + 5 + 5 + 3 + 3 = 31 = 0x1F. */
	static const uint8_t g[] = {
		0x10, 0x1F, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0xEE,
		0x00, 0x3C, 0x00, 0x03, 'c', 'i', 'd', 0x00, 0x03, 'w', '/',
		't', 0x00, 0x03, 'b', 'y', 'e', 0x00, 0x01, 'u', 0x00, 0x01,
		'p'
	};
	mq_packet p = { .type = MQ_CONNECT, .u.connect = {
		.version = MQ_V311, .clean_start = true, .keepalive = 60,
		.client_id = B("cid"), .will = true, .will_retain = true,
		.will_qos = 1, .will_topic = B("w/t"), .will_payload = B("bye"),
		.has_username = true, .username = B("u"),
		.has_password = true, .password = B("p") } };
	mq_packet d;

	golden(__LINE__, MQ_V311, &p, g, sizeof g);
	CHECK_EQ(mq_decode(g, sizeof g, MQ_V311, 0, &d), (long)sizeof g);
	CHECK_EQ(d.type, MQ_CONNECT);
	CHECK_EQ(d.u.connect.version, 4);
	CHECK(d.u.connect.clean_start && d.u.connect.will);
	CHECK(d.u.connect.will_retain);
	CHECK_EQ(d.u.connect.will_qos, 1);
	CHECK_EQ(d.u.connect.keepalive, 60);
	CHECK(same(d.u.connect.client_id, B("cid")));
	CHECK(same(d.u.connect.will_topic, B("w/t")));
	CHECK(same(d.u.connect.will_payload, B("bye")));
	CHECK(same(d.u.connect.username, B("u")));
	CHECK(same(d.u.connect.password, B("p")));
	/* The same bytes are not a 5.0 CONNECT (level 4). */
	CHECK_EQ(mq_decode(g, sizeof g, MQ_V5, 0, &d), -MQ_E_PROTOCOL);
}

static void test_connect_v5(void)
{
	/* 5.0 §3.1.2.11: properties in id order: Session Expiry 3600
	 * (11 00000E10), Receive Maximum 20 (21 0014), User Property k=v.
	 * Property Length 5 + 3 + 7 = 15; body 10 + 1 + 15 + 5 = 31. */
	static const uint8_t g[] = {
		0x10, 0x1F, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02,
		0x00, 0x1E, 0x0F, 0x11, 0x00, 0x00, 0x0E, 0x10, 0x21, 0x00,
		0x14, 0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v', 0x00, 0x03,
		'c', 'i', 'd'
	};
	mq_packet p = { .type = MQ_CONNECT, .u.connect = {
		.clean_start = true, .keepalive = 30, .client_id = B("cid"),
		.props = { .present = BIT(SESSION_EXPIRY) | BIT(RECEIVE_MAXIMUM),
			   .session_expiry = 3600, .receive_maximum = 20,
			   .user = KV } } };
	mq_packet d;
	mq_bytes k, v;
	size_t off = 0;

	golden(__LINE__, MQ_V5, &p, g, sizeof g);
	CHECK_EQ(mq_decode(g, sizeof g, MQ_V5, 0, &d), (long)sizeof g);
	CHECK_EQ(d.u.connect.props.present, BIT(SESSION_EXPIRY) |
		 BIT(RECEIVE_MAXIMUM) | BIT(USER_PROPERTY));
	CHECK_EQ(d.u.connect.props.session_expiry, 3600);
	CHECK_EQ(d.u.connect.props.receive_maximum, 20);
	CHECK_EQ(d.u.connect.props.raw.len, 15);
	CHECK_EQ(mq_user_prop_next(&d.u.connect.props, &off, &k, &v), 1);
	CHECK(same(k, B("k")) && same(v, B("v")));
	CHECK_EQ(mq_user_prop_next(&d.u.connect.props, &off, &k, &v), 0);
	CHECK(!d.u.connect.will && !d.u.connect.has_username);

	/* User Properties go after the other properties: Maximum Packet
	 * Size 1024 (27 00000400), then k=v; 5 + 7 = 12; body 10+1+12+3. */
	mq_packet p3 = { .type = MQ_CONNECT, .u.connect = {
		.clean_start = true, .client_id = B("c"),
		.props = { .present = BIT(MAXIMUM_PACKET_SIZE),
			   .maximum_packet_size = 1024, .user = KV } } };
	GOLDEN(MQ_V5, &p3, 0x10, 0x1A, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05,
	       0x02, 0x00, 0x00, 0x0C, 0x27, 0x00, 0x00, 0x04, 0x00, 0x26,
	       0x00, 0x01, 'k', 0x00, 0x01, 'v', 0x00, 0x01, 'c');

	/* Will Properties (Will Delay 5 = 18 00000005), empty client id,
	 * empty will payload, and a password without a user name, which
	 * 5.0 allows (§3.1.2.9).  Flags 0x46; body 27. */
	static const uint8_t g2[] = {
		0x10, 0x1B, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x46,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x18, 0x00, 0x00, 0x00,
		0x05, 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x01, 'p'
	};
	mq_packet p2 = { .type = MQ_CONNECT, .u.connect = {
		.clean_start = true, .will = true, .will_topic = B("t"),
		.will_props = { .present = BIT(WILL_DELAY), .will_delay = 5 },
		.has_password = true, .password = B("p") } };

	golden(__LINE__, MQ_V5, &p2, g2, sizeof g2);
	CHECK_EQ(mq_decode(g2, sizeof g2, MQ_V5, 0, &d), (long)sizeof g2);
	CHECK_EQ(d.u.connect.will_props.will_delay, 5);
	CHECK(d.u.connect.has_password && !d.u.connect.has_username);
	CHECK_EQ(d.u.connect.client_id.len, 0);
	/* The 3.1.1 spelling of it (level 4, no properties) is malformed. */
	BAD(MQ_V311, MQ_E_MALFORMED, 0x10, 0x0F, 0x00, 0x04, 'M', 'Q', 'T',
	    'T', 0x04, 0x42, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 'p');
	/* Encoding it as 3.1.1 is refused too. */
	CHECK_EQ(mq_encoded_length(MQ_V311, &p2), -MQ_E_MALFORMED);
}

static void test_connect_bad(void)
{
	/* Base: 3.1.1 CONNECT, clean, keepalive 60, client id "a" (13). */
	BAD(MQ_V311, 0, 0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02,
	    0x00, 0x3C, 0x00, 0x01, 'a');
	CHECK_EQ(decode_exact(MQ_V311, G(0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T',
		 'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 'a'), 0), 15);
	/* Protocol name not "MQTT". */
	BAD(MQ_V311, MQ_E_MALFORMED, 0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T',
	    'X', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 'a');
	/* Level 3 (3.1) or 5 when decoding 3.1.1. */
	BAD(MQ_V311, MQ_E_PROTOCOL, 0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T',
	    'T', 0x03, 0x02, 0x00, 0x3C, 0x00, 0x01, 'a');
	BAD(MQ_V311, MQ_E_PROTOCOL, 0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T',
	    'T', 0x05, 0x02, 0x00, 0x3C, 0x00, 0x01, 'a');
	/* Reserved flag bit 0 [MQTT-3.1.2-3]. */
	BAD(MQ_V311, MQ_E_MALFORMED, 0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T',
	    'T', 0x04, 0x03, 0x00, 0x3C, 0x00, 0x01, 'a');
	/* Will QoS 3. */
	BAD(MQ_V311, MQ_E_BAD_QOS, 0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T',
	    'T', 0x04, 0x1E, 0x00, 0x3C, 0x00, 0x01, 'a');
	/* Will retain / will QoS without the will flag. */
	BAD(MQ_V311, MQ_E_MALFORMED, 0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T',
	    'T', 0x04, 0x22, 0x00, 0x3C, 0x00, 0x01, 'a');
	BAD(MQ_V311, MQ_E_MALFORMED, 0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T',
	    'T', 0x04, 0x0A, 0x00, 0x3C, 0x00, 0x01, 'a');
	/* Will topic with a wildcard. */
	BAD(MQ_V311, MQ_E_BAD_TOPIC, 0x10, 0x12, 0x00, 0x04, 'M', 'Q', 'T',
	    'T', 0x04, 0x06, 0x00, 0x3C, 0x00, 0x01, 'a', 0x00, 0x01, '#',
	    0x00, 0x00);
	/* Client id with invalid UTF-8. */
	BAD(MQ_V311, MQ_E_BAD_UTF8, 0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T',
	    'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 0xFF);
	/* User name flag set but the field is missing. */
	BAD(MQ_V311, MQ_E_MALFORMED, 0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T',
	    'T', 0x04, 0x82, 0x00, 0x3C, 0x00, 0x01, 'a');
	/* 5.0: Request Problem Information 2 (17 02). */
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0x10, 0x10, 0x00, 0x04, 'M', 'Q', 'T',
	    'T', 0x05, 0x02, 0x00, 0x3C, 0x02, 0x17, 0x02, 0x00, 0x01, 'a');
	/* 5.0: Maximum Packet Size 0 (27 00000000). */
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0x10, 0x13, 0x00, 0x04, 'M', 'Q', 'T',
	    'T', 0x05, 0x02, 0x00, 0x3C, 0x05, 0x27, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x01, 'a');
	/* 5.0: Will Delay is a Will Property, not a CONNECT property. */
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0x10, 0x13, 0x00, 0x04, 'M', 'Q', 'T',
	    'T', 0x05, 0x02, 0x00, 0x3C, 0x05, 0x18, 0x00, 0x00, 0x00, 0x01,
	    0x00, 0x01, 'a');
}

/* ---- CONNACK ------------------------------------------------------------ */

static void test_connack(void)
{
	mq_packet p = { .type = MQ_CONNACK };
	mq_packet d;

	/* 3.1.1 §3.2: flags, return code. */
	GOLDEN(MQ_V311, &p, 0x20, 0x02, 0x00, 0x00);
	p.u.connack.session_present = true;
	GOLDEN(MQ_V311, &p, 0x20, 0x02, 0x01, 0x00);
	p.u.connack.session_present = false;
	p.u.connack.reason = 5;
	GOLDEN(MQ_V311, &p, 0x20, 0x02, 0x00, 0x05);
	/* 5.0 refusal, Property Length 0. */
	p.u.connack.reason = 0x87;
	GOLDEN(MQ_V5, &p, 0x20, 0x03, 0x00, 0x87, 0x00);

	/* 5.0 with properties in id order: Assigned Client Identifier "ab"
	 * (12 0002 'a' 'b'), Receive Maximum 10 (21 000A), Topic Alias
	 * Maximum 5 (22 0005), Maximum QoS 1 (24 01): 5+3+3+2 = 13. */
	static const uint8_t g[] = {
		0x20, 0x10, 0x00, 0x00, 0x0D, 0x12, 0x00, 0x02, 'a', 'b',
		0x21, 0x00, 0x0A, 0x22, 0x00, 0x05, 0x24, 0x01
	};
	mq_packet p5 = { .type = MQ_CONNACK, .u.connack.props = {
		.present = BIT(ASSIGNED_CLIENT_ID) | BIT(RECEIVE_MAXIMUM) |
			   BIT(TOPIC_ALIAS_MAXIMUM) | BIT(MAXIMUM_QOS),
		.assigned_client_id = B("ab"), .receive_maximum = 10,
		.topic_alias_maximum = 5, .maximum_qos = 1 } };

	golden(__LINE__, MQ_V5, &p5, g, sizeof g);
	CHECK_EQ(mq_decode(g, sizeof g, MQ_V5, 0, &d), (long)sizeof g);
	CHECK(!d.u.connack.session_present);
	CHECK_EQ(d.u.connack.reason, 0);
	CHECK(same(d.u.connack.props.assigned_client_id, B("ab")));
	CHECK_EQ(d.u.connack.props.receive_maximum, 10);
	CHECK_EQ(d.u.connack.props.topic_alias_maximum, 5);
	CHECK_EQ(d.u.connack.props.maximum_qos, 1);

	/* Errors. */
	BAD(MQ_V311, MQ_E_BAD_REASON, 0x20, 0x02, 0x00, 0x06);
	BAD(MQ_V311, MQ_E_MALFORMED, 0x20, 0x02, 0x02, 0x00);
	BAD(MQ_V311, MQ_E_PROTOCOL, 0x20, 0x02, 0x01, 0x05);
	BAD(MQ_V311, MQ_E_MALFORMED, 0x20, 0x03, 0x00, 0x00, 0x00);
	BAD(MQ_V311, MQ_E_MALFORMED, 0x20, 0x01, 0x00);
	BAD(MQ_V311, MQ_E_BAD_FLAGS, 0x21, 0x02, 0x00, 0x00);
	BAD(MQ_V5, MQ_E_BAD_REASON, 0x20, 0x03, 0x00, 0x01, 0x00);
	BAD(MQ_V5, MQ_E_BAD_REASON, 0x20, 0x03, 0x00, 0x05, 0x00);
	BAD(MQ_V5, MQ_E_PROTOCOL, 0x20, 0x03, 0x01, 0x80, 0x00);
	BAD(MQ_V5, MQ_E_MALFORMED, 0x20, 0x02, 0x00, 0x00);
	/* Receive Maximum 0, Maximum Packet Size 0, Maximum QoS 2,
	 * Retain / Wildcard / Subscription Id / Shared available 2. */
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0x20, 0x06, 0x00, 0x00, 0x03, 0x21,
	    0x00, 0x00);
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0x20, 0x08, 0x00, 0x00, 0x05, 0x27,
	    0x00, 0x00, 0x00, 0x00);
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0x20, 0x05, 0x00, 0x00, 0x02, 0x24, 0x02);
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0x20, 0x05, 0x00, 0x00, 0x02, 0x25, 0x02);
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0x20, 0x05, 0x00, 0x00, 0x02, 0x28, 0x02);
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0x20, 0x05, 0x00, 0x00, 0x02, 0x29, 0x02);
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0x20, 0x05, 0x00, 0x00, 0x02, 0x2A, 0x02);
	/* Allowed values pass. */
	BAD(MQ_V5, 0, 0x20, 0x05, 0x00, 0x00, 0x02, 0x2A, 0x01);
	/* Repeated Maximum QoS. */
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0x20, 0x07, 0x00, 0x00, 0x04, 0x24, 0x00,
	    0x24, 0x00);
	/* Topic Alias (PUBLISH only) in CONNACK. */
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0x20, 0x06, 0x00, 0x00, 0x03, 0x23,
	    0x00, 0x01);
}

/* ---- PUBLISH ------------------------------------------------------------ */

static void test_publish_v311(void)
{
	mq_packet p = { .type = MQ_PUBLISH, .u.publish = {
		.topic = B("a/b"), .payload = B("hi") } };
	mq_packet d;

	/* QoS 0: 0003 "a/b" "hi" = 7. */
	GOLDEN(MQ_V311, &p, 0x30, 0x07, 0x00, 0x03, 'a', '/', 'b', 'h', 'i');
	/* QoS 1, retain, packet id 10: flags 0011. */
	p.u.publish.qos = 1;
	p.u.publish.retain = true;
	p.u.publish.packet_id = 10;
	GOLDEN(MQ_V311, &p, 0x33, 0x09, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x0A,
	       'h', 'i');
	/* QoS 2, DUP, packet id 0x1234: flags 1100. */
	p.u.publish.qos = 2;
	p.u.publish.retain = false;
	p.u.publish.dup = true;
	p.u.publish.packet_id = 0x1234;
	GOLDEN(MQ_V311, &p, 0x3C, 0x09, 0x00, 0x03, 'a', '/', 'b', 0x12, 0x34,
	       'h', 'i');
	/* Empty payload. */
	p.u.publish = (mq_publish){ .topic = B("t") };
	GOLDEN(MQ_V311, &p, 0x30, 0x03, 0x00, 0x01, 't');

	static const uint8_t g[] = {
		0x3C, 0x09, 0x00, 0x03, 'a', '/', 'b', 0x12, 0x34, 'h', 'i'
	};
	CHECK_EQ(mq_decode(g, sizeof g, MQ_V311, 0, &d), (long)sizeof g);
	CHECK_EQ(d.flags, 0x0C);
	CHECK_EQ(d.u.publish.qos, 2);
	CHECK(d.u.publish.dup && !d.u.publish.retain);
	CHECK_EQ(d.u.publish.packet_id, 0x1234);
	CHECK(same(d.u.publish.topic, B("a/b")));
	CHECK(same(d.u.publish.payload, B("hi")));
	CHECK(d.u.publish.payload.ptr == g + 9);
}

/* A PUBLISH decoded into a packet that held another one (the reader's
 * loop reuses one): every field a PUBLISH can carry is set or emptied,
 * so nothing of the packet before shows through, with and without
 * properties, 3.1.1 and 5.0. */
static void test_publish_reused_packet(void)
{
	static const uint8_t v5_props[] = {   /* QoS 1, all the properties */
		0x32, 0x2A, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x01, 0x20,
		0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x3C, 0x03, 0x00, 0x01,
		't', 0x08, 0x00, 0x01, 'r', 0x09, 0x00, 0x01, 0xAB, 0x0B,
		0xC8, 0x01, 0x23, 0x00, 0x03, 0x26, 0x00, 0x01, 'k', 0x00,
		0x01, 'v', 'h', 'i'
	};
	static const uint8_t v5_none[] = { 0x30, 0x06, 0x00, 0x01, 'x', 0x00, 'h', 'i' };
	static const uint8_t v311[] = { 0x31, 0x03, 0x00, 0x01, 'y' };
	static const uint8_t empty_props[] = { 0x30, 0x04, 0x00, 0x01, 'z', 0x00 };
	const struct { const uint8_t *g; size_t n; uint8_t v; } t[] = {
		{ v5_none, sizeof v5_none, MQ_V5 }, { v311, sizeof v311, MQ_V311 },
		{ empty_props, sizeof empty_props, MQ_V5 },
	};
	mq_packet d;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const mq_publish *m = &d.u.publish;
		const mq_props *pr = &m->props;

		memset(&d, 0xA5, sizeof d);
		CHECK_EQ(mq_decode(v5_props, sizeof v5_props, MQ_V5, 0, &d), (long)sizeof v5_props);
		CHECK_EQ(mq_decode(t[i].g, t[i].n, t[i].v, 0, &d), (long)t[i].n);
		CHECK_EQ(d.type, MQ_PUBLISH);
		CHECK_EQ(m->packet_id, 0);
		CHECK_EQ(m->dup, 0);
		CHECK_EQ(m->qos, 0);
		CHECK_EQ(m->retain, t[i].g == v311);
		CHECK_EQ(m->topic.len, 1);
		CHECK_EQ(pr->present, 0);
		CHECK_EQ(pr->payload_format, 0);
		CHECK_EQ(pr->message_expiry, 0);
		CHECK_EQ(pr->topic_alias, 0);
		CHECK(pr->content_type.ptr == NULL && pr->content_type.len == 0);
		CHECK(pr->response_topic.ptr == NULL && pr->response_topic.len == 0);
		CHECK(pr->correlation_data.ptr == NULL && pr->correlation_data.len == 0);
		CHECK_EQ(pr->sub_id_count, 0);
		CHECK(pr->user.ptr == NULL && pr->user.len == 0);
		CHECK_EQ(pr->raw.len, 0);
		CHECK_EQ(m->payload.len, t[i].g == v5_none ? 2 : 0);
	}
	/* and the properties decoded again over a packet full of garbage */
	memset(&d, 0xA5, sizeof d);
	CHECK_EQ(mq_decode(v5_props, sizeof v5_props, MQ_V5, 0, &d), (long)sizeof v5_props);
	CHECK_EQ(d.u.publish.props.sub_id_count, 1);
	CHECK_EQ(d.u.publish.props.sub_ids[0], 200);
	CHECK_EQ(d.u.publish.props.user.len, 7);
	CHECK_EQ(d.u.publish.props.present,
		 BIT(PAYLOAD_FORMAT) | BIT(MESSAGE_EXPIRY) | BIT(CONTENT_TYPE) |
		 BIT(RESPONSE_TOPIC) | BIT(CORRELATION_DATA) | BIT(SUBSCRIPTION_ID) |
		 BIT(TOPIC_ALIAS) | BIT(USER_PROPERTY));
}

static void test_publish_v5(void)
{
	mq_packet p = { .type = MQ_PUBLISH, .u.publish = {
		.topic = B("a/b"), .payload = B("hi") } };
	mq_packet d;
	mq_bytes k, v;
	size_t off = 0;

	/* QoS 0, Property Length 0. */
	GOLDEN(MQ_V5, &p, 0x30, 0x08, 0x00, 0x03, 'a', '/', 'b', 0x00, 'h', 'i');

	/* QoS 1, packet id 1, every PUBLISH property in id order:
	 * 01 01 | 02 0000003C | 03 0001 't' | 08 0001 'r' | 09 0001 AB |
	 * 0B C8 01 (200) | 23 0003 | 26 k v  = 2+5+4+4+4+3+3+7 = 32.
	 * Body 5 + 2 + 1 + 32 + 2 = 42. */
	static const uint8_t g[] = {
		0x32, 0x2A, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x01, 0x20,
		0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x3C, 0x03, 0x00, 0x01,
		't', 0x08, 0x00, 0x01, 'r', 0x09, 0x00, 0x01, 0xAB, 0x0B,
		0xC8, 0x01, 0x23, 0x00, 0x03, 0x26, 0x00, 0x01, 'k', 0x00,
		0x01, 'v', 'h', 'i'
	};
	static const uint8_t ab[] = { 0xAB };
	p.u.publish.qos = 1;
	p.u.publish.packet_id = 1;
	p.u.publish.props = (mq_props){
		.present = BIT(PAYLOAD_FORMAT) | BIT(MESSAGE_EXPIRY) |
			   BIT(CONTENT_TYPE) | BIT(RESPONSE_TOPIC) |
			   BIT(CORRELATION_DATA) | BIT(SUBSCRIPTION_ID) |
			   BIT(TOPIC_ALIAS),
		.payload_format = 1, .message_expiry = 60,
		.content_type = B("t"), .response_topic = B("r"),
		.correlation_data = { ab, 1 }, .sub_ids = { 200 },
		.sub_id_count = 1, .topic_alias = 3, .user = KV };
	golden(__LINE__, MQ_V5, &p, g, sizeof g);
	CHECK_EQ(mq_decode(g, sizeof g, MQ_V5, 0, &d), (long)sizeof g);
	CHECK_EQ(d.u.publish.props.payload_format, 1);
	CHECK_EQ(d.u.publish.props.message_expiry, 60);
	CHECK(same(d.u.publish.props.content_type, B("t")));
	CHECK(same(d.u.publish.props.response_topic, B("r")));
	CHECK_EQ(d.u.publish.props.correlation_data.len, 1);
	CHECK_EQ(d.u.publish.props.sub_id_count, 1);
	CHECK_EQ(d.u.publish.props.sub_ids[0], 200);
	CHECK_EQ(d.u.publish.props.topic_alias, 3);
	CHECK(d.u.publish.props.raw.ptr == g + 10);
	CHECK_EQ(d.u.publish.props.raw.len, 32);
	CHECK_EQ(mq_user_prop_next(&d.u.publish.props, &off, &k, &v), 1);
	CHECK(same(k, B("k")) && same(v, B("v")));
	CHECK(same(d.u.publish.payload, B("hi")));

	/* QoS 2 with an empty topic and Topic Alias 7 (5.0 §3.3.2.3.4). */
	p.u.publish = (mq_publish){ .qos = 2, .packet_id = 2,
		.payload = B("x"), .props = { .present = BIT(TOPIC_ALIAS),
					      .topic_alias = 7 } };
	GOLDEN(MQ_V5, &p, 0x34, 0x09, 0x00, 0x00, 0x00, 0x02, 0x03, 0x23,
	       0x00, 0x07, 'x');
	/* Subscription Identifier repeats in PUBLISH (§3.3.2.3.8). */
	p.u.publish = (mq_publish){ .topic = B("t"), .props = {
		.sub_ids = { 1, 2 }, .sub_id_count = 2 } };
	GOLDEN(MQ_V5, &p, 0x30, 0x08, 0x00, 0x01, 't', 0x04, 0x0B, 0x01, 0x0B,
	       0x02);
}

static void test_publish_bad(void)
{
	mq_packet p = { .type = MQ_PUBLISH, .u.publish = { .topic = B("t") } };

	/* Fixed header: QoS 3, DUP on QoS 0 [MQTT-3.3.1-2]. */
	BAD_BOTH(MQ_E_BAD_QOS, 0x36, 0x05, 0x00, 0x01, 't', 0x00, 0x01);
	BAD_BOTH(MQ_E_BAD_FLAGS, 0x38, 0x05, 0x00, 0x01, 't', 'h', 'i');
	/* Packet id 0 with QoS > 0. */
	BAD_BOTH(MQ_E_BAD_PACKET_ID, 0x32, 0x05, 0x00, 0x01, 't', 0x00, 0x00);
	/* Topic: overlong NUL, NUL, '+', '#', empty, cut short. */
	BAD_BOTH(MQ_E_BAD_UTF8, 0x30, 0x04, 0x00, 0x02, 0xC0, 0x80);
	BAD_BOTH(MQ_E_BAD_UTF8, 0x30, 0x05, 0x00, 0x03, 'a', 0x00, 'b');
	BAD_BOTH(MQ_E_BAD_UTF8, 0x30, 0x05, 0x00, 0x03, 0xED, 0xA0, 0x80);
	BAD_BOTH(MQ_E_BAD_TOPIC, 0x30, 0x05, 0x00, 0x03, 'a', '/', '+');
	BAD_BOTH(MQ_E_BAD_TOPIC, 0x30, 0x03, 0x00, 0x01, '#');
	BAD(MQ_V311, MQ_E_BAD_TOPIC, 0x30, 0x02, 0x00, 0x00);
	BAD(MQ_V5, MQ_E_BAD_TOPIC, 0x30, 0x03, 0x00, 0x00, 0x00);
	BAD_BOTH(MQ_E_MALFORMED, 0x30, 0x03, 0x00, 0x05, 'a');
	/* 5.0 properties: repeated Payload Format Indicator. */
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0x30, 0x08, 0x00, 0x01, 't', 0x04,
	    0x01, 0x01, 0x01, 0x01);
	/* Session Expiry is not a PUBLISH property. */
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0x30, 0x09, 0x00, 0x01, 't', 0x05,
	    0x11, 0x00, 0x00, 0x00, 0x01);
	/* Unknown ids 0x05 and 0x7F, and 0x80 (a would-be 2-byte id). */
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0x30, 0x06, 0x00, 0x01, 't', 0x02,
	    0x05, 0x00);
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0x30, 0x06, 0x00, 0x01, 't', 0x02,
	    0x7F, 0x00);
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0x30, 0x06, 0x00, 0x01, 't', 0x02,
	    0x80, 0x01);
	/* Property Length past the end of the packet. */
	BAD(MQ_V5, MQ_E_MALFORMED, 0x30, 0x05, 0x00, 0x01, 't', 0x05, 0x01);
	/* A property value past the end of the property block. */
	BAD(MQ_V5, MQ_E_MALFORMED, 0x30, 0x09, 0x00, 0x01, 't', 0x01, 0x02,
	    0x00, 0x00, 0x00, 0x3C);
	/* Non-minimal Property Length. */
	BAD(MQ_V5, MQ_E_MALFORMED, 0x30, 0x05, 0x00, 0x01, 't', 0x80, 0x00);
	/* Missing Property Length. */
	BAD(MQ_V5, MQ_E_MALFORMED, 0x30, 0x03, 0x00, 0x01, 't');
	/* Out of range: Payload Format 2, Topic Alias 0, Subscription Id 0. */
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0x30, 0x06, 0x00, 0x01, 't', 0x02,
	    0x01, 0x02);
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0x30, 0x07, 0x00, 0x01, 't', 0x03,
	    0x23, 0x00, 0x00);
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0x30, 0x06, 0x00, 0x01, 't', 0x02,
	    0x0B, 0x00);
	/* Subscription Identifier 268,435,455 is the largest. */
	BAD(MQ_V5, 0, 0x30, 0x09, 0x00, 0x01, 't', 0x05, 0x0B, 0xFF, 0xFF,
	    0xFF, 0x7F);
	/* Content Type with a surrogate; Response Topic with a wildcard. */
	BAD(MQ_V5, MQ_E_BAD_UTF8, 0x30, 0x09, 0x00, 0x01, 't', 0x05, 0x03,
	    0x00, 0x02, 0xED, 0xB0);
	BAD(MQ_V5, MQ_E_BAD_TOPIC, 0x30, 0x08, 0x00, 0x01, 't', 0x04, 0x08,
	    0x00, 0x01, '#');
	/* A user property key cut by the block end. */
	BAD(MQ_V5, MQ_E_MALFORMED, 0x30, 0x09, 0x00, 0x01, 't', 0x03, 0x26,
	    0x00, 0x05, 'a', 'b');

	/* Encoder refusals. */
	p.u.publish.qos = 3;
	CHECK_EQ(mq_encoded_length(MQ_V311, &p), -MQ_E_BAD_QOS);
	CHECK_EQ(mq_encode((uint8_t[16]){ 0 }, 16, MQ_V311, &p), -MQ_E_BAD_QOS);
	p.u.publish.qos = 1;
	CHECK_EQ(mq_encoded_length(MQ_V311, &p), -MQ_E_BAD_PACKET_ID);
	p.u.publish.qos = 0;
	p.u.publish.dup = true;
	CHECK_EQ(mq_encoded_length(MQ_V311, &p), -MQ_E_BAD_FLAGS);
	p.u.publish.dup = false;
	p.u.publish.topic = B("a/+");
	CHECK_EQ(mq_encoded_length(MQ_V311, &p), -MQ_E_BAD_TOPIC);
	p.u.publish.topic = B("");
	CHECK_EQ(mq_encoded_length(MQ_V311, &p), -MQ_E_BAD_TOPIC);
	CHECK_EQ(mq_encoded_length(MQ_V5, &p), -MQ_E_BAD_TOPIC);
	p.u.publish.topic = B("t");
	/* Remaining length 2^28 - 1 fits, one byte more does not. */
	p.u.publish.payload = (mq_bytes){ kv, 268435455u - 3 };
	CHECK_EQ(mq_encoded_length(MQ_V311, &p), 268435455L + 5);
	p.u.publish.payload.len++;
	CHECK_EQ(mq_encoded_length(MQ_V311, &p), -MQ_E_PACKET_TOO_LARGE);
	CHECK_EQ(mq_encode((uint8_t[16]){ 0 }, 16, MQ_V311, &p),
		 -MQ_E_PACKET_TOO_LARGE);
	p.u.publish.payload = (mq_bytes){ NULL, 0 };
	/* Properties not allowed in PUBLISH, or out of range. */
	p.u.publish.props.present = BIT(SESSION_EXPIRY);
	CHECK_EQ(mq_encoded_length(MQ_V5, &p), -MQ_E_BAD_PROPERTY);
	p.u.publish.props.present = BIT(TOPIC_ALIAS);
	CHECK_EQ(mq_encoded_length(MQ_V5, &p), -MQ_E_BAD_PROPERTY);
	p.u.publish.props.present = UINT64_C(1) << 63;
	CHECK_EQ(mq_encoded_length(MQ_V5, &p), -MQ_E_BAD_PROPERTY);
	/* ... but ignored in 3.1.1. */
	CHECK_EQ(mq_encoded_length(MQ_V311, &p), 5);
}

/* ---- PUBACK PUBREC PUBREL PUBCOMP --------------------------------------- */

static void test_acks(void)
{
	static const uint8_t first[] = { 0x40, 0x50, 0x62, 0x70 };
	mq_packet p = { .u.ack.packet_id = 10 };
	mq_packet d;
	uint8_t t;

	for (t = MQ_PUBACK; t <= MQ_PUBCOMP; t++) {
		uint8_t h = first[t - MQ_PUBACK];

		p.type = t;
		/* Both versions: packet id only (5.0 short form, §3.4.2.1). */
		GOLDEN(MQ_V311, &p, h, 0x02, 0x00, 0x0A);
		GOLDEN(MQ_V5, &p, h, 0x02, 0x00, 0x0A);
		CHECK_EQ(decode_exact(MQ_V5, G(h, 0x02, 0x00, 0x0A), 0), 4);
		/* Packet id 0; 3.1.1 takes nothing after the id. */
		BAD_BOTH(MQ_E_BAD_PACKET_ID, h, 0x02, 0x00, 0x00);
		BAD(MQ_V311, MQ_E_MALFORMED, h, 0x03, 0x00, 0x01, 0x00);
		BAD_BOTH(MQ_E_MALFORMED, h, 0x01, 0x00);
		/* 5.0 reason 0 with Property Length 0: valid (not canonical). */
		BAD(MQ_V5, 0, h, 0x04, 0x00, 0x01, 0x00, 0x00);
		/* Reserved fixed header flags. */
		BAD_BOTH(MQ_E_BAD_FLAGS, (uint8_t)(h ^ 0x02), 0x02, 0x00, 0x01);
		BAD_BOTH(MQ_E_BAD_FLAGS, (uint8_t)(h | 0x08), 0x02, 0x00, 0x01);
	}

	/* 5.0 PUBACK: reason only, Remaining Length 3 (§3.4.2.2.1). */
	p = (mq_packet){ .type = MQ_PUBACK, .u.ack = { 10, 0x10, { 0 } } };
	GOLDEN(MQ_V5, &p, 0x40, 0x03, 0x00, 0x0A, 0x10);
	/* 5.0 PUBREC 0x80 with Reason String "no" (1F 0002 'n' 'o'). */
	p.type = MQ_PUBREC;
	p.u.ack.reason = 0x80;
	p.u.ack.props = (mq_props){ .present = BIT(REASON_STRING),
				    .reason_string = B("no") };
	GOLDEN(MQ_V5, &p, 0x50, 0x09, 0x00, 0x0A, 0x80, 0x05, 0x1F, 0x00, 0x02,
	       'n', 'o');
	/* 5.0 PUBREL 0x92 (Packet Identifier not found). */
	p = (mq_packet){ .type = MQ_PUBREL, .u.ack = { 10, 0x92, { 0 } } };
	GOLDEN(MQ_V5, &p, 0x62, 0x03, 0x00, 0x0A, 0x92);
	/* 5.0 PUBCOMP reason 0 with a User Property: the reason is kept. */
	p = (mq_packet){ .type = MQ_PUBCOMP, .u.ack = { 10, 0, { .user = KV } } };
	GOLDEN(MQ_V5, &p, 0x70, 0x0B, 0x00, 0x0A, 0x00, 0x07, 0x26, 0x00, 0x01,
	       'k', 0x00, 0x01, 'v');

	static const uint8_t g[] = { 0x50, 0x09, 0x00, 0x0A, 0x80, 0x05, 0x1F,
				     0x00, 0x02, 'n', 'o' };
	CHECK_EQ(mq_decode(g, sizeof g, MQ_V5, 0, &d), (long)sizeof g);
	CHECK_EQ(d.type, MQ_PUBREC);
	CHECK_EQ(d.u.ack.packet_id, 10);
	CHECK_EQ(d.u.ack.reason, 0x80);
	CHECK(same(d.u.ack.props.reason_string, B("no")));

	/* Reason codes per type: §3.4.2.1, §3.5.2.1, §3.6.2.1, §3.7.2.1. */
	BAD(MQ_V5, MQ_E_BAD_REASON, 0x40, 0x03, 0x00, 0x01, 0x92);
	BAD(MQ_V5, MQ_E_BAD_REASON, 0x50, 0x03, 0x00, 0x01, 0x01);
	BAD(MQ_V5, MQ_E_BAD_REASON, 0x62, 0x03, 0x00, 0x01, 0x10);
	BAD(MQ_V5, MQ_E_BAD_REASON, 0x70, 0x03, 0x00, 0x01, 0x80);
	BAD(MQ_V5, 0, 0x50, 0x03, 0x00, 0x01, 0x99);
	/* Topic Alias in PUBACK; bad UTF-8 in a Reason String. */
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0x40, 0x07, 0x00, 0x01, 0x00, 0x03, 0x23,
	    0x00, 0x01);
	BAD(MQ_V5, MQ_E_BAD_UTF8, 0x40, 0x0A, 0x00, 0x01, 0x80, 0x06, 0x1F,
	    0x00, 0x03, 0xED, 0xA0, 0x80);
	/* Repeated Reason String. */
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0x40, 0x0C, 0x00, 0x01, 0x80, 0x08,
	    0x1F, 0x00, 0x01, 'a', 0x1F, 0x00, 0x01, 'b');

	/* A User Property ahead of another property: props.user spans both,
	 * the walker yields only the pair, the encoder writes id order. */
	static const uint8_t mixed[] = {
		0x40, 0x10, 0x00, 0x01, 0x00, 0x0C, 0x26, 0x00, 0x01, 'k',
		0x00, 0x01, 'v', 0x1F, 0x00, 0x02, 'o', 'k'
	};
	static const uint8_t canon[] = {
		0x40, 0x10, 0x00, 0x01, 0x00, 0x0C, 0x1F, 0x00, 0x02, 'o',
		'k', 0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v'
	};
	uint8_t buf[32];
	mq_bytes k, v;
	size_t off = 0;

	CHECK_EQ(mq_decode(mixed, sizeof mixed, MQ_V5, 0, &d), (long)sizeof mixed);
	CHECK_EQ(mq_user_prop_next(&d.u.ack.props, &off, &k, &v), 1);
	CHECK(same(k, B("k")) && same(v, B("v")));
	CHECK_EQ(mq_user_prop_next(&d.u.ack.props, &off, &k, &v), 0);
	CHECK_EQ(mq_encode(buf, sizeof buf, MQ_V5, &d), (long)sizeof canon);
	CHECK_MEM(buf, canon, sizeof canon);

	/* Encoder refusals. */
	p = (mq_packet){ .type = MQ_PUBACK };
	CHECK_EQ(mq_encoded_length(MQ_V311, &p), -MQ_E_BAD_PACKET_ID);
	p.u.ack = (mq_ack){ 1, 0x92, { 0 } };
	CHECK_EQ(mq_encoded_length(MQ_V5, &p), -MQ_E_BAD_REASON);
	CHECK_EQ(mq_encoded_length(MQ_V311, &p), 4);
}

/* ---- SUBSCRIBE SUBACK UNSUBSCRIBE UNSUBACK ------------------------------ */

static void test_subscribe(void)
{
	mq_sub_entry e311[] = { { B("a/+"), 1 }, { B("b/#"), 2 } };
	mq_sub_entry e5[] = {
		{ B("a/+"), 0x01 | MQ_SUBOPT_NO_LOCAL |
			    MQ_SUBOPT_RETAIN_AS_PUBLISHED |
			    2 << MQ_SUBOPT_RETAIN_HANDLING_SHIFT },
		{ B("$share/g/t"), 0 }
	};
	mq_packet p = { .type = MQ_SUBSCRIBE, .u.subscribe = {
		.packet_id = 1, .entries = e311, .count = 2 } };
	mq_packet d;
	mq_sub_entry e;
	size_t off = 0;

	/* 3.1.1 §3.8: flags 0010; 0001 | 0003 "a/+" 01 | 0003 "b/#" 02. */
	GOLDEN(MQ_V311, &p, 0x82, 0x0E, 0x00, 0x01, 0x00, 0x03, 'a', '/', '+',
	       0x01, 0x00, 0x03, 'b', '/', '#', 0x02);

	/* 5.0: Subscription Identifier 5 (0B 05); options 0x2D = QoS 1 |
	 * No Local | Retain As Published | Retain Handling 2. */
	static const uint8_t g[] = {
		0x82, 0x18, 0x00, 0x02, 0x02, 0x0B, 0x05, 0x00, 0x03, 'a',
		'/', '+', 0x2D, 0x00, 0x0A, '$', 's', 'h', 'a', 'r', 'e',
		'/', 'g', '/', 't', 0x00
	};
	p.u.subscribe = (mq_subscribe){ .packet_id = 2, .entries = e5,
		.count = 2, .props = { .sub_ids = { 5 }, .sub_id_count = 1 } };
	golden(__LINE__, MQ_V5, &p, g, sizeof g);
	CHECK_EQ(mq_decode(g, sizeof g, MQ_V5, 0, &d), (long)sizeof g);
	CHECK_EQ(d.flags, 0x02);
	CHECK_EQ(d.u.subscribe.packet_id, 2);
	CHECK_EQ(d.u.subscribe.count, 2);
	CHECK_EQ(d.u.subscribe.props.sub_ids[0], 5);
	CHECK_EQ(mq_subscribe_next(&d.u.subscribe, &off, &e), 1);
	CHECK(same(e.filter, B("a/+")) && e.options == 0x2D);
	CHECK_EQ(mq_subscribe_next(&d.u.subscribe, &off, &e), 1);
	CHECK(same(e.filter, B("$share/g/t")) && e.options == 0);
	CHECK_EQ(mq_subscribe_next(&d.u.subscribe, &off, &e), 0);

	/* No entries; packet id 0; reserved fixed-header flags. */
	BAD(MQ_V311, MQ_E_PROTOCOL, 0x82, 0x02, 0x00, 0x01);
	BAD(MQ_V5, MQ_E_PROTOCOL, 0x82, 0x03, 0x00, 0x01, 0x00);
	BAD_BOTH(MQ_E_BAD_PACKET_ID, 0x82, 0x06, 0x00, 0x00, 0x00, 0x01, 'a',
		 0x00);
	BAD_BOTH(MQ_E_BAD_FLAGS, 0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x00);
	/* Bad filters: "a/b#", "a+", "", "#/a". */
	BAD(MQ_V311, MQ_E_BAD_FILTER, 0x82, 0x09, 0x00, 0x01, 0x00, 0x04, 'a',
	    '/', 'b', '#', 0x00);
	BAD(MQ_V311, MQ_E_BAD_FILTER, 0x82, 0x07, 0x00, 0x01, 0x00, 0x02, 'a',
	    '+', 0x00);
	BAD(MQ_V311, MQ_E_BAD_FILTER, 0x82, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00);
	BAD(MQ_V311, MQ_E_BAD_FILTER, 0x82, 0x08, 0x00, 0x01, 0x00, 0x03, '#',
	    '/', 'a', 0x00);
	BAD(MQ_V311, MQ_E_BAD_UTF8, 0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x00,
	    0x00);
	/* Options: 3.1.1 only has QoS bits; 5.0 bits 6-7 reserved, Retain
	 * Handling 3, QoS 3; an entry without its options byte. */
	BAD(MQ_V311, MQ_E_MALFORMED, 0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 'a',
	    0x04);
	BAD(MQ_V5, 0, 0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 'a', 0x04);
	BAD(MQ_V5, MQ_E_MALFORMED, 0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01,
	    'a', 0x40);
	BAD(MQ_V5, MQ_E_MALFORMED, 0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01,
	    'a', 0x30);
	BAD(MQ_V311, MQ_E_BAD_QOS, 0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 'a',
	    0x03);
	BAD(MQ_V5, MQ_E_BAD_QOS, 0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 'a',
	    0x03);
	BAD(MQ_V311, MQ_E_MALFORMED, 0x82, 0x05, 0x00, 0x01, 0x00, 0x01, 'a');
	/* Subscription Identifier twice (only PUBLISH may repeat it). */
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0x82, 0x0B, 0x00, 0x01, 0x04, 0x0B,
	    0x01, 0x0B, 0x02, 0x00, 0x01, 'a', 0x00);

	/* Encoder refusals. */
	p.u.subscribe.count = 0;
	CHECK_EQ(mq_encoded_length(MQ_V5, &p), -MQ_E_PROTOCOL);
	p.u.subscribe.count = 2;
	p.u.subscribe.props.sub_id_count = 2;
	CHECK_EQ(mq_encoded_length(MQ_V5, &p), -MQ_E_BAD_PROPERTY);
	p.u.subscribe.props.sub_id_count = 0;
	e5[1].options = 0x30;
	CHECK_EQ(mq_encoded_length(MQ_V5, &p), -MQ_E_MALFORMED);
	p.u.subscribe.entries = e311;
	e311[1].filter = B("b#");
	CHECK_EQ(mq_encoded_length(MQ_V311, &p), -MQ_E_BAD_FILTER);
	e311[1].filter = B("b");
	e311[1].options = 3;
	CHECK_EQ(mq_encoded_length(MQ_V311, &p), -MQ_E_BAD_QOS);
	e311[1].options = MQ_SUBOPT_NO_LOCAL;
	CHECK_EQ(mq_encoded_length(MQ_V311, &p), -MQ_E_MALFORMED);
}

static void test_suback(void)
{
	static const uint8_t r311[] = { 0x01, 0x02, 0x80 };
	static const uint8_t r5[] = { 0x01, 0x00, 0xA2 };
	mq_packet p = { .type = MQ_SUBACK, .u.suback = {
		.packet_id = 1, .reasons = { r311, 3 } } };
	mq_packet d;

	/* 3.1.1 §3.9: packet id, return codes. */
	GOLDEN(MQ_V311, &p, 0x90, 0x05, 0x00, 0x01, 0x01, 0x02, 0x80);
	/* 5.0 §3.9: packet id, Property Length 0, reason codes. */
	p.u.suback = (mq_suback){ .packet_id = 2, .reasons = { r5, 3 } };
	GOLDEN(MQ_V5, &p, 0x90, 0x06, 0x00, 0x02, 0x00, 0x01, 0x00, 0xA2);
	/* With a Reason String "x". */
	p.u.suback.props = (mq_props){ .present = BIT(REASON_STRING),
				       .reason_string = B("x") };
	GOLDEN(MQ_V5, &p, 0x90, 0x0A, 0x00, 0x02, 0x04, 0x1F, 0x00, 0x01, 'x',
	       0x01, 0x00, 0xA2);
	CHECK_EQ(decode_exact(MQ_V5, G(0x90, 0x06, 0x00, 0x02, 0x00, 0x01,
				       0x00, 0xA2), 0), 8);
	static const uint8_t g[] = { 0x90, 0x05, 0x00, 0x01, 0x01, 0x02, 0x80 };
	CHECK_EQ(mq_decode(g, sizeof g, MQ_V311, 0, &d), 7);
	CHECK_EQ(d.u.suback.reasons.len, 3);
	CHECK_EQ(d.u.suback.reasons.ptr[2], 0x80);

	/* No reasons; bad codes; packet id 0. */
	BAD(MQ_V311, MQ_E_PROTOCOL, 0x90, 0x02, 0x00, 0x01);
	BAD(MQ_V5, MQ_E_PROTOCOL, 0x90, 0x03, 0x00, 0x01, 0x00);
	BAD(MQ_V311, MQ_E_BAD_REASON, 0x90, 0x03, 0x00, 0x01, 0x03);
	BAD(MQ_V311, MQ_E_BAD_REASON, 0x90, 0x03, 0x00, 0x01, 0x87);
	BAD(MQ_V5, MQ_E_BAD_REASON, 0x90, 0x04, 0x00, 0x01, 0x00, 0x11);
	BAD(MQ_V5, 0, 0x90, 0x04, 0x00, 0x01, 0x00, 0x9E);
	BAD_BOTH(MQ_E_BAD_PACKET_ID, 0x90, 0x03, 0x00, 0x00, 0x00);
	BAD_BOTH(MQ_E_BAD_FLAGS, 0x92, 0x03, 0x00, 0x01, 0x00);
	/* Encoder refusals. */
	p.u.suback.reasons.len = 0;
	CHECK_EQ(mq_encoded_length(MQ_V5, &p), -MQ_E_PROTOCOL);
	p.u.suback.reasons = (mq_bytes){ r5, 3 };
	CHECK_EQ(mq_encoded_length(MQ_V311, &p), -MQ_E_BAD_REASON);
}

static void test_unsubscribe(void)
{
	mq_bytes f311[] = { B("a/b"), B("c") };
	mq_bytes f5[] = { B("a/#") };
	mq_packet p = { .type = MQ_UNSUBSCRIBE, .u.unsubscribe = {
		.packet_id = 3, .filters = f311, .count = 2 } };
	mq_packet d;
	mq_bytes f;
	size_t off = 0;

	/* 3.1.1 §3.10: 0003 | 0003 "a/b" | 0001 "c". */
	GOLDEN(MQ_V311, &p, 0xA2, 0x0A, 0x00, 0x03, 0x00, 0x03, 'a', '/', 'b',
	       0x00, 0x01, 'c');
	static const uint8_t g[] = { 0xA2, 0x0A, 0x00, 0x03, 0x00, 0x03, 'a',
				     '/', 'b', 0x00, 0x01, 'c' };
	CHECK_EQ(mq_decode(g, sizeof g, MQ_V311, 0, &d), 12);
	CHECK_EQ(d.u.unsubscribe.count, 2);
	CHECK_EQ(mq_unsubscribe_next(&d.u.unsubscribe, &off, &f), 1);
	CHECK(same(f, B("a/b")));
	CHECK_EQ(mq_unsubscribe_next(&d.u.unsubscribe, &off, &f), 1);
	CHECK(same(f, B("c")));
	CHECK_EQ(mq_unsubscribe_next(&d.u.unsubscribe, &off, &f), 0);
	/* 5.0 §3.10: User Property k=v, filter "a/#". */
	p.u.unsubscribe = (mq_unsubscribe){ .packet_id = 3, .filters = f5,
		.count = 1, .props = { .user = KV } };
	GOLDEN(MQ_V5, &p, 0xA2, 0x0F, 0x00, 0x03, 0x07, 0x26, 0x00, 0x01, 'k',
	       0x00, 0x01, 'v', 0x00, 0x03, 'a', '/', '#');

	BAD(MQ_V311, MQ_E_PROTOCOL, 0xA2, 0x02, 0x00, 0x01);
	BAD(MQ_V5, MQ_E_PROTOCOL, 0xA2, 0x03, 0x00, 0x01, 0x00);
	BAD_BOTH(MQ_E_BAD_FLAGS, 0xA0, 0x05, 0x00, 0x01, 0x00, 0x01, 'a');
	BAD(MQ_V311, MQ_E_BAD_FILTER, 0xA2, 0x07, 0x00, 0x01, 0x00, 0x03, '#',
	    '/', 'a');
	BAD(MQ_V311, MQ_E_BAD_PACKET_ID, 0xA2, 0x05, 0x00, 0x00, 0x00, 0x01,
	    'a');
	BAD(MQ_V311, MQ_E_MALFORMED, 0xA2, 0x05, 0x00, 0x01, 0x00, 0x03, 'a');
	/* Subscription Identifier is not an UNSUBSCRIBE property. */
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0xA2, 0x08, 0x00, 0x01, 0x02, 0x0B,
	    0x01, 0x00, 0x01, 'a');
	p.u.unsubscribe.count = 0;
	CHECK_EQ(mq_encoded_length(MQ_V5, &p), -MQ_E_PROTOCOL);
}

static void test_unsuback(void)
{
	static const uint8_t r5[] = { 0x00, 0x11 };
	mq_packet p = { .type = MQ_UNSUBACK, .u.suback.packet_id = 3 };

	/* 3.1.1 §3.11: packet id only. */
	GOLDEN(MQ_V311, &p, 0xB0, 0x02, 0x00, 0x03);
	/* 5.0 §3.11: packet id, Property Length 0, reasons 00 11. */
	p.u.suback.reasons = (mq_bytes){ r5, 2 };
	GOLDEN(MQ_V5, &p, 0xB0, 0x05, 0x00, 0x03, 0x00, 0x00, 0x11);
	BAD(MQ_V311, MQ_E_MALFORMED, 0xB0, 0x03, 0x00, 0x01, 0x00);
	BAD(MQ_V5, MQ_E_PROTOCOL, 0xB0, 0x03, 0x00, 0x01, 0x00);
	BAD(MQ_V5, MQ_E_MALFORMED, 0xB0, 0x02, 0x00, 0x01);
	BAD(MQ_V5, MQ_E_BAD_REASON, 0xB0, 0x04, 0x00, 0x01, 0x00, 0x01);
	BAD(MQ_V5, MQ_E_BAD_REASON, 0xB0, 0x04, 0x00, 0x01, 0x00, 0x10);
	BAD_BOTH(MQ_E_BAD_PACKET_ID, 0xB0, 0x04, 0x00, 0x00, 0x00, 0x00);
}

/* ---- PINGREQ PINGRESP DISCONNECT AUTH ----------------------------------- */

static void test_small(void)
{
	mq_packet p = { .type = MQ_PINGREQ };
	mq_packet d;

	GOLDEN(MQ_V311, &p, 0xC0, 0x00);
	GOLDEN(MQ_V5, &p, 0xC0, 0x00);
	p.type = MQ_PINGRESP;
	GOLDEN(MQ_V311, &p, 0xD0, 0x00);
	GOLDEN(MQ_V5, &p, 0xD0, 0x00);
	BAD_BOTH(MQ_E_MALFORMED, 0xC0, 0x01, 0x00);
	BAD_BOTH(MQ_E_MALFORMED, 0xD0, 0x01, 0x00);
	BAD_BOTH(MQ_E_BAD_FLAGS, 0xC2, 0x00);
	BAD_BOTH(MQ_E_REMLEN_NOT_MINIMAL, 0xC0, 0x80, 0x00);

	/* DISCONNECT: 3.1.1 and 5.0 normal (Remaining Length 0). */
	p = (mq_packet){ .type = MQ_DISCONNECT };
	GOLDEN(MQ_V311, &p, 0xE0, 0x00);
	GOLDEN(MQ_V5, &p, 0xE0, 0x00);
	BAD(MQ_V311, MQ_E_MALFORMED, 0xE0, 0x01, 0x00);
	/* 5.0 reason only (0x8E Session taken over). */
	p.u.disconnect.reason = 0x8E;
	GOLDEN(MQ_V5, &p, 0xE0, 0x01, 0x8E);
	/* 5.0 0x04 with Reason String "bye": 04 | 06 | 1F 0003 "bye". */
	p.u.disconnect.reason = 0x04;
	p.u.disconnect.props = (mq_props){ .present = BIT(REASON_STRING),
					   .reason_string = B("bye") };
	GOLDEN(MQ_V5, &p, 0xE0, 0x08, 0x04, 0x06, 0x1F, 0x00, 0x03, 'b', 'y',
	       'e');
	static const uint8_t g[] = { 0xE0, 0x08, 0x04, 0x06, 0x1F, 0x00, 0x03,
				     'b', 'y', 'e' };
	CHECK_EQ(mq_decode(g, sizeof g, MQ_V5, 0, &d), 10);
	CHECK_EQ(d.u.disconnect.reason, 4);
	CHECK(same(d.u.disconnect.props.reason_string, B("bye")));
	BAD(MQ_V5, MQ_E_BAD_REASON, 0xE0, 0x01, 0x01);
	BAD(MQ_V5, MQ_E_BAD_REASON, 0xE0, 0x01, 0x84);
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0xE0, 0x04, 0x00, 0x02, 0x24, 0x01);
	BAD(MQ_V5, MQ_E_MALFORMED, 0xE0, 0x03, 0x00, 0x02, 0x24);
	BAD_BOTH(MQ_E_BAD_FLAGS, 0xE1, 0x00);
	p.u.disconnect.reason = 0x19;
	CHECK_EQ(mq_encoded_length(MQ_V5, &p), -MQ_E_BAD_REASON);

	/* AUTH (5.0 only): Continue authentication, Authentication Method
	 * "m" (15 0001 'm'), Authentication Data 01 02 (16 0002 01 02). */
	static const uint8_t ad[] = { 0x01, 0x02 };
	p = (mq_packet){ .type = MQ_AUTH, .u.auth = { 0x18, {
		.present = BIT(AUTH_METHOD) | BIT(AUTH_DATA),
		.auth_method = B("m"), .auth_data = { ad, 2 } } } };
	GOLDEN(MQ_V5, &p, 0xF0, 0x0B, 0x18, 0x09, 0x15, 0x00, 0x01, 'm', 0x16,
	       0x00, 0x02, 0x01, 0x02);
	/* Reason 0x19 without properties: Property Length still sent. */
	p.u.auth = (mq_reason_only){ .reason = 0x19 };
	GOLDEN(MQ_V5, &p, 0xF0, 0x02, 0x19, 0x00);
	p.u.auth.reason = 0;
	GOLDEN(MQ_V5, &p, 0xF0, 0x00);
	CHECK_EQ(mq_encoded_length(MQ_V311, &p), -MQ_E_BAD_TYPE);
	BAD(MQ_V311, MQ_E_BAD_TYPE, 0xF0, 0x00);
	BAD(MQ_V5, MQ_E_BAD_REASON, 0xF0, 0x02, 0x04, 0x00);
	BAD(MQ_V5, MQ_E_BAD_REASON, 0xF0, 0x02, 0x87, 0x00);
	BAD(MQ_V5, MQ_E_BAD_PROPERTY, 0xF0, 0x05, 0x18, 0x03, 0x23, 0x00, 0x01);
	BAD(MQ_V5, MQ_E_BAD_FLAGS, 0xF1, 0x00);
}

/* ---- framing errors through mq_decode ----------------------------------- */

static void test_framing(void)
{
	mq_packet d;
	uint8_t big[5] = { 0x30, 0xFF, 0xFF, 0xFF, 0x7F };

	BAD_BOTH(MQ_E_BAD_TYPE, 0x00, 0x00);
	BAD_BOTH(MQ_E_BAD_TYPE, 0x0F, 0x00);
	BAD_BOTH(MQ_E_REMLEN_TOO_LONG, 0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F);
	BAD_BOTH(MQ_E_REMLEN_NOT_MINIMAL, 0x30, 0x80, 0x00);
	BAD_BOTH(MQ_E_REMLEN_NOT_MINIMAL, 0x30, 0x83, 0x80, 0x00);
	/* A reserved type is reported from the first byte alone. */
	CHECK_EQ(mq_decode(G(0x00), MQ_V311, 0, &d), -MQ_E_BAD_TYPE);
	CHECK_EQ(mq_decode(G(0x41), MQ_V311, 0, &d), -MQ_E_BAD_FLAGS);
	/* 256 MB announced, limit 1 MiB: refused before the body. */
	CHECK_EQ(mq_decode(big, sizeof big, MQ_V5, 1u << 20, &d),
		 -MQ_E_PACKET_TOO_LARGE);
	/* Without a limit it is merely incomplete. */
	CHECK_EQ(mq_decode(big, sizeof big, MQ_V5, 0, &d), 0);
	/* PUBLISH "t" "hi" is 7 bytes: limit 7 passes, 6 refuses. */
	CHECK_EQ(mq_decode(G(0x30, 0x05, 0x00, 0x01, 't', 'h', 'i'), MQ_V311,
			   7, &d), 7);
	CHECK_EQ(mq_decode(G(0x30, 0x05, 0x00, 0x01, 't', 'h', 'i'), MQ_V311,
			   6, &d), -MQ_E_PACKET_TOO_LARGE);
	/* Two frames in one buffer: only the first is consumed. */
	CHECK_EQ(mq_decode(G(0xC0, 0x00, 0xD0, 0x00), MQ_V311, 0, &d), 2);
	CHECK_EQ(d.type, MQ_PINGREQ);
	/* Unknown version. */
	CHECK_EQ(mq_decode(G(0xC0, 0x00), 3, 0, &d), -MQ_E_PROTOCOL);
	CHECK_EQ(mq_decode(NULL, 0, MQ_V5, 0, &d), 0);
}

/* ---- round trips of generated packets ----------------------------------- */

static void test_publish_roundtrip(void)
{
	static uint8_t payload[20000];
	static uint8_t buf[20100];
	size_t i, sizes[] = { 0, 1, 120, 121, 122, 16377, 16378, 19999 };
	uint8_t v, q;
	mq_packet p, d;
	bool ok = true;

	for (i = 0; i < sizeof payload; i++)
		payload[i] = (uint8_t)(i * 7);
	for (v = MQ_V311; v <= MQ_V5; v++)
	for (q = 0; q <= 2; q++)
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		long n, m;

		p = (mq_packet){ .type = MQ_PUBLISH, .u.publish = {
			.qos = q, .retain = i & 1, .topic = B("x/y"),
			.packet_id = q ? (uint16_t)(i + 1) : 0,
			.payload = { payload, sizes[i] } } };
		if (v == MQ_V5) {
			p.u.publish.props.present = BIT(MESSAGE_EXPIRY);
			p.u.publish.props.message_expiry = (uint32_t)i;
		}
		n = mq_encode(buf, sizeof buf, v, &p);
		ok &= n == mq_encoded_length(v, &p);
		m = decode_exact(v, buf, (size_t)n, 0);
		ok &= m == n && mq_decode(buf, (size_t)n, v, 0, &d) == n;
		ok &= d.u.publish.qos == q && d.u.publish.retain == (i & 1);
		ok &= d.u.publish.packet_id == p.u.publish.packet_id;
		ok &= same(d.u.publish.payload, p.u.publish.payload);
		ok &= v == MQ_V311 || d.u.publish.props.message_expiry == i;
	}
	CHECK(ok);
}

/* ---- strings, topics, filters ------------------------------------------- */

static void test_utf8(void)
{
	static const struct {
		const char *s;
		size_t len;
		int want;
	} t[] = {
#define U(lit, want) { lit, sizeof(lit) - 1, want }
		U("", 0), U("abc", 0), U("\xC3\xA9", 0), U("\xE2\x82\xAC", 0),
		U("\xF0\x9F\x98\x80", 0), U("\xEF\xBB\xBF", 0),
		U("\xEF\xBF\xBF", 0), U("\xF4\x8F\xBF\xBF", 0),
		U("\xED\x9F\xBF", 0), U("\xEE\x80\x80", 0),
		U("\x00", -MQ_E_BAD_UTF8), U("a\x00" "b", -MQ_E_BAD_UTF8),
		U("\xC0\x80", -MQ_E_BAD_UTF8), U("\xC1\xBF", -MQ_E_BAD_UTF8),
		U("\xE0\x80\x80", -MQ_E_BAD_UTF8),
		U("\xE0\x9F\xBF", -MQ_E_BAD_UTF8),
		U("\xF0\x80\x80\x80", -MQ_E_BAD_UTF8),
		U("\xF0\x8F\xBF\xBF", -MQ_E_BAD_UTF8),
		U("\xF4\x90\x80\x80", -MQ_E_BAD_UTF8),
		U("\xF5\x80\x80\x80", -MQ_E_BAD_UTF8),
		U("\xED\xA0\x80", -MQ_E_BAD_UTF8),
		U("\xED\xBF\xBF", -MQ_E_BAD_UTF8),
		U("\xC3", -MQ_E_BAD_UTF8), U("\xE2\x82", -MQ_E_BAD_UTF8),
		U("\xF0\x9F\x98", -MQ_E_BAD_UTF8), U("\x80", -MQ_E_BAD_UTF8),
		U("\xBF", -MQ_E_BAD_UTF8), U("\xFF", -MQ_E_BAD_UTF8),
		U("\xFE", -MQ_E_BAD_UTF8), U("\xC3\x28", -MQ_E_BAD_UTF8),
		U("\xE2\x28\xA1", -MQ_E_BAD_UTF8),
		U("\xE2\x82\x28", -MQ_E_BAD_UTF8),
#undef U
	};
	static uint8_t big[65536];
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		int before = unit_failed;

		CHECK_EQ(mq_utf8_check((const uint8_t *)t[i].s, t[i].len),
			 t[i].want);
		if (unit_failed != before)
			fprintf(stderr, "  (utf8 case %zu)\n", i);
	}
	memset(big, 'a', sizeof big);
	CHECK_EQ(mq_utf8_check(big, 65535), 0);
	CHECK_EQ(mq_utf8_check(big, 65536), -MQ_E_BAD_UTF8);
	CHECK_EQ(mq_utf8_check(NULL, 0), 0);
}

static int tcheck(const char *s)
{
	return mq_topic_check((const uint8_t *)s, strlen(s));
}

static int fcheck(const char *s)
{
	return mq_filter_check((const uint8_t *)s, strlen(s));
}

static void test_topic_filter_check(void)
{
	static const char *const good_f[] = {
		"#", "+", "a/b", "a/+", "+/+", "a/#", "/", "a//b", "+/#",
		"$SYS/#", "$share/g/a/+", "/+", "+/", "//", "sport/+/player1",
		"\xC3\xA9/+", "$share/g/#", "$share/g/+/x", "$share/g//", "$share",
		"$sharex/+/y", "$share/\xC3\xA9-1/a"
	};
	static const char *const bad_f[] = {
		"a#", "a/#/b", "#/a", "a+", "+a", "a/b+", "##", "++", "a/+b",
		"#+", "sport/tennis#", "sport/tennis/#/ranking",
		/* MQTT 5.0 §4.8.2: a ShareName, then a filter */
		"$share/", "$share/g", "$share/g/", "$share//a", "$share/+/a",
		"$share/#", "$share/g+/a", "$share/#g/a"
	};
	size_t i;

	for (i = 0; i < sizeof good_f / sizeof good_f[0]; i++)
		CHECK_EQ(fcheck(good_f[i]), 0);
	for (i = 0; i < sizeof bad_f / sizeof bad_f[0]; i++)
		CHECK_EQ(fcheck(bad_f[i]), -MQ_E_BAD_FILTER);
	CHECK_EQ(fcheck(""), -MQ_E_BAD_FILTER);
	CHECK_EQ(mq_filter_check((const uint8_t *)"a\0b", 3), -MQ_E_BAD_UTF8);
	CHECK_EQ(tcheck("a"), 0);
	CHECK_EQ(tcheck("/"), 0);
	CHECK_EQ(tcheck("a/b"), 0);
	CHECK_EQ(tcheck("$SYS/x"), 0);
	CHECK_EQ(tcheck(" "), 0);
	CHECK_EQ(tcheck(""), -MQ_E_BAD_TOPIC);
	CHECK_EQ(tcheck("+"), -MQ_E_BAD_TOPIC);
	CHECK_EQ(tcheck("a/#"), -MQ_E_BAD_TOPIC);
	CHECK_EQ(tcheck("a+b"), -MQ_E_BAD_TOPIC);
	CHECK_EQ(mq_topic_check((const uint8_t *)"a\0b", 3), -MQ_E_BAD_UTF8);
	CHECK_EQ(tcheck("\xED\xA0\x80"), -MQ_E_BAD_UTF8);
}

/* The checks read plain ASCII eight bytes at a time: whatever sits
 * around a short piece (checked byte by byte on its own), at any offset,
 * with ASCII between two pieces so that they cannot join,
 * the verdict is the piece's; with two pieces, bad UTF-8 wins over a
 * wildcard. */
static void test_text_word_path(void)
{
	static const struct { const char *s; size_t len; } piece[] = {
		{ "", 0 }, { "\0", 1 }, { "+", 1 }, { "#", 1 }, { "\x80", 1 },
		{ "\xC3\xA9", 2 }, { "\xC3", 1 }, { "\xED\xA0\x80", 3 },
		{ "\xF0\x9F\x98\x80", 4 }, { "\xF4\x90\x80\x80", 4 },
		{ "\xE2\x82", 2 }, { "\x7F", 1 }, { "/", 1 },
	};
	const size_t np = sizeof piece / sizeof piece[0];
	uint8_t buf[64];
	size_t pre, post, a, b;

	for (a = 0; a < np; a++) {
		for (b = 0; b < np; b++) {
			int ua = mq_utf8_check((const uint8_t *)piece[a].s, piece[a].len);
			int ub = mq_utf8_check((const uint8_t *)piece[b].s, piece[b].len);
			int ta = piece[a].len ? mq_topic_check((const uint8_t *)piece[a].s, piece[a].len) : 0;
			int tb = piece[b].len ? mq_topic_check((const uint8_t *)piece[b].s, piece[b].len) : 0;
			int want_u = ua ? ua : ub;
			int want_t = ua || ub ? -MQ_E_BAD_UTF8 : ta ? ta : tb;
			for (pre = 0; pre <= 17; pre++) {
				for (post = 1; post <= 17; post++) {
					size_t n = 0;
					memset(buf, 'a', pre);
					n += pre;
					memcpy(buf + n, piece[a].s, piece[a].len);
					n += piece[a].len;
					memset(buf + n, 'b', post);
					n += post;
					memcpy(buf + n, piece[b].s, piece[b].len);
					n += piece[b].len;
					if (mq_utf8_check(buf, n) != want_u ||
					    (n && mq_topic_check(buf, n) != want_t)) {
						CHECK(false);
						fprintf(stderr, "  (pieces %zu, %zu; %zu + %zu)\n",
							a, b, pre, post);
						return;
					}
				}
			}
		}
	}
	CHECK(true);
}

/* Reference verdict for the word path, written apart from topic.c: the
 * Unicode Table 3-7 rows one by one, no U+0000, and for a topic no '+'
 * or '#' (bad UTF-8 anywhere wins). */
static size_t ref_seq(const uint8_t *s, size_t left)
{
	static const struct { uint8_t lo0, hi0, lo1, hi1, n; } row[] = {
		{ 0xC2, 0xDF, 0x80, 0xBF, 2 }, { 0xE0, 0xE0, 0xA0, 0xBF, 3 },
		{ 0xE1, 0xEC, 0x80, 0xBF, 3 }, { 0xED, 0xED, 0x80, 0x9F, 3 },
		{ 0xEE, 0xEF, 0x80, 0xBF, 3 }, { 0xF0, 0xF0, 0x90, 0xBF, 4 },
		{ 0xF1, 0xF3, 0x80, 0xBF, 4 }, { 0xF4, 0xF4, 0x80, 0x8F, 4 },
	};
	for (size_t r = 0; r < sizeof row / sizeof row[0]; r++) {
		if (s[0] < row[r].lo0 || s[0] > row[r].hi0)
			continue;
		if (left < row[r].n || s[1] < row[r].lo1 || s[1] > row[r].hi1)
			return 0;
		for (size_t k = 2; k < row[r].n; k++)
			if (s[k] < 0x80 || s[k] > 0xBF)
				return 0;
		return row[r].n;
	}
	return 0;
}

static int ref_check(const uint8_t *s, size_t len, bool topic)
{
	bool wild = false;
	size_t i = 0, n;

	while (i < len) {
		if (s[i] >= 1 && s[i] <= 0x7F) {
			wild |= topic && (s[i] == '+' || s[i] == '#');
			i++;
		} else if ((n = ref_seq(s + i, len - i)) == 0) {
			return -MQ_E_BAD_UTF8;
		} else {
			i += n;
		}
	}
	return wild ? -MQ_E_BAD_TOPIC : 0;
}

/* Checked in a heap copy of exactly len bytes: under the sanitizer
 * build a word read past the end is an error. */
static bool same_verdicts(const uint8_t *s, size_t len)
{
	uint8_t *c = malloc(len ? len : 1);
	bool same;

	if (!c)
		return false;
	memcpy(c, s, len);
	same = mq_utf8_check(c, len) == ref_check(c, len, false) &&
	       (len == 0 || mq_topic_check(c, len) == ref_check(c, len, true));
	free(c);
	return same;
}

/* The word path at its edges: one odd piece (bad byte, wildcard, NUL,
 * good or cut multi-byte character) at every position 0..32 of ASCII
 * strings of every length 1..40, so it sits in a full word, in the
 * overlapping last word, and straddles each 8-byte boundary. */
static void test_text_every_position(void)
{
	static const struct { const char *s; size_t len; } piece[] = {
		{ "\0", 1 }, { "+", 1 }, { "#", 1 }, { "\x80", 1 }, { "\xFF", 1 },
		{ "\xC0\x80", 2 }, { "\xC3\xA9", 2 }, { "\xC3", 1 },
		{ "\xE2\x82\xAC", 3 }, { "\xE2\x82", 2 }, { "\xED\xA0\x80", 3 },
		{ "\xF0\x9F\x98\x80", 4 }, { "\xF0\x9F\x98", 3 },
		{ "\xF4\x90\x80\x80", 4 }, { "\x7F", 1 }, { "*", 1 }, { "\x2B\x23", 2 },
	};
	uint8_t buf[48];
	size_t p, len, pos, bad = 0;

	for (p = 0; p < sizeof piece / sizeof piece[0]; p++)
		for (len = 1; len <= 40; len++)
			for (pos = 0; pos <= 32 && pos + piece[p].len <= len; pos++) {
				memset(buf, 'a', len);
				memcpy(buf + pos, piece[p].s, piece[p].len);
				if (!same_verdicts(buf, len) && bad++ < 5)
					fprintf(stderr, "  (piece %zu at %zu of %zu)\n", p, pos, len);
			}
	CHECK_EQ(bad, 0);
}

/* Random strings, mostly ASCII, against the reference. */
static void test_text_random(void)
{
	static const uint8_t odd[] = { 0x00, '+', '#', 0x80, 0xBF, 0xC2, 0xC3,
		0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0x9F, 0xA0, 0x8F };
	uint8_t buf[40];
	uint32_t x = 12345;
	size_t i, len, bad = 0;

	for (int round = 0; round < 200000; round++) {
		x = x * 1103515245u + 12345u;
		len = (x >> 16) % sizeof buf;
		for (i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = (x >> 16) % 8 ? (uint8_t)('a' + (x >> 20) % 26)
					       : odd[(x >> 20) % sizeof odd];
		}
		if (!same_verdicts(buf, len) && bad++ < 5)
			fprintf(stderr, "  (random round %d)\n", round);
	}
	CHECK_EQ(bad, 0);
}

static void test_topic_matches(void)
{
	static const struct {
		const char *filter, *topic;
		bool want;
	} t[] = {
		/* MQTT 5.0 §4.7.1.2 and §4.7.1.3 examples. */
		{ "sport/tennis/player1/#", "sport/tennis/player1", true },
		{ "sport/tennis/player1/#", "sport/tennis/player1/ranking", true },
		{ "sport/tennis/player1/#",
		  "sport/tennis/player1/score/wimbledon", true },
		{ "sport/#", "sport", true },
		{ "#", "sport", true },
		{ "#", "/", true },
		{ "sport/tennis/+", "sport/tennis/player1", true },
		{ "sport/tennis/+", "sport/tennis/player2", true },
		{ "sport/tennis/+", "sport/tennis/player1/ranking", false },
		{ "sport/+", "sport", false },
		{ "sport/+", "sport/", true },
		{ "+/+", "/finance", true },
		{ "/+", "/finance", true },
		{ "+", "/finance", false },
		{ "+", "a", true },
		{ "+/tennis/#", "sport/tennis/x", true },
		/* §4.7.2: '$' topics and leading wildcards. */
		{ "#", "$SYS/x", false },
		{ "+/monitor/Clients", "$SYS/monitor/Clients", false },
		{ "$SYS/#", "$SYS/monitor/Clients", true },
		{ "$SYS/monitor/+", "$SYS/monitor/Clients", true },
		{ "$SYS", "$SYS", true },
		{ "a/$x", "a/$x", true },
		{ "a/+", "a/$x", true },
		/* Plain levels, empty levels, case. */
		{ "a/b", "a/b", true },
		{ "a/b", "a/c", false },
		{ "a/b", "a/bc", false },
		{ "a/bc", "a/b", false },
		{ "a//b", "a//b", true },
		{ "a/+/b", "a//b", true },
		{ "a/b/", "a/b", false },
		{ "a/b", "a/b/", false },
		{ "a/#", "a/", true },
		{ "a/#", "a//", true },
		{ "a/#", "ab", false },
		{ "+/#", "a", true },
		{ "+/+/#", "a", false },
		{ "/#", "/", true },
		{ "/#", "a", false },
		{ "A", "a", false },
		{ "+/b", "/b", true },
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		mq_bytes f = { (const uint8_t *)t[i].filter, strlen(t[i].filter) };
		mq_bytes s = { (const uint8_t *)t[i].topic, strlen(t[i].topic) };
		int before = unit_failed;

		CHECK_EQ(mq_topic_matches(f, s), t[i].want);
		if (unit_failed != before)
			fprintf(stderr, "  (\"%s\" vs \"%s\")\n", t[i].filter,
				t[i].topic);
	}
}

/* ---- user properties, names -------------------------------------------- */

static void test_user_props(void)
{
	uint8_t ub[64], out[64];
	long n1, n2;
	mq_packet p = { .type = MQ_PUBLISH, .u.publish.topic = B("t") };
	mq_packet d;
	mq_bytes k, v;
	size_t off = 0;

	n1 = mq_user_prop_put(ub, sizeof ub, B("k"), B("v"));
	CHECK_EQ(n1, 7);
	CHECK_MEM(ub, kv, sizeof kv);
	n2 = mq_user_prop_put(ub + n1, sizeof ub - (size_t)n1, B("key"),
			      B("\xC3\xA9"));
	CHECK_EQ(n2, 10);
	CHECK_EQ(mq_user_prop_put(ub, 6, B("k"), B("v")),
		 -MQ_E_BUFFER_TOO_SMALL);
	CHECK_EQ(mq_user_prop_put(ub, sizeof ub, B("k"), B("\xC0\x80")),
		 -MQ_E_BAD_UTF8);
	p.u.publish.props.user = (mq_bytes){ ub, (size_t)(n1 + n2) };
	/* 0001 't' | 17 | 7 + 10: Remaining Length 21. */
	CHECK_EQ(mq_encode(out, sizeof out, MQ_V5, &p), 23);
	CHECK_EQ(out[1], 21);
	CHECK_EQ(out[5], 17);
	CHECK_EQ(mq_decode(out, 23, MQ_V5, 0, &d), 23);
	CHECK_EQ(mq_user_prop_next(&d.u.publish.props, &off, &k, &v), 1);
	CHECK(same(k, B("k")) && same(v, B("v")));
	CHECK_EQ(mq_user_prop_next(&d.u.publish.props, &off, &k, &v), 1);
	CHECK(same(k, B("key")) && same(v, B("\xC3\xA9")));
	CHECK_EQ(mq_user_prop_next(&d.u.publish.props, &off, &k, &v), 0);
	/* A broken user block is refused on encode. */
	p.u.publish.props.user.len = 5;
	CHECK_EQ(mq_encoded_length(MQ_V5, &p), -MQ_E_BAD_PROPERTY);
	/* No user properties: the walker ends at once. */
	off = 0;
	CHECK_EQ(mq_user_prop_next(&(mq_props){ 0 }, &off, &k, &v), 0);
}

static void test_error_reasons(void)
{
	CHECK_EQ(mq_error_reason(-MQ_E_BAD_FLAGS), 0x81);
	CHECK_EQ(mq_error_reason(MQ_E_MALFORMED), 0x81);
	CHECK_EQ(mq_error_reason(-MQ_E_REMLEN_NOT_MINIMAL), 0x81);
	CHECK_EQ(mq_error_reason(-MQ_E_UNEXPECTED_PACKET), 0x82);
	CHECK_EQ(mq_error_reason(-MQ_E_BAD_PACKET_ID), 0x82);
	CHECK_EQ(mq_error_reason(-MQ_E_TOPIC_ALIAS), 0x94);
	CHECK_EQ(mq_error_reason(-MQ_E_PACKET_TOO_LARGE), 0x95);
	/* Not the broker's packet: nothing to tell it. */
	CHECK_EQ(mq_error_reason(-MQ_E_IO), 0);
	CHECK_EQ(mq_error_reason(-MQ_E_TIMEOUT), 0);
	CHECK_EQ(mq_error_reason(-MQ_E_DISCONNECTED), 0);
	CHECK_EQ(mq_error_reason(0), 0);
	/* Every code given is one a 5.0 DISCONNECT may carry. */
	for (int e = 0; e < MQ_E_COUNT; e++) {
		uint8_t r = mq_error_reason(-e);
		CHECK(r == 0 || mq_reason_valid(MQ_V5, MQ_DISCONNECT, r));
	}
}

static void test_names(void)
{
	CHECK(strcmp(mq_type_name(MQ_CONNECT), "CONNECT") == 0);
	CHECK(strcmp(mq_type_name(MQ_UNSUBACK), "UNSUBACK") == 0);
	CHECK(strcmp(mq_type_name(MQ_AUTH), "AUTH") == 0);
	CHECK(strcmp(mq_type_name(0), "UNKNOWN") == 0);
	CHECK(strcmp(mq_type_name(16), "UNKNOWN") == 0);
	CHECK(strcmp(mq_reason_text(MQ_V5, MQ_CONNACK, 0x87),
		     "not authorized") == 0);
	CHECK(strcmp(mq_reason_text(MQ_V5, MQ_CONNACK, 0x86),
		     "bad user name or password") == 0);
	CHECK(strcmp(mq_reason_text(MQ_V5, MQ_CONNACK, 0x85),
		     "client identifier not valid") == 0);
	CHECK(strcmp(mq_reason_text(MQ_V5, MQ_PUBACK, 0x97),
		     "quota exceeded") == 0);
	CHECK(strcmp(mq_reason_text(MQ_V5, MQ_DISCONNECT, 0x8E),
		     "session taken over") == 0);
	CHECK(strcmp(mq_reason_text(MQ_V5, MQ_DISCONNECT, 0),
		     "normal disconnection") == 0);
	CHECK(strcmp(mq_reason_text(MQ_V5, MQ_SUBACK, 0),
		     "granted QoS 0") == 0);
	CHECK(strcmp(mq_reason_text(MQ_V5, MQ_CONNACK, 0), "success") == 0);
	CHECK(strcmp(mq_reason_text(MQ_V5, MQ_CONNACK, 0x42),
		     "unknown reason code") == 0);
	CHECK(strcmp(mq_reason_text(MQ_V311, MQ_CONNACK, 1),
		     "unacceptable protocol version") == 0);
	CHECK(strcmp(mq_reason_text(MQ_V311, MQ_CONNACK, 2),
		     "identifier rejected") == 0);
	CHECK(strcmp(mq_reason_text(MQ_V311, MQ_CONNACK, 3),
		     "server unavailable") == 0);
	CHECK(strcmp(mq_reason_text(MQ_V311, MQ_CONNACK, 4),
		     "bad user name or password") == 0);
	CHECK(strcmp(mq_reason_text(MQ_V311, MQ_CONNACK, 5),
		     "not authorized") == 0);
	CHECK(strcmp(mq_reason_text(MQ_V311, MQ_SUBACK, 0x80), "failure") == 0);
}

/* Every 5.0 reason code has a text (§2.4 Table 2-6). */
static void test_reason_texts(void)
{
	static const uint8_t all[] = {
		0x01, 0x02, 0x04, 0x10, 0x11, 0x18, 0x19, 0x80, 0x81, 0x82,
		0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8B, 0x8C,
		0x8D, 0x8E, 0x8F, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96,
		0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0,
		0xA1, 0xA2
	};
	bool ok = true;
	size_t i;

	for (i = 0; i < sizeof all; i++)
		ok &= strcmp(mq_reason_text(MQ_V5, MQ_DISCONNECT, all[i]),
			     "unknown reason code") != 0;
	CHECK(ok);
}

int main(void)
{
	test_varint();
	test_error_reasons();
	test_frame_length();
	test_connect_v311();
	test_connect_v5();
	test_connect_bad();
	test_connack();
	test_publish_v311();
	test_publish_v5();
	test_publish_reused_packet();
	test_publish_bad();
	test_acks();
	test_subscribe();
	test_suback();
	test_unsubscribe();
	test_unsuback();
	test_small();
	test_framing();
	test_publish_roundtrip();
	test_utf8();
	test_text_word_path();
	test_text_every_position();
	test_text_random();
	test_topic_filter_check();
	test_topic_matches();
	test_user_props();
	test_names();
	test_reason_texts();
	return unit_done("test_codec");
}
