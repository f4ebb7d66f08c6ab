/* fuzz_session.c - libFuzzer target for the sans-I/O session.
 *
 * Input: a config byte (protocol level, window, keepalive, clean start,
 * start CONNECTED or CONNECTING), then a program of operations, one op
 * byte each followed by its arguments:
 *
 *   packet  a length byte and that many bytes, decoded with mq_decode()
 *           and handed to mq_session_handle() as if from the network
 *   publish QoS / topic / payload length: mq_session_publish() (255: a
 *           large payload the session borrows)
 *   subscribe  one of a few subscription lists
 *   tick    advance the fake clock, run mq_session_tick()
 *   write   the link takes n bytes of the output
 *   lose    the link drops; reconnect (CONNECT queued again)
 *   connack a valid CONNACK (session present or not)
 *   close   mq_session_disconnect()
 *
 * A handle() or tick() error drops the link as client.c does.  Checks:
 * no crash or sanitizer report; every byte the session asks to write is a
 * well-formed client packet (decoded back with the same codec); in-flight
 * messages never exceed the configured window.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "reader.h"
#include "session.h"

typedef struct prog {
	const uint8_t *p;
	size_t n, i;
} prog;

static uint8_t take(prog *g)
{
	return g->i < g->n ? g->p[g->i++] : 0;
}

typedef struct world {
	mq_session s;
	mq_reader wire;     /* what the session wrote, decoded back */
	uint8_t version;
	uint16_t window;
	uint64_t now;
	int stop_messages;
} world;

static int on_message(void *ctx, const mq_publish *p)
{
	world *w = ctx;

	(void)p;
	return w->stop_messages ? -MQ_E_APP_STOP : 0;
}

/* The session wrote these bytes: they must decode as client packets. */
static void wire_check(world *w, const uint8_t *b, size_t n)
{
	mq_packet p;
	int rc;

	if (mq_reader_feed(&w->wire, b, n) < 0) {
		fprintf(stderr, "fuzz_session: output frame over the limit\n");
		abort();
	}
	while ((rc = mq_reader_next(&w->wire, &p)) == 1) {
		if (p.type == MQ_CONNACK || p.type == MQ_SUBACK ||
		    p.type == MQ_UNSUBACK || p.type == MQ_PINGRESP ||
		    p.type == MQ_AUTH) {
			fprintf(stderr, "fuzz_session: client sent %s\n",
				mq_type_name(p.type));
			abort();
		}
	}
	if (rc < 0) {
		fprintf(stderr, "fuzz_session: session wrote a malformed "
			"packet: %s\n", mq_strerror(rc));
		abort();
	}
}

static void lose(world *w)
{
	mq_session_link_lost(&w->s);
	mq_reader_reset(&w->wire);   /* a partial packet died with the link */
}

static void reconnect(world *w)
{
	lose(w);
	if (mq_session_connect(&w->s, w->now) < 0)
		return;
}

static void handle(world *w, const mq_packet *p)
{
	if (mq_session_handle(&w->s, p, w->now) < 0)
		reconnect(w);
}

static void op_packet(world *w, prog *g)
{
	size_t len = take(g), avail = g->n - g->i;
	mq_packet p;
	long n;

	if (len > avail)
		len = avail;
	n = mq_decode(g->p + g->i, len, w->version, 0, &p);
	g->i += len;
	mq_session_read(&w->s, w->now);
	if (n > 0)
		handle(w, &p);
}

static void op_connack(world *w, prog *g)
{
	uint8_t b = take(g);
	mq_packet p = { .type = MQ_CONNACK };

	p.u.connack.session_present = (b & 1) && !w->s.cfg.clean_start;
	if (w->version == MQ_V5 && (b & 2)) {
		p.u.connack.props.present = MQ_PROP_BIT(MQ_PROP_RECEIVE_MAXIMUM);
		p.u.connack.props.receive_maximum = (uint16_t)((b >> 2) + 1);
	}
	handle(w, &p);
}

static void op_publish(world *w, prog *g)
{
	static const char *const topics[] = { "t", "a/b", "+", "", "x/#", "$SYS/y" };
	static const uint8_t payload[300];
	uint8_t b = take(g), len = take(g);
	mq_message m = { .qos = b & 3, .retain = (b >> 2) & 1 };
	const char *t = topics[(b >> 3) % 6];

	m.topic = (mq_bytes){ (const uint8_t *)t, strlen(t) };
	m.payload = (mq_bytes){ payload, len };
	if (len == 255) {   /* a large payload the session borrows (borrow.c) */
		static const uint8_t large[MQ_BORROW_MIN + 17];
		m.payload = (mq_bytes){ large, sizeof large };
		m.payload_stable = true;
	}
	if (mq_session_can_publish(&w->s, m.qos & 3) || (b & 0x80))
		(void)mq_session_publish(&w->s, &m, w->now);
}

static const mq_sub_entry subs_a[] = { { { (const uint8_t *)"t", 1 }, 1 } };
static const mq_sub_entry subs_b[] = {
	{ { (const uint8_t *)"a/+", 3 }, 2 }, { { (const uint8_t *)"#", 1 }, 0 },
	{ { (const uint8_t *)"b", 1 }, 1 },
};

static void op_subscribe(world *w, prog *g)
{
	uint8_t b = take(g);

	if (b & 1)
		(void)mq_session_subscribe(&w->s, subs_b, 3, w->now);
	else
		(void)mq_session_subscribe(&w->s, subs_a, 1, w->now);
}

static void op_write(world *w, prog *g)
{
	size_t len, n = take(g);
	const uint8_t *out = mq_session_output(&w->s, &len);

	if (!out || len == 0)
		return;
	if (n == 0 || n > len)
		n = len;
	wire_check(w, out, n);
	mq_session_written(&w->s, n, w->now);
}

static void op_tick(world *w, prog *g)
{
	uint64_t dl = mq_session_deadline(&w->s);
	uint8_t b = take(g);

	/* Jump to the deadline now and then, or move by b * 100 ms. */
	if ((b & 0x80) && dl != UINT64_MAX && dl > w->now)
		w->now = dl;
	else
		w->now += (uint64_t)(b & 0x7F) * 100u;
	if (mq_session_tick(&w->s, w->now) < 0)
		reconnect(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static world w;
	prog g = { data, size, 0 };
	uint8_t cfgb = take(&g);
	mq_session_config cfg = {
		.version = (cfgb & 1) ? MQ_V5 : MQ_V311,
		.client_id = MQ_BYTES_STR("fuzz"),
		.clean_start = (cfgb >> 1) & 1,
		.keepalive = (uint16_t)((cfgb >> 2) & 3) * 5u,
		.max_inflight = (uint16_t)(((cfgb >> 4) & 7) + 1),
		.max_packet = (cfgb & 0x80) ? 512 : 0,
	};
	mq_session_events ev = { .ctx = &w, .message = on_message };

	memset(&w, 0, sizeof w);
	w.version = cfg.version;
	w.window = cfg.max_inflight;
	w.now = 1000;
	mq_session_init(&w.s, &cfg, &ev);
	mq_reader_init(&w.wire, cfg.version, 0);
	mq_session_connect(&w.s, w.now);
	if (cfgb & 0x40)
		op_connack(&w, &g);

	while (g.i < g.n) {
		switch (take(&g) & 15) {
		case 0: case 1: case 2: case 3: op_packet(&w, &g); break;
		case 4: case 5: op_publish(&w, &g); break;
		case 6: op_subscribe(&w, &g); break;
		case 7: case 8: op_tick(&w, &g); break;
		case 9: case 10: op_write(&w, &g); break;
		case 11: reconnect(&w); break;
		case 12: op_connack(&w, &g); break;
		case 13: (void)mq_session_disconnect(&w.s, 0, w.now); break;
		case 14: w.stop_messages = !w.stop_messages; break;
		default: mq_session_read(&w.s, w.now); break;
		}
		if (mq_session_inflight(&w.s) > w.window) {
			fprintf(stderr, "fuzz_session: %zu in flight, window %u\n",
				mq_session_inflight(&w.s), (unsigned)w.window);
			abort();
		}
	}
	/* Whatever is left must be well-formed too. */
	size_t len;
	const uint8_t *out = mq_session_output(&w.s, &len);
	if (out && len)
		wire_check(&w, out, len);
	mq_session_free(&w.s);
	mq_reader_free(&w.wire);
	return 0;
}
