/* session.c - the sans-I/O MQTT client session (see session.h).
 *
 * sess_set_state() is the only function that changes s->state (after curl's
 * mqtt.c); it logs "from -> to".  Outbound QoS 1/2 messages live in a ring
 * of slots in publish order; id_slot maps a packet id to its slot so an
 * ack is found in constant time.  Buffers grow to the largest message seen
 * and are then reused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session_internal.h"

#define MAX_PACKET_ID 65535u
#define RC_PACKET_ID_NOT_FOUND 0x92  /* MQTT 5.0 §3.7.2.1 */

/* ---- state and small helpers ------------------------------------------ */

const char *mq_session_state_name(enum mq_session_state st)
{
	switch (st) {
	case MQ_S_DISCONNECTED: return "DISCONNECTED";
	case MQ_S_CONNECTING:   return "CONNECTING";
	case MQ_S_CONNECTED:    return "CONNECTED";
	case MQ_S_CLOSING:      return "CLOSING";
	}
	return "UNKNOWN";
}

/* The only way to change state; logs "from -> to". */
void sess_set_state(mq_session *s, enum mq_session_state to)
{
	char line[64];

	if (s->state == to)
		return;
	if (s->ev.log) {
		snprintf(line, sizeof line, "%s -> %s",
			 mq_session_state_name(s->state),
			 mq_session_state_name(to));
		s->ev.log(s->ev.ctx, line);
	}
	s->state = to;
}

static bool bit_get(const uint8_t *map, uint16_t id)
{
	return (map[id >> 3] >> (id & 7)) & 1u;
}

static void bit_set(uint8_t *map, uint16_t id)
{
	map[id >> 3] |= (uint8_t)(1u << (id & 7));
}

void sess_bit_clear(uint8_t *map, uint16_t id)
{
	map[id >> 3] &= (uint8_t)~(1u << (id & 7));
}

bool sess_is_v5(const mq_session *s)
{
	return s->cfg.version == MQ_V5;
}

static size_t ring_size(const mq_session *s)
{
	return s->cfg.max_inflight ? s->cfg.max_inflight : 1;
}

size_t sess_out_pending(const mq_session *s)
{
	return s->out_len - s->out_start + s->splice_bytes;
}

size_t mq_session_pending(const mq_session *s)
{
	return sess_out_pending(s);
}

/* Broker limits before (or without) a 5.0 CONNACK saying otherwise. */
void sess_reset_limits(mq_session *s)
{
	s->window = (uint16_t)ring_size(s);
	s->broker_max_qos = 2;
	s->broker_retain_available = true;
	s->broker_max_packet = 0;
	s->keepalive = s->cfg.keepalive;
	if (s->aliases)   /* aliases belong to one network connection */
		mq_alias_reset(s->aliases, 0);
}

void sess_trace(mq_session *s, bool outgoing, const mq_packet *p)
{
	if (s->ev.trace)
		s->ev.trace(s->ev.ctx, outgoing, p);
}

/* ---- init / free ------------------------------------------------------- */

void mq_session_init(mq_session *s, const mq_session_config *cfg,
		     const mq_session_events *ev)
{
	memset(s, 0, sizeof *s);
	s->cfg = *cfg;
	if (ev)
		s->ev = *ev;
	s->state = MQ_S_DISCONNECTED;
	s->next_id = 1;
	s->next_tag = 1;
	sess_reset_limits(s);
}

void mq_session_free(mq_session *s)
{
	size_t i;

	for (i = 0; s->slots && i < s->slot_cap; i++)
		free(s->slots[i].buf);
	free(s->slots);
	free(s->id_slot);
	free(s->out);
	free(s->splices);
	s->splices = NULL;
	s->splice_cap = 0;
	sess_splice_clear(s);
	free(s->assigned_id);
	free(s->aliases);
	s->aliases = NULL;
	mq_pubtmpl_free(&s->tmpl);
	s->slots = NULL;
	s->id_slot = NULL;
	s->out = NULL;
	s->assigned_id = NULL;
	s->slot_cap = s->slot_head = s->slot_count = 0;
	s->live = s->unsent = 0;
	s->out_start = s->out_len = s->out_cap = 0;
	s->assigned_id_len = 0;
}

/* ---- output buffer ------------------------------------------------------ */

/* Room for n more bytes at out + out_len (compacting, then doubling), or
 * NULL when out of memory.  Nothing is committed. */
uint8_t *sess_out_reserve(mq_session *s, size_t n)
{
	size_t pending = s->out_len - s->out_start, cap;
	uint8_t *p;

	if (s->out_cap - s->out_len >= n)
		return s->out + s->out_len;
	if (s->out_start > 0) {
		sess_out_rebase(s);
		if (s->out_cap - s->out_len >= n)
			return s->out + s->out_len;
	}
	cap = s->out_cap ? s->out_cap : 1024;
	while (cap - pending < n) {
		if (cap > SIZE_MAX / 2)
			return NULL;
		cap *= 2;
	}
	p = realloc(s->out, cap);
	if (!p)
		return NULL;
	s->out = p;
	s->out_cap = cap;
	return s->out + s->out_len;
}

/* Encode p onto the output and trace it. */
int sess_queue_packet(mq_session *s, const mq_packet *p)
{
	long n = mq_encoded_length(s->cfg.version, p);
	uint8_t *dst;

	if (n < 0)
		return (int)n;
	dst = sess_out_reserve(s, (size_t)n);
	if (!dst)
		return -MQ_E_NOMEM;
	n = mq_encode(dst, (size_t)n, s->cfg.version, p);
	if (n < 0)
		return (int)n;
	s->out_len += (size_t)n;
	sess_trace(s, true, p);
	return 0;
}

/* PUBACK, PUBREC, PUBREL or PUBCOMP. */
static int queue_ack(mq_session *s, uint8_t type, uint16_t id, uint8_t reason)
{
	mq_packet p = { .type = type };

	p.u.ack.packet_id = id;
	p.u.ack.reason = reason;
	return sess_queue_packet(s, &p);
}

/* The output runs up to the next splice, then the splice's payload. */
const uint8_t *mq_session_output(const mq_session *s, size_t *len)
{
	const mq_splice *sp = sess_splice_now(s);

	if (sp && sp->at == s->out_start) {
		*len = sp->b.len - sp->done;
		return sp->b.ptr + sp->done;
	}
	*len = (sp ? sp->at : s->out_len) - s->out_start;
	return *len ? s->out + s->out_start : NULL;
}

bool mq_session_output_file(const mq_session *s, int *fd, uint64_t *off)
{
	const mq_splice *sp = sess_splice_now(s);

	if (!sp || sp->at != s->out_start || !sp->b.in_file)
		return false;
	*fd = sp->b.fd;
	*off = sp->b.off + sp->done;
	return true;
}

void mq_session_written(mq_session *s, size_t n, uint64_t now_ms)
{
	size_t chunk;
	mq_splice *sp = sess_splice_now(s);

	mq_session_output(s, &chunk);
	if (n > chunk)
		n = chunk;
	if (n == 0)
		return;
	s->last_write_ms = now_ms;
	if (sp && sp->at == s->out_start) {
		sp->done += n;
		s->splice_bytes -= n;
		if (sp->done == sp->b.len) {   /* past it: the next one */
			s->splice_count--;
			s->splice_head = s->splice_count ? s->splice_head + 1 : 0;
		}
	} else {
		s->out_start += n;
	}
	if (s->out_start == s->out_len && !s->splice_count)
		s->out_start = s->out_len = 0;
	else if (s->out_start == s->out_len || s->out_start > s->out_cap / 2)
		sess_out_rebase(s);
}

/* ---- packet ids and the slot ring --------------------------------------- */

/* Reserve an outbound packet id not in use (1..65535, wrapping), or 0
 * when every one is taken. */
uint16_t sess_id_alloc(mq_session *s)
{
	uint16_t id = s->next_id ? s->next_id : 1;
	unsigned i;

	for (i = 0; i < MAX_PACKET_ID; i++) {
		uint16_t next = id == MAX_PACKET_ID ? 1 : (uint16_t)(id + 1);

		if (!bit_get(s->ids_out, id)) {
			bit_set(s->ids_out, id);
			s->next_id = next;
			return id;
		}
		id = next;
	}
	return 0;
}

/* Allocate the ring and the id map at the first QoS 1/2 publish. */
/* The ring in publish order, unwrapped into n slots (n > slot_count). */
static int ring_resize(mq_session *s, size_t n)
{
	mq_slot *r = calloc(n, sizeof *r);

	if (!r)
		return -MQ_E_NOMEM;
	for (size_t i = 0; i < s->slot_cap; i++) {
		size_t k = (i + s->slot_cap - s->slot_head) % s->slot_cap;
		r[k] = s->slots[i];   /* the free slots keep their buffers too */
		if (k < s->slot_count && r[k].tag)
			s->id_slot[r[k].packet_id] = (uint16_t)k;
	}
	free(s->slots);
	s->slots = r;
	s->slot_head = 0;
	s->slot_cap = n;
	return 0;
}

/* Room for one more slot, up to ring_size(): the ring starts small and
 * doubles as the window fills, so a run allowed 65535 in flight that
 * sends a few messages does not pay for 65535 slots (2.6 MB). */
int sess_ring_alloc(mq_session *s)
{
	if (!s->id_slot && !(s->id_slot = calloc(MAX_PACKET_ID + 1, sizeof *s->id_slot)))
		return -MQ_E_NOMEM;
	if (s->slots && (s->slot_count < s->slot_cap || s->slot_cap >= ring_size(s)))
		return 0;
	size_t n = s->slot_cap ? s->slot_cap * 2 : 16;
	return ring_resize(s, n < ring_size(s) ? n : ring_size(s));
}

mq_slot *sess_ring_at(mq_session *s, size_t i)
{
	return &s->slots[(s->slot_head + i) % s->slot_cap];
}

/* The in-flight slot for an outbound packet id, or NULL. */
static mq_slot *slot_find(mq_session *s, uint16_t id)
{
	mq_slot *slot;

	if (!s->slots || id == 0 || !bit_get(s->ids_out, id))
		return NULL;
	slot = &s->slots[s->id_slot[id]];
	return slot->tag && slot->packet_id == id ? slot : NULL;
}

/* Grow a slot's buffer to hold n bytes; kept for reuse. */
int sess_slot_reserve(mq_slot *slot, size_t n)
{
	size_t cap = slot->cap ? slot->cap : 64;
	uint8_t *p;

	if (slot->cap >= n)
		return 0;
	while (cap < n) {
		if (cap > SIZE_MAX / 2)
			return -MQ_E_NOMEM;
		cap *= 2;
	}
	p = realloc(slot->buf, cap);
	if (!p)
		return -MQ_E_NOMEM;
	slot->buf = p;
	slot->cap = cap;
	return 0;
}

/* Room for one more QoS 1/2 message on the wire and in the ring? */
bool sess_window_open(const mq_session *s)
{
	return s->live < s->window && s->slot_count < ring_size(s) &&
	       s->unsent == 0;
}

/* Send, in publish order, the in-flight messages not yet sent on this
 * link, as far as the window allows: PUBREL for those past PUBREC. */
int sess_flush_unsent(mq_session *s)
{
	size_t i;
	int rc;

	for (i = 0; s->unsent && i < s->slot_count &&
		    s->live - s->unsent < s->window; i++) {
		mq_slot *slot = sess_ring_at(s, i);

		if (!slot->tag || slot->sent)
			continue;
		if (slot->stage == STAGE_PUBCOMP)
			rc = queue_ack(s, MQ_PUBREL, slot->packet_id, 0);
		else
			rc = sess_queue_slot(s, slot);
		if (rc < 0)
			return rc;
		slot->sent = true;
		s->unsent--;
	}
	return 0;
}

/* A QoS 1/2 message finished: free its slot (keeping the buffer), move
 * the ring head past finished slots, refill the window, tell the caller. */
static int slot_complete(mq_session *s, mq_slot *slot, uint8_t reason)
{
	uint64_t tag = slot->tag;
	int rc = 0;

	sess_bit_clear(s->ids_out, slot->packet_id);
	s->changes++;
	if (!slot->sent)
		s->unsent--;
	s->acked++;
	if (reason < 0x80 && slot->len + slot->body.len > s->max_acked_len)
		s->max_acked_len = slot->len + slot->body.len;
	slot->tag = 0;   /* body is set again when the slot is taken */
	slot->stage = STAGE_FREE;
	slot->sent = false;
	s->live--;
	while (s->slot_count && sess_ring_at(s, 0)->tag == 0) {
		s->slot_head = (s->slot_head + 1) % s->slot_cap;
		s->slot_count--;
	}
	if (s->state == MQ_S_CONNECTED)
		rc = sess_flush_unsent(s);
	if (s->ev.delivered)
		s->ev.delivered(s->ev.ctx, tag, reason);
	return rc;
}

size_t mq_session_inflight(const mq_session *s)
{
	return s->live;
}

bool mq_session_oldest_sent(const mq_session *s, uint64_t *tag, size_t *len)
{
	for (size_t i = 0; i < s->slot_count; i++) {
		const mq_slot *slot = &s->slots[(s->slot_head + i) % s->slot_cap];
		if (!slot->tag)
			continue;
		if (!slot->sent)
			return false;
		*tag = slot->tag;
		*len = slot->len + slot->body.len;
		return true;
	}
	return false;
}

/* ---- inbound packets ------------------------------------------------------ */

/* MQTT 3.1.1 §4.3, 5.0 §4.3: deliver, then acknowledge; a QoS 2 message
 * is delivered once however often the broker sends it before PUBREL. */
static int on_publish(mq_session *s, const mq_publish *pub)
{
	int rc = 0;

	if (sess_is_v5(s) && (pub->topic.len == 0 ||
	    (pub->props.present & MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS))))
		return -MQ_E_TOPIC_ALIAS;   /* we allow no aliases (max 0) */
	if (pub->qos > 0 && pub->packet_id == 0)
		return -MQ_E_BAD_PACKET_ID;
	if (pub->qos == 2 && bit_get(s->ids_in_qos2, pub->packet_id))
		return queue_ack(s, MQ_PUBREC, pub->packet_id, 0);
	if (s->ev.message && (rc = s->ev.message(s->ev.ctx, pub)) < 0)
		return rc;
	if (pub->qos == 0 || (s->ev.message && rc == MQ_MESSAGE_LATER))
		return 0;
	return mq_session_ack(s, pub->packet_id, pub->qos);
}

int mq_session_ack(mq_session *s, uint16_t packet_id, uint8_t qos)
{
	if (s->state != MQ_S_CONNECTED)
		return -MQ_E_WOULD_BLOCK;
	if (qos == 1)
		return queue_ack(s, MQ_PUBACK, packet_id, 0);
	bit_set(s->ids_in_qos2, packet_id);   /* a re-send now gets PUBREC only */
	s->changes++;
	return queue_ack(s, MQ_PUBREC, packet_id, 0);
}

static int on_pubrel(mq_session *s, const mq_ack *a)
{
	uint8_t reason = 0;

	if (!bit_get(s->ids_in_qos2, a->packet_id) && sess_is_v5(s))
		reason = RC_PACKET_ID_NOT_FOUND;
	if (bit_get(s->ids_in_qos2, a->packet_id))
		s->changes++;
	sess_bit_clear(s->ids_in_qos2, a->packet_id);
	return queue_ack(s, MQ_PUBCOMP, a->packet_id, reason);
}

/* An acknowledgement for an id we have nothing in flight under: a broker
 * restarted from an older saved state repeats finished handshakes.  It is
 * noted and ignored (a PUBREC answered with PUBREL, 0x92 "packet
 * identifier not found" in 5.0, MQTT 5.0 §3.6.2.1), not fatal. */
static int on_stray_ack(mq_session *s, const mq_ack *a, uint8_t type)
{
	char line[96];

	if (s->ev.log) {
		snprintf(line, sizeof line, "ignoring %s for packet id %u: not in flight",
			 mq_type_name(type), a->packet_id);
		s->ev.log(s->ev.ctx, line);
	}
	if (type != MQ_PUBREC)
		return 0;
	return queue_ack(s, MQ_PUBREL, a->packet_id, sess_is_v5(s) ? 0x92 : 0);
}

/* A PUBACK for a QoS 2 message not yet PUBRECed: brokers that grant at
 * most QoS 1 without saying so (RabbitMQ before 3.13) downgrade it.  The
 * message was delivered at QoS 1, so it is complete; duplicates are
 * possible, which the user is told once. */
static int qos2_as_qos1(mq_session *s, mq_slot *slot, const mq_ack *a)
{
	if (!s->qos2_as_qos1 && s->ev.warn)
		s->ev.warn(s->ev.ctx, "warning: the broker acknowledged QoS 2 as "
			   "QoS 1: duplicates are possible");
	s->qos2_as_qos1 = true;
	return slot_complete(s, slot, a->reason);
}

static int on_puback(mq_session *s, const mq_ack *a)
{
	mq_slot *slot = slot_find(s, a->packet_id);

	if (!slot)
		return on_stray_ack(s, a, MQ_PUBACK);
	if (slot->stage == STAGE_PUBREC && !s->cfg.strict)
		return qos2_as_qos1(s, slot, a);
	if (slot->stage != STAGE_PUBACK)
		return -MQ_E_BAD_PACKET_ID;
	return slot_complete(s, slot, a->reason);
}

/* PUBREC: release (again, if the broker repeats it), or finish when a
 * 5.0 broker refused the message. */
static int on_pubrec(mq_session *s, const mq_ack *a)
{
	mq_slot *slot = slot_find(s, a->packet_id);

	if (!slot)
		return a->reason >= 0x80 ? 0 : on_stray_ack(s, a, MQ_PUBREC);
	if (slot->stage == STAGE_PUBACK)
		return -MQ_E_BAD_PACKET_ID;
	if (a->reason >= 0x80) {
		if (slot->stage != STAGE_PUBREC)
			return -MQ_E_PROTOCOL;
		return slot_complete(s, slot, a->reason);
	}
	if (slot->stage != STAGE_PUBCOMP)
		s->changes++;
	slot->stage = STAGE_PUBCOMP;
	return queue_ack(s, MQ_PUBREL, a->packet_id, 0);
}

static int on_pubcomp(mq_session *s, const mq_ack *a)
{
	mq_slot *slot = slot_find(s, a->packet_id);

	if (!slot)
		return on_stray_ack(s, a, MQ_PUBCOMP);
	if (slot->stage != STAGE_PUBCOMP)
		return -MQ_E_BAD_PACKET_ID;
	return slot_complete(s, slot, a->reason);
}

static int on_disconnect(mq_session *s, const mq_reason_only *d)
{
	s->disconnect_reason = d->reason;
	if (d->props.present & MQ_PROP_BIT(MQ_PROP_REASON_STRING))
		s->reason_string = d->props.reason_string;
	return -MQ_E_DISCONNECTED;
}

/* Packets after CONNACK. */
static int dispatch(mq_session *s, const mq_packet *p)
{
	switch (p->type) {
	case MQ_PUBLISH:  return on_publish(s, &p->u.publish);
	case MQ_PUBACK:   return on_puback(s, &p->u.ack);
	case MQ_PUBREC:   return on_pubrec(s, &p->u.ack);
	case MQ_PUBREL:   return on_pubrel(s, &p->u.ack);
	case MQ_PUBCOMP:  return on_pubcomp(s, &p->u.ack);
	case MQ_SUBACK:   return sess_on_suback(s, &p->u.suback);
	case MQ_UNSUBACK: return sess_on_unsuback(s, &p->u.suback);
	case MQ_PINGRESP:
		s->ping_outstanding = false;
		return 0;
	case MQ_DISCONNECT:
		if (sess_is_v5(s))
			return on_disconnect(s, &p->u.disconnect);
		break;
	case MQ_AUTH:
		if (sess_is_v5(s))
			return -MQ_E_PROTOCOL;   /* no extended authentication */
		break;
	}
	return -MQ_E_UNEXPECTED_PACKET;
}

int mq_session_handle(mq_session *s, const mq_packet *p, uint64_t now_ms)
{
	(void)now_ms;
	s->reason_string = (mq_bytes){ NULL, 0 };
	sess_trace(s, false, p);
	switch (s->state) {
	case MQ_S_CONNECTING:
		if (p->type == MQ_CONNACK)
			return sess_on_connack(s, &p->u.connack);
		if (p->type == MQ_AUTH && sess_is_v5(s))
			return -MQ_E_PROTOCOL;
		return -MQ_E_UNEXPECTED_PACKET;
	case MQ_S_CONNECTED:
	case MQ_S_CLOSING:
		return dispatch(s, p);
	case MQ_S_DISCONNECTED:
		break;
	}
	return -MQ_E_UNEXPECTED_PACKET;
}

/* ---- keepalive (3.1.1 §3.1.2.10, 5.0 §3.1.2.10) --------------------------- */

void mq_session_read(mq_session *s, uint64_t now_ms)
{
	s->last_read_ms = now_ms;
}

/* PINGREQ when nothing was written for K or read for K/2; once one is
 * outstanding, give up when nothing at all was read for K after it. */
uint64_t mq_session_deadline(const mq_session *s)
{
	uint64_t k = (uint64_t)s->keepalive * 1000u, w, r;

	if (s->state != MQ_S_CONNECTED || k == 0)
		return UINT64_MAX;
	if (s->ping_outstanding) {
		r = s->last_read_ms > s->ping_sent_ms ? s->last_read_ms
						      : s->ping_sent_ms;
		return r + k;
	}
	w = s->last_write_ms + k;
	r = s->last_read_ms + k / 2;
	return w < r ? w : r;
}

int mq_session_tick(mq_session *s, uint64_t now_ms)
{
	int rc;

	if (now_ms < mq_session_deadline(s))
		return 0;
	if (s->ping_outstanding)
		return -MQ_E_KEEPALIVE;
	/* built only when due: the tick runs once per read batch */
	mq_packet p = { .type = MQ_PINGREQ };
	rc = sess_queue_packet(s, &p);
	if (rc < 0)
		return rc;
	s->ping_outstanding = true;
	s->ping_sent_ms = now_ms;
	return 0;
}

/* ---- durable state --------------------------------------------------------- */

bool mq_session_slot_next(const mq_session *s, size_t *pos, mq_stored_slot *out)
{
	for (; s->slots && *pos < s->slot_count; (*pos)++) {
		mq_slot *slot = &s->slots[(s->slot_head + *pos) % s->slot_cap];

		if (!slot->tag)
			continue;
		*out = (mq_stored_slot){ slot->packet_id, slot->qos,
			slot->stage == STAGE_PUBCOMP, { slot->buf, slot->len },
			{ slot->body.ptr, slot->body.len } };
		(*pos)++;
		return true;
	}
	return false;
}

int mq_session_restore(mq_session *s, const mq_stored_slot *m)
{
	mq_packet p;
	int rc = sess_ring_alloc(s);

	if (rc < 0)
		return rc;
	if (s->slot_count >= s->slot_cap)
		return -MQ_E_INFLIGHT_FULL;
	if (m->packet_id == 0 || bit_get(s->ids_out, m->packet_id) ||
	    mq_decode(m->packet.ptr, m->packet.len, s->cfg.version, 0, &p) !=
		    (long)m->packet.len ||
	    p.type != MQ_PUBLISH || p.u.publish.qos != m->qos || m->qos == 0 ||
	    p.u.publish.packet_id != m->packet_id)
		return -MQ_E_MALFORMED;
	size_t pos = (s->slot_head + s->slot_count) % s->slot_cap;
	mq_slot *slot = &s->slots[pos];
	if (sess_slot_reserve(slot, m->packet.len) < 0)
		return -MQ_E_NOMEM;
	memcpy(slot->buf, m->packet.ptr, m->packet.len);
	slot->body.ptr = NULL;
	slot->body.len = 0;
	slot->buf[0] |= PUBLISH_DUP;   /* it may have reached the broker */
	slot->len = m->packet.len;
	slot->tag = s->next_tag++;
	slot->packet_id = m->packet_id;
	slot->qos = m->qos;
	slot->stage = m->released ? STAGE_PUBCOMP
		    : m->qos == 1 ? STAGE_PUBACK : STAGE_PUBREC;
	slot->sent = false;
	bit_set(s->ids_out, m->packet_id);
	s->id_slot[m->packet_id] = (uint16_t)pos;
	s->slot_count++;
	s->live++;
	s->unsent++;
	return 0;
}

void mq_session_restore_inbound(mq_session *s, uint16_t id)
{
	if (id)
		bit_set(s->ids_in_qos2, id);
}
