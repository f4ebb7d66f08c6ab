/* pace.c - even spacing of messages (see pace.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pace.h"

#define NS_PER_S 1000000000.0

/* A finite decimal >= 0 with nothing after it but `rest`. */
static int parse_decimal(const char *s, const char **rest, double *out)
{
	char *end;
	if (!s || !((*s >= '0' && *s <= '9') || *s == '.'))
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -1;
	*rest = end;
	*out = v;
	return 0;
}

int pace_parse_rate(const char *s, uint64_t *interval_ns)
{
	const char *unit;
	double n, per = 1.0;
	if (parse_decimal(s, &unit, &n) < 0 || n <= 0)
		return -1;
	if (!strcmp(unit, "") || !strcmp(unit, "/s"))
		per = 1.0;
	else if (!strcmp(unit, "/m"))
		per = 60.0;
	else if (!strcmp(unit, "/h"))
		per = 3600.0;
	else
		return -1;
	double per_second = n / per;
	if (per_second > 1e6 || per_second < 1.0 / 86400.0)
		return -1;
	*interval_ns = (uint64_t)(NS_PER_S / per_second + 0.5);
	return 0;
}

int pace_parse_seconds(const char *s, uint64_t *ns)
{
	const char *rest;
	double v;
	if (parse_decimal(s, &rest, &v) < 0 || *rest || v > 86400.0)
		return -1;
	*ns = (uint64_t)(v * NS_PER_S + 0.5);
	return 0;
}

void pacer_init(pacer *p, uint64_t interval_ns)
{
	memset(p, 0, sizeof *p);
	p->interval_ns = interval_ns;
}

bool pacer_ready(const pacer *p, uint64_t now_ns)
{
	return !p->interval_ns || !p->started || now_ns >= p->due_ns;
}

void pacer_sent(pacer *p, uint64_t now_ns)
{
	if (!p->interval_ns)
		return;
	uint64_t from = p->started ? p->due_ns : now_ns;
	if (now_ns > from + p->interval_ns)   /* a stall: no burst after it */
		from = now_ns;
	p->due_ns = from + p->interval_ns;
	p->started = true;
}

uint64_t pacer_due_ms(const pacer *p)
{
	if (!p->interval_ns || !p->started)
		return UINT64_MAX;
	return (p->due_ns + 999999u) / 1000000u;
}

uint64_t pace_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
