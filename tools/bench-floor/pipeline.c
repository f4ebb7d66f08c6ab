/*
 * pipeline PORT QOS TOPIC [WINDOW] < LINES - the pipelined floor for tools/bench:
 * publishes every line of stdin (without its newline) to TOPIC at QoS 1
 * or 2 over MQTT 5 on 127.0.0.1:PORT as fast as the socket takes it.
 * The PUBLISH packets are encoded before connecting; acknowledgements
 * are read (and PUBREL sent for QoS 2) but never waited for, except that
 * at most the broker's Receive Maximum (section 3.2.2.3.3) is in flight,
 * so the broker drops nothing; WINDOW lowers that bound (mosquitto looks
 * incoming QoS 2 messages up in a list, so a full window of 65535 costs
 * it time per PUBREL).  Exits 0 once every message is complete
 * (PUBACK, or PUBCOMP), 1 on any error.  Bench tooling, not the product.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define OUTCAP (256 * 1024)

struct pkts {
	unsigned char *buf;	/* every PUBLISH, back to back */
	size_t *off;		/* off[i]: where packet i starts; off[n]: the end */
	size_t n;
};

static unsigned char *varint(unsigned char *p, size_t x)
{
	do {
		*p = (unsigned char)(x % 128);
		x /= 128;
		*p++ |= x ? 0x80 : 0;
	} while (x);
	return p;
}

static unsigned char *u16(unsigned char *p, size_t x)
{
	*p++ = (unsigned char)(x >> 8);
	*p++ = (unsigned char)x;
	return p;
}

static unsigned char *slurp(size_t *len)
{
	size_t cap = 1 << 20;
	unsigned char *b = malloc(cap);
	ssize_t r;

	*len = 0;
	while (b && (r = read(0, b + *len, cap - *len)) > 0) {
		*len += (size_t)r;
		if (*len == cap)
			b = realloc(b, cap *= 2);
	}
	return b;
}

/* Section 3.3: fixed header, topic, packet id, empty properties, payload. */
static int encode(struct pkts *pk, int qos, const char *topic)
{
	size_t len, tl = strlen(topic), lines = 0, i;
	unsigned char *in = slurp(&len), *p, *line, *nl;

	if (!in)
		return -1;
	for (i = 0; i < len; i++)
		lines += in[i] == '\n';
	pk->buf = malloc(len + lines * (tl + 16));
	pk->off = malloc((lines + 1) * sizeof *pk->off);
	if (!pk->buf || !pk->off)
		return -1;
	p = pk->buf;
	pk->n = 0;
	for (line = in; (nl = memchr(line, '\n', len - (size_t)(line - in))); line = nl + 1) {
		size_t pl = (size_t)(nl - line);

		pk->off[pk->n] = (size_t)(p - pk->buf);
		*p++ = (unsigned char)(0x30 | qos << 1);
		p = varint(p, 2 + tl + 2 + 1 + pl);
		p = u16(p, tl);
		memcpy(p, topic, tl);
		p = u16(p + tl, pk->n % 65535 + 1);
		*p++ = 0;
		memcpy(p, line, pl);
		p += pl;
		pk->n++;
	}
	pk->off[pk->n] = (size_t)(p - pk->buf);
	free(in);
	return 0;
}

/* Reads a varint at p (at most 4 bytes within end); bytes used or 0. */
static size_t get_varint(const unsigned char *p, const unsigned char *end, size_t *x)
{
	size_t i, mult = 1;

	*x = 0;
	for (i = 0; i < 4 && p + i < end; i++, mult *= 128) {
		*x += (p[i] & 0x7fu) * mult;
		if (!(p[i] & 0x80))
			return i + 1;
	}
	return 0;
}

/* Size of one property's value (section 2.2.2.2), or 0 when unknown. */
static size_t prop_size(unsigned id, const unsigned char *v, const unsigned char *end)
{
	size_t x;

	switch (id) {
	case 0x01: case 0x17: case 0x19: case 0x24: case 0x25: case 0x28: case 0x29: case 0x2a:
		return 1;
	case 0x13: case 0x21: case 0x22: case 0x23:
		return 2;
	case 0x02: case 0x11: case 0x18: case 0x27:
		return 4;
	case 0x0b:
		return get_varint(v, end, &x);
	case 0x03: case 0x08: case 0x09: case 0x12: case 0x15: case 0x16: case 0x1a:
	case 0x1c: case 0x1f:
		return end - v >= 2 ? 2u + (v[0] << 8 | v[1]) : 0;
	case 0x26:
		if (end - v < 2)
			return 0;
		x = 2u + (v[0] << 8 | v[1]);
		return (size_t)(end - v) >= x + 2 ? x + 2 + (v[x] << 8 | v[x + 1]) : 0;
	default:
		return 0;
	}
}

/* Sends CONNECT, reads CONNACK (section 3.2); the broker's Receive
 * Maximum (65535 when absent), or -1. */
static long handshake(int fd)
{
	static const unsigned char connect[] = {
		0x10, 0x22, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x00, 0x3c,
		0x03, 0x21, 0xff, 0xff,
		0x00, 0x12, 'p', 'i', 'p', 'e', 'l', 'i', 'n', 'e', '-', '0', '0', '0',
		'0', '0', '0', '0', '0', '0',
	};
	unsigned char b[1024], *p, *end;
	size_t have = 0, rl, vl, pl;
	long rm = 65535;
	ssize_t r;

	if (write(fd, connect, sizeof connect) != (ssize_t)sizeof connect)
		return -1;
	for (;;) {
		vl = have > 1 ? get_varint(b + 1, b + have, &rl) : 0;
		if (vl && have >= 1 + vl + rl)
			break;
		if (have == sizeof b || (r = read(fd, b + have, sizeof b - have)) <= 0)
			return -1;
		have += (size_t)r;
	}
	p = b + 1 + vl;
	end = p + rl;
	if (b[0] != 0x20 || rl < 3 || p[1] != 0 || !(pl = get_varint(p + 2, end, &rl)))
		return -1;
	for (p += 2 + pl; p < end; ) {
		size_t sz = prop_size(*p, p + 1, end);

		if (!sz || p + 1 + sz > end)
			return -1;
		if (*p == 0x21)
			rm = p[1] << 8 | p[2];
		p += 1 + sz;
	}
	return rm;
}

struct flow {
	const struct pkts *pk;
	size_t next, done, window;	/* packets sent, completed; in flight at most */
	unsigned short *rel;		/* PUBREL ids to send (section 3.6) */
	size_t nrel;
	unsigned char out[OUTCAP];
	size_t olen, opos;
	unsigned char in[64 * 1024];
	size_t ilen;
};

/* Refills the empty output buffer: PUBRELs first, then whole PUBLISH
 * packets while the window allows. */
static void refill(struct flow *f)
{
	const struct pkts *pk = f->pk;
	size_t i;

	f->olen = f->opos = 0;
	for (i = 0; i < f->nrel && f->olen + 4 <= OUTCAP; i++) {
		unsigned char *o = f->out + f->olen;

		o[0] = 0x62;
		o[1] = 2;
		u16(o + 2, f->rel[i]);
		f->olen += 4;
	}
	memmove(f->rel, f->rel + i, (f->nrel - i) * sizeof *f->rel);
	f->nrel -= i;
	while (f->next < pk->n && f->next - f->done < f->window) {
		size_t sz = pk->off[f->next + 1] - pk->off[f->next];

		if (f->olen + sz > OUTCAP)
			break;
		memcpy(f->out + f->olen, pk->buf + pk->off[f->next], sz);
		f->olen += sz;
		f->next++;
	}
}

/* Handles the whole acknowledgements in f->in: PUBACK and PUBCOMP
 * complete a message, PUBREC queues a PUBREL.  -1 on anything else or
 * an error reason code (section 3.4.2.1, 3.5.2.1, 3.7.2.1). */
static int acks(struct flow *f)
{
	size_t at = 0;

	while (f->ilen - at >= 2 && f->ilen - at >= 2u + f->in[at + 1]) {
		const unsigned char *a = f->in + at;

		if (a[1] & 0x80 || a[1] < 2 || (a[1] > 2 && a[4] >= 0x80))
			return -1;
		if (a[0] == 0x40 || a[0] == 0x70)
			f->done++;
		else if (a[0] == 0x50)
			f->rel[f->nrel++] = (unsigned short)(a[2] << 8 | a[3]);
		else
			return -1;
		at += 2u + a[1];
	}
	memmove(f->in, f->in + at, f->ilen - at);
	f->ilen -= at;
	return 0;
}

/* Writes what the socket takes and reads what has come, until every
 * message is complete. */
static int run(int fd, struct flow *f)
{
	struct pollfd pfd = { .fd = fd };

	while (f->done < f->pk->n) {
		ssize_t w = 0, r;

		if (f->opos == f->olen)
			refill(f);
		if (f->opos < f->olen) {
			w = write(fd, f->out + f->opos, f->olen - f->opos);
			if (w < 0 && errno != EAGAIN)
				return -1;
			f->opos += w > 0 ? (size_t)w : 0;
		}
		r = read(fd, f->in + f->ilen, sizeof f->in - f->ilen);
		if (r == 0 || (r < 0 && errno != EAGAIN))
			return -1;
		if (r > 0) {
			f->ilen += (size_t)r;
			if (acks(f) != 0)
				return -1;
			continue;
		}
		if (w <= 0) {
			pfd.events = POLLIN | (f->opos < f->olen ? POLLOUT : 0);
			if (poll(&pfd, 1, 30000) <= 0)
				return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct flow f;
	static const unsigned char bye[] = { 0xe0, 0x00 };	/* section 3.14 */
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct pkts pk;
	int fd, one = 1, qos = argc == 4 || argc == 5 ? argv[2][0] - '0' : 0;
	long rm;

	if ((qos != 1 && qos != 2) || argv[2][1] || encode(&pk, qos, argv[3]) != 0)
		return 2;
	sa.sin_port = htons((unsigned short)strtol(argv[1], NULL, 10));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		return 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if ((rm = handshake(fd)) <= 0)
		return 1;
	f.pk = &pk;
	f.window = (size_t)rm;
	if (argc == 5 && strtoul(argv[4], NULL, 10) - 1 < f.window)
		f.window = strtoul(argv[4], NULL, 10);
	f.rel = malloc(65536 * sizeof *f.rel);
	if (!f.rel || fcntl(fd, F_SETFL, O_NONBLOCK) != 0 || run(fd, &f) != 0)
		return 1;
	fcntl(fd, F_SETFL, 0);
	return write(fd, bye, sizeof bye) != (ssize_t)sizeof bye || close(fd) != 0;
}
