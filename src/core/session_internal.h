/* session_internal.h - what session.c shares with the other parts of the
 * session (publish.c): the output buffer, the slot ring, packet ids.
 * Not part of the session's interface. */
#ifndef MQ_SESSION_INTERNAL_H
#define MQ_SESSION_INTERNAL_H

#include "session.h"

#define PUBLISH_DUP 0x08   /* fixed header DUP flag (§3.3.1.1) */

/* Where an outbound QoS 1/2 message stands (mq_slot.stage). */
enum { STAGE_FREE, STAGE_PUBACK, STAGE_PUBREC, STAGE_PUBCOMP };

bool sess_is_v5(const mq_session *s);
/* The only way s->state changes; traced as "from -> to". */
void sess_set_state(mq_session *s, enum mq_session_state to);
/* The window and broker limits back to what a new connection starts with. */
void sess_reset_limits(mq_session *s);
/* The i-th slot of the ring, oldest first. */
mq_slot *sess_ring_at(mq_session *s, size_t i);
/* Queue what is in flight and not on this connection yet (after CONNACK). */
int sess_flush_unsent(mq_session *s);
void sess_bit_clear(uint8_t *map, uint16_t id);
/* Bytes queued and not yet written. */
size_t sess_out_pending(const mq_session *s);
/* Room for n more bytes at out + out_len (compacting, then doubling), or
 * NULL when out of memory.  Nothing is committed. */
uint8_t *sess_out_reserve(mq_session *s, size_t n);
/* Encode p onto the output and trace it.  Returns 0 or -MQ_E_*. */
int sess_queue_packet(mq_session *s, const mq_packet *p);
void sess_trace(mq_session *s, bool outgoing, const mq_packet *p);
/* An outbound packet id not in use, reserved; 0 when all are taken. */
uint16_t sess_id_alloc(mq_session *s);
/* The ring and the id map, allocated at the first QoS 1/2 publish. */
int sess_ring_alloc(mq_session *s);
/* Grow a slot's buffer to hold n bytes; kept for reuse. */
int sess_slot_reserve(mq_slot *slot, size_t n);
/* Room for one more QoS 1/2 message on the wire and in the ring? */
bool sess_window_open(const mq_session *s);

/* borrow.c: borrowed payloads on the output. */
/* Room for one more splice, so that the next push cannot fail.  Returns
 * 0 or -MQ_E_NOMEM. */
int sess_splice_room(mq_session *s);
/* Queue b after the bytes now in the output.  Returns 0 or -MQ_E_NOMEM. */
int sess_splice_push(mq_session *s, const mq_borrowed *b);
/* Drop every splice (the link is gone). */
void sess_splice_clear(mq_session *s);
/* The next splice of the output, or NULL. */
static inline mq_splice *sess_splice_now(const mq_session *s)
{
	return s->splice_count ? &s->splices[s->splice_head] : NULL;
}
/* The output buffer's unread bytes moved to its front, splices with them. */
void sess_out_rebase(mq_session *s);
/* Copy a slot's PUBLISH onto the output (its head, and its borrowed
 * payload spliced after it) and trace it.  Returns 0 or -MQ_E_*. */
int sess_queue_slot(mq_session *s, const mq_slot *slot);
/* mq_decode() of a slot's PUBLISH, its payload borrowed or not; *tmp is
 * set to memory to free after using the packet.  Returns 0 or -MQ_E_*. */
int sess_decode_slot(const mq_slot *slot, uint8_t version, mq_packet *p,
		     uint8_t **tmp);

/* session_connect.c: the CONNACK. */
int sess_on_connack(mq_session *s, const mq_connack *ack);

/* subscriptions.c: queue the SUBSCRIBE / UNSUBSCRIBE of the lists kept;
 * their acknowledgements. */
int sess_send_subscribe(mq_session *s);
int sess_send_unsubscribe(mq_session *s);
int sess_on_suback(mq_session *s, const mq_suback *ack);
int sess_on_unsuback(mq_session *s, const mq_suback *ack);

#endif
