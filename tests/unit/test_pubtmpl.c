/* test_pubtmpl.c - a PUBLISH written from the template is byte for byte
 * what mq_encode() writes, across remaining-length boundaries, QoS levels,
 * retain and both protocol versions; and the template is used only when
 * topic, QoS and retain match and no property is set.  A PUBLISH
 * written directly (mq_pubdirect_*) is the encoder's too, with and
 * without a Topic Alias. */
#include <stdlib.h>

#include "pubtmpl.h"
#include "unit.h"

static uint8_t payload[20000];

static void check_same(uint8_t v, uint8_t qos, bool retain, mq_bytes topic,
		       size_t plen)
{
	mq_packet p = { .type = MQ_PUBLISH, .u.publish = {
		.qos = qos, .retain = retain, .topic = topic,
		.packet_id = qos ? 0x1234 : 0, .payload = { payload, plen } } };
	static uint8_t want[32000], got[32000];
	mq_pubtmpl t = { 0 };

	long n = mq_encode(want, sizeof want, v, &p);
	CHECK(n > 0);
	CHECK_EQ(mq_pubtmpl_build(&t, v, &p.u.publish), 0);
	CHECK(mq_pubtmpl_match(&t, v, &p.u.publish));
	CHECK_EQ(mq_pubtmpl_length(&t, plen), n);
	CHECK_EQ(mq_pubtmpl_write(&t, got, 0x1234, p.u.publish.payload), n);
	CHECK_MEM(got, want, (size_t)n);
	mq_pubtmpl_free(&t);
	/* written directly: the same bytes; with a Topic Alias (5.0), the
	 * same as the encoder's with that property, topic kept or dropped */
	memset(got, 0, sizeof got);
	CHECK_EQ(mq_pubdirect_length(v, &p.u.publish, topic, 0), n);
	CHECK_EQ(mq_pubdirect_write(got, v, &p.u.publish, topic, 0), n);
	CHECK_MEM(got, want, (size_t)n);
	if (v != MQ_V5)
		return;
	for (int drop = 0; drop < 2; drop++) {
		mq_packet a = p;
		a.u.publish.props.present = MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS);
		a.u.publish.props.topic_alias = 0x0102;
		if (drop)
			a.u.publish.topic = (mq_bytes){ NULL, 0 };
		n = mq_encode(want, sizeof want, v, &a);
		CHECK(n > 0);
		a.u.publish.props.present = 0;
		mq_bytes wt = a.u.publish.topic;
		a.u.publish.topic = topic;   /* what is written is wt */
		CHECK_EQ(mq_pubdirect_length(v, &a.u.publish, wt, 0x0102), n);
		CHECK_EQ(mq_pubdirect_write(got, v, &a.u.publish, wt, 0x0102), n);
		CHECK_MEM(got, want, (size_t)n);
	}
}

static void test_same_bytes(void)
{
	static const size_t sizes[] = { 0, 1, 100, 115, 116, 117, 118, 127, 128,
					16370, 16371, 16372, 16383, 16384, 20000 };
	mq_bytes topics[] = { MQ_BYTES_STR("a"), MQ_BYTES_STR("sensors/kitchen/t"),
			      MQ_BYTES_STR("caf\xc3\xa9/\xe2\x82\xac") };
	for (size_t i = 0; i < sizeof payload; i++)
		payload[i] = (uint8_t)(i * 7);
	for (uint8_t v = MQ_V311; v <= MQ_V5; v++)
		for (uint8_t q = 0; q <= 2; q++)
			for (size_t t = 0; t < 3; t++)
				for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
					check_same(v, q, s % 2, topics[t], sizes[s]);
}

static void test_match_rules(void)
{
	mq_publish p = { .qos = 1, .topic = MQ_BYTES_STR("a/b") };
	mq_pubtmpl t = { 0 };

	CHECK(!mq_pubtmpl_match(&t, MQ_V5, &p));          /* nothing built */
	CHECK_EQ(mq_pubtmpl_build(&t, MQ_V5, &p), 0);
	CHECK(mq_pubtmpl_match(&t, MQ_V5, &p));
	CHECK(!mq_pubtmpl_match(&t, MQ_V311, &p));        /* version */
	mq_publish q = p;
	q.topic = MQ_BYTES_STR("a/c");
	CHECK(!mq_pubtmpl_match(&t, MQ_V5, &q));          /* same length, other topic */
	q = p;
	q.qos = 2;
	CHECK(!mq_pubtmpl_match(&t, MQ_V5, &q));
	q = p;
	q.retain = true;
	CHECK(!mq_pubtmpl_match(&t, MQ_V5, &q));
	q = p;
	q.dup = true;
	CHECK(!mq_pubtmpl_eligible(&q));
	q = p;
	q.props.present = MQ_PROP_BIT(MQ_PROP_MESSAGE_EXPIRY);
	q.props.message_expiry = 5;
	CHECK(!mq_pubtmpl_eligible(&q));
	CHECK(!mq_pubtmpl_match(&t, MQ_V5, &q));
	/* A topic the codec refuses builds no template. */
	q = p;
	q.topic = MQ_BYTES_STR("a/+");
	CHECK(mq_pubtmpl_build(&t, MQ_V5, &q) < 0);
	CHECK(!t.valid);
	mq_pubtmpl_free(&t);
	mq_pubtmpl_free(&t);                             /* safe twice */
}

int main(void)
{
	test_same_bytes();
	test_match_rules();
	return unit_done("test_pubtmpl");
}
