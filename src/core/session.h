/* session.h - the sans-I/O MQTT client session.
 *
 * Holds everything the protocol needs between packets: state, packet ids,
 * the outbound QoS 1/2 window, inbound QoS 2 ids awaiting PUBREL,
 * keepalive timers and the subscription list.  It never touches a socket
 * or a clock: the caller passes now_ms, feeds decoded packets in with
 * mq_session_handle(), takes the bytes to send from mq_session_output(),
 * reports what it wrote with mq_session_written(), and calls
 * mq_session_tick() by mq_session_deadline().
 *
 * Outbound QoS 1/2 messages live in `slots`, a ring in publish order, each
 * holding its encoded PUBLISH so a re-send is a byte copy with DUP set.
 * Slot and output buffers grow to the largest message seen and are reused:
 * no allocation per message once warm.
 */
#ifndef MQ_SESSION_H
#define MQ_SESSION_H

#include "alias.h"
#include "codec.h"
#include "pubtmpl.h"

enum mq_session_state {
	MQ_S_DISCONNECTED,   /* no link; mq_session_connect() starts one */
	MQ_S_CONNECTING,     /* CONNECT queued, waiting for CONNACK */
	MQ_S_CONNECTED,      /* CONNACK accepted */
	MQ_S_CLOSING         /* DISCONNECT queued; the link ends after it */
};

/* A payload the session sends from where it lies rather than copying
 * it into its buffers (borrow.c). */
typedef struct mq_borrowed {
	const uint8_t *ptr;      /* NULL: none */
	size_t len;
	bool in_file;            /* the same bytes are file fd at off, which a */
	int fd;                  /* transport may send directly (sendfile) */
	uint64_t off;
} mq_borrowed;

/* Payloads this large or larger are borrowed when the caller allows it. */
#define MQ_BORROW_MIN (64u * 1024u)

/* What the caller asks the session to publish. */
typedef struct mq_message {
	mq_bytes topic, payload;
	uint8_t qos;
	bool retain;
	const mq_props *props;   /* 5.0 PUBLISH properties, or NULL */
	bool topic_checked;      /* the caller ran mq_topic_check() on it */
	/* The payload stays valid and unchanged while the session may send
	 * it (QoS 0: until written; QoS 1/2: until delivered() or the
	 * session is freed): one of MQ_BORROW_MIN bytes or more is then
	 * sent from there, never copied.  payload_in_file: it is also file
	 * payload_fd at payload_off. */
	bool payload_stable, payload_in_file;
	int payload_fd;
	uint64_t payload_off;
} mq_message;

/* Fixed for the life of the session; the memory it points to must outlive
 * the session. */
typedef struct mq_session_config {
	uint8_t version;            /* MQ_V311 or MQ_V5 */
	mq_bytes client_id;
	bool clean_start;
	uint16_t keepalive;         /* seconds; 0 disables keepalive */
	uint32_t session_expiry;    /* 5.0 Session Expiry Interval */
	bool has_username, has_password;
	mq_bytes username, password;
	bool will, will_retain;
	uint8_t will_qos;
	mq_bytes will_topic, will_payload;
	uint16_t max_inflight;      /* outbound QoS 1/2 window, >= 1 */
	uint16_t receive_max;       /* inbound: the Receive Maximum asked of a
	                               5.0 broker; 0 = 65535 (no limit) */
	uint32_t max_packet;        /* largest inbound packet accepted (and
	                               advertised in 5.0); 0 = protocol max */
	const mq_props *connect_props;   /* 5.0: user properties and Request
	                                    Response Information, or NULL */
	const mq_props *will_props;      /* 5.0 will properties, or NULL */
	const mq_props *subscribe_props; /* 5.0 properties of every SUBSCRIBE
	                                    (Subscription Identifier, user
	                                    properties), resubscribes too; or NULL */
	bool topic_aliases;         /* 5.0: send topic aliases when the
	                               broker allows them (alias.h) */
	bool version_fallback;      /* version not given: a broker refusing 5.0
	                               gets 3.1.1 (mq_session_use_v311) */
	uint16_t v311_max_inflight; /* max_inflight after that; 0 = keep */
	bool strict;                /* a PUBACK for QoS 2 is a protocol error */
} mq_session_config;

/* Callbacks.  Every member may be NULL.  They run inside
 * mq_session_handle(), so they must not call back into the session except
 * through mq_session_publish(). */
typedef struct mq_session_events {
	void *ctx;
	/* CONNACK accepted. */
	void (*connected)(void *ctx, const mq_connack *ack);
	/* An application message arrived (once per QoS 2 message, even if the
	 * broker re-sends it before PUBREL).  Return 0 to acknowledge it,
	 * MQ_MESSAGE_LATER to acknowledge it later with mq_session_ack() (a
	 * QoS 2 message re-sent before then comes here again), or a negative
	 * -MQ_E_* to stop: mq_session_handle() then returns it. */
	int (*message)(void *ctx, const mq_publish *pub);
	/* An outbound QoS 1/2 message finished: tag is what
	 * mq_session_publish() returned; reason >= 0x80 means the broker
	 * refused it (5.0). */
	void (*delivered)(void *ctx, uint64_t tag, uint8_t reason);
	/* SUBACK for a SUBSCRIBE (reason count already checked). */
	void (*subscribed)(void *ctx, const mq_suback *ack);
	/* UNSUBACK for mq_session_unsubscribe() (5.0: one reason code per
	 * filter, count checked; 3.1.1: none). */
	void (*unsubscribed)(void *ctx, const mq_suback *ack);
	/* Every packet sent (outgoing true) or received, for -d traces. */
	void (*trace)(void *ctx, bool outgoing, const mq_packet *p);
	/* One line of debug text (state changes "CONNECTING -> CONNECTED"). */
	void (*log)(void *ctx, const char *line);
	/* A warning the user must see even without -d (once per run). */
	void (*warn)(void *ctx, const char *line);
} mq_session_events;

#define MQ_MESSAGE_LATER 1

/* One outbound QoS 1/2 message in flight. */
typedef struct mq_slot {
	uint64_t tag;               /* 0 = free */
	uint16_t packet_id;
	uint8_t qos;
	uint8_t stage;              /* awaiting PUBACK / PUBREC / PUBCOMP */
	bool sent;                  /* written on the current link */
	uint8_t *buf;               /* encoded PUBLISH (its head only when */
	size_t len, cap;            /* the payload is borrowed) */
	mq_borrowed body;           /* the borrowed payload, or ptr NULL, len 0 */
} mq_slot;

/* A borrowed payload on the output: sent when the bytes before `at` in
 * the output buffer are, before the ones after it. */
typedef struct mq_splice {
	size_t at;                  /* offset in out */
	mq_borrowed b;
	size_t done;                /* bytes of it written */
} mq_splice;

/* A SUBSCRIBE waiting for its SUBACK. */
typedef struct mq_pending_sub {
	uint16_t packet_id;
	uint16_t count;
} mq_pending_sub;

#define MQ_MAX_PENDING_SUBS 16
#define MQ_OUT_HIGH_WATER (64u * 1024u)

typedef struct mq_session {
	mq_session_config cfg;
	mq_session_events ev;
	enum mq_session_state state;

	/* Output: bytes queued for the link, out[out_start..out_len). */
	uint8_t *out;
	size_t out_start, out_len, out_cap;
	/* Borrowed payloads spliced into it, in order (borrow.c). */
	mq_splice *splices;
	size_t splice_head, splice_count, splice_cap;
	size_t splice_bytes;            /* of theirs not yet written */

	/* Outbound window (ring of cfg.max_inflight slots). */
	mq_slot *slots;
	size_t slot_head, slot_count;   /* oldest in-flight, and how many */
	uint16_t window;                /* min(max_inflight, broker Receive Max) */
	uint16_t next_id;
	uint64_t next_tag;
	uint8_t ids_out[8192];          /* bitmap: outbound ids in use */
	uint8_t ids_in_qos2[8192];      /* bitmap: inbound QoS 2 awaiting PUBREL */

	mq_pubtmpl tmpl;                /* the last PUBLISH head, reused */
	uint32_t tmpl_misses;           /* PUBLISHes since it last matched */

	/* Broker limits learned from CONNACK (5.0). */
	uint8_t broker_max_qos;
	bool broker_retain_available;
	uint32_t broker_max_packet;
	uint16_t keepalive;             /* effective (Server Keep Alive wins) */

	/* Keepalive. */
	uint64_t last_write_ms, last_read_ms, ping_sent_ms;
	bool ping_outstanding;

	/* Subscriptions to (re)establish, and those awaiting SUBACK. */
	const mq_sub_entry *subs;
	size_t sub_count;
	mq_pending_sub pending_subs[MQ_MAX_PENDING_SUBS];
	size_t pending_sub_count;
	/* Filters to unsubscribe from, until their UNSUBACK. */
	const mq_bytes *unsubs;
	size_t unsub_count;
	uint16_t unsub_id;              /* id of the UNSUBSCRIBE sent, or 0 */

	uint64_t changes;               /* bumped whenever the state a
	                                   store must keep changes */

	bool session_present;           /* from the last CONNACK */
	uint8_t connack_reason;         /* last CONNACK reason / return code */
	uint8_t disconnect_reason;      /* reason of a broker DISCONNECT */
	mq_bytes reason_string;         /* 5.0 Reason String, valid during the
	                                   mq_session_handle() call only */

	/* Private to session.c.  slot_count above is the span of the ring
	 * from slot_head, holes left by out-of-order acks included; `live`
	 * is how many slots hold a message (mq_session_inflight()). */
	size_t slot_cap;                /* ring size: cfg.max_inflight (>= 1) */
	size_t live;                    /* slots holding a message */
	size_t unsent;                  /* live slots not yet sent on this link */
	uint16_t *id_slot;              /* outbound packet id -> ring index */
	bool subs_resend;               /* send SUBSCRIBE after the next CONNACK */
	bool qos2_as_qos1;              /* warned: broker PUBACKed QoS 2 */
	uint8_t *assigned_id;           /* copy of the 5.0 Assigned Client */
	size_t assigned_id_len;         /* Identifier, reused on reconnect */
	mq_alias_table *aliases;        /* cfg.topic_aliases: allocated at the
	                                   first CONNACK that allows them */
	uint64_t acked;                 /* QoS 1/2 messages finished so far */
	size_t max_acked_len;           /* the largest PUBLISH the broker took */
} mq_session;

/* Cannot fail (allocates lazily).  cfg and ev are copied. */
void mq_session_init(mq_session *s, const mq_session_config *cfg,
		     const mq_session_events *ev);
/* Safe on a zeroed or freed session. */
void mq_session_free(mq_session *s);

/* A new link is up: queue CONNECT.  Returns 0 or -MQ_E_*. */
int mq_session_connect(mq_session *s, uint64_t now_ms);
/* The link died: forget queued output and ping state; in-flight messages
 * and pending SUBSCRIBEs are kept and sent again after the next CONNACK
 * (with DUP and their ids when the broker kept the session, as new
 * publications when it did not; PUBREL, never PUBLISH, after PUBREC). */
void mq_session_link_lost(mq_session *s);
/* The broker does not speak MQTT 5: talk 3.1.1 from now on (the link is
 * down).  In-flight messages are encoded again without 5.0 properties.
 * Returns 0 or -MQ_E_NOMEM / -MQ_E_MALFORMED. */
int mq_session_use_v311(mq_session *s);
/* Did this CONNACK-time failure mean "no MQTT 5 here"?  True for a 5.0
 * CONNACK 0x84 (unsupported protocol version) while connecting at 5.0. */
bool mq_session_v5_refused(const mq_session *s, int rc);

/* Queue DISCONNECT (reason 0x00 in 5.0) and enter MQ_S_CLOSING. */
int mq_session_disconnect(mq_session *s, uint8_t reason, uint64_t now_ms);

/* Remember the subscription list (caller-owned, outlives the session) and
 * queue SUBSCRIBE if connected; it is sent again after any CONNACK without
 * a session.  Returns 0 or -MQ_E_*. */
int mq_session_subscribe(mq_session *s, const mq_sub_entry *subs,
			 size_t count, uint64_t now_ms);

/* Acknowledge an inbound QoS 1 or 2 message whose message() callback
 * said MQ_MESSAGE_LATER: PUBACK, or PUBREC (then PUBCOMP on PUBREL).
 * MQTT wants acknowledgements in the order the messages came (§4.6): the
 * caller keeps that order.  Only on the connection the message came on,
 * or one that resumed its session.  Returns 0, -MQ_E_WOULD_BLOCK when not
 * connected, or -MQ_E_*. */
int mq_session_ack(mq_session *s, uint16_t packet_id, uint8_t qos);

/* Unsubscribe from filters[count] (caller-owned, outlives the session):
 * UNSUBSCRIBE is queued now if connected, else after the next CONNACK
 * (after the SUBSCRIBE), and again on a new link until its UNSUBACK.
 * Returns 0 or -MQ_E_*. */
int mq_session_unsubscribe(mq_session *s, const mq_bytes *filters,
			   size_t count, uint64_t now_ms);
/* An UNSUBSCRIBE waits for its UNSUBACK. */
bool mq_session_unsubscribing(const mq_session *s);

/* Can a message of this QoS be queued now?  False while not connected,
 * when the window is full (QoS 1/2) or the output is above
 * MQ_OUT_HIGH_WATER. */
bool mq_session_can_publish(const mq_session *s, uint8_t qos);
/* Queue a PUBLISH.  Returns a tag > 0 identifying the message (QoS 0: the
 * tag is returned but no delivered() event follows), or -MQ_E_BAD_TOPIC,
 * -MQ_E_BAD_QOS (above the broker's Maximum QoS), -MQ_E_PACKET_TOO_LARGE,
 * -MQ_E_INFLIGHT_FULL, -MQ_E_NOMEM, -MQ_E_PROTOCOL (retain asked of a 5.0
 * broker without Retain Available), -MQ_E_WOULD_BLOCK (not connected, or
 * output above MQ_OUT_HIGH_WATER: mq_session_can_publish() was false). */
long long mq_session_publish(mq_session *s, const mq_message *m,
			     uint64_t now_ms);
/* QoS 1/2 messages not yet completed. */
size_t mq_session_inflight(const mq_session *s);
/* The oldest QoS 1/2 message in flight, if it was sent on this link:
 * its tag and encoded length.  False when none, or it waits unsent. */
bool mq_session_oldest_sent(const mq_session *s, uint64_t *tag, size_t *len);

/* A packet from the broker.  Returns 0, or -MQ_E_* when the link must be
 * dropped: -MQ_E_REFUSED (connack_reason says why), -MQ_E_DISCONNECTED
 * (disconnect_reason), -MQ_E_PROTOCOL / -MQ_E_UNEXPECTED_PACKET /
 * -MQ_E_BAD_PACKET_ID / -MQ_E_TOPIC_ALIAS for a broker that breaks the
 * protocol, or what the message() callback returned. */
int mq_session_handle(mq_session *s, const mq_packet *p, uint64_t now_ms);

/* The next bytes to write (NULL/0 when none): a run of the output
 * buffer, or (a borrowed payload) the payload's bytes. */
const uint8_t *mq_session_output(const mq_session *s, size_t *len);
/* Are the bytes mq_session_output() returns those of a file too: its fd
 * and the offset of the first byte. */
bool mq_session_output_file(const mq_session *s, int *fd, uint64_t *off);
/* All bytes waiting to be written. */
size_t mq_session_pending(const mq_session *s);
/* n of the bytes mq_session_output() returned were written. */
void mq_session_written(mq_session *s, size_t n, uint64_t now_ms);
/* Record that bytes arrived (keepalive bookkeeping). */
void mq_session_read(mq_session *s, uint64_t now_ms);

/* When mq_session_tick() must next run (UINT64_MAX: no timer). */
uint64_t mq_session_deadline(const mq_session *s);
/* Run timers: queue PINGREQ when idle; -MQ_E_KEEPALIVE when the broker has
 * been silent for a whole keepalive after a PINGREQ.  Returns 0 or that. */
int mq_session_tick(mq_session *s, uint64_t now_ms);

const char *mq_session_state_name(enum mq_session_state st);

/* ---- durable state (store.c) ------------------------------------------- */

/* One in-flight QoS 1/2 message as a store keeps it. */
typedef struct mq_stored_slot {
	uint16_t packet_id;
	uint8_t qos;
	bool released;              /* PUBREC received: PUBREL is what is due */
	mq_bytes packet;            /* the encoded PUBLISH... */
	mq_bytes body;              /* ...and its borrowed payload after it
	                               (empty when packet holds it all) */
} mq_stored_slot;

/* Walk the in-flight messages in publish order: *pos starts at 0; true
 * with *out filled, false past the end. */
bool mq_session_slot_next(const mq_session *s, size_t *pos, mq_stored_slot *out);
/* Put a stored message back in flight, before connecting: it is sent
 * again after the CONNACK like any unacknowledged message.  Returns 0 or
 * -MQ_E_INFLIGHT_FULL / -MQ_E_NOMEM / -MQ_E_MALFORMED. */
int mq_session_restore(mq_session *s, const mq_stored_slot *m);
/* An inbound QoS 2 id awaiting PUBREL, from a store. */
void mq_session_restore_inbound(mq_session *s, uint16_t id);

#endif
