/* test_alias.c - the outgoing topic alias table: a topic gets an alias on
 * first use and is known after; the least recently used is replaced when
 * the table is full; the broker's maximum and the topic length bound it;
 * a reset forgets every mapping. */
#include <stdio.h>

#include "alias.h"
#include "unit.h"

static mq_alias_table t;

static mq_bytes topic(const char *s)
{
	return (mq_bytes){ (const uint8_t *)s, strlen(s) };
}

static void test_basic(void)
{
	bool known;
	mq_alias_reset(&t, 3);
	CHECK_EQ(mq_alias_get(&t, topic("a/1"), &known), 1);
	CHECK(!known);
	CHECK_EQ(mq_alias_get(&t, topic("a/2"), &known), 2);
	CHECK(!known);
	CHECK_EQ(mq_alias_get(&t, topic("a/1"), &known), 1);
	CHECK(known);
	CHECK_EQ(t.saved, 3);
	CHECK_EQ(mq_alias_get(&t, topic("a/3"), &known), 3);
	/* full, and every alias used lately: a/4 goes whole */
	CHECK_EQ(mq_alias_get(&t, topic("a/4"), &known), 0);
	CHECK(!known);
	/* a/2 unused for more than 4 x 3 lookups: it is replaced */
	for (int i = 0; i < 12; i++) {
		mq_alias_get(&t, topic("a/1"), &known);
		mq_alias_get(&t, topic("a/3"), &known);
	}
	CHECK_EQ(mq_alias_get(&t, topic("a/4"), &known), 2);
	CHECK(!known);
	CHECK_EQ(mq_alias_get(&t, topic("a/4"), &known), 2);
	CHECK(known);
	CHECK_EQ(mq_alias_get(&t, topic("a/1"), &known), 1);
	CHECK(known);
}

/* More topics in turn than aliases: the first ones keep their alias,
 * the rest go whole; none is aliased twice over. */
static void test_cycle(void)
{
	bool known;
	char name[16];
	int hits = 0, plain = 0;
	mq_alias_reset(&t, 10);
	for (int i = 0; i < 4000; i++) {
		snprintf(name, sizeof name, "c/%d", i % 40);
		uint16_t a = mq_alias_get(&t, topic(name), &known);
		hits += known;
		plain += a == 0;
	}
	CHECK_EQ(hits, 10 * 99);
	CHECK_EQ(plain, 30 * 100);
}

static void test_limits(void)
{
	bool known;
	char big[300];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	mq_alias_reset(&t, 0);   /* the broker allows none */
	CHECK_EQ(mq_alias_get(&t, topic("a"), &known), 0);
	mq_alias_reset(&t, 65535);
	CHECK_EQ(t.cap, MQ_ALIAS_MAX);
	CHECK_EQ(mq_alias_get(&t, topic(big), &known), 0);   /* too long */
	big[MQ_ALIAS_TOPIC_MAX] = '\0';
	CHECK_EQ(mq_alias_get(&t, topic(big), &known), 1);
	/* a same-length, same-prefix topic is another topic */
	CHECK_EQ(mq_alias_get(&t, topic("t/10"), &known), 2);
	CHECK_EQ(mq_alias_get(&t, topic("t/11"), &known), 3);
	CHECK(!known);
	CHECK_EQ(mq_alias_get(&t, topic("t/10"), &known), 2);
	CHECK(known);
	/* many topics: never an alias above the cap */
	char name[16];
	int out_of_range = 0;
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "s/%d", i % 100);
		uint16_t a = mq_alias_get(&t, topic(name), &known);
		out_of_range += a > MQ_ALIAS_MAX;
	}
	CHECK_EQ(out_of_range, 0);
	mq_alias_reset(&t, 10);   /* a new connection */
	CHECK_EQ(mq_alias_get(&t, topic("t/10"), &known), 1);
	CHECK(!known);
}

int main(void)
{
	test_basic();
	test_cycle();
	test_limits();
	return unit_done("test_alias");
}
