/* reason.c - packet type names, reason code tables and texts. */
#include "codec_internal.h"

const char *mq_type_name(uint8_t type)
{
	static const char *const names[] = {
		"UNKNOWN", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC",
		"PUBREL", "PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE",
		"UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH"
	};

	return type < sizeof names / sizeof names[0] ? names[type] : "UNKNOWN";
}

/* MQTT 5.0 §3.2.2.2 */
static const uint8_t connack_codes[] = {
	0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
	0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F
};
/* MQTT 5.0 §3.4.2.1 (PUBACK) and §3.5.2.1 (PUBREC) */
static const uint8_t puback_codes[] = {
	0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99
};
/* MQTT 5.0 §3.6.2.1 (PUBREL) and §3.7.2.1 (PUBCOMP) */
static const uint8_t pubrel_codes[] = { 0x00, 0x92 };
/* MQTT 5.0 §3.9.3 */
static const uint8_t suback_codes[] = {
	0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2
};
/* MQTT 5.0 §3.11.3 */
static const uint8_t unsuback_codes[] = {
	0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91
};
/* MQTT 5.0 §3.14.2.1 */
static const uint8_t disconnect_codes[] = {
	0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E,
	0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B,
	0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2
};
/* MQTT 5.0 §3.15.2.1 */
static const uint8_t auth_codes[] = { 0x00, 0x18, 0x19 };

#define CODES(a) { a, sizeof a }
static const struct {
	const uint8_t *codes;
	size_t n;
} v5_codes[16] = {
	[MQ_CONNACK] = CODES(connack_codes),
	[MQ_PUBACK] = CODES(puback_codes),
	[MQ_PUBREC] = CODES(puback_codes),
	[MQ_PUBREL] = CODES(pubrel_codes),
	[MQ_PUBCOMP] = CODES(pubrel_codes),
	[MQ_SUBACK] = CODES(suback_codes),
	[MQ_UNSUBACK] = CODES(unsuback_codes),
	[MQ_DISCONNECT] = CODES(disconnect_codes),
	[MQ_AUTH] = CODES(auth_codes),
};
#undef CODES

bool mq_reason_valid(uint8_t version, uint8_t type, uint8_t reason)
{
	if (version == MQ_V311) {
		if (type == MQ_CONNACK)
			return reason <= 5;             /* 3.1.1 §3.2.2.3 */
		if (type == MQ_SUBACK)                  /* 3.1.1 §3.9.3 */
			return reason <= 2 || reason == 0x80;
		return reason == 0;
	}
	if (type >= 16 || !v5_codes[type].codes)
		return reason == 0;
	return memchr(v5_codes[type].codes, reason, v5_codes[type].n) != NULL;
}

/* 3.1.1 §3.8.3.1: only the QoS bits; 5.0 §3.8.3.1: bits 6-7 reserved,
 * Retain Handling 3 is a Protocol Error, QoS 3 malformed. */
int mq_subopt_check(uint8_t version, uint8_t options)
{
	uint8_t reserved = version == MQ_V311 ? 0xFC : 0xC0;

	if (options & reserved)
		return -MQ_E_MALFORMED;
	if ((options & MQ_SUBOPT_QOS_MASK) == 3)
		return -MQ_E_BAD_QOS;
	if (((options >> MQ_SUBOPT_RETAIN_HANDLING_SHIFT) & 3) == 3)
		return -MQ_E_MALFORMED;
	return 0;
}

/* MQTT 5.0 §2.4, Table 2-6. */
static const struct {
	uint8_t code;
	const char *text;
} reason_texts[] = {
	{ 0x01, "granted QoS 1" },
	{ 0x02, "granted QoS 2" },
	{ 0x04, "disconnect with will message" },
	{ 0x10, "no matching subscribers" },
	{ 0x11, "no subscription existed" },
	{ 0x18, "continue authentication" },
	{ 0x19, "re-authenticate" },
	{ 0x80, "unspecified error" },
	{ 0x81, "malformed packet" },
	{ 0x82, "protocol error" },
	{ 0x83, "implementation specific error" },
	{ 0x84, "unsupported protocol version" },
	{ 0x85, "client identifier not valid" },
	{ 0x86, "bad user name or password" },
	{ 0x87, "not authorized" },
	{ 0x88, "server unavailable" },
	{ 0x89, "server busy" },
	{ 0x8A, "banned" },
	{ 0x8B, "server shutting down" },
	{ 0x8C, "bad authentication method" },
	{ 0x8D, "keep alive timeout" },
	{ 0x8E, "session taken over" },
	{ 0x8F, "topic filter invalid" },
	{ 0x90, "topic name invalid" },
	{ 0x91, "packet identifier in use" },
	{ 0x92, "packet identifier not found" },
	{ 0x93, "receive maximum exceeded" },
	{ 0x94, "topic alias invalid" },
	{ 0x95, "packet too large" },
	{ 0x96, "message rate too high" },
	{ 0x97, "quota exceeded" },
	{ 0x98, "administrative action" },
	{ 0x99, "payload format invalid" },
	{ 0x9A, "retain not supported" },
	{ 0x9B, "QoS not supported" },
	{ 0x9C, "use another server" },
	{ 0x9D, "server moved" },
	{ 0x9E, "shared subscriptions not supported" },
	{ 0x9F, "connection rate exceeded" },
	{ 0xA0, "maximum connect time" },
	{ 0xA1, "subscription identifiers not supported" },
	{ 0xA2, "wildcard subscriptions not supported" },
};

/* 3.1.1 §3.2.2.3, Table 3.1. */
static const char *const v311_connack_texts[] = {
	"connection accepted", "unacceptable protocol version",
	"identifier rejected", "server unavailable",
	"bad user name or password", "not authorized"
};

static const char *success_text(uint8_t type)
{
	if (type == MQ_DISCONNECT)
		return "normal disconnection";
	if (type == MQ_SUBACK)
		return "granted QoS 0";
	return "success";
}

uint8_t mq_error_reason(int err)
{
	switch (err < 0 ? -err : err) {
	case MQ_E_MALFORMED: case MQ_E_REMLEN_TOO_LONG: case MQ_E_REMLEN_NOT_MINIMAL:
	case MQ_E_BAD_TYPE: case MQ_E_BAD_FLAGS: case MQ_E_BAD_UTF8:
	case MQ_E_BAD_QOS: case MQ_E_BAD_PROPERTY: case MQ_E_BAD_REASON:
	case MQ_E_BAD_FILTER:
		return 0x81;   /* malformed packet */
	case MQ_E_BAD_PACKET_ID: case MQ_E_UNEXPECTED_PACKET: case MQ_E_PROTOCOL:
		return 0x82;   /* protocol error */
	case MQ_E_BAD_TOPIC:
		return 0x90;   /* topic name invalid */
	case MQ_E_TOPIC_ALIAS:
		return 0x94;   /* topic alias invalid */
	case MQ_E_PACKET_TOO_LARGE:
		return 0x95;   /* packet too large */
	default:
		return 0;
	}
}

const char *mq_reason_text(uint8_t version, uint8_t type, uint8_t reason)
{
	size_t i;

	if (version == MQ_V311 && type == MQ_CONNACK)
		return reason <= 5 ? v311_connack_texts[reason]
			: "unknown return code";
	if (version == MQ_V311 && type == MQ_SUBACK && reason == 0x80)
		return "failure";
	if (reason == 0)
		return success_text(type);
	for (i = 0; i < sizeof reason_texts / sizeof reason_texts[0]; i++)
		if (reason_texts[i].code == reason)
			return reason_texts[i].text;
	return "unknown reason code";
}
