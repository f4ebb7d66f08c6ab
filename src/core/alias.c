/* alias.c - outgoing topic aliases (see alias.h). */
#include <string.h>

#include "alias.h"

void mq_alias_reset(mq_alias_table *t, uint16_t broker_max)
{
	t->cap = broker_max < MQ_ALIAS_MAX ? broker_max : MQ_ALIAS_MAX;
	t->count = 0;
	t->oldest = t->clock;
}

/* FNV-1a: cheap, and only a first filter before memcmp. */
static uint32_t hash_of(mq_bytes b)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < b.len; i++)
		h = (h ^ b.ptr[i]) * 16777619u;
	return h;
}

/* The entry to (re)use for a new topic: a free one, else the least
 * recently used if it has gone unused for a while (STALE lookups per
 * alias).  A stream cycling over more topics than there are aliases would
 * otherwise replace every alias before its next use, sending each topic
 * whole plus an alias; this way the first topics keep theirs and the
 * others go plain.  Returns t->cap when none is to be replaced. */
#define STALE 4
static uint16_t victim(mq_alias_table *t)
{
	uint64_t stale = (uint64_t)STALE * t->cap;
	if (t->count < t->cap)
		return t->count;
	/* t->oldest never passes the oldest entry's clock: while even it is
	 * recent, nothing is stale, and no scan is needed */
	if (t->clock - t->oldest <= stale)
		return t->cap;
	uint16_t v = 0;
	for (uint16_t i = 1; i < t->count; i++)
		if (t->e[i].used < t->e[v].used)
			v = i;
	t->oldest = t->e[v].used;
	return t->clock - t->oldest > stale ? v : t->cap;
}

uint16_t mq_alias_get(mq_alias_table *t, mq_bytes topic, bool *known)
{
	*known = false;
	if (!t->cap || topic.len == 0 || topic.len > MQ_ALIAS_TOPIC_MAX)
		return 0;
	uint32_t h = hash_of(topic);
	t->clock++;
	for (uint16_t i = 0; i < t->count; i++) {
		mq_alias_entry *e = &t->e[i];
		if (e->hash == h && e->len == topic.len &&
		    !memcmp(e->topic, topic.ptr, topic.len)) {
			e->used = t->clock;
			*known = true;
			t->saved += topic.len;
			return (uint16_t)(i + 1);
		}
	}
	uint16_t v = victim(t);
	if (v == t->cap)
		return 0;   /* every alias is in use: this topic goes whole */
	if (v == t->count)
		t->count++;
	mq_alias_entry *e = &t->e[v];
	e->hash = h;
	e->len = (uint16_t)topic.len;
	e->used = t->clock;
	memcpy(e->topic, topic.ptr, topic.len);
	return (uint16_t)(v + 1);
}
