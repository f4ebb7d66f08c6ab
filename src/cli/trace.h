/* trace.h - one line per packet for -d. */
#ifndef MQ_TRACE_H
#define MQ_TRACE_H

#include <stdio.h>

#include "codec.h"

/* "mqpub: > PUBLISH id 3 qos 1 'a/b' (12 bytes)" */
void trace_packet(FILE *f, const char *prog, bool outgoing, uint8_t version,
		  const mq_packet *p);

#endif
