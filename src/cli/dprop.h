/* dprop.h - mosquitto's -D/--property COMMAND PROPERTY VALUE (and
 * -D COMMAND user-property NAME VALUE), for scripts that already use
 * it: each supported property is mapped onto the long option that sets
 * it (-D connect session-expiry-interval 60 is --session-expiry 60);
 * the long options are the documented way. */
#ifndef MQ_DPROP_H
#define MQ_DPROP_H

#include <stdio.h>

#include "options.h"

/* How many words after "-D COMMAND" belong to it, counted from
 * argv[next] (getopt's optind): 3 for user-property, else 2. */
int dprop_words(int argc, char **argv, int next);
/* Handle -D cmd with the words at argv[optind...], advancing optind past
 * them, through the tool's and the common option handlers.  Returns 1,
 * or -1 after printing a usage error. */
int dprop_option(common_opts *o, const tool_cli *t, const char *cmd,
		 int argc, char **argv);
/* The --help line. */
void dprop_usage(FILE *f);

#endif
