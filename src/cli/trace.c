/* trace.c - format packets for -d, one line each. */
#include <string.h>

#include "escape.h"
#include "trace.h"

static void trace_publish(FILE *f, const mq_publish *p)
{
	fprintf(f, " qos %u", p->qos);
	if (p->qos)
		fprintf(f, " id %u", p->packet_id);
	if (p->retain)
		fputs(" retain", f);
	if (p->dup)
		fputs(" dup", f);
	fputs(" '", f);
	fput_escaped(f, (const char *)p->topic.ptr, p->topic.len > 200 ? 200 : p->topic.len);
	fprintf(f, "' (%zu bytes)", p->payload.len);
}

/* The filters we send with their options byte (MQTT 5.0 §3.8.3.1). */
static void trace_subscribe(FILE *f, const mq_subscribe *s)
{
	fprintf(f, " id %u (%zu filters)", s->packet_id, s->count);
	for (size_t i = 0; s->entries && i < s->count && i < 8; i++) {
		fputs(" '", f);
		fput_escaped(f, (const char *)s->entries[i].filter.ptr,
			     s->entries[i].filter.len > 200 ? 200 : s->entries[i].filter.len);
		fprintf(f, "' options 0x%02x", s->entries[i].options);
	}
	if (s->props.sub_id_count)
		fprintf(f, " sub-id %u", (unsigned)s->props.sub_ids[0]);
}

static void trace_connect(FILE *f, const mq_connect *c)
{
	fprintf(f, " v%s id '", c->version == MQ_V5 ? "5" : "3.1.1");
	fput_escaped(f, (const char *)c->client_id.ptr, c->client_id.len);
	fprintf(f, "' keepalive %u%s%s%s", c->keepalive, c->clean_start ? " clean" : "",
		c->will ? " will" : "", c->has_username ? " user" : "");
}

static void trace_body(FILE *f, uint8_t version, const mq_packet *p)
{
	switch (p->type) {
	case MQ_CONNECT:
		trace_connect(f, &p->u.connect);
		break;
	case MQ_CONNACK:
		fprintf(f, " session-present %d reason 0x%02x (%s)",
			p->u.connack.session_present, p->u.connack.reason,
			mq_reason_text(version, MQ_CONNACK, p->u.connack.reason));
		break;
	case MQ_PUBLISH:
		trace_publish(f, &p->u.publish);
		break;
	case MQ_PUBACK: case MQ_PUBREC: case MQ_PUBREL: case MQ_PUBCOMP:
		fprintf(f, " id %u", p->u.ack.packet_id);
		if (p->u.ack.reason)
			fprintf(f, " reason 0x%02x (%s)", p->u.ack.reason,
				mq_reason_text(version, p->type, p->u.ack.reason));
		break;
	case MQ_SUBSCRIBE:
		trace_subscribe(f, &p->u.subscribe);
		break;
	case MQ_SUBACK: case MQ_UNSUBACK:
		fprintf(f, " id %u", p->u.suback.packet_id);
		for (size_t i = 0; i < p->u.suback.reasons.len; i++)
			fprintf(f, " 0x%02x", p->u.suback.reasons.ptr[i]);
		break;
	case MQ_UNSUBSCRIBE:
		fprintf(f, " id %u", p->u.unsubscribe.packet_id);
		break;
	case MQ_DISCONNECT: case MQ_AUTH:
		if (version == MQ_V5)
			fprintf(f, " reason 0x%02x (%s)", p->u.disconnect.reason,
				mq_reason_text(version, p->type, p->u.disconnect.reason));
		break;
	default:
		break;
	}
}

void trace_packet(FILE *f, const char *prog, bool outgoing, uint8_t version,
		  const mq_packet *p)
{
	fprintf(f, "%s: %s %s", prog, outgoing ? ">" : "<", mq_type_name(p->type));
	trace_body(f, version, p);
	fputc('\n', f);
}
