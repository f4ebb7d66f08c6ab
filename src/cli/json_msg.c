/* json_msg.c - a message as a JSON object (see json_msg.h). */
#include <stdio.h>
#include <string.h>

#include "json_msg.h"
#include "json_out.h"
#include "json_scan.h"

int json_payload_parse(const char *s)
{
	static const char *const names[] = { "auto", "json", "string", "base64" };
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

/* ---- --json: our schema ------------------------------------------------- */

/* A tiny writer that knows commas and, with pretty, the indent. */
typedef struct jw {
	outbuf *o;
	bool pretty, color, first;
	int depth;
	int r;
} jw;

static void put(jw *w, const char *s, size_t n)
{
	w->r |= outbuf_put(w->o, s, n);
}

static void indent(jw *w)
{
	if (!w->pretty)
		return;
	put(w, "\n", 1);
	for (int k = 0; k < w->depth; k++)
		put(w, "  ", 2);
}

static void open_(jw *w, char c)
{
	put(w, &c, 1);
	w->depth++;
	w->first = true;
}

static void close_(jw *w, char c)
{
	w->depth--;
	if (!w->first)
		indent(w);
	put(w, &c, 1);
	w->first = false;
}

/* Before an array element or object key. */
static void item(jw *w)
{
	if (!w->first)
		put(w, ",", 1);
	w->first = false;
	indent(w);
}

#define KEY_COLOR "\033[1;34m"   /* bold blue, as the topic of -v */
#define END_COLOR "\033[0m"

static void key(jw *w, const char *k)
{
	item(w);
	if (w->color)
		put(w, KEY_COLOR, sizeof KEY_COLOR - 1);
	w->r |= json_put_string(w->o, (const uint8_t *)k, strlen(k));
	if (w->color)
		put(w, END_COLOR, sizeof END_COLOR - 1);
	put(w, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
}

static void key_uint(jw *w, const char *k, unsigned long long v)
{
	key(w, k);
	w->r |= json_put_uint(w->o, v);
}

static void key_str(jw *w, const char *k, mq_bytes b)
{
	key(w, k);
	w->r |= json_put_string(w->o, b.ptr, b.len);
}

/* Binary data: "k" when it is UTF-8 text, else "k_base64". */
static void key_data(jw *w, const char *k, mq_bytes b, bool text)
{
	char name[64];
	if (text) {
		key_str(w, k, b);
		return;
	}
	snprintf(name, sizeof name, "%s_base64", k);
	key(w, name);
	w->r |= json_put_base64(w->o, b.ptr, b.len);
}

static bool has(const mq_props *pr, int id)
{
	return pr->present & MQ_PROP_BIT(id);
}

static void user_properties(jw *w, const mq_props *pr)
{
	size_t off = 0;
	mq_bytes k, v;
	if (!mq_user_prop_next(pr, &off, &k, &v))
		return;
	key(w, "user_properties");
	open_(w, '[');
	off = 0;
	while (mq_user_prop_next(pr, &off, &k, &v) == 1) {
		item(w);
		put(w, "[", 1);
		w->r |= json_put_string(w->o, k.ptr, k.len);
		put(w, w->pretty ? ", " : ",", w->pretty ? 2 : 1);
		w->r |= json_put_string(w->o, v.ptr, v.len);
		put(w, "]", 1);
	}
	close_(w, ']');
}

static void subscription_ids(jw *w, const mq_props *pr)
{
	size_t n = pr->sub_id_count < MQ_MAX_SUB_IDS ? pr->sub_id_count : MQ_MAX_SUB_IDS;
	key(w, "subscription_identifiers");
	open_(w, '[');
	for (size_t i = 0; i < n; i++) {
		item(w);
		w->r |= json_put_uint(w->o, pr->sub_ids[i]);
	}
	close_(w, ']');
}

/* "properties": every MQTT 5 property of a PUBLISH (§3.3.2.3). */
static void properties(jw *w, const mq_props *pr)
{
	key(w, "properties");
	open_(w, '{');
	if (has(pr, MQ_PROP_PAYLOAD_FORMAT))
		key_uint(w, "payload_format_indicator", pr->payload_format);
	if (has(pr, MQ_PROP_MESSAGE_EXPIRY))
		key_uint(w, "message_expiry_interval", pr->message_expiry);
	if (has(pr, MQ_PROP_CONTENT_TYPE))
		key_str(w, "content_type", pr->content_type);
	if (has(pr, MQ_PROP_RESPONSE_TOPIC))
		key_str(w, "response_topic", pr->response_topic);
	if (has(pr, MQ_PROP_CORRELATION_DATA))
		key_data(w, "correlation_data", pr->correlation_data,
			 json_utf8_valid(pr->correlation_data.ptr, pr->correlation_data.len));
	if (pr->sub_id_count)
		subscription_ids(w, pr);
	if (has(pr, MQ_PROP_TOPIC_ALIAS))
		key_uint(w, "topic_alias", pr->topic_alias);
	user_properties(w, pr);
	close_(w, '}');
}

/* "payload" (JSON or a string) or "payload_base64", as mode says. */
static void payload(jw *w, mq_bytes b, json_payload mode)
{
	bool json = mode == JSON_PAYLOAD_AUTO ? json_valid_nonstring(b.ptr, b.len)
		: mode == JSON_PAYLOAD_JSON && json_valid(b.ptr, b.len);
	if (json) {
		key(w, "payload");
		w->r |= json_write(w->o, b.ptr, b.len,
				   w->pretty ? JSON_PRETTY : JSON_COMPACT, w->depth);
		return;
	}
	bool text = (mode == JSON_PAYLOAD_AUTO || mode == JSON_PAYLOAD_STRING) &&
		    json_utf8_valid(b.ptr, b.len);
	key_data(w, "payload", b, text);
}

int json_message(outbuf *o, const mq_publish *p, const struct timespec *now,
		 const json_style_opts *st)
{
	jw w = { .o = o, .pretty = st->pretty, .color = st->color };
	json_payload mode = st->payload;
	char t[32];
	open_(&w, '{');
	key(&w, "time");
	put(&w, "\"", 1);
	put(&w, t, json_iso_time(t, now));
	put(&w, "\"", 1);
	key_str(&w, "topic", p->topic);
	key_uint(&w, "qos", p->qos);
	key(&w, "retain");
	put(&w, p->retain ? "true" : "false", p->retain ? 4 : 5);
	if (p->qos)
		key_uint(&w, "message_id", p->packet_id);
	key_uint(&w, "payload_length", p->payload.len);
	if (p->props.raw.len)
		properties(&w, &p->props);
	payload(&w, p->payload, mode);
	close_(&w, '}');
	return w.r;
}
