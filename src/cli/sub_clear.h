/* sub_clear.h - mqsub --remove-retained: every retained message seen
 * under the filters (and not filtered out by -T) is cleared by
 * publishing an empty retained message to its topic, at the QoS of the
 * subscription.  Topics wait in one growing buffer until the session
 * has room for them (pump), so no message is held per topic. */
#ifndef MQ_SUB_CLEAR_H
#define MQ_SUB_CLEAR_H

#include <stdbool.h>
#include <stdint.h>

#include "session.h"

#define SUB_CLEAR_MAX_QUEUED (64u << 20)   /* bytes of topics waiting */

typedef struct sub_clear {
	uint8_t qos;
	uint8_t *buf;                /* 2-byte length + topic, each */
	size_t head, len, cap;       /* waiting: buf[head..len) */
	unsigned long seen;          /* retained messages to clear */
	unsigned long cleared;       /* acknowledged (QoS 0: sent) */
	unsigned long refused;       /* refused by the broker (MQTT 5) */
	unsigned long in_flight;     /* QoS 1/2 clears not yet acknowledged */
} sub_clear;

/* Free the buffer (safe on a zeroed struct). */
void sub_clear_free(sub_clear *sc);
/* Queue one topic.  Returns 0 or -MQ_E_NOMEM (more than
 * SUB_CLEAR_MAX_QUEUED bytes waiting, or no memory). */
int sub_clear_add(sub_clear *sc, mq_bytes topic);
/* Publish what waits while the session has room.  Returns 0 or -MQ_E_*. */
int sub_clear_pump(sub_clear *sc, mq_session *s);
/* A QoS 1/2 clear was acknowledged (reason >= 0x80: refused). */
void sub_clear_delivered(sub_clear *sc, uint8_t reason);
/* Clears still waiting or in flight. */
bool sub_clear_busy(const sub_clear *sc);
/* "mqsub: cleared N retained messages" on stderr (", of M" and the
 * refused ones when not all were).  Returns true when all were. */
bool sub_clear_report(const sub_clear *sc);

#endif
