/* client_failure.c - what a lost link leads to (see client.h): a failure
 * reconnecting can cure or not, a broker refusing MQTT 5 (fall back to
 * 3.1.1) or one message, the next broker of the list, the user told why. */
#include <stdio.h>
#include <string.h>

#include "client_internal.h"

#define STABLE_LINK_MS 5000   /* up this long: the broker is back for good */

/* Is this failure of the link one that reconnecting can cure? */
static bool link_failure(const mq_client *c, int rc)
{
	switch (-rc) {
	case MQ_E_CLOSED: case MQ_E_IO: case MQ_E_KEEPALIVE:
		return true;
	case MQ_E_DISCONNECTED: {
		uint8_t r = c->session.disconnect_reason;
		/* 0x81 malformed, 0x82 protocol error, 0x8E session taken
		 * over, 0x87 not authorized: reconnecting cannot help. */
		return r != 0x81 && r != 0x82 && r != 0x8E && r != 0x87;
	}
	case MQ_E_REFUSED: {
		uint8_t r = c->session.connack_reason;
		/* Server unavailable / busy / quota / rate: try again. */
		return c->session.cfg.version == MQ_V5
			? (r == 0x88 || r == 0x89 || r == 0x97 || r == 0x9F)
			: r == 3;
	}
	default:
		return false;
	}
}

static void describe_loss(mq_client *c, int rc)
{
	if (rc == -MQ_E_DISCONNECTED)
		snprintf(c->err, sizeof c->err, "broker closed the session: %s",
			 mq_reason_text(c->session.cfg.version, MQ_DISCONNECT,
					c->session.disconnect_reason));
	else if (rc == -MQ_E_REFUSED)
		snprintf(c->err, sizeof c->err, "broker refused the connection: %s",
			 mq_reason_text(c->session.cfg.version, MQ_CONNACK,
					c->session.connack_reason));
	else if (!c->err[0])
		cl_set_err(c, "connection lost", rc, NULL);
}

/* A broker that closes the link right after one message, and again
 * after the same message sent on the next link with nothing
 * acknowledged in between, refuses it: under MQTT 3.1.1 that is how a
 * message over the broker's size limit is met.  Only a message larger
 * than any the broker took counts, so a broken network does not. */
static bool message_refused(mq_client *c, int rc, bool was_connected)
{
	uint64_t tag;
	size_t len;
	if ((rc != -MQ_E_CLOSED && rc != -MQ_E_IO) || !was_connected ||
	    !mq_session_oldest_sent(&c->session, &tag, &len) ||
	    len <= c->session.max_acked_len) {
		c->suspect_tag = 0;
		return false;
	}
	bool again = tag == c->suspect_tag && c->session.acked == c->acked_at_link;
	c->suspect_tag = tag;
	if (again)
		snprintf(c->err, sizeof c->err, "the broker closed the connection twice "
			 "right after a message of %zu bytes: message too large for "
			 "the broker?", len);
	return again;
}

/* Did the broker refuse MQTT 5 (CONNACK 0x84, a 3.1.1 CONNACK with return
 * code 1, or, when we may fall back, a close before any CONNACK from a
 * broker that never accepted MQTT 5 in this run: one that did and now
 * closes at once is going down, not refusing the version)? */
static bool v5_refused(const mq_client *c, int rc)
{
	const mq_session *s = &c->session;

	if (s->cfg.version != MQ_V5)
		return false;
	if (mq_session_v5_refused(s, rc))
		return true;
	bool acked = c->endpoint < 32 && (c->v5_acked >> c->endpoint & 1u);
	return s->cfg.version_fallback && s->state == MQ_S_CONNECTING && !acked &&
	       (rc == -MQ_E_CLOSED || rc == -MQ_E_IO);
}

/* No MQTT 5 at this broker: go on in 3.1.1 for the rest of the run, or
 * say why not.  Returns 0 to reconnect at once, or -MQ_E_NO_V5. */
static int fall_back(mq_client *c)
{
	char line[300], name[160];

	/* a unix: endpoint has no host:port; the name says what it is */
	mq_endpoint_name(&c->cfg.endpoints[c->endpoint], name, sizeof name);
	cl_link_down(c);
	if (!c->session.cfg.version_fallback) {
		snprintf(c->err, sizeof c->err, "connection refused by broker: "
			 "%.150s does not support MQTT 5 (-V 5 was given; "
			 "-V 311 talks to it)", name);
		return -MQ_E_NO_V5;
	}
	if (c->cfg.needs_v5) {
		snprintf(c->err, sizeof c->err, "connection refused by broker: "
			 "%.100s does not support MQTT 5, which %.120s needs",
			 name, c->cfg.needs_v5);
		return -MQ_E_NO_V5;
	}
	int rc = mq_session_use_v311(&c->session);
	if (rc < 0) {
		cl_set_err(c, "cannot fall back to MQTT 3.1.1", rc, NULL);
		return rc;
	}
	c->reader.version = MQ_V311;
	if (c->session.ev.log) {
		snprintf(line, sizeof line, "%.150s does not support MQTT 5: "
			 "using MQTT 3.1.1 for the rest of the run", name);
		c->session.ev.log(c->session.ev.ctx, line);
	}
	c->err[0] = '\0';
	return 0;
}

/* The link failed with rc.  Returns 0 to reconnect, or rc to give up. */
int cl_on_link_failure(mq_client *c, int rc)
{
	if (v5_refused(c, rc))
		return fall_back(c);
	bool was_connected = c->session.state == MQ_S_CONNECTED ||
			     c->session.state == MQ_S_CLOSING;
	if (message_refused(c, rc, was_connected)) {
		cl_link_down(c);
		return -MQ_E_MSG_REFUSED;
	}
	describe_loss(c, rc);
	if ((rc == -MQ_E_CLOSED || rc == -MQ_E_IO) && !was_connected &&
	    c->session.state == MQ_S_CONNECTING && c->session.cfg.version == MQ_V5 &&
	    !c->session.cfg.version_fallback) {
		size_t n = strlen(c->err);
		snprintf(c->err + n, sizeof c->err - n, " before CONNACK (does the "
			 "broker support MQTT 5? -V 5 was given)");
	}
	cl_link_down(c);
	if (!link_failure(c, rc))
		return rc;
	/* A link that dies soon after its CONNACK counts as one more failed
	 * attempt: a broker that accepts and drops at once must not keep us
	 * reconnecting without backoff, nor past --reconnect-tries. */
	bool short_lived = !was_connected ||
		mq_now_ms() - c->connected_at < STABLE_LINK_MS;
	c->failures = short_lived ? c->failures + 1 : 0;
	c->connected_at = 0;
	if (!cl_may_retry(c))
		return rc;
	if (!was_connected)
		cl_next_endpoint(c);   /* no CONNACK from this one: try another */
	char line[480];
	/* mosquitto closes the older of two connections with one client id
	 * without a word (5.0's DISCONNECT 0x8E is said above) */
	bool takeover = rc == -MQ_E_CLOSED && was_connected && c->cfg.fixed_client_id;
	snprintf(line, sizeof line, "%s%s; reconnecting", c->err, takeover
		 ? " (another client with the same client id may have taken the session over)" : "");
	cl_notice(c, line);
	c->reconnecting = true;
	c->err[0] = '\0';
	return 0;
}
