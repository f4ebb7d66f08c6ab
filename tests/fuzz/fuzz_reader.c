/* fuzz_reader.c - libFuzzer target for the frame reader and the decoder.
 *
 * Input: one selector byte, then the byte stream "from the network".
 * The selector picks the protocol level (bit 0: 3.1.1 or 5.0), the
 * reader's max_packet (bits 1-3) and how the stream is fed (bits 4-7:
 * whole, or in chunks of 1..15 bytes, so every split of every header is
 * tried).  Every packet the reader hands out is re-encoded with
 * mq_encode(); whatever encodes must decode again to a packet that
 * encodes to the very same bytes (encode o decode is idempotent), and
 * mq_encoded_length() must agree with mq_encode().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "reader.h"

#define MAX_ENTRIES 32768
#define ENC_CAP (1u << 20)

static mq_sub_entry entries[MAX_ENTRIES];
static mq_bytes filters[MAX_ENTRIES];
static uint8_t enc1[ENC_CAP], enc2[ENC_CAP];

static void fail(const char *what, const mq_packet *p, long a, long b)
{
	fprintf(stderr, "fuzz_reader: %s (%s, %ld vs %ld)\n", what,
		mq_type_name(p->type), a, b);
	abort();
}

/* A decoded (UN)SUBSCRIBE carries its list raw; mq_encode() wants arrays.
 * Returns false when the list is too long to re-encode here. */
static bool prepare(mq_packet *p)
{
	size_t off = 0, n = 0;

	if (p->type == MQ_SUBSCRIBE) {
		mq_subscribe *s = &p->u.subscribe;
		while (n < MAX_ENTRIES && mq_subscribe_next(s, &off, &entries[n]))
			n++;
		if (n != s->count)
			return false;
		s->entries = entries;
	} else if (p->type == MQ_UNSUBSCRIBE) {
		mq_unsubscribe *u = &p->u.unsubscribe;
		while (n < MAX_ENTRIES && mq_unsubscribe_next(u, &off, &filters[n]))
			n++;
		if (n != u->count)
			return false;
		u->filters = filters;
	}
	return true;
}

/* Round trip one accepted packet. */
static void round_trip(uint8_t version, mq_packet *p)
{
	mq_packet q;
	long n1, n2, len, d;

	if (p->type == MQ_CONNECT && p->u.connect.version != version)
		fail("CONNECT version differs from the reader's", p,
		     p->u.connect.version, version);
	if (!prepare(p))
		return;
	n1 = mq_encode(enc1, sizeof enc1, version, p);
	if (n1 < 0)
		return;   /* not encodable (e.g. too large for enc1) */
	len = mq_encoded_length(version, p);
	if (len != n1)
		fail("mq_encoded_length() != mq_encode()", p, len, n1);
	d = mq_decode(enc1, (size_t)n1, version, 0, &q);
	if (d != n1)
		fail("re-encoded packet does not decode", p, d, n1);
	if (q.type != p->type)
		fail("type changed in the round trip", p, q.type, p->type);
	if (!prepare(&q))
		fail("re-decoded list is not walkable", p, 0, 0);
	n2 = mq_encode(enc2, sizeof enc2, version, &q);
	if (n2 != n1 || memcmp(enc1, enc2, (size_t)n1) != 0)
		fail("encode(decode(encode(p))) != encode(p)", p, n2, n1);
	/* Byte-at-a-time decoding of the same frame: "need more" until the
	 * last byte (MQTT-C / Paho return convention). */
	for (long i = 0; i < n1; i++) {
		long r = mq_decode(enc1, (size_t)i, version, 0, &q);
		if (r != 0)
			fail("a prefix of a valid frame did not ask for more", p, r, i);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t limits[8] = { 0, 2, 16, 64, 256, 1024, 4096, 65536 };
	mq_reader r;
	mq_packet p;
	uint8_t version, sel;
	size_t chunk, off = 0;
	int rc = 0;

	if (size < 1)
		return 0;
	sel = data[0];
	version = (sel & 1) ? MQ_V5 : MQ_V311;
	chunk = sel >> 4;
	data++;
	size--;
	mq_reader_init(&r, version, limits[(sel >> 1) & 7]);
	/* As client.c's read_input(): ask for space, copy, commit, drain. */
	while (off < size && rc >= 0) {
		size_t avail, n = chunk ? chunk : size - off;
		uint8_t *space = mq_reader_space(&r, &avail);

		if (!space) {
			/* Only a frame the reader must refuse may stop it. */
			rc = mq_reader_next(&r, &p);
			if (rc >= 0) {
				fprintf(stderr, "fuzz_reader: reader stalled: no space, "
					"no error (limit %u)\n", (unsigned)r.max_packet);
				abort();
			}
			break;
		}
		if (n > size - off)
			n = size - off;
		if (n > avail)
			n = avail;
		memcpy(space, data + off, n);
		mq_reader_commit(&r, n);
		off += n;
		while ((rc = mq_reader_next(&r, &p)) == 1)
			round_trip(version, &p);
	}
	mq_reader_free(&r);
	return 0;
}
