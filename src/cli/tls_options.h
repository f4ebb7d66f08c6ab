/* tls_options.h - the TLS options both tools share, parsed into an
 * mq_tls_config. */
#ifndef MQ_TLS_OPTIONS_H
#define MQ_TLS_OPTIONS_H

#include <stdio.h>

#include "transport_tls.h"

/* Returns 1 handled, 0 not a TLS option, -1 after printing an error. */
int tls_option(mq_tls_config *t, const char *prog, int opt, char *arg);
/* Consistency checks once all options are read.  Returns 0 or -1. */
int tls_finish(mq_tls_config *t, const char *prog);
void tls_usage(FILE *f);

#endif
