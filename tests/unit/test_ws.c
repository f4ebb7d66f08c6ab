/* test_ws.c - the WebSocket frame codec against golden bytes (RFC 6455
 * §5.7 examples among them), every length encoding, byte-at-a-time
 * header parsing, the server frames that must be refused, and the
 * handshake's accept key (§1.3 example). */
#include <stdlib.h>

#include "errors.h"
#include "transport_ws.h"
#include "unit.h"
#include "ws.h"

static const uint8_t mask[4] = { 0x37, 0xfa, 0x21, 0x3d };

static void test_rfc_examples(void)
{
	/* §5.7: a masked "Hello" (text opcode in the RFC; ours are binary) */
	uint8_t out[MQ_WS_MAX_HEADER + 5];
	size_t h = mq_ws_header(out, MQ_WS_TEXT, 5, mask);
	memcpy(out + h, "Hello", 5);
	mq_ws_mask(out + h, 5, mask, 0);
	static const uint8_t want[] = { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
					0x7f, 0x9f, 0x4d, 0x51, 0x58 };
	CHECK_EQ(h + 5, sizeof want);
	CHECK_MEM(out, want, sizeof want);
	/* §5.7: an unmasked "Hello" from the server */
	static const uint8_t srv[] = { 0x81, 0x05, 'H', 'e', 'l', 'l', 'o' };
	mq_ws_frame f;
	CHECK_EQ(mq_ws_parse_header(srv, sizeof srv, 1000, &f), 2);
	CHECK(f.fin && f.opcode == MQ_WS_TEXT && f.length == 5);
	/* §1.3: the accept key */
	char acc[29];
	mq_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", acc);
	CHECK(!strcmp(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
}

/* Header sizes at the 7/16/64-bit boundaries, and parsing them back from
 * a server frame (the same bytes without the mask bit and key). */
static void test_lengths(void)
{
	static const uint64_t lens[] = { 0, 1, 125, 126, 127, 65535, 65536, 1u << 24,
					 268435460u };
	static const size_t hdr[] = { 6, 6, 6, 8, 8, 8, 14, 14, 14 };
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		uint8_t out[MQ_WS_MAX_HEADER];
		size_t h = mq_ws_header(out, MQ_WS_BINARY, lens[i], mask);
		CHECK_EQ(h, hdr[i]);
		CHECK_EQ(out[0], 0x82);
		CHECK(out[1] & 0x80);
		CHECK_MEM(out + h - 4, mask, 4);
		/* as a server would send it */
		out[1] &= 0x7F;
		mq_ws_frame f;
		int n = 0;
		for (size_t k = 0; k < h - 4; k++)   /* byte at a time */
			if ((n = mq_ws_parse_header(out, k, 1u << 30, &f)) != 0)
				break;
		CHECK_EQ(n, 0);
		CHECK_EQ(mq_ws_parse_header(out, h - 4, 1u << 30, &f), (int)(h - 4));
		CHECK_EQ(f.length, lens[i]);
		CHECK(f.fin && f.opcode == MQ_WS_BINARY);
	}
}

static void test_mask_offsets(void)
{
	uint8_t a[10], b[10];
	for (int i = 0; i < 10; i++)
		a[i] = b[i] = (uint8_t)(i * 7);
	mq_ws_mask(a, 10, mask, 0);
	mq_ws_mask(b, 3, mask, 0);       /* the same, in two pieces */
	mq_ws_mask(b + 3, 7, mask, 3);
	CHECK_MEM(a, b, 10);
	mq_ws_mask(a, 10, mask, 0);      /* masking twice is the identity */
	for (int i = 0; i < 10; i++)
		CHECK_EQ(a[i], i * 7);
}

static void test_refused(void)
{
	mq_ws_frame f;
	static const struct { uint8_t b[10]; size_t n; int rc; } bad[] = {
		{ { 0xC2, 0x01 }, 2, -MQ_E_MALFORMED },                 /* RSV1 */
		{ { 0x92, 0x01 }, 2, -MQ_E_MALFORMED },                 /* RSV3 */
		{ { 0x82, 0x81 }, 2, -MQ_E_MALFORMED },                 /* masked by the server */
		{ { 0x83, 0x01 }, 2, -MQ_E_MALFORMED },                 /* opcode 3 */
		{ { 0x8B, 0x00 }, 2, -MQ_E_MALFORMED },                 /* opcode 0xB */
		{ { 0x09, 0x00 }, 2, -MQ_E_MALFORMED },                 /* fragmented ping */
		{ { 0x89, 0x7E, 0x00, 0x7E }, 4, -MQ_E_MALFORMED },     /* ping of 126 */
		{ { 0x82, 0x7E, 0x00, 0x10 }, 4, -MQ_E_MALFORMED },     /* 16-bit length < 126 */
		{ { 0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF }, 10, -MQ_E_MALFORMED },  /* not minimal */
		{ { 0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0 }, 10, -MQ_E_MALFORMED },      /* top bit */
		{ { 0x82, 0x7F, 0, 0, 0, 1, 0, 0, 0, 0 }, 10, -MQ_E_PACKET_TOO_LARGE },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_EQ(mq_ws_parse_header(bad[i].b, bad[i].n, 1u << 30, &f), bad[i].rc);
	/* fragments and control frames that are fine */
	static const uint8_t frag[] = { 0x02, 0x03 }, cont[] = { 0x80, 0x02 },
			     ping[] = { 0x89, 0x7D }, close0[] = { 0x88, 0x00 };
	CHECK_EQ(mq_ws_parse_header(frag, 2, 100, &f), 2);
	CHECK(!f.fin && f.opcode == MQ_WS_BINARY);
	CHECK_EQ(mq_ws_parse_header(cont, 2, 100, &f), 2);
	CHECK(f.fin && f.opcode == MQ_WS_CONTINUATION);
	CHECK_EQ(mq_ws_parse_header(ping, 2, 1000, &f), 2);
	CHECK_EQ(f.length, 125);
	CHECK_EQ(mq_ws_parse_header(close0, 2, 100, &f), 2);
	CHECK_EQ(f.opcode, MQ_WS_CLOSE);
}

int main(void)
{
	test_rfc_examples();
	test_lengths();
	test_mask_offsets();
	test_refused();
	return unit_done("test_ws");
}
