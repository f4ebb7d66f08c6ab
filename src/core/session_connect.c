/* session_connect.c - the session's connection: CONNECT out, the
 * CONNACK's answer and limits in, DISCONNECT, and what a lost link leaves
 * to be sent again (MQTT 3.1.1 §3.1-3.2, 5.0 §3.1-3.2, §4.4). */
#include <stdlib.h>
#include <string.h>

#include "session_internal.h"

/* ---- connect / disconnect / link lost ------------------------------------ */

/* MQTT 5.0 §3.1.2.11: what we ask of the broker. */
static void connect_props(const mq_session_config *cfg, mq_props *pr)
{
	if (cfg->session_expiry) {
		pr->present |= MQ_PROP_BIT(MQ_PROP_SESSION_EXPIRY);
		pr->session_expiry = cfg->session_expiry;
	}
	pr->present |= MQ_PROP_BIT(MQ_PROP_RECEIVE_MAXIMUM);
	pr->receive_maximum = cfg->receive_max ? cfg->receive_max : 65535;
	if (cfg->max_packet) {
		pr->present |= MQ_PROP_BIT(MQ_PROP_MAXIMUM_PACKET_SIZE);
		pr->maximum_packet_size = cfg->max_packet;
	}
	const mq_props *extra = cfg->connect_props;
	if (extra) {
		pr->user = extra->user;
		pr->request_response_info = extra->request_response_info;
		pr->present |= extra->present & MQ_PROP_BIT(MQ_PROP_REQUEST_RESPONSE_INFO);
	}
}

static void connect_packet(const mq_session *s, mq_packet *p)
{
	const mq_session_config *cfg = &s->cfg;
	mq_connect *c = &p->u.connect;

	memset(p, 0, sizeof *p);
	p->type = MQ_CONNECT;
	c->version = cfg->version;
	c->clean_start = cfg->clean_start;
	c->keepalive = cfg->keepalive;
	c->client_id = cfg->client_id;
	if (c->client_id.len == 0 && s->assigned_id)
		c->client_id = (mq_bytes){ s->assigned_id, s->assigned_id_len };
	c->will = cfg->will;
	if (cfg->will) {
		c->will_retain = cfg->will_retain;
		c->will_qos = cfg->will_qos;
		c->will_topic = cfg->will_topic;
		c->will_payload = cfg->will_payload;
		if (cfg->will_props && cfg->version == MQ_V5)
			c->will_props = *cfg->will_props;   /* §3.1.3.2 */
	}
	c->has_username = cfg->has_username;
	c->username = cfg->username;
	c->has_password = cfg->has_password;
	c->password = cfg->password;
	if (cfg->version == MQ_V5)
		connect_props(cfg, &c->props);
}

int mq_session_connect(mq_session *s, uint64_t now_ms)
{
	mq_packet p;
	int rc;

	if (s->state != MQ_S_DISCONNECTED)
		mq_session_link_lost(s);
	sess_reset_limits(s);
	connect_packet(s, &p);
	rc = sess_queue_packet(s, &p);
	if (rc < 0)
		return rc;
	s->last_read_ms = s->last_write_ms = now_ms;
	s->ping_outstanding = false;
	sess_set_state(s, MQ_S_CONNECTING);
	return 0;
}

void mq_session_link_lost(mq_session *s)
{
	size_t i;

	s->out_start = s->out_len = 0;
	sess_splice_clear(s);
	s->ping_outstanding = false;
	for (i = 0; i < s->pending_sub_count; i++)
		sess_bit_clear(s->ids_out, s->pending_subs[i].packet_id);
	if (s->pending_sub_count)
		s->subs_resend = true;
	s->pending_sub_count = 0;
	if (s->unsub_id)   /* sent again after the next CONNACK */
		sess_bit_clear(s->ids_out, s->unsub_id);
	s->unsub_id = 0;
	for (i = 0; i < s->slot_count; i++) {
		mq_slot *slot = sess_ring_at(s, i);

		if (!slot->tag || !slot->sent)
			continue;
		slot->buf[0] |= PUBLISH_DUP;   /* a re-send is a redelivery */
		slot->sent = false;
		s->unsent++;
	}
	sess_set_state(s, MQ_S_DISCONNECTED);
}

int mq_session_disconnect(mq_session *s, uint8_t reason, uint64_t now_ms)
{
	mq_packet p = { .type = MQ_DISCONNECT };
	int rc;

	(void)now_ms;
	if (s->state == MQ_S_DISCONNECTED || s->state == MQ_S_CLOSING)
		return 0;
	p.u.disconnect.reason = reason;
	rc = sess_queue_packet(s, &p);
	if (rc < 0)
		return rc;
	sess_set_state(s, MQ_S_CLOSING);
	return 0;
}

/* ---- CONNACK ------------------------------------------------------------- */

/* MQTT 5.0 §3.2.2.3: limits the broker sets for this connection. */
static int connack_props(mq_session *s, const mq_props *pr)
{
	uint8_t *id;

	if (pr->present & MQ_PROP_BIT(MQ_PROP_RECEIVE_MAXIMUM)) {
		if (pr->receive_maximum == 0)
			return -MQ_E_PROTOCOL;
		if (pr->receive_maximum < s->window)
			s->window = pr->receive_maximum;
	}
	if (pr->present & MQ_PROP_BIT(MQ_PROP_MAXIMUM_QOS))
		s->broker_max_qos = pr->maximum_qos;
	if (pr->present & MQ_PROP_BIT(MQ_PROP_RETAIN_AVAILABLE))
		s->broker_retain_available = pr->retain_available != 0;
	if (pr->present & MQ_PROP_BIT(MQ_PROP_MAXIMUM_PACKET_SIZE))
		s->broker_max_packet = pr->maximum_packet_size;
	if (pr->present & MQ_PROP_BIT(MQ_PROP_SERVER_KEEPALIVE))
		s->keepalive = pr->server_keepalive;
	if (pr->present & MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS_MAXIMUM) &&
	    pr->topic_alias_maximum && s->cfg.topic_aliases) {
		if (!s->aliases && !(s->aliases = calloc(1, sizeof *s->aliases)))
			return -MQ_E_NOMEM;
		mq_alias_reset(s->aliases, pr->topic_alias_maximum);
	}
	if (pr->present & MQ_PROP_BIT(MQ_PROP_ASSIGNED_CLIENT_ID) &&
	    pr->assigned_client_id.len) {
		id = realloc(s->assigned_id, pr->assigned_client_id.len);
		if (!id)
			return -MQ_E_NOMEM;
		memcpy(id, pr->assigned_client_id.ptr,
		       pr->assigned_client_id.len);
		s->assigned_id = id;
		s->assigned_id_len = pr->assigned_client_id.len;
	}
	return 0;
}

/* CONNACK without a session: the broker forgot our packet ids and its
 * QoS 2 state, so in-flight messages go again as new publications. */
static void session_fresh(mq_session *s)
{
	size_t i;

	memset(s->ids_in_qos2, 0, sizeof s->ids_in_qos2);
	s->changes++;
	for (i = 0; s->slots && i < s->slot_count; i++) {
		mq_slot *slot = sess_ring_at(s, i);

		if (!slot->tag)
			continue;
		slot->buf[0] &= (uint8_t)~PUBLISH_DUP;
		slot->stage = slot->qos == 1 ? STAGE_PUBACK : STAGE_PUBREC;
	}
	s->subs_resend = true;
}

int sess_on_connack(mq_session *s, const mq_connack *ack)
{
	int rc;

	s->connack_reason = ack->reason;
	s->session_present = ack->reason == 0 && ack->session_present;
	if (ack->reason != 0)
		return -MQ_E_REFUSED;
	if (ack->session_present && s->cfg.clean_start)
		return -MQ_E_PROTOCOL;   /* 3.1.1 §3.2.2.2, 5.0 §3.2.2.1.1 */
	if (sess_is_v5(s) && (rc = connack_props(s, &ack->props)) < 0)
		return rc;
	sess_set_state(s, MQ_S_CONNECTED);
	if (!ack->session_present)
		session_fresh(s);
	/* Subscriptions first: a reply to a message re-sent below (mqpub
	 * --request) must find its subscription in place. */
	if (s->subs_resend) {
		s->subs_resend = false;
		rc = sess_send_subscribe(s);
		if (rc < 0)
			return rc;
	}
	if (s->unsub_count && !s->unsub_id && (rc = sess_send_unsubscribe(s)) < 0)
		return rc;
	rc = sess_flush_unsent(s);
	if (rc < 0)
		return rc;
	if (s->ev.connected)
		s->ev.connected(s->ev.ctx, ack);
	return 0;
}
