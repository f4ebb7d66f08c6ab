/* pubtmpl.h - a PUBLISH encoded once up to its payload, for the next
 * message with the same topic, QoS and retain flag and no properties.
 *
 * mqpub -l sends thousands of such messages; validating and encoding the
 * same topic for each cost more than everything else.  The template is
 * built by mq_encode() (so it is checked like any packet) and reused by
 * copying: fixed header, remaining length, body, packet id, payload.
 * A stream whose topic changes with every message (mqpub --topic-lines,
 * --json) has its topics checked by the caller and is written directly.
 */
#ifndef MQ_PUBTMPL_H
#define MQ_PUBTMPL_H

#include "codec.h"

typedef struct mq_pubtmpl {
	uint8_t *body;       /* topic, packet id (QoS > 0), empty properties */
	size_t len, cap;
	size_t topic_len;
	uint8_t hdr;         /* first fixed-header byte */
	uint8_t version, qos;
	bool retain, valid;
} mq_pubtmpl;

void mq_pubtmpl_free(mq_pubtmpl *t);
/* Can p be written from t?  (Same version, topic, QoS, retain; no DUP and
 * no properties.) */
bool mq_pubtmpl_match(const mq_pubtmpl *t, uint8_t version, const mq_publish *p);
/* Does p qualify for a template at all (no properties, no DUP)? */
bool mq_pubtmpl_eligible(const mq_publish *p);
/* Build t from p (validated by the encoder).  Returns 0 or -MQ_E_*. */
int mq_pubtmpl_build(mq_pubtmpl *t, uint8_t version, const mq_publish *p);
/* Whole encoded length of a PUBLISH with a payload of payload_len bytes,
 * or 0 when that exceeds the protocol's maximum. */
size_t mq_pubtmpl_length(const mq_pubtmpl *t, size_t payload_len);
/* Write the PUBLISH (dst holds mq_pubtmpl_length() bytes); returns the
 * bytes written. */
size_t mq_pubtmpl_write(const mq_pubtmpl *t, uint8_t *dst, uint16_t packet_id,
			mq_bytes payload);

/* The PUBLISH p (its properties ignored: it has none) with topic in place
 * of p->topic and a Topic Alias when alias > 0, written without the
 * generic encoder: topic is one the caller checked (mq_topic_check), or
 * empty with an alias the broker knows (5.0 §3.3.2.3.4).  Length 0: over
 * the protocol's maximum. */
size_t mq_pubdirect_length(uint8_t version, const mq_publish *p, mq_bytes topic,
			   uint16_t alias);
size_t mq_pubdirect_write(uint8_t *dst, uint8_t version, const mq_publish *p,
			  mq_bytes topic, uint16_t alias);

/* A PUBLISH head of n bytes in buf (its payload not in buf) made to
 * announce a payload delta bytes longer (or shorter, delta < 0): the
 * remaining length rewritten and the rest moved to fit (MQTT §2.2.3).
 * Returns the new length, or -MQ_E_* (malformed, over the protocol's
 * maximum, or longer than cap). */
long mq_publish_head_resize(uint8_t *buf, size_t n, size_t cap, long long delta);

#endif
