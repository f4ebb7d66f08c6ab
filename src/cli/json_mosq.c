/* json_mosq.c - %j and %J of mosquitto_sub 2.0 (see json_msg.h): the
 * same keys in the same order, cJSON's escapes and number format, the
 * MQTT 5 properties in the order the PUBLISH carries them.  Where
 * mosquitto_sub loses data (a payload cut at its first NUL, invalid UTF-8
 * written raw), mqsub writes the whole payload: escaped, or as
 * "payload_base64" when it is not UTF-8. */
#include <stdio.h>
#include <string.h>

#include "json_msg.h"
#include "json_out.h"
#include "json_scan.h"

/* ,"k": (no comma for the first key of an object: *first). */
static int key_(outbuf *o, bool *first, const char *k)
{
	int r = outbuf_put(o, ",\"" + *first, 2 - *first);
	*first = false;
	r |= outbuf_put(o, k, strlen(k));
	return r | outbuf_put(o, "\":", 2);
}

static int key(outbuf *o, const char *k)
{
	bool first = false;
	return key_(o, &first, k);
}

static int key_uint(outbuf *o, bool *first, const char *k, unsigned long long v)
{
	return key_(o, first, k) | json_put_uint(o, v);
}

/* Text as cJSON writes it, or k-base64 when it is not UTF-8. */
static int key_data(outbuf *o, bool *first, const char *k, mq_bytes b)
{
	char name[64];
	if (json_utf8_valid(b.ptr, b.len))
		return key_(o, first, k) | json_put_string(o, b.ptr, b.len);
	snprintf(name, sizeof name, "%s-base64", k);
	return key_(o, first, name) | json_put_base64(o, b.ptr, b.len);
}

/* "user-properties":{"k":"v",...}: a key may repeat, as in cJSON. */
static int user_properties(outbuf *o, bool *f, const mq_props *pr)
{
	size_t off = 0;
	mq_bytes k, v;
	int r = key_(o, f, "user-properties") | outbuf_put(o, "{", 1);
	for (bool first = true; mq_user_prop_next(pr, &off, &k, &v) == 1; first = false) {
		if (!first)
			r |= outbuf_put(o, ",", 1);
		r |= json_put_string_cjson(o, k.ptr, k.len) | outbuf_put(o, ":", 1);
		r |= json_put_string_cjson(o, v.ptr, v.len);
	}
	return r | outbuf_put(o, "}", 1);
}

/* The length of the value of property id at p[0..n) (MQTT 5.0 §2.2.2.2),
 * or 0 when it is not one a PUBLISH carries or runs past n. */
static size_t value_len(uint8_t id, const uint8_t *p, size_t n)
{
	size_t l;
	switch (id) {
	case MQ_PROP_PAYLOAD_FORMAT: l = 1; break;
	case MQ_PROP_MESSAGE_EXPIRY: l = 4; break;
	case MQ_PROP_TOPIC_ALIAS: l = 2; break;
	case MQ_PROP_SUBSCRIPTION_ID:
		for (l = 0; l < n && l < 4 && (p[l] & 0x80); l++)
			;
		l++;
		break;
	case MQ_PROP_CONTENT_TYPE: case MQ_PROP_RESPONSE_TOPIC:
	case MQ_PROP_CORRELATION_DATA: case MQ_PROP_USER_PROPERTY:
		if (n < 2)
			return 0;
		l = 2 + ((size_t)p[0] << 8 | p[1]);
		if (id == MQ_PROP_USER_PROPERTY && l + 2 <= n)
			l += 2 + ((size_t)p[l] << 8 | p[l + 1]);
		break;
	default: return 0;
	}
	return l <= n ? l : 0;
}

/* One property (the first of its kind for user properties; the nth
 * subscription identifier). */
static int property(outbuf *o, bool *f, const mq_props *pr, uint8_t id, size_t nth)
{
	switch (id) {
	case MQ_PROP_PAYLOAD_FORMAT: return key_uint(o, f, "payload-format-indicator", pr->payload_format);
	case MQ_PROP_MESSAGE_EXPIRY: return key_uint(o, f, "message-expiry-interval", pr->message_expiry);
	case MQ_PROP_CONTENT_TYPE: return key_data(o, f, "content-type", pr->content_type);
	case MQ_PROP_RESPONSE_TOPIC: return key_data(o, f, "response-topic", pr->response_topic);
	case MQ_PROP_CORRELATION_DATA: return key_data(o, f, "correlation-data", pr->correlation_data);
	case MQ_PROP_TOPIC_ALIAS: return key_uint(o, f, "topic-alias", pr->topic_alias);
	case MQ_PROP_USER_PROPERTY: return user_properties(o, f, pr);
	default:
		return nth < MQ_MAX_SUB_IDS ? key_uint(o, f, "subscription-identifier", pr->sub_ids[nth]) : 0;
	}
}

/* "properties":{...} in the order of the property block (§3.3.2.3). */
static int properties(outbuf *o, const mq_props *pr)
{
	const uint8_t *p = pr->raw.ptr;
	size_t n = pr->raw.len, i = 0, nsub = 0;
	bool user_done = false, first = true;
	int r = key(o, "properties") | outbuf_put(o, "{", 1);
	while (i < n && r == 0) {
		uint8_t id = p[i++];
		size_t l = value_len(id, p + i, n - i);
		if (!l)
			break;
		i += l;
		if (id == MQ_PROP_USER_PROPERTY && user_done)
			continue;
		user_done |= id == MQ_PROP_USER_PROPERTY;
		r |= property(o, &first, pr, id, id == MQ_PROP_SUBSCRIPTION_ID ? nsub++ : 0);
	}
	return r | outbuf_put(o, "}", 1);
}

/* "tst":"2020-05-06T22:12:00.000000Z+0100": mosquitto_sub 2.0.11 writes
 * local time with microseconds, a Z, then the UTC offset. */
static int tst(outbuf *o, const struct timespec *now)
{
	char b[64];
	struct tm tm;
	time_t t = now->tv_sec;
	localtime_r(&t, &tm);
	size_t n = strftime(b, sizeof b, "{\"tst\":\"%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(b + n, sizeof b - n, ".%06ldZ", now->tv_nsec / 1000);
	n += strftime(b + n, sizeof b - n, "%z\"", &tm);
	return outbuf_put(o, b, n);
}

/* The payload of %j: cJSON's escapes for text, base64 otherwise. */
static int payload_j(outbuf *o, mq_bytes b)
{
	if (!b.len)
		return key(o, "payload") | outbuf_put(o, "null", 4);
	if (json_utf8_valid(b.ptr, b.len))
		return key(o, "payload") | json_put_string_cjson(o, b.ptr, b.len);
	return key(o, "payload_base64") | json_put_base64(o, b.ptr, b.len);
}

int json_mosquitto(outbuf *o, const mq_publish *p, const struct timespec *now,
		   bool parsed)
{
	if (parsed && p->payload.len && !json_valid(p->payload.ptr, p->payload.len))
		return 1;
	int r = tst(o, now);
	r |= key(o, "topic") | json_put_string_cjson(o, p->topic.ptr, p->topic.len);
	r |= key(o, "qos") | json_put_uint(o, p->qos);
	r |= key(o, "retain") | json_put_uint(o, p->retain);
	r |= key(o, "payloadlen") | json_put_uint(o, p->payload.len);
	if (p->qos)
		r |= key(o, "mid") | json_put_uint(o, p->packet_id);
	if (p->props.raw.len)
		r |= properties(o, &p->props);
	if (!parsed)
		r |= payload_j(o, p->payload);
	else if (!p->payload.len)
		r |= key(o, "payload") | outbuf_put(o, "null", 4);
	else
		r |= key(o, "payload") | json_write(o, p->payload.ptr, p->payload.len, JSON_CJSON, 0);
	return r | outbuf_put(o, "}", 1) ? -1 : 0;
}
