/* progress.h - mqpub's one updating line on a terminal's standard error:
 * messages sent and acknowledged, bytes, rate, and the share done with an
 * ETA when the input's size is known.  Never into a pipe or a file. */
#ifndef MQ_PROGRESS_H
#define MQ_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct progress_counts {
	unsigned long long sent, acked, bytes;
} progress_counts;

/* Turn the line on (only when standard error is a terminal); total is the
 * input's size in bytes, 0 when unknown. */
void progress_start(uint64_t now_ms, unsigned long long total);
/* Redraw when the last drawing is old enough. */
void progress_tick(uint64_t now_ms, const progress_counts *n);
/* When progress_tick() next wants to run, or UINT64_MAX when off. */
uint64_t progress_due_ms(void);
/* Erase the line before other output to standard error (errors, -d). */
void progress_hide(void);
/* The last drawing, left on screen with a newline (nothing when the run
 * ended before the first drawing). */
void progress_finish(uint64_t now_ms, const progress_counts *n);

#endif
