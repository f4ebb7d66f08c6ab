/* pub_json.c - mqpub --json: each input line a message in mqsub --json's
 * schema, its missing fields taken from the command line; --replay sends
 * each at its recorded time, relative to the first, scaled by --speed. */
#include <stdio.h>
#include <string.h>

#include "pub.h"

/* The command line's properties, with those the line gives put over
 * them (its user properties replace the command line's). */
static const mq_props *merged_props(pub_app *a)
{
	const json_in *j = &a->json;
	const mq_props *cmd = pub_props_get(&a->o->props);
	if (!j->has_props)
		return cmd;
	mq_props *p = &a->line_props;
	const mq_props *l = &j->props;
	*p = cmd ? *cmd : (mq_props){ 0 };
	p->present |= l->present;
	if (l->present & MQ_PROP_BIT(MQ_PROP_PAYLOAD_FORMAT))
		p->payload_format = l->payload_format;
	if (l->present & MQ_PROP_BIT(MQ_PROP_MESSAGE_EXPIRY))
		p->message_expiry = l->message_expiry;
	if (l->present & MQ_PROP_BIT(MQ_PROP_CONTENT_TYPE))
		p->content_type = l->content_type;
	if (l->present & MQ_PROP_BIT(MQ_PROP_RESPONSE_TOPIC))
		p->response_topic = l->response_topic;
	if (l->present & MQ_PROP_BIT(MQ_PROP_CORRELATION_DATA))
		p->correlation_data = l->correlation_data;
	if (j->has_user)
		p->user = l->user;
	return p->present || p->user.len ? p : NULL;
}

int json_take_line(pub_app *a, const uint8_t *line, size_t len,
		   const char **why, char *detail, size_t detail_len)
{
	const json_in *j = &a->json;
	const pub_opts *o = a->o;
	size_t column;
	if (json_in_read(&a->json, line, len, why, &column) < 0) {
		snprintf(detail, detail_len, "column %zu: %s", column, *why);
		*why = detail;
		return -1;
	}
	if (!j->topic.len && !o->topic) {
		*why = "no topic: give \"topic\" in the line or -t";
		return -1;
	}
	if (o->replay && !j->has_time) {
		*why = "no \"time\" to replay it at";
		return -1;
	}
	a->msg.topic = j->topic.len ? j->topic
		: (mq_bytes){ (const uint8_t *)o->topic, strlen(o->topic) };
	a->msg.topic_checked = true;   /* json_in_read or check_pub_opts did */
	a->msg.qos = (uint8_t)(j->qos >= 0 ? j->qos : o->c.qos);
	a->msg.retain = j->retain >= 0 ? j->retain : o->retain;
	a->msg.props = merged_props(a);
	a->line_payload = j->payload;
	if (o->props.utf8_payload || (a->msg.props && a->msg.props->payload_format))
		if (mq_utf8_check(j->payload.ptr, j->payload.len) < 0) {
			*why = "payload not valid UTF-8 (payload format indicator 1)";
			return -1;
		}
	return 0;
}

bool json_line_fits(const pub_app *a, const mq_client *c, const char **why)
{
	bool props = a->json.has_props && (a->json.props.present || a->json.props.user.len);
	if (props && c->session.cfg.version != MQ_V5) {
		*why = "it has MQTT 5 properties, and the broker speaks MQTT 3.1.1";
		return false;
	}
	return true;
}

/* When the held line is due, in CLOCK_MONOTONIC nanoseconds. */
static uint64_t replay_due_ns(pub_app *a)
{
	if (!a->replay_started) {
		a->replay_started = true;
		a->replay_first_ms = a->json.time_ms;
		a->replay_start_ns = pace_now_ns();
	}
	int64_t off_ms = a->json.time_ms - a->replay_first_ms;
	if (off_ms <= 0)
		return a->replay_start_ns;
	return a->replay_start_ns + (uint64_t)((double)off_ms * 1e6 / a->o->speed);
}

bool replay_ready(pub_app *a)
{
	return !a->o->replay || pace_now_ns() >= replay_due_ns(a);
}

uint64_t replay_due_ms(pub_app *a)
{
	if (!a->o->replay || !a->held)
		return UINT64_MAX;
	return (replay_due_ns(a) + 999999) / 1000000;
}
