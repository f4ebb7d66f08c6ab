/* codec.h - pure encode/decode of every MQTT 3.1.1 and 5.0 control packet.
 *
 * No sockets, no clock, no allocation.  Conventions (after MQTT-C/Paho):
 *   encoders take (buf, cap, ...) and return bytes written or -MQ_E_*;
 *   decoders return bytes consumed, 0 for "need more bytes", or -MQ_E_*.
 * Every length is checked against the bytes actually present, never against
 * the length a packet claims.  Decoded strings and payloads are mq_bytes
 * views into the caller's input buffer: valid while that buffer is.
 */
#ifndef MQ_CODEC_H
#define MQ_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "errors.h"

typedef struct mq_bytes {
	const uint8_t *ptr;
	size_t len;
} mq_bytes;

#define MQ_BYTES_STR(s) ((mq_bytes){ (const uint8_t *)(s), sizeof(s) - 1 })

/* Protocol level byte in CONNECT (MQTT 3.1.1 §3.1.2.2, 5.0 §3.1.2.2). */
enum mq_version { MQ_V311 = 4, MQ_V5 = 5 };

/* Control packet types (§2.1.2 of both specs). */
enum mq_type {
	MQ_CONNECT = 1, MQ_CONNACK, MQ_PUBLISH, MQ_PUBACK, MQ_PUBREC, MQ_PUBREL,
	MQ_PUBCOMP, MQ_SUBSCRIBE, MQ_SUBACK, MQ_UNSUBSCRIBE, MQ_UNSUBACK,
	MQ_PINGREQ, MQ_PINGRESP, MQ_DISCONNECT, MQ_AUTH
};

/* Largest remaining length the 4-byte varint can hold (§1.5.5 / §2.2.3). */
#define MQ_MAX_REMAINING_LENGTH 268435455u
/* Fixed header (1) + 4-byte remaining length. */
#define MQ_MAX_FIXED_HEADER 5

/* MQTT 5.0 property identifiers (§2.2.2.2). */
enum mq_prop_id {
	MQ_PROP_PAYLOAD_FORMAT = 0x01,
	MQ_PROP_MESSAGE_EXPIRY = 0x02,
	MQ_PROP_CONTENT_TYPE = 0x03,
	MQ_PROP_RESPONSE_TOPIC = 0x08,
	MQ_PROP_CORRELATION_DATA = 0x09,
	MQ_PROP_SUBSCRIPTION_ID = 0x0B,
	MQ_PROP_SESSION_EXPIRY = 0x11,
	MQ_PROP_ASSIGNED_CLIENT_ID = 0x12,
	MQ_PROP_SERVER_KEEPALIVE = 0x13,
	MQ_PROP_AUTH_METHOD = 0x15,
	MQ_PROP_AUTH_DATA = 0x16,
	MQ_PROP_REQUEST_PROBLEM_INFO = 0x17,
	MQ_PROP_WILL_DELAY = 0x18,
	MQ_PROP_REQUEST_RESPONSE_INFO = 0x19,
	MQ_PROP_RESPONSE_INFO = 0x1A,
	MQ_PROP_SERVER_REFERENCE = 0x1C,
	MQ_PROP_REASON_STRING = 0x1F,
	MQ_PROP_RECEIVE_MAXIMUM = 0x21,
	MQ_PROP_TOPIC_ALIAS_MAXIMUM = 0x22,
	MQ_PROP_TOPIC_ALIAS = 0x23,
	MQ_PROP_MAXIMUM_QOS = 0x24,
	MQ_PROP_RETAIN_AVAILABLE = 0x25,
	MQ_PROP_USER_PROPERTY = 0x26,
	MQ_PROP_MAXIMUM_PACKET_SIZE = 0x27,
	MQ_PROP_WILDCARD_SUB_AVAILABLE = 0x28,
	MQ_PROP_SUB_ID_AVAILABLE = 0x29,
	MQ_PROP_SHARED_SUB_AVAILABLE = 0x2A
};

/* Presence bit for a property id: MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS).
 * Ids fit in 0..0x2A so a uint64_t holds every bit. */
#define MQ_PROP_BIT(id) (UINT64_C(1) << (id))

#define MQ_MAX_SUB_IDS 8

/* MQTT 5.0 properties of one packet.  `present` says which fields hold a
 * value.  User properties (repeatable) and the raw block are kept encoded:
 * walk them with mq_user_prop_next().  On encode, `user` must hold a
 * sequence of encoded user properties (see mq_user_prop_put()). */
typedef struct mq_props {
	uint64_t present;
	uint8_t payload_format, request_problem_info, request_response_info;
	uint8_t maximum_qos, retain_available, wildcard_sub_available;
	uint8_t sub_id_available, shared_sub_available;
	uint16_t server_keepalive, receive_maximum, topic_alias_maximum;
	uint16_t topic_alias;
	uint32_t message_expiry, session_expiry, will_delay, maximum_packet_size;
	mq_bytes content_type, response_topic, correlation_data;
	mq_bytes assigned_client_id, auth_method, auth_data, response_info;
	mq_bytes server_reference, reason_string;
	/* Subscription identifiers (repeatable in PUBLISH): the first
	 * MQ_MAX_SUB_IDS are kept, sub_id_count counts all of them. */
	uint32_t sub_ids[MQ_MAX_SUB_IDS];
	size_t sub_id_count;
	mq_bytes user;   /* encoded user property entries, id byte included */
	mq_bytes raw;    /* decode only: the whole property block */
} mq_props;

/* Make pr empty for encoding without clearing all of it (a PUBLISH on the
 * hot path): the encoder reads no other field of a property set whose
 * presence bits, user properties and subscription ids are all empty. */
static inline void mq_props_none(mq_props *pr)
{
	pr->present = 0;
	pr->sub_id_count = 0;
	pr->user = (mq_bytes){ NULL, 0 };
	pr->raw = (mq_bytes){ NULL, 0 };
}

typedef struct mq_connect {
	uint8_t version;          /* MQ_V311 or MQ_V5 */
	bool clean_start;
	uint16_t keepalive;
	mq_bytes client_id;
	bool will, will_retain;
	uint8_t will_qos;
	mq_bytes will_topic, will_payload;
	mq_props will_props;      /* 5.0 only */
	bool has_username, has_password;
	mq_bytes username, password;
	mq_props props;           /* 5.0 only */
} mq_connect;

typedef struct mq_connack {
	bool session_present;
	uint8_t reason;           /* 3.1.1 return code or 5.0 reason code */
	mq_props props;
} mq_connack;

typedef struct mq_publish {
	uint8_t qos;
	bool retain, dup;
	mq_bytes topic;           /* may be empty in 5.0 when a topic alias is set */
	uint16_t packet_id;       /* only when qos > 0 */
	mq_props props;
	mq_bytes payload;
} mq_publish;

/* PUBACK, PUBREC, PUBREL, PUBCOMP. */
typedef struct mq_ack {
	uint16_t packet_id;
	uint8_t reason;           /* 5.0; 0 when absent or 3.1.1 */
	mq_props props;
} mq_ack;

/* Subscription options byte (5.0 §3.8.3.1; 3.1.1 only uses the QoS bits). */
#define MQ_SUBOPT_QOS_MASK          0x03
#define MQ_SUBOPT_NO_LOCAL          0x04
#define MQ_SUBOPT_RETAIN_AS_PUBLISHED 0x08
#define MQ_SUBOPT_RETAIN_HANDLING_SHIFT 4

typedef struct mq_sub_entry {
	mq_bytes filter;
	uint8_t options;
} mq_sub_entry;

/* SUBSCRIBE.  Encode from entries[count]; decode fills `list` (the raw
 * payload) and `count`, walk it with mq_subscribe_next(). */
typedef struct mq_subscribe {
	uint16_t packet_id;
	mq_props props;
	const mq_sub_entry *entries;
	size_t count;
	mq_bytes list;
} mq_subscribe;

/* SUBACK and UNSUBACK: one reason code per requested filter.  A 3.1.1
 * UNSUBACK has none (count 0). */
typedef struct mq_suback {
	uint16_t packet_id;
	mq_props props;
	mq_bytes reasons;
} mq_suback;

/* UNSUBSCRIBE.  Encode from filters[count]; decode fills `list` and
 * `count`, walk it with mq_unsubscribe_next(). */
typedef struct mq_unsubscribe {
	uint16_t packet_id;
	mq_props props;
	const mq_bytes *filters;
	size_t count;
	mq_bytes list;
} mq_unsubscribe;

/* DISCONNECT and AUTH (reason and properties are 5.0 only). */
typedef struct mq_reason_only {
	uint8_t reason;
	mq_props props;
} mq_reason_only;

typedef struct mq_packet {
	uint8_t type;             /* enum mq_type */
	uint8_t flags;            /* low nibble of the fixed header (decode) */
	union {
		mq_connect connect;
		mq_connack connack;
		mq_publish publish;
		mq_ack ack;                 /* PUBACK PUBREC PUBREL PUBCOMP */
		mq_subscribe subscribe;
		mq_suback suback;           /* SUBACK UNSUBACK */
		mq_unsubscribe unsubscribe;
		mq_reason_only disconnect;  /* DISCONNECT */
		mq_reason_only auth;        /* AUTH */
	} u;
} mq_packet;

/* ---- fixed header / framing ------------------------------------------- */

/* Look at the start of a frame.  Returns the whole frame length (header +
 * remaining length) when the header is complete, 0 when more bytes are
 * needed, or -MQ_E_REMLEN_TOO_LONG (5th length byte has the continuation
 * bit), -MQ_E_REMLEN_NOT_MINIMAL, -MQ_E_PACKET_TOO_LARGE (frame longer
 * than max_packet; 0 means no limit beyond the protocol's).  The error is
 * reported as soon as the header bytes prove it, before the body arrives. */
long mq_frame_length(const uint8_t *buf, size_t len, uint32_t max_packet);

/* Encode a variable byte integer (§1.5.5 / §2.2.3); returns bytes written
 * (1..4) or -MQ_E_BUFFER_TOO_SMALL / -MQ_E_MALFORMED (value too big). */
int mq_varint_put(uint8_t *buf, size_t cap, uint32_t value);
/* Decode one: bytes consumed, 0 need more, -MQ_E_REMLEN_TOO_LONG or
 * -MQ_E_REMLEN_NOT_MINIMAL. */
int mq_varint_get(const uint8_t *buf, size_t len, uint32_t *value);

/* ---- whole packets ---------------------------------------------------- */

/* Bytes mq_encode() will write for p, or -MQ_E_* if p is not encodable
 * (bad QoS, too large, ...). */
long mq_encoded_length(uint8_t version, const mq_packet *p);

/* Encode p (p->type selects the union member; p->flags is ignored and
 * computed).  Returns bytes written or -MQ_E_BUFFER_TOO_SMALL etc. */
long mq_encode(uint8_t *buf, size_t cap, uint8_t version, const mq_packet *p);

/* Decode one whole packet from buf.  Returns bytes consumed, 0 when buf
 * does not yet hold the whole frame, or -MQ_E_*.  Validates fixed-header
 * flags, every length, UTF-8 strings (§1.5.4: well-formed, no NUL, no
 * surrogates), topic names in PUBLISH, filters in (UN)SUBSCRIBE, reason
 * codes, property ids allowed for that packet type, repeated properties,
 * property value ranges.  The views in *out point into buf.  A PUBLISH
 * sets (or empties) only the fields a PUBLISH can carry (5.0 §3.3.2.3);
 * the property fields of other packet types, and sub_ids past
 * sub_id_count, keep whatever *out held. */
long mq_decode(const uint8_t *buf, size_t len, uint8_t version,
	       uint32_t max_packet, mq_packet *out);

/* Iterate a decoded SUBSCRIBE / UNSUBSCRIBE list: *off starts at 0.
 * Returns 1 and fills *out, or 0 at the end.  Only valid on lists that
 * mq_decode() accepted. */
int mq_subscribe_next(const mq_subscribe *s, size_t *off, mq_sub_entry *out);
int mq_unsubscribe_next(const mq_unsubscribe *u, size_t *off, mq_bytes *out);

/* Append one encoded user property (0x26, key, value) to buf.  Returns
 * bytes written or -MQ_E_BUFFER_TOO_SMALL / -MQ_E_BAD_UTF8. */
long mq_user_prop_put(uint8_t *buf, size_t cap, mq_bytes key, mq_bytes value);
/* Walk props->user: *off starts at 0; returns 1 with key/value, 0 at end. */
int mq_user_prop_next(const mq_props *props, size_t *off, mq_bytes *key,
		      mq_bytes *value);

/* ---- validation (also used by the CLI before anything is sent) ---------- */

/* MQTT UTF-8 string rules (§1.5.4): well-formed, no U+0000, no surrogates,
 * at most 65,535 bytes.  Returns 0 or -MQ_E_BAD_UTF8. */
int mq_utf8_check(const uint8_t *s, size_t len);
/* Topic name: 1..65,535 bytes, valid UTF-8, no '+' or '#'.  Returns 0 or
 * -MQ_E_BAD_TOPIC (or -MQ_E_BAD_UTF8). */
int mq_topic_check(const uint8_t *s, size_t len);
/* Topic filter: '+' alone in a level, '#' alone and last.  Returns 0 or
 * -MQ_E_BAD_FILTER (or -MQ_E_BAD_UTF8). */
int mq_filter_check(const uint8_t *s, size_t len);
/* Does topic name match filter (§4.7; '$' topics not matched by a leading
 * wildcard)?  Both assumed valid. */
bool mq_topic_matches(mq_bytes filter, mq_bytes topic);

/* ---- names for traces and error messages -------------------------------- */

/* "CONNECT", "PUBLISH", ... or "UNKNOWN". */
const char *mq_type_name(uint8_t type);
/* Reason code text for 5.0 (e.g. 0x87 "not authorized"), or for a 3.1.1
 * CONNACK return code when version is MQ_V311 and type is MQ_CONNACK. */
const char *mq_reason_text(uint8_t version, uint8_t type, uint8_t reason);
/* The 5.0 DISCONNECT reason code that names a decoding or protocol error
 * (-MQ_E_* or MQ_E_*) found in what the peer sent, e.g. 0x81 malformed
 * packet; 0 when the error is not the peer's packet (I/O, timeouts...). */
uint8_t mq_error_reason(int err);

#endif
