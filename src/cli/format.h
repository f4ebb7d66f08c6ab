/* format.h - mqsub -F: mosquitto_sub's format language, compiled once
 * into a list of literal runs and field operations, then run per message
 * with no parsing.
 *
 *   %t %p %l %q %r %m %x %X %I %U %j %J %%, MQTT 5: %A %C %D %E %F %P %R %S,
 *   flags 0 and -, a field width and (for %t %C %I %R) a maximum width;
 *   @c passes %c to strftime(3), @N is the nanoseconds; \n \t \r \v \a
 *   \e \0 \\ escapes.
 */
#ifndef MQ_FORMAT_H
#define MQ_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "codec.h"
#include "output.h"

typedef struct fmt_op {
	char field;        /* 0: a literal run lit[off..off+len) */
	bool zero, left;   /* flags 0 and - */
	int width, max;    /* -1 when not given */
	size_t off, len;
} fmt_op;

typedef struct mq_format {
	fmt_op *ops;
	size_t nops;
	char *lit;         /* the literal bytes, escapes decoded */
	size_t litlen;
} mq_format;

/* Compile src.  Returns 0, or -1 with *why set and *at the byte offset of
 * the problem in src (for a caret under it). */
int format_compile(mq_format *f, const char *src, const char **why, size_t *at);
void format_free(mq_format *f);
/* Write one message.  now: its arrival time (CLOCK_REALTIME).  Returns 0,
 * 1 when a %J payload was not JSON (that field printed nothing), or -1
 * once the output failed or closed. */
int format_print(const mq_format *f, outbuf *o, const mq_publish *p,
		 const struct timespec *now);

#endif
