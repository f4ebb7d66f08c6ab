/* unit.h - a tiny test harness: CHECK() records a result, unit_done()
 * prints "N passed, N failed" and returns the exit status. */
#ifndef MQ_UNIT_H
#define MQ_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed;

#define CHECK(cond) do {                                                   \
	if (cond) {                                                        \
		unit_passed++;                                             \
	} else {                                                           \
		unit_failed++;                                             \
		fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__,   \
			#cond);                                            \
	}                                                                  \
} while (0)

#define CHECK_EQ(a, b) do {                                                \
	long long ua_ = (long long)(a), ub_ = (long long)(b);              \
	if (ua_ == ub_) {                                                  \
		unit_passed++;                                             \
	} else {                                                           \
		unit_failed++;                                             \
		fprintf(stderr, "%s:%d: FAIL: %s == %s (%lld != %lld)\n",  \
			__FILE__, __LINE__, #a, #b, ua_, ub_);             \
	}                                                                  \
} while (0)

#define CHECK_MEM(p, q, n) CHECK(memcmp((p), (q), (n)) == 0)

static inline int unit_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}

#endif
