/* test_reader.c - feed streams into mq_reader in every chunking and check
 * the same packets come out; hard size limits hold before allocation. */
#include <stdint.h>
#include <stdlib.h>

#include "reader.h"
#include "unit.h"

#define B(s) MQ_BYTES_STR(s)

static uint8_t payload[6000];
static uint8_t stream[20000];
static size_t stream_len;
static size_t frame_end[16];   /* end offset of each packet in stream */
static size_t frames;

static void add(uint8_t v, const mq_packet *p)
{
	long n = mq_encode(stream + stream_len, sizeof stream - stream_len, v, p);

	CHECK(n > 0);
	if (n <= 0)
		return;
	stream_len += (size_t)n;
	frame_end[frames++] = stream_len;
}

/* A mixed stream: small and large (2- and 3-byte remaining length)
 * packets, so the buffer has to grow and compact. */
static void build_stream(uint8_t v)
{
	static const uint8_t reasons[] = { 0x00, 0x01 };
	mq_packet p;
	size_t i;

	for (i = 0; i < sizeof payload; i++)
		payload[i] = (uint8_t)(i * 31 + 7);
	stream_len = frames = 0;
	p = (mq_packet){ .type = MQ_CONNACK };
	add(v, &p);
	p = (mq_packet){ .type = MQ_PUBLISH, .u.publish = {
		.topic = B("a/b"), .payload = { payload, 300 } } };
	add(v, &p);
	p = (mq_packet){ .type = MQ_SUBACK, .u.suback = {
		.packet_id = 1, .reasons = { reasons, 2 } } };
	add(v, &p);
	p = (mq_packet){ .type = MQ_PUBLISH, .u.publish = {
		.qos = 1, .packet_id = 7, .topic = B("big"),
		.payload = { payload, sizeof payload } } };
	add(v, &p);
	p = (mq_packet){ .type = MQ_PINGRESP };
	add(v, &p);
	p = (mq_packet){ .type = MQ_PUBREL, .u.ack.packet_id = 7 };
	add(v, &p);
	p = (mq_packet){ .type = MQ_PUBLISH, .u.publish = {
		.qos = 2, .packet_id = 8, .topic = B("c"),
		.payload = { payload + 5, 100 } } };
	add(v, &p);
	p = (mq_packet){ .type = MQ_DISCONNECT };
	add(v, &p);
}

/* Take every packet now available; each must re-encode to the bytes of
 * the next expected frame. */
static int drain(mq_reader *r, uint8_t v, size_t *next, bool *ok)
{
	mq_packet p;
	uint8_t buf[7000];
	int rc;

	while ((rc = mq_reader_next(r, &p)) == 1) {
		size_t from = *next ? frame_end[*next - 1] : 0;
		long n = mq_encode(buf, sizeof buf, v, &p);

		*ok &= *next < frames;
		if (*next >= frames)
			return -1;
		*ok &= n == (long)(frame_end[*next] - from);
		*ok &= n > 0 && memcmp(buf, stream + from, (size_t)n) == 0;
		(*next)++;
	}
	return rc;
}

static uint32_t rng_state;

static uint32_t rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 16;
}

/* Feed the stream in chunks (1 = byte at a time, 0 = random sizes). */
static void run_feed(uint8_t v, size_t chunk, uint32_t seed)
{
	mq_reader r;
	size_t off = 0, next = 0;
	bool ok = true;

	mq_reader_init(&r, v, 0);
	rng_state = seed;
	while (off < stream_len) {
		size_t n = chunk ? chunk : 1 + rng() % 700;

		if (n > stream_len - off)
			n = stream_len - off;
		ok &= mq_reader_feed(&r, stream + off, n) == 0;
		off += n;
		ok &= drain(&r, v, &next, &ok) == 0;
	}
	CHECK(ok);
	CHECK_EQ(next, frames);
	CHECK_EQ(r.start, r.end);
	/* Largest frame is 6000 + 8 bytes: the 64 KiB first buffer holds it. */
	CHECK(r.cap <= 65536);
	mq_reader_free(&r);
}

/* The socket path: mq_reader_space() / mq_reader_commit(). */
static void run_space(uint8_t v, uint32_t seed)
{
	mq_reader r;
	size_t off = 0, next = 0;
	bool ok = true;

	mq_reader_init(&r, v, 0);
	rng_state = seed;
	while (off < stream_len) {
		size_t avail = 0, n = 1 + rng() % 3000;
		uint8_t *dst = mq_reader_space(&r, &avail);

		ok &= dst != NULL && avail > 0;
		if (!dst)
			break;
		if (n > avail)
			n = avail;
		if (n > stream_len - off)
			n = stream_len - off;
		memcpy(dst, stream + off, n);
		mq_reader_commit(&r, n);
		off += n;
		ok &= drain(&r, v, &next, &ok) == 0;
	}
	CHECK(ok);
	CHECK_EQ(next, frames);
	CHECK(r.cap <= 65536);
	mq_reader_free(&r);
}

static void test_streams(void)
{
	uint8_t v;
	uint32_t seed;

	for (v = MQ_V311; v <= MQ_V5; v++) {
		build_stream(v);
		CHECK_EQ(frames, 8);
		run_feed(v, 1, 0);
		run_feed(v, stream_len, 0);
		for (seed = 1; seed <= 20; seed++)
			run_feed(v, 0, seed);
		for (seed = 1; seed <= 20; seed++)
			run_space(v, seed);
	}
}

/* 256 MB announced against a 1 MiB limit: refused from the header, the
 * buffer stays at its first small allocation. */
static void test_too_large(void)
{
	static const uint8_t hdr[] = { 0x30, 0xFF, 0xFF, 0xFF, 0x7F };
	mq_reader r;
	mq_packet p;
	size_t avail;

	mq_reader_init(&r, MQ_V311, 1u << 20);
	CHECK_EQ(mq_reader_feed(&r, hdr, sizeof hdr), 0);
	CHECK_EQ(mq_reader_next(&r, &p), -MQ_E_PACKET_TOO_LARGE);
	CHECK(r.cap <= 65536);
	/* Asking for space does not grow for a refused frame either. */
	mq_reader_space(&r, &avail);
	CHECK(r.cap <= 65536);
	mq_reader_free(&r);

	/* Four header bytes already prove it. */
	mq_reader_init(&r, MQ_V311, 1u << 20);
	CHECK_EQ(mq_reader_feed(&r, hdr, 4), 0);
	CHECK_EQ(mq_reader_next(&r, &p), -MQ_E_PACKET_TOO_LARGE);
	CHECK(r.cap <= 65536);
	mq_reader_free(&r);

	/* Five-byte remaining length. */
	mq_reader_init(&r, MQ_V311, 0);
	CHECK_EQ(mq_reader_feed(&r, (const uint8_t[]){ 0x30, 0xFF, 0xFF, 0xFF,
						      0xFF }, 5), 0);
	CHECK_EQ(mq_reader_next(&r, &p), -MQ_E_REMLEN_TOO_LONG);
	CHECK(r.cap <= 65536);
	mq_reader_free(&r);

	/* max_packet 0 means the protocol maximum. */
	mq_reader_init(&r, MQ_V5, 0);
	CHECK_EQ(r.max_packet, 268435455u + 5);
	CHECK(r.buf == NULL && r.cap == 0);
	mq_reader_free(&r);
}

/* Limit 100: a 100-byte frame passes, a 101-byte one is refused. */
static void test_limit_edge(void)
{
	uint8_t buf[128];
	mq_packet p = { .type = MQ_PUBLISH, .u.publish = {
		.topic = B("t"), .payload = { payload, 95 } } };
	mq_packet out;
	mq_reader r;
	long n = mq_encode(buf, sizeof buf, MQ_V311, &p);

	CHECK_EQ(n, 100);
	mq_reader_init(&r, MQ_V311, 100);
	CHECK_EQ(mq_reader_feed(&r, buf, (size_t)n), 0);
	CHECK_EQ(mq_reader_next(&r, &out), 1);
	CHECK_EQ(out.u.publish.payload.len, 95);
	CHECK_EQ(mq_reader_next(&r, &out), 0);
	CHECK(r.cap <= 100);
	p.u.publish.payload.len = 96;
	n = mq_encode(buf, sizeof buf, MQ_V311, &p);
	CHECK_EQ(mq_reader_feed(&r, buf, 2), 0);
	CHECK_EQ(mq_reader_next(&r, &out), -MQ_E_PACKET_TOO_LARGE);
	mq_reader_free(&r);
}

static void test_malformed(void)
{
	static const uint8_t good_then_bad[] = {
		0xD0, 0x00,                          /* PINGRESP */
		0x00, 0x00                           /* reserved type 0 */
	};
	mq_reader r;
	mq_packet p;

	mq_reader_init(&r, MQ_V311, 0);
	CHECK_EQ(mq_reader_feed(&r, good_then_bad, sizeof good_then_bad), 0);
	CHECK_EQ(mq_reader_next(&r, &p), 1);
	CHECK_EQ(p.type, MQ_PINGRESP);
	CHECK_EQ(mq_reader_next(&r, &p), -MQ_E_BAD_TYPE);
	/* The error sticks until the reader is reset. */
	CHECK_EQ(mq_reader_next(&r, &p), -MQ_E_BAD_TYPE);
	mq_reader_reset(&r);
	CHECK_EQ(mq_reader_next(&r, &p), 0);
	/* Non-minimal length, reserved flags, bad body. */
	CHECK_EQ(mq_reader_feed(&r, (const uint8_t[]){ 0xC0, 0x80, 0x00 }, 3), 0);
	CHECK_EQ(mq_reader_next(&r, &p), -MQ_E_REMLEN_NOT_MINIMAL);
	mq_reader_reset(&r);
	CHECK_EQ(mq_reader_feed(&r, (const uint8_t[]){ 0x41 }, 1), 0);
	CHECK_EQ(mq_reader_next(&r, &p), -MQ_E_BAD_FLAGS);
	CHECK_EQ(mq_reader_failed_type(&r), MQ_PUBACK);
	mq_reader_reset(&r);
	CHECK_EQ(mq_reader_failed_type(&r), 0);
	CHECK_EQ(mq_reader_feed(&r, (const uint8_t[]){ 0x30, 0x03, 0x00, 0x01,
						      '#' }, 5), 0);
	CHECK_EQ(mq_reader_next(&r, &p), -MQ_E_BAD_TOPIC);
	mq_reader_free(&r);
}

/* Once warm, a long run of small packets neither grows nor reallocates
 * the buffer: compaction makes the room. */
static void test_warm(void)
{
	uint8_t one[64];
	mq_packet p = { .type = MQ_PUBLISH, .u.publish = {
		.topic = B("t/x"), .payload = { payload, 40 } } };
	mq_packet out;
	mq_reader r;
	long n = mq_encode(one, sizeof one, MQ_V5, &p);
	uint8_t *first;
	size_t cap, i, got = 0;
	bool ok = true;

	mq_reader_init(&r, MQ_V5, 0);
	CHECK_EQ(mq_reader_feed(&r, one, (size_t)n), 0);
	first = r.buf;
	cap = r.cap;
	for (i = 0; i < 5000; i++) {
		size_t k = (i % 7 + 1) * 3 % (size_t)n;

		ok &= mq_reader_feed(&r, one, k) == 0;
		ok &= mq_reader_feed(&r, one + k, (size_t)n - k) == 0;
		while (mq_reader_next(&r, &out) == 1)
			got++;
	}
	CHECK(ok);
	CHECK_EQ(got, 5001);
	CHECK(r.buf == first);
	CHECK_EQ(r.cap, cap);
	mq_reader_free(&r);
}

static void test_lifecycle(void)
{
	mq_reader r;
	mq_packet p;

	memset(&r, 0, sizeof r);
	mq_reader_free(&r);
	mq_reader_free(&r);
	CHECK(r.buf == NULL);
	/* A zeroed reader works too (max_packet 0 = protocol maximum). */
	r.version = MQ_V311;
	CHECK_EQ(mq_reader_next(&r, &p), 0);
	CHECK_EQ(mq_reader_feed(&r, (const uint8_t[]){ 0xC0, 0x00 }, 2), 0);
	CHECK_EQ(mq_reader_next(&r, &p), 1);
	CHECK_EQ(p.type, MQ_PINGREQ);
	mq_reader_free(&r);
	mq_reader_free(&r);
	CHECK(r.buf == NULL && r.cap == 0);
}

int main(void)
{
	test_streams();
	test_too_large();
	test_limit_edge();
	test_malformed();
	test_warm();
	test_lifecycle();
	return unit_done("test_reader");
}
