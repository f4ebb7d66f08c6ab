/* output.h - buffered, byte-exact writes to a file descriptor, flushed by
 * the caller after each batch; a closed reader (EPIPE) is remembered, not
 * reported. */
#ifndef MQ_OUTPUT_H
#define MQ_OUTPUT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct outbuf {
	int fd;
	char *buf;
	size_t len, cap;
	bool closed;       /* the reader went away (EPIPE) */
	int error;         /* another write error (errno), 0 if none */
	bool interrupted;  /* a stop signal came while the reader was not reading */
	volatile sig_atomic_t *stop_flag;   /* set by the stop signal, or NULL */
	int stop_fd;       /* readable once a stop signal came, or -1 */
} outbuf;

#define OUTBUF_SIZE (64u * 1024u)

void outbuf_init(outbuf *o, int fd);
void outbuf_free(outbuf *o);
/* Let a stop signal end a write the reader holds up (a full pipe, or a
 * non-blocking descriptor that stays full): it sets `interrupted`. */
void outbuf_stop_on(outbuf *o, volatile sig_atomic_t *stop_flag, int stop_fd);
/* Append; writes through when the buffer fills.  Returns 0 or -1 once the
 * output is closed or failed. */
int outbuf_put(outbuf *o, const void *p, size_t n);
/* Room for n bytes (n < OUTBUF_SIZE) to write in place, flushing first
 * if need be; the caller then adds what it wrote to o->len.  NULL when
 * the output is closed or failed, or n is too large: use outbuf_put. */
char *outbuf_reserve(outbuf *o, size_t n);
/* Write everything buffered.  Returns 0 or -1. */
int outbuf_flush(outbuf *o);

#endif
