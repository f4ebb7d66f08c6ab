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
	/* full: a/2 is the least recently used (a/1 was used after it) */
	CHECK_EQ(mq_alias_get(&t, topic("a/4"), &known), 2);
	CHECK(!known);
	CHECK_EQ(mq_alias_get(&t, topic("a/1"), &known), 1);
	CHECK(known);
	CHECK_EQ(mq_alias_get(&t, topic("a/2"), &known), 3);   /* a/3 oldest now */
	CHECK(!known);
	CHECK_EQ(mq_alias_get(&t, topic("a/4"), &known), 2);
	CHECK(known);
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
	/* many topics: never an alias above the cap */
	char name[16];
	int out_of_range = 0;
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "s/%d", i % 100);
		uint16_t a = mq_alias_get(&t, topic(name), &known);
		out_of_range += a < 1 || a > MQ_ALIAS_MAX;
	}
	CHECK_EQ(out_of_range, 0);
	mq_alias_reset(&t, 10);   /* a new connection */
	CHECK_EQ(mq_alias_get(&t, topic("t/10"), &known), 1);
	CHECK(!known);
}

int main(void)
{
	test_basic();
	test_limits();
	return unit_done("test_alias");
}
