/* output.h - buffered, byte-exact writes to a file descriptor, flushed by
 * the caller after each batch; a closed reader (EPIPE) is remembered, not
 * reported. */
#ifndef MQ_OUTPUT_H
#define MQ_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct outbuf {
	int fd;
	char *buf;
	size_t len, cap;
	bool closed;       /* the reader went away (EPIPE) */
	int error;         /* another write error (errno), 0 if none */
} outbuf;

#define OUTBUF_SIZE (64u * 1024u)

void outbuf_init(outbuf *o, int fd);
void outbuf_free(outbuf *o);
/* Append; writes through when the buffer fills.  Returns 0 or -1 once the
 * output is closed or failed. */
int outbuf_put(outbuf *o, const void *p, size_t n);
/* Write everything buffered.  Returns 0 or -1. */
int outbuf_flush(outbuf *o);

#endif
