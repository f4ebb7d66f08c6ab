/* props.c - MQTT 5.0 properties (§2.2.2): one table gives each id its
 * data type and field, another which packet types may carry it. */
#include <stddef.h>

#include "codec_internal.h"

enum prop_kind { K_NONE, K_BYTE, K_U16, K_U32, K_VARINT, K_STR, K_BIN, K_PAIR };

struct prop_def {
	uint8_t kind;
	bool nonzero;   /* 0 is a Protocol Error for this property */
	size_t off;     /* field in mq_props */
};

#define MQ_PROP_LAST MQ_PROP_SHARED_SUB_AVAILABLE
#define DEF(id, k, field, nz) \
	[MQ_PROP_##id] = { k, nz, offsetof(mq_props, field) }

/* MQTT 5.0 §2.2.2.2, Table 2-4: identifier, type, value. */
static const struct prop_def defs[MQ_PROP_LAST + 1] = {
	DEF(PAYLOAD_FORMAT, K_BYTE, payload_format, false),
	DEF(MESSAGE_EXPIRY, K_U32, message_expiry, false),
	DEF(CONTENT_TYPE, K_STR, content_type, false),
	DEF(RESPONSE_TOPIC, K_STR, response_topic, false),
	DEF(CORRELATION_DATA, K_BIN, correlation_data, false),
	DEF(SUBSCRIPTION_ID, K_VARINT, sub_ids, true),
	DEF(SESSION_EXPIRY, K_U32, session_expiry, false),
	DEF(ASSIGNED_CLIENT_ID, K_STR, assigned_client_id, false),
	DEF(SERVER_KEEPALIVE, K_U16, server_keepalive, false),
	DEF(AUTH_METHOD, K_STR, auth_method, false),
	DEF(AUTH_DATA, K_BIN, auth_data, false),
	DEF(REQUEST_PROBLEM_INFO, K_BYTE, request_problem_info, false),
	DEF(WILL_DELAY, K_U32, will_delay, false),
	DEF(REQUEST_RESPONSE_INFO, K_BYTE, request_response_info, false),
	DEF(RESPONSE_INFO, K_STR, response_info, false),
	DEF(SERVER_REFERENCE, K_STR, server_reference, false),
	DEF(REASON_STRING, K_STR, reason_string, false),
	DEF(RECEIVE_MAXIMUM, K_U16, receive_maximum, true),
	DEF(TOPIC_ALIAS_MAXIMUM, K_U16, topic_alias_maximum, false),
	DEF(TOPIC_ALIAS, K_U16, topic_alias, true),
	DEF(MAXIMUM_QOS, K_BYTE, maximum_qos, false),
	DEF(RETAIN_AVAILABLE, K_BYTE, retain_available, false),
	DEF(USER_PROPERTY, K_PAIR, user, false),
	DEF(MAXIMUM_PACKET_SIZE, K_U32, maximum_packet_size, true),
	DEF(WILDCARD_SUB_AVAILABLE, K_BYTE, wildcard_sub_available, false),
	DEF(SUB_ID_AVAILABLE, K_BYTE, sub_id_available, false),
	DEF(SHARED_SUB_AVAILABLE, K_BYTE, shared_sub_available, false),
};
#undef DEF

#define B(id) MQ_PROP_BIT(MQ_PROP_##id)
#define ACK_PROPS (B(REASON_STRING) | B(USER_PROPERTY))

/* MQTT 5.0 §2.2.2.2, Table 2-4: where each property may appear.
 * Index MQ_CTX_WILL (0) stands for the Will Properties of CONNECT. */
static const uint64_t allowed[16] = {
	[MQ_CTX_WILL] = B(PAYLOAD_FORMAT) | B(MESSAGE_EXPIRY) |
		B(CONTENT_TYPE) | B(RESPONSE_TOPIC) | B(CORRELATION_DATA) |
		B(WILL_DELAY) | B(USER_PROPERTY),
	[MQ_CONNECT] = B(SESSION_EXPIRY) | B(AUTH_METHOD) | B(AUTH_DATA) |
		B(REQUEST_PROBLEM_INFO) | B(REQUEST_RESPONSE_INFO) |
		B(RECEIVE_MAXIMUM) | B(TOPIC_ALIAS_MAXIMUM) |
		B(USER_PROPERTY) | B(MAXIMUM_PACKET_SIZE),
	[MQ_CONNACK] = B(SESSION_EXPIRY) | B(ASSIGNED_CLIENT_ID) |
		B(SERVER_KEEPALIVE) | B(AUTH_METHOD) | B(AUTH_DATA) |
		B(RESPONSE_INFO) | B(SERVER_REFERENCE) | B(REASON_STRING) |
		B(RECEIVE_MAXIMUM) | B(TOPIC_ALIAS_MAXIMUM) | B(MAXIMUM_QOS) |
		B(RETAIN_AVAILABLE) | B(USER_PROPERTY) |
		B(MAXIMUM_PACKET_SIZE) | B(WILDCARD_SUB_AVAILABLE) |
		B(SUB_ID_AVAILABLE) | B(SHARED_SUB_AVAILABLE),
	[MQ_PUBLISH] = B(PAYLOAD_FORMAT) | B(MESSAGE_EXPIRY) |
		B(CONTENT_TYPE) | B(RESPONSE_TOPIC) | B(CORRELATION_DATA) |
		B(SUBSCRIPTION_ID) | B(TOPIC_ALIAS) | B(USER_PROPERTY),
	[MQ_PUBACK] = ACK_PROPS,
	[MQ_PUBREC] = ACK_PROPS,
	[MQ_PUBREL] = ACK_PROPS,
	[MQ_PUBCOMP] = ACK_PROPS,
	[MQ_SUBSCRIBE] = B(SUBSCRIPTION_ID) | B(USER_PROPERTY),
	[MQ_SUBACK] = ACK_PROPS,
	[MQ_UNSUBSCRIBE] = B(USER_PROPERTY),
	[MQ_UNSUBACK] = ACK_PROPS,
	[MQ_DISCONNECT] = B(SESSION_EXPIRY) | B(SERVER_REFERENCE) |
		B(REASON_STRING) | B(USER_PROPERTY),
	[MQ_AUTH] = B(AUTH_METHOD) | B(AUTH_DATA) | B(REASON_STRING) |
		B(USER_PROPERTY),
};

static const struct prop_def *prop_def(uint8_t id)
{
	return id <= MQ_PROP_LAST && defs[id].kind != K_NONE ? &defs[id] : NULL;
}

/* §2.2.2.2: only User Property repeats, and Subscription Identifier in
 * PUBLISH (§3.3.2.3.8). */
static bool repeatable(uint8_t id, uint8_t ctx)
{
	return id == MQ_PROP_USER_PROPERTY ||
	       (id == MQ_PROP_SUBSCRIPTION_ID && ctx == MQ_PUBLISH);
}

/* ---- decode ------------------------------------------------------------- */

static int int_read(mq_cur *c, uint8_t kind, uint32_t *v)
{
	uint8_t b = 0;
	uint16_t h = 0;
	int rc;

	if (kind == K_BYTE) {
		rc = mq_get_u8(c, &b);
		*v = b;
		return rc;
	}
	if (kind == K_U16) {
		rc = mq_get_u16(c, &h);
		*v = h;
		return rc;
	}
	return mq_get_u32(c, v);
}

static void int_store(mq_props *pr, const struct prop_def *d, uint32_t v)
{
	uint8_t *f = (uint8_t *)pr + d->off;
	uint8_t b = (uint8_t)v;
	uint16_t h = (uint16_t)v;

	if (d->kind == K_BYTE)
		memcpy(f, &b, 1);
	else if (d->kind == K_U16)
		memcpy(f, &h, 2);
	else
		memcpy(f, &v, 4);
}

/* Byte properties are all 0 or 1 (§3.1.2.11.4, §3.2.2.3.4, ...); some
 * integers may not be 0 (§3.1.2.11.3, §3.1.2.11.4, §3.3.2.3.4). */
static int integer_get(mq_cur *c, const struct prop_def *d, mq_props *pr)
{
	uint32_t v = 0;
	int rc = int_read(c, d->kind, &v);

	if (rc < 0)
		return rc;
	if ((d->kind == K_BYTE && v > 1) || (d->nonzero && v == 0))
		return -MQ_E_BAD_PROPERTY;
	int_store(pr, d, v);
	return 0;
}

/* §3.3.2.3.8: 1 to 268,435,455; the first MQ_MAX_SUB_IDS are kept. */
static int subid_get(mq_cur *c, mq_props *pr)
{
	uint32_t v;
	int rc = mq_get_varint(c, &v);

	if (rc < 0)
		return rc;
	if (v == 0)
		return -MQ_E_BAD_PROPERTY;
	if (pr->sub_id_count < MQ_MAX_SUB_IDS)
		pr->sub_ids[pr->sub_id_count] = v;
	pr->sub_id_count++;
	return 0;
}

/* §3.3.2.3.5: a Response Topic is a topic name. */
static int string_get(mq_cur *c, uint8_t id, mq_bytes *out)
{
	int rc = mq_get_str(c, out);

	if (rc == 0 && id == MQ_PROP_RESPONSE_TOPIC)
		rc = mq_topic_check(out->ptr, out->len);
	return rc;
}

static mq_bytes *bytes_at(mq_props *pr, const struct prop_def *d)
{
	return (mq_bytes *)(void *)((uint8_t *)pr + d->off);
}

static int pair_get(mq_cur *c)
{
	mq_bytes k, v;
	int rc = mq_get_str(c, &k);

	return rc < 0 ? rc : mq_get_str(c, &v);
}

static int value_get(mq_cur *c, uint8_t id, mq_props *pr)
{
	const struct prop_def *d = prop_def(id);

	switch (d->kind) {
	case K_VARINT:
		return subid_get(c, pr);
	case K_STR:
		return string_get(c, id, bytes_at(pr, d));
	case K_BIN:
		return mq_get_bin(c, bytes_at(pr, d));
	case K_PAIR:
		return pair_get(c);
	default:
		return integer_get(c, d, pr);
	}
}

static int prop_get(mq_cur *c, uint8_t ctx, mq_props *pr)
{
	uint8_t id;
	int rc = mq_get_u8(c, &id);

	if (rc < 0)
		return rc;
	if (!prop_def(id) || !(allowed[ctx] & MQ_PROP_BIT(id)))
		return -MQ_E_BAD_PROPERTY;
	if ((pr->present & MQ_PROP_BIT(id)) && !repeatable(id, ctx))
		return -MQ_E_BAD_PROPERTY;
	pr->present |= MQ_PROP_BIT(id);
	return value_get(c, id, pr);
}

/* §2.2.2.1: Property Length, then properties that must end exactly at
 * that length.  pr->user spans from the first User Property to the end
 * of the block (mq_user_prop_next() skips any other property in it). */
int mq_props_get(mq_cur *c, uint8_t ctx, mq_props *pr)
{
	uint32_t n;
	mq_cur b;
	int rc = mq_get_varint(c, &n);

	if (rc < 0)
		return rc;
	if (n > mq_cur_left(c))
		return -MQ_E_MALFORMED;
	b = mq_cur_take(c, n);
	pr->raw = (mq_bytes){ b.p, n };
	while (mq_cur_left(&b)) {
		size_t at = b.pos;

		rc = prop_get(&b, ctx, pr);
		if (rc < 0)
			return rc;
		if (b.p[at] == MQ_PROP_USER_PROPERTY && !pr->user.ptr)
			pr->user.ptr = b.p + at;
	}
	if (pr->user.ptr)
		pr->user.len = (size_t)(b.p + n - pr->user.ptr);
	return 0;
}

/* ---- user properties ---------------------------------------------------- */

/* Step over the value of a property that is not a User Property. */
static int value_skip(mq_cur *c, uint8_t id)
{
	static const uint8_t fixed[K_PAIR + 1] = {
		[K_BYTE] = 1, [K_U16] = 2, [K_U32] = 4
	};
	const struct prop_def *d = prop_def(id);
	uint32_t v;
	mq_bytes b;

	if (!d)
		return -MQ_E_BAD_PROPERTY;
	if (d->kind == K_VARINT)
		return mq_get_varint(c, &v);
	if (d->kind == K_STR || d->kind == K_BIN)
		return mq_get_bin(c, &b);
	if (mq_cur_left(c) < fixed[d->kind])
		return -MQ_E_MALFORMED;
	c->pos += fixed[d->kind];
	return 0;
}

/* Next User Property in c: 1 with key/value, 0 at the end, or -MQ_E_*. */
static int user_next(mq_cur *c, mq_bytes *key, mq_bytes *value)
{
	while (mq_cur_left(c)) {
		uint8_t id;
		int rc = mq_get_u8(c, &id);

		if (rc == 0 && id == MQ_PROP_USER_PROPERTY) {
			rc = mq_get_bin(c, key);
			if (rc == 0)
				rc = mq_get_bin(c, value);
			return rc < 0 ? rc : 1;
		}
		if (rc == 0)
			rc = value_skip(c, id);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int mq_user_prop_next(const mq_props *props, size_t *off, mq_bytes *key,
		      mq_bytes *value)
{
	mq_cur c = { props->user.ptr, props->user.len, *off };

	if (*off >= props->user.len || user_next(&c, key, value) != 1)
		return 0;
	*off = c.pos;
	return 1;
}

/* §3.1.2.11.8 etc.: User Property is a UTF-8 String Pair. */
long mq_user_prop_put(uint8_t *buf, size_t cap, mq_bytes key, mq_bytes value)
{
	size_t need = 5 + key.len + value.len;
	mq_wr w = { buf, 0 };

	if (mq_utf8_check(key.ptr, key.len) < 0 ||
	    mq_utf8_check(value.ptr, value.len) < 0)
		return -MQ_E_BAD_UTF8;
	if (need > cap)
		return -MQ_E_BUFFER_TOO_SMALL;
	mq_put_u8(&w, MQ_PROP_USER_PROPERTY);
	mq_put_bin(&w, key);
	mq_put_bin(&w, value);
	return (long)need;
}

/* ---- encode ------------------------------------------------------------- */

/* Subscription identifiers to encode: the kept ones, or sub_ids[0] when
 * only the presence bit is set. */
static size_t subid_count(const mq_props *pr)
{
	if (pr->sub_id_count)
		return pr->sub_id_count < MQ_MAX_SUB_IDS ? pr->sub_id_count
			: MQ_MAX_SUB_IDS;
	return (pr->present & MQ_PROP_BIT(MQ_PROP_SUBSCRIPTION_ID)) ? 1 : 0;
}

static uint64_t props_bits(const mq_props *pr)
{
	uint64_t bits = pr->present & ~MQ_PROP_BIT(MQ_PROP_USER_PROPERTY) &
			~MQ_PROP_BIT(MQ_PROP_SUBSCRIPTION_ID);

	if (subid_count(pr))
		bits |= MQ_PROP_BIT(MQ_PROP_SUBSCRIPTION_ID);
	if (pr->user.len)
		bits |= MQ_PROP_BIT(MQ_PROP_USER_PROPERTY);
	return bits;
}

/* Every entry in pr->user must parse; User Property strings be UTF-8. */
static int user_check(const mq_props *pr)
{
	mq_cur c = { pr->user.ptr, pr->user.len, 0 };
	mq_bytes k, v;
	int rc;

	while ((rc = user_next(&c, &k, &v)) == 1)
		if (mq_utf8_check(k.ptr, k.len) < 0 ||
		    mq_utf8_check(v.ptr, v.len) < 0)
			return -MQ_E_BAD_UTF8;
	return rc < 0 ? -MQ_E_BAD_PROPERTY : 0;
}

static int subids_check(const mq_props *pr, uint8_t ctx)
{
	size_t i, n = subid_count(pr);

	if (n > 1 && !repeatable(MQ_PROP_SUBSCRIPTION_ID, ctx))
		return -MQ_E_BAD_PROPERTY;
	for (i = 0; i < n; i++)
		if (pr->sub_ids[i] == 0 ||
		    pr->sub_ids[i] > MQ_MAX_REMAINING_LENGTH)
			return -MQ_E_BAD_PROPERTY;
	return 0;
}

static uint32_t integer_value(const mq_props *pr, const struct prop_def *d)
{
	const uint8_t *f = (const uint8_t *)pr + d->off;
	uint16_t v16;
	uint32_t v32;

	if (d->kind == K_BYTE)
		return f[0];
	if (d->kind == K_U16) {
		memcpy(&v16, f, 2);
		return v16;
	}
	memcpy(&v32, f, 4);
	return v32;
}

static const mq_bytes *bytes_field(const mq_props *pr, const struct prop_def *d)
{
	return (const mq_bytes *)(const void *)((const uint8_t *)pr + d->off);
}

/* Value of one present property within range (the decoder's rules). */
static int value_check(const mq_props *pr, uint8_t id)
{
	const struct prop_def *d = prop_def(id);
	const mq_bytes *s = NULL;

	if (d->kind == K_STR || d->kind == K_BIN)
		s = bytes_field(pr, d);
	switch (d->kind) {
	case K_STR:
		if (id == MQ_PROP_RESPONSE_TOPIC)
			return mq_topic_check(s->ptr, s->len);
		return mq_utf8_check(s->ptr, s->len);
	case K_BIN:
		return s->len > 65535 ? -MQ_E_MALFORMED : 0;
	case K_VARINT:
	case K_PAIR:
		return 0;
	default:
		break;
	}
	if (d->kind == K_BYTE && integer_value(pr, d) > 1)
		return -MQ_E_BAD_PROPERTY;
	if (d->nonzero && integer_value(pr, d) == 0)
		return -MQ_E_BAD_PROPERTY;
	return 0;
}

int mq_props_check(const mq_props *pr, uint8_t ctx)
{
	uint64_t bits = props_bits(pr);
	int rc;

	if (bits & ~allowed[ctx])
		return -MQ_E_BAD_PROPERTY;
	if (pr->user.len > MQ_MAX_REMAINING_LENGTH)
		return -MQ_E_PACKET_TOO_LARGE;
	if (!bits)
		return 0;
	for (uint64_t b = bits; b; b &= b - 1) {
		rc = value_check(pr, (uint8_t)__builtin_ctzll(b));
		if (rc < 0)
			return rc;
	}
	rc = subids_check(pr, ctx);
	return rc < 0 ? rc : user_check(pr);
}

/* Copy only the User Property entries of pr->user (checked). */
static void user_put(mq_wr *w, const mq_props *pr)
{
	mq_cur c = { pr->user.ptr, pr->user.len, 0 };
	mq_bytes k, v;

	while (user_next(&c, &k, &v) == 1) {
		mq_put_u8(w, MQ_PROP_USER_PROPERTY);
		mq_put_bin(w, k);
		mq_put_bin(w, v);
	}
}

static void value_put(mq_wr *w, const mq_props *pr, uint8_t id)
{
	const struct prop_def *d = prop_def(id);
	size_t i;

	if (d->kind == K_VARINT) {
		for (i = 0; i < subid_count(pr); i++) {
			mq_put_u8(w, id);
			mq_put_varint(w, pr->sub_ids[i]);
		}
		return;
	}
	mq_put_u8(w, id);
	if (d->kind == K_STR || d->kind == K_BIN)
		mq_put_bin(w, *bytes_field(pr, d));
	else if (d->kind == K_BYTE)
		mq_put_u8(w, (uint8_t)integer_value(pr, d));
	else if (d->kind == K_U16)
		mq_put_u16(w, (uint16_t)integer_value(pr, d));
	else
		mq_put_u32(w, integer_value(pr, d));
}

/* Properties in ascending identifier order, the User Properties from
 * pr->user appended last (§2.2.2.2 allows any order). */
static void props_body(mq_wr *w, const mq_props *pr)
{
	uint64_t bits = props_bits(pr) & ~MQ_PROP_BIT(MQ_PROP_USER_PROPERTY);

	/* Visit set bits only: most packets carry no property at all. */
	for (; bits; bits &= bits - 1)
		value_put(w, pr, (uint8_t)__builtin_ctzll(bits));
	if (pr->user.len)
		user_put(w, pr);
}

size_t mq_props_size(const mq_props *pr)
{
	mq_wr w = { NULL, 0 };

	props_body(&w, pr);
	return w.pos;
}

/* §2.2.2.1: Property Length as a Variable Byte Integer, then the list. */
void mq_props_put(mq_wr *w, const mq_props *pr)
{
	size_t n = mq_props_size(pr);

	mq_put_varint(w, n > MQ_MAX_REMAINING_LENGTH ? MQ_MAX_REMAINING_LENGTH
		      : (uint32_t)n);
	props_body(w, pr);
}
