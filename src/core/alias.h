/* alias.h - outgoing topic aliases (MQTT 5.0 §3.3.2.3.4): a small table,
 * the least recently used out once it has gone stale, mapping the topics of one network connection
 * to the alias numbers the broker allows (its Topic Alias Maximum).  A
 * stream cycling over many topics then sends each topic string once.
 * Pure: no I/O, no clock. */
#ifndef MQ_ALIAS_H
#define MQ_ALIAS_H

#include <stdbool.h>
#include <stdint.h>

#include "codec.h"

#define MQ_ALIAS_MAX 64          /* aliases used at most, whatever the broker allows */
#define MQ_ALIAS_TOPIC_MAX 255   /* longer topics are sent in full */

typedef struct mq_alias_entry {
	uint32_t hash;
	uint16_t len;
	uint64_t used;               /* clock of the last use: the oldest goes */
	uint8_t topic[MQ_ALIAS_TOPIC_MAX];
} mq_alias_entry;

typedef struct mq_alias_table {
	uint16_t cap;                /* usable on this connection */
	uint16_t count;
	uint64_t clock;
	uint64_t oldest;             /* at most the oldest entry's clock */
	uint64_t saved;              /* topic bytes not sent, over all connections */
	mq_alias_entry e[MQ_ALIAS_MAX];
} mq_alias_table;

/* A new connection: forget every mapping; broker_max from its CONNACK
 * (0: aliases off). */
void mq_alias_reset(mq_alias_table *t, uint16_t broker_max);
/* The alias for topic, 0 when it is not to be aliased.  *known says the
 * broker has the mapping already (send the alias alone); otherwise send
 * topic and alias together, which sets it. */
uint16_t mq_alias_get(mq_alias_table *t, mq_bytes topic, bool *known);

#endif
