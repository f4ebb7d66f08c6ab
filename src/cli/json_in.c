/* json_in.c - read mqpub --json lines (see json_in.h).  The line is
 * checked as a whole with json_scan, then walked member by member; every
 * value lands in j->buf, sized once for the longest line seen. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/base64.h>

#include "json_in.h"
#include "json_scan.h"

typedef struct reader {
	json_in *j;
	const uint8_t *p;
	size_t n;
	size_t used;          /* bytes of j->buf taken */
	const char *why;
	size_t at;            /* where it went wrong */
	uint32_t seen;        /* keys met in the object being walked */
} reader;

/* A value: p[start..end), its first byte says which kind. */
typedef struct span {
	size_t start, end;
} span;

typedef int (*member_fn)(reader *r, int key, span v);

static const char *const top_keys[] = {
	"time", "topic", "qos", "retain", "message_id", "payload_length",
	"properties", "payload", "payload_base64", NULL
};
enum { K_TIME, K_TOPIC, K_QOS, K_RETAIN, K_MESSAGE_ID, K_PAYLOAD_LENGTH,
       K_PROPERTIES, K_PAYLOAD, K_PAYLOAD_BASE64 };

static const char *const prop_keys[] = {
	"payload_format_indicator", "message_expiry_interval", "content_type",
	"response_topic", "correlation_data", "correlation_data_base64",
	"subscription_identifiers", "topic_alias", "user_properties", NULL
};
enum { P_FORMAT, P_EXPIRY, P_CONTENT_TYPE, P_RESPONSE_TOPIC, P_CORR,
       P_CORR_BASE64, P_SUB_IDS, P_TOPIC_ALIAS, P_USER };

void json_in_free(json_in *j)
{
	free(j->buf);
	memset(j, 0, sizeof *j);
}

static int fail(reader *r, size_t at, const char *why)
{
	r->why = why;
	r->at = at;
	return -1;
}

static bool is_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_ws(const reader *r, size_t i)
{
	while (i < r->n && is_ws(r->p[i]))
		i++;
	return i;
}

/* The value at i (valid: the line was checked), without the whitespace
 * around it; *next is where the scan stopped. */
static span value_at(const reader *r, size_t i, size_t *next)
{
	span v = { skip_ws(r, i), 0 };
	size_t e = v.start;
	json_scan_value(r->p, r->n, &e);
	*next = e;
	while (e > v.start && is_ws(r->p[e - 1]))
		e--;
	v.end = e;
	return v;
}

static uint8_t kind(const reader *r, span v)
{
	uint8_t c = r->p[v.start];
	return c == '-' || (c >= '0' && c <= '9') ? '0' : c;
}

/* Decode the string v into j->buf; its bytes in *out. */
static int string_of(reader *r, span v, mq_bytes *out)
{
	if (kind(r, v) != '"')
		return fail(r, v.start, "expected a string");
	uint8_t *dst = r->j->buf + r->used;
	size_t n = json_string_decode(r->p + v.start, v.end - v.start, dst);
	*out = (mq_bytes){ dst, n };
	r->used += n;
	return 0;
}

/* A base64 string (RFC 4648, padded) decoded into j->buf. */
static int base64_of(reader *r, span v, mq_bytes *out)
{
	mq_bytes text;
	if (string_of(r, v, &text) < 0)
		return -1;
	uint8_t *dst = r->j->buf + r->used;
	size_t n;
	if (mbedtls_base64_decode(dst, r->j->cap - r->used, &n, text.ptr, text.len))
		return fail(r, v.start, "not valid base64");
	*out = (mq_bytes){ dst, n };
	r->used += n;
	return 0;
}

static int uint_of(reader *r, span v, uint64_t max, uint64_t *out)
{
	uint64_t x = 0;
	if (kind(r, v) != '0' || r->p[v.start] == '-')
		return fail(r, v.start, "expected a whole number");
	for (size_t i = v.start; i < v.end; i++) {
		uint8_t c = r->p[i];
		if (c < '0' || c > '9')
			return fail(r, v.start, "expected a whole number");
		x = x * 10 + (uint64_t)(c - '0');
		if (x > max)
			return fail(r, v.start, "number out of range");
	}
	*out = x;
	return 0;
}

/* Walk the object at v: call member() with each key's index in keys. */
static int walk_object(reader *r, span v, const char *const *keys,
		       member_fn member)
{
	if (r->p[v.start] != '{')
		return fail(r, v.start, "expected an object");
	r->seen = 0;
	size_t i = skip_ws(r, v.start + 1);
	while (r->p[i] != '}') {
		size_t next;
		span k = value_at(r, i, &next);
		uint8_t name[32];
		size_t len = k.end - k.start;
		len = len <= sizeof name ? json_string_decode(r->p + k.start, len, name) : 0;
		int key = 0;
		while (keys[key] && (strncmp(keys[key], (const char *)name, len) ||
				     keys[key][len]))
			key++;
		if (!keys[key])
			return fail(r, k.start, "unknown key");
		if (r->seen & (1u << key))
			return fail(r, k.start, "key given twice");
		r->seen |= 1u << key;
		span val = value_at(r, next + 1, &next);   /* past ':' */
		if (member(r, key, val) < 0)
			return -1;
		i = r->p[next] == ',' ? skip_ws(r, next + 1) : next;
	}
	return 0;
}

/* "user_properties": [[key, value], ...], encoded as User Properties. */
static int user_properties(reader *r, span v)
{
	json_in *j = r->j;
	if (r->p[v.start] != '[')
		return fail(r, v.start, "expected an array of [key, value] pairs");
	uint8_t *start = j->buf + r->used;
	size_t i = skip_ws(r, v.start + 1), next;
	while (r->p[i] != ']') {
		span pair = value_at(r, i, &next);
		i = r->p[next] == ',' ? skip_ws(r, next + 1) : next;
		if (r->p[pair.start] != '[')
			return fail(r, pair.start, "expected a [key, value] pair");
		size_t after;
		span ks = value_at(r, pair.start + 1, &after);
		if (r->p[after] != ',')
			return fail(r, pair.start, "expected a [key, value] pair");
		span vs = value_at(r, after + 1, &after);
		if (r->p[after] != ']')
			return fail(r, pair.start, "expected a [key, value] pair");
		size_t mark = r->used;
		mq_bytes key, value;
		if (string_of(r, ks, &key) < 0 || string_of(r, vs, &value) < 0)
			return -1;
		/* Encoded in place (0x26, length, key, length, value) over
		 * the decoded copies: the pair's text took at least 7 + key +
		 * value bytes, so it fits the buffer's budget. */
		memmove(j->buf + mark + 5 + key.len, value.ptr, value.len);
		memmove(j->buf + mark + 3, key.ptr, key.len);
		key.ptr = j->buf + mark + 3;
		value.ptr = j->buf + mark + 5 + key.len;
		uint8_t *dst = j->buf + mark;
		if (key.len > 65535 || value.len > 65535 ||
		    mq_utf8_check(key.ptr, key.len) < 0 ||
		    mq_utf8_check(value.ptr, value.len) < 0)
			return fail(r, pair.start, "user property not valid MQTT UTF-8 (or over 65535 bytes)");
		dst[0] = MQ_PROP_USER_PROPERTY;
		dst[1] = (uint8_t)(key.len >> 8);
		dst[2] = (uint8_t)key.len;
		dst[3 + key.len] = (uint8_t)(value.len >> 8);
		dst[4 + key.len] = (uint8_t)value.len;
		r->used = mark + 5 + key.len + value.len;
	}
	j->props.user = (mq_bytes){ start, (size_t)(j->buf + r->used - start) };
	j->has_user = true;
	return 0;
}

static int prop_member(reader *r, int key, span v)
{
	mq_props *pr = &r->j->props;
	uint64_t x;
	switch (key) {
	case P_FORMAT:
		if (uint_of(r, v, 1, &x) < 0)
			return -1;
		pr->payload_format = (uint8_t)x;
		pr->present |= MQ_PROP_BIT(MQ_PROP_PAYLOAD_FORMAT);
		return 0;
	case P_EXPIRY:
		if (uint_of(r, v, UINT32_MAX, &x) < 0)
			return -1;
		pr->message_expiry = (uint32_t)x;
		pr->present |= MQ_PROP_BIT(MQ_PROP_MESSAGE_EXPIRY);
		return 0;
	case P_CONTENT_TYPE:
		if (string_of(r, v, &pr->content_type) < 0)
			return -1;
		if (mq_utf8_check(pr->content_type.ptr, pr->content_type.len) < 0)
			return fail(r, v.start, "content type not valid MQTT UTF-8 (or over 65535 bytes)");
		pr->present |= MQ_PROP_BIT(MQ_PROP_CONTENT_TYPE);
		return 0;
	case P_RESPONSE_TOPIC:
		if (string_of(r, v, &pr->response_topic) < 0)
			return -1;
		if (mq_topic_check(pr->response_topic.ptr, pr->response_topic.len) < 0)
			return fail(r, v.start, "bad response topic");
		pr->present |= MQ_PROP_BIT(MQ_PROP_RESPONSE_TOPIC);
		return 0;
	case P_CORR:
	case P_CORR_BASE64:
		if (r->seen & (1u << (key == P_CORR ? P_CORR_BASE64 : P_CORR)))
			return fail(r, v.start, "give correlation_data or correlation_data_base64, not both");
		if ((key == P_CORR ? string_of : base64_of)(r, v, &pr->correlation_data) < 0)
			return -1;
		if (pr->correlation_data.len > 65535)
			return fail(r, v.start, "correlation data over 65535 bytes");
		pr->present |= MQ_PROP_BIT(MQ_PROP_CORRELATION_DATA);
		return 0;
	case P_USER:
		return user_properties(r, v);
	default:   /* set by the broker on the way to a subscriber */
		return 0;
	}
}

static int top_member(reader *r, int key, span v)
{
	json_in *j = r->j;
	uint64_t x;
	switch (key) {
	case K_TIME:
		if (kind(r, v) != '"' ||
		    json_in_time(r->p + v.start + 1, v.end - v.start - 2, &j->time_ms) < 0)
			return fail(r, v.start, "expected a time as mqsub --json writes it (2026-12-04T09:30:00.125Z)");
		j->has_time = true;
		return 0;
	case K_TOPIC:
		if (string_of(r, v, &j->topic) < 0)
			return -1;
		if (mq_topic_check(j->topic.ptr, j->topic.len) < 0)
			return fail(r, v.start, "bad topic: must be 1 to 65535 bytes of UTF-8 without + # or U+0000");
		return 0;
	case K_QOS:
		if (uint_of(r, v, 2, &x) < 0)
			return -1;
		j->qos = (int)x;
		return 0;
	case K_RETAIN:
		if (kind(r, v) != 't' && kind(r, v) != 'f')
			return fail(r, v.start, "expected true or false");
		j->retain = kind(r, v) == 't';
		return 0;
	case K_PROPERTIES: {
		uint32_t outer = r->seen;
		j->has_props = true;
		int rc = walk_object(r, v, prop_keys, prop_member);
		r->seen = outer;
		return rc;
	}
	case K_PAYLOAD:
	case K_PAYLOAD_BASE64:
		if (r->seen & (1u << (key == K_PAYLOAD ? K_PAYLOAD_BASE64 : K_PAYLOAD)))
			return fail(r, v.start, "give payload or payload_base64, not both");
		if (key == K_PAYLOAD_BASE64)
			return base64_of(r, v, &j->payload);
		if (kind(r, v) == '"')
			return string_of(r, v, &j->payload);
		/* JSON: its text, as the line has it */
		memcpy(j->buf + r->used, r->p + v.start, v.end - v.start);
		j->payload = (mq_bytes){ j->buf + r->used, v.end - v.start };
		r->used += v.end - v.start;
		return 0;
	default:   /* message_id, payload_length: the subscriber's view */
		return 0;
	}
}

int json_in_read(json_in *j, const uint8_t *line, size_t len,
		 const char **why, size_t *column)
{
	size_t need = 2 * len + 16;
	if (need > j->cap) {
		uint8_t *b = realloc(j->buf, need);
		if (!b) {
			*why = "out of memory";
			*column = 1;
			return -1;
		}
		j->buf = b;
		j->cap = need;
	}
	uint8_t *buf = j->buf;
	size_t cap = j->cap;
	memset(j, 0, sizeof *j);
	*j = (json_in){ .buf = buf, .cap = cap, .qos = -1, .retain = -1 };
	reader r = { .j = j, .p = line, .n = len };
	size_t end = 0;
	int rc;
	if (!json_scan_value(line, len, &end) || end != len)
		rc = fail(&r, end, "not valid JSON");
	else {
		/* the line is one value: no need to scan it again for its span */
		span v = { skip_ws(&r, 0), len };
		while (is_ws(line[v.end - 1]))
			v.end--;
		rc = walk_object(&r, v, top_keys, top_member);
		if (rc == 0 && !(r.seen & (1u << K_PAYLOAD | 1u << K_PAYLOAD_BASE64)))
			rc = fail(&r, v.start, "no payload (give \"payload\" or \"payload_base64\")");
	}
	if (rc < 0) {
		*why = r.why;
		*column = r.at + 1;
	}
	return rc;
}

static int digits_at(const uint8_t *s, size_t n, size_t *i, size_t count, int *out)
{
	int v = 0;
	for (size_t k = 0; k < count; k++, (*i)++) {
		if (*i >= n || s[*i] < '0' || s[*i] > '9')
			return -1;
		v = v * 10 + (s[*i] - '0');
	}
	*out = v;
	return 0;
}

static int expect(const uint8_t *s, size_t n, size_t *i, char c)
{
	if (*i >= n || s[*i] != (uint8_t)c)
		return -1;
	(*i)++;
	return 0;
}

int json_in_time(const uint8_t *s, size_t n, int64_t *ms)
{
	struct tm tm = { 0 };
	size_t i = 0;
	int y, mo, d, h, mi, sec, frac = 0;
	if (digits_at(s, n, &i, 4, &y) || expect(s, n, &i, '-') ||
	    digits_at(s, n, &i, 2, &mo) || expect(s, n, &i, '-') ||
	    digits_at(s, n, &i, 2, &d) || expect(s, n, &i, 'T') ||
	    digits_at(s, n, &i, 2, &h) || expect(s, n, &i, ':') ||
	    digits_at(s, n, &i, 2, &mi) || expect(s, n, &i, ':') ||
	    digits_at(s, n, &i, 2, &sec))
		return -1;
	if (i < n && s[i] == '.') {
		int scale = 100;
		i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return -1;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, scale /= 10)
			frac += (s[i] - '0') * scale;
	}
	if (expect(s, n, &i, 'Z') || i != n || mo < 1 || mo > 12 || d < 1 ||
	    d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	time_t t = timegm(&tm);
	*ms = (int64_t)t * 1000 + frac;
	return 0;
}
