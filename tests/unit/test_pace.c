/* test_pace.c - --rate and --repeat-delay parsing, and the pacer: even
 * spacing, no drift when the loop wakes late by less than an interval, no
 * burst after a stall. */
#include "pace.h"
#include "unit.h"

#define MS 1000000ull

static void test_parse(void)
{
	uint64_t ns = 0;
	CHECK_EQ(pace_parse_rate("10", &ns), 0);
	CHECK_EQ(ns, 100 * MS);
	CHECK_EQ(pace_parse_rate("10/s", &ns), 0);
	CHECK_EQ(ns, 100 * MS);
	CHECK_EQ(pace_parse_rate("120/m", &ns), 0);
	CHECK_EQ(ns, 500 * MS);
	CHECK_EQ(pace_parse_rate("3600/h", &ns), 0);
	CHECK_EQ(ns, 1000 * MS);
	CHECK_EQ(pace_parse_rate("0.5", &ns), 0);
	CHECK_EQ(ns, 2000 * MS);
	CHECK_EQ(pace_parse_rate("1000000", &ns), 0);
	CHECK_EQ(ns, 1000);
	const char *bad[] = { "", "0", "-1", "x", "10/d", "10 /s", "1e9", "nan",
			      "inf", "2000000", "10/", "/s", NULL };
	for (int i = 0; bad[i]; i++)
		CHECK_EQ(pace_parse_rate(bad[i], &ns), -1);
	CHECK_EQ(pace_parse_seconds("0", &ns), 0);
	CHECK_EQ(ns, 0);
	CHECK_EQ(pace_parse_seconds("0.25", &ns), 0);
	CHECK_EQ(ns, 250 * MS);
	CHECK_EQ(pace_parse_seconds("2", &ns), 0);
	CHECK_EQ(ns, 2000 * MS);
	CHECK_EQ(pace_parse_seconds("-1", &ns), -1);
	CHECK_EQ(pace_parse_seconds("1s", &ns), -1);
	CHECK_EQ(pace_parse_seconds("86401", &ns), -1);
}

static void test_spacing(void)
{
	pacer p;
	pacer_init(&p, 100 * MS);
	uint64_t t = 5000 * MS;
	CHECK(pacer_ready(&p, t));             /* the first goes at once */
	CHECK_EQ(pacer_due_ms(&p), UINT64_MAX);
	pacer_sent(&p, t);
	CHECK(!pacer_ready(&p, t + 99 * MS));
	CHECK(pacer_ready(&p, t + 100 * MS));
	CHECK_EQ(pacer_due_ms(&p), 5100);
	/* woken 3 ms late each time: the schedule does not drift */
	for (int i = 1; i <= 100; i++) {
		uint64_t now = t + (uint64_t)i * 100 * MS + 3 * MS;
		CHECK(pacer_ready(&p, now));
		pacer_sent(&p, now);
	}
	CHECK_EQ(p.due_ns, t + 101 * 100 * MS);
	/* a 10 s stall: one message now, the next one interval later */
	uint64_t late = p.due_ns + 10000 * MS;
	CHECK(pacer_ready(&p, late));
	pacer_sent(&p, late);
	CHECK(!pacer_ready(&p, late + 1 * MS));
	CHECK_EQ(p.due_ns, late + 100 * MS);
	/* no pacing: always ready, no deadline */
	pacer_init(&p, 0);
	pacer_sent(&p, t);
	CHECK(pacer_ready(&p, t));
	CHECK_EQ(pacer_due_ms(&p), UINT64_MAX);
}

int main(void)
{
	test_parse();
	test_spacing();
	return unit_done("test_pace");
}
