/* format.c - mqsub -F (see format.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "json_msg.h"

#define MAX_OPS 512

static const char FIELDS[] = "tplqrmxXIUjJACDEFPRS%";   /* after % */
static const char MAXABLE[] = "tCIR";   /* may have a maximum width */

static int add(mq_format *f, fmt_op op)
{
	if (f->nops >= MAX_OPS)
		return -1;
	f->ops[f->nops++] = op;
	return 0;
}

/* Append one literal byte, merging it into the last literal run. */
static int lit_byte(mq_format *f, char c)
{
	f->lit[f->litlen] = c;
	if (f->nops && !f->ops[f->nops - 1].field &&
	    f->ops[f->nops - 1].off + f->ops[f->nops - 1].len == f->litlen) {
		f->ops[f->nops - 1].len++;
		f->litlen++;
		return 0;
	}
	f->litlen++;
	return add(f, (fmt_op){ .off = f->litlen - 1, .len = 1, .width = -1, .max = -1 });
}

static int escape(char c)
{
	switch (c) {
	case 'n': return '\n';
	case 't': return '\t';
	case 'r': return '\r';
	case 'v': return '\v';
	case 'a': return '\a';
	case 'e': return 033;
	case '0': return '\0';
	case '\\': return '\\';
	default: return -1;
	}
}

static int number(const char **s)
{
	int n = 0;
	while (**s >= '0' && **s <= '9' && n < 100000)
		n = n * 10 + (*(*s)++ - '0');
	return n;
}

/* %[flags][width][.max]X at s (after the %). */
static int percent(mq_format *f, const char **s, const char **why)
{
	fmt_op op = { .width = -1, .max = -1 };
	for (;; (*s)++) {
		if (**s == '0')
			op.zero = true;
		else if (**s == '-')
			op.left = true;
		else
			break;
	}
	if (**s >= '1' && **s <= '9')
		op.width = number(s);
	if (**s == '.') {
		(*s)++;
		op.max = number(s);
	}
	char c = **s;
	if (!c || !strchr(FIELDS, c)) {
		*why = c ? "unknown format specifier" : "a % with nothing after it";
		return -1;
	}
	if (op.max >= 0 && !strchr(MAXABLE, c)) {
		*why = "a maximum width only goes with %t, %C, %I and %R";
		return -1;
	}
	(*s)++;
	if (c == '%')
		return lit_byte(f, '%');
	op.field = c;
	return add(f, op);
}

int format_compile(mq_format *f, const char *src, const char **why, size_t *at)
{
	memset(f, 0, sizeof *f);
	f->ops = calloc(MAX_OPS, sizeof *f->ops);
	f->lit = malloc(strlen(src) + 1);
	if (!f->ops || !f->lit) {
		*why = "out of memory";
		*at = 0;
		return -1;
	}
	for (const char *s = src; *s;) {
		const char *start = s;
		int rc;
		if (*s == '%') {
			s++;
			rc = percent(f, &s, why);
		} else if (*s == '@') {
			if (!s[1]) {
				*why = "an @ with nothing after it";
				rc = -1;
			} else {
				rc = add(f, (fmt_op){ .field = '@', .off = (size_t)(unsigned char)s[1],
						      .width = -1, .max = -1 });
				s += 2;
			}
		} else if (*s == '\\') {
			int e = s[1] ? escape(s[1]) : -1;
			if (e < 0)
				*why = s[1] ? "unknown \\ escape" : "a \\ with nothing after it";
			rc = e < 0 ? -1 : lit_byte(f, (char)e);
			s += 2;
		} else {
			rc = lit_byte(f, *s++);
		}
		if (rc < 0) {
			if (f->nops >= MAX_OPS)
				*why = "format too long";
			*at = (size_t)(start - src);
			return -1;
		}
	}
	return 0;
}

void format_free(mq_format *f)
{
	free(f->ops);
	free(f->lit);
	memset(f, 0, sizeof *f);
}

/* A string field with width, maximum width and alignment. */
static int put_padded(outbuf *o, const fmt_op *op, const char *s, size_t n)
{
	if (op->max >= 0 && n > (size_t)op->max)
		n = (size_t)op->max;
	size_t pad = op->width > 0 && (size_t)op->width > n ? (size_t)op->width - n : 0;
	int r = 0;
	for (size_t i = 0; !op->left && i < pad; i++)
		r |= outbuf_put(o, " ", 1);
	r |= outbuf_put(o, s, n);
	for (size_t i = 0; op->left && i < pad; i++)
		r |= outbuf_put(o, " ", 1);
	return r;
}

static int put_number(outbuf *o, const fmt_op *op, unsigned long long v)
{
	char b[32];
	int n;
	int w = op->width > 0 ? (op->width < 30 ? op->width : 30) : 0;
	if (op->left)
		n = snprintf(b, sizeof b, "%-*llu", w, v);
	else if (op->zero)
		n = snprintf(b, sizeof b, "%0*llu", w, v);
	else
		n = snprintf(b, sizeof b, "%*llu", w, v);
	return outbuf_put(o, b, (size_t)n);
}

static int put_hex(outbuf *o, const fmt_op *op, mq_bytes b, bool upper)
{
	static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
	const char *d = upper ? up : lo;
	size_t n = b.len * 2, pad = op->width > 0 && (size_t)op->width > n ? (size_t)op->width - n : 0;
	int r = 0;
	for (size_t i = 0; !op->left && i < pad; i++)
		r |= outbuf_put(o, op->zero ? "0" : " ", 1);
	for (size_t i = 0; i < b.len; i++) {
		char h[2] = { d[b.ptr[i] >> 4], d[b.ptr[i] & 15] };
		r |= outbuf_put(o, h, 2);
	}
	for (size_t i = 0; op->left && i < pad; i++)
		r |= outbuf_put(o, " ", 1);
	return r;
}

/* The local time of one second, worked out once for all the messages
 * of that second: localtime_r and strftime cost more than the rest of a
 * message. */
static struct {
	bool valid;
	time_t sec;
	struct tm tm;
	char iso[40];
	size_t isolen;
} second;

static const struct tm *local_time(time_t sec)
{
	if (!second.valid || second.sec != sec) {
		localtime_r(&sec, &second.tm);
		second.isolen = strftime(second.iso, sizeof second.iso,
					 "%Y-%m-%dT%H:%M:%S%z", &second.tm);
		second.sec = sec;
		second.valid = true;
	}
	return &second.tm;
}

static int put_time(outbuf *o, const fmt_op *op, const struct timespec *now)
{
	char b[64];
	if (op->field == 'U') {
		int n = snprintf(b, sizeof b, "%lld.%09ld", (long long)now->tv_sec, now->tv_nsec);
		return outbuf_put(o, b, (size_t)n);
	}
	if (op->field == '@' && op->off == 'N') {
		int n = snprintf(b, sizeof b, "%09ld", now->tv_nsec);
		return outbuf_put(o, b, (size_t)n);
	}
	const struct tm *tm = local_time(now->tv_sec);
	if (op->field == 'I') {
		memcpy(b, second.iso, second.isolen);
		return put_padded(o, op, b, second.isolen);
	}
	char spec[3] = { '%', (char)op->off, '\0' };   /* @c is strftime's %c */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	size_t n = strftime(b, sizeof b, spec, tm);
#pragma GCC diagnostic pop
	return outbuf_put(o, b, n);
}

/* %P: every user property as key:value, separated by spaces. */
static int put_user(outbuf *o, const mq_props *pr)
{
	size_t off = 0;
	mq_bytes k, v;
	int r = 0;
	bool first = true;
	while (mq_user_prop_next(pr, &off, &k, &v) == 1) {
		if (!first)
			r |= outbuf_put(o, " ", 1);
		r |= outbuf_put(o, k.ptr, k.len);
		r |= outbuf_put(o, ":", 1);
		r |= outbuf_put(o, v.ptr, v.len);
		first = false;
	}
	return r;
}

static bool has(const mq_props *pr, int id)
{
	return pr->present & MQ_PROP_BIT(id);
}

/* The MQTT 5 fields; an absent property prints nothing. */
static int put_v5(outbuf *o, const fmt_op *op, const mq_props *pr)
{
	switch (op->field) {
	case 'A': return has(pr, MQ_PROP_TOPIC_ALIAS) ? put_number(o, op, pr->topic_alias) : 0;
	case 'C': return has(pr, MQ_PROP_CONTENT_TYPE) ? put_padded(o, op,
		(const char *)pr->content_type.ptr, pr->content_type.len) : 0;
	case 'D': return has(pr, MQ_PROP_CORRELATION_DATA) ? outbuf_put(o,
		pr->correlation_data.ptr, pr->correlation_data.len) : 0;
	case 'E': return has(pr, MQ_PROP_MESSAGE_EXPIRY) ? put_number(o, op, pr->message_expiry) : 0;
	case 'F': return has(pr, MQ_PROP_PAYLOAD_FORMAT) ? put_number(o, op, pr->payload_format) : 0;
	case 'P': return put_user(o, pr);
	case 'R': return has(pr, MQ_PROP_RESPONSE_TOPIC) ? put_padded(o, op,
		(const char *)pr->response_topic.ptr, pr->response_topic.len) : 0;
	case 'S': return pr->sub_id_count ? put_number(o, op, pr->sub_ids[0]) : 0;
	default: return 0;
	}
}

static int put_field(outbuf *o, const fmt_op *op, const mq_publish *p,
		     const struct timespec *now)
{
	switch (op->field) {
	case 't': return put_padded(o, op, (const char *)p->topic.ptr, p->topic.len);
	case 'p': return put_padded(o, op, (const char *)p->payload.ptr, p->payload.len);
	case 'l': return put_number(o, op, p->payload.len);
	case 'q': return put_number(o, &(fmt_op){ .width = -1 }, p->qos);
	case 'r': return put_number(o, &(fmt_op){ .width = -1 }, p->retain);
	case 'm': return put_number(o, op, p->packet_id);
	case 'x': case 'X': return put_hex(o, op, p->payload, op->field == 'X');
	case 'I': case 'U': case '@': return put_time(o, op, now);
	case 'j': case 'J': return json_mosquitto(o, p, now, op->field == 'J');
	default: return put_v5(o, op, &p->props);
	}
}

int format_print(const mq_format *f, outbuf *o, const mq_publish *p,
		 const struct timespec *now)
{
	int r = 0, not_json = 0;
	for (size_t i = 0; i < f->nops && r == 0; i++) {
		const fmt_op *op = &f->ops[i];
		r = op->field ? put_field(o, op, p, now) : outbuf_put(o, f->lit + op->off, op->len);
		if (r > 0) {   /* %J: the payload is not JSON */
			not_json = 1;
			r = 0;
		}
	}
	return r < 0 ? -1 : not_json;
}
