/* pace.h - even spacing of messages for --rate and --repeat-delay: each
 * message is due one interval after the one before, with no catching up
 * in a burst after a stall (a stalled broker, a full window). */
#ifndef MQ_PACE_H
#define MQ_PACE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct pacer {
	uint64_t interval_ns;   /* 0: no pacing */
	uint64_t due_ns;        /* the next message may go from here on */
	bool started;
} pacer;

/* Parse "N", "N/s", "N/m" or "N/h" (N a positive decimal, at most
 * 1,000,000 a second) into the interval between two messages.  Returns 0
 * or -1. */
int pace_parse_rate(const char *s, uint64_t *interval_ns);
/* Parse a delay in seconds ("0.25", "2"; at most a day).  Returns 0 or -1. */
int pace_parse_seconds(const char *s, uint64_t *ns);

void pacer_init(pacer *p, uint64_t interval_ns);
/* May a message go at now_ns? */
bool pacer_ready(const pacer *p, uint64_t now_ns);
/* A message went at now_ns: the next is due one interval after this one
 * was due; after a stall longer than an interval, one interval after now. */
void pacer_sent(pacer *p, uint64_t now_ns);
/* The monotonic millisecond at which the next message is due (rounded
 * up), or UINT64_MAX without pacing. */
uint64_t pacer_due_ms(const pacer *p);

/* CLOCK_MONOTONIC in nanoseconds (the clock of mq_now_ms()). */
uint64_t pace_now_ns(void);

#endif
