/* pubtmpl.c - reuse the encoded head of a PUBLISH. */
#include <stdlib.h>
#include <string.h>

#include "pubtmpl.h"

void mq_pubtmpl_free(mq_pubtmpl *t)
{
	free(t->body);
	memset(t, 0, sizeof *t);
}

static bool props_empty(const mq_props *pr)
{
	return pr->present == 0 && pr->user.len == 0 && pr->sub_id_count == 0;
}

bool mq_pubtmpl_eligible(const mq_publish *p)
{
	return !p->dup && props_empty(&p->props);
}

bool mq_pubtmpl_match(const mq_pubtmpl *t, uint8_t version, const mq_publish *p)
{
	return t->valid && t->version == version && t->qos == p->qos &&
	       t->retain == p->retain && mq_pubtmpl_eligible(p) &&
	       t->topic_len == p->topic.len &&
	       memcmp(t->body + 2, p->topic.ptr, p->topic.len) == 0;
}

int mq_pubtmpl_build(mq_pubtmpl *t, uint8_t version, const mq_publish *p)
{
	t->valid = false;
	mq_packet head = { .type = MQ_PUBLISH, .u.publish = *p };
	head.u.publish.payload = (mq_bytes){ NULL, 0 };
	head.u.publish.packet_id = p->qos ? 1 : 0;
	long n = mq_encoded_length(version, &head);
	if (n < 0)
		return (int)n;
	if ((size_t)n > t->cap) {
		uint8_t *nb = realloc(t->body, (size_t)n);
		if (!nb)
			return -MQ_E_NOMEM;
		t->body = nb;
		t->cap = (size_t)n;
	}
	n = mq_encode(t->body, t->cap, version, &head);
	if (n < 0)
		return (int)n;
	uint32_t rl;
	int vlen = mq_varint_get(t->body + 1, (size_t)n - 1, &rl);
	if (vlen <= 0)
		return -MQ_E_MALFORMED;
	t->hdr = t->body[0];
	t->len = rl;
	memmove(t->body, t->body + 1 + vlen, rl);
	t->topic_len = p->topic.len;
	t->version = version;
	t->qos = p->qos;
	t->retain = p->retain;
	t->valid = true;
	return 0;
}

size_t mq_pubtmpl_length(const mq_pubtmpl *t, size_t payload_len)
{
	size_t rl = t->len + payload_len;
	if (payload_len > MQ_MAX_REMAINING_LENGTH || rl > MQ_MAX_REMAINING_LENGTH)
		return 0;
	size_t vlen = rl < 128 ? 1 : rl < 16384 ? 2 : rl < 2097152 ? 3 : 4;
	return 1 + vlen + rl;
}

size_t mq_pubtmpl_write(const mq_pubtmpl *t, uint8_t *dst, uint16_t packet_id,
			mq_bytes payload)
{
	uint8_t *p = dst;
	*p++ = t->hdr;
	p += mq_varint_put(p, 4, (uint32_t)(t->len + payload.len));
	memcpy(p, t->body, t->len);
	if (t->qos) {   /* MQTT §3.3.2.2: the id follows the topic */
		p[2 + t->topic_len] = (uint8_t)(packet_id >> 8);
		p[3 + t->topic_len] = (uint8_t)packet_id;
	}
	p += t->len;
	if (payload.len)
		memcpy(p, payload.ptr, payload.len);
	return (size_t)(p - dst) + payload.len;
}

/* §3.3.2: topic, packet id (QoS > 0), then in 5.0 the properties: none
 * (0x00), or a Topic Alias (length 3, id 0x23, two bytes). */
static size_t direct_body(uint8_t version, const mq_publish *p, mq_bytes topic,
			  uint16_t alias)
{
	size_t n = 2 + topic.len + (p->qos ? 2 : 0);
	if (version == MQ_V5)
		n += alias ? 4 : 1;
	return n;
}

size_t mq_pubdirect_length(uint8_t version, const mq_publish *p, mq_bytes topic,
			   uint16_t alias)
{
	size_t rl = direct_body(version, p, topic, alias) + p->payload.len;
	if (p->payload.len > MQ_MAX_REMAINING_LENGTH || rl > MQ_MAX_REMAINING_LENGTH)
		return 0;
	size_t vlen = rl < 128 ? 1 : rl < 16384 ? 2 : rl < 2097152 ? 3 : 4;
	return 1 + vlen + rl;
}

size_t mq_pubdirect_write(uint8_t *dst, uint8_t version, const mq_publish *p,
			  mq_bytes topic, uint16_t alias)
{
	uint8_t *w = dst;
	*w++ = (uint8_t)(0x30 | (p->dup ? 0x08 : 0) | p->qos << 1 | (p->retain ? 1 : 0));
	w += mq_varint_put(w, 4, (uint32_t)(direct_body(version, p, topic, alias) +
					     p->payload.len));
	*w++ = (uint8_t)(topic.len >> 8);
	*w++ = (uint8_t)topic.len;
	if (topic.len)
		memcpy(w, topic.ptr, topic.len);
	w += topic.len;
	if (p->qos) {
		*w++ = (uint8_t)(p->packet_id >> 8);
		*w++ = (uint8_t)p->packet_id;
	}
	if (version == MQ_V5 && alias) {
		*w++ = 3;
		*w++ = MQ_PROP_TOPIC_ALIAS;
		*w++ = (uint8_t)(alias >> 8);
		*w++ = (uint8_t)alias;
	} else if (version == MQ_V5) {
		*w++ = 0;
	}
	if (p->payload.len)
		memcpy(w, p->payload.ptr, p->payload.len);
	return (size_t)(w - dst) + p->payload.len;
}

long mq_publish_head_resize(uint8_t *buf, size_t n, size_t cap, long long delta)
{
	uint32_t rl;
	int vlen = n > 1 ? mq_varint_get(buf + 1, n - 1, &rl) : 0;
	if (vlen <= 0)
		return -MQ_E_MALFORMED;
	long long nrl = (long long)rl + delta;
	if (nrl < (long long)(n - 1 - (size_t)vlen))
		return -MQ_E_MALFORMED;   /* a payload shorter than none */
	if (nrl > MQ_MAX_REMAINING_LENGTH)
		return -MQ_E_PACKET_TOO_LARGE;
	uint8_t v[4];
	int nvlen = mq_varint_put(v, sizeof v, (uint32_t)nrl);
	size_t rest = n - 1 - (size_t)vlen, len = 1 + (size_t)nvlen + rest;
	if (nvlen <= 0 || len > cap)
		return -MQ_E_BUFFER_TOO_SMALL;
	memmove(buf + 1 + nvlen, buf + 1 + vlen, rest);
	memcpy(buf + 1, v, (size_t)nvlen);
	return (long)len;
}
