/* exec_opts.h - mqsub's options for running handlers: --exec CMD [ARG...]
 * --, -j/--jobs, --exec-timeout, --exec-tries, --on-fail, --reply. */
#ifndef MQ_EXEC_OPTS_H
#define MQ_EXEC_OPTS_H

#include <stdio.h>

#include "options.h"
#include "sub_exec.h"

enum {
	OPT_EXEC_TIMEOUT = OPT_TOOL_FIRST + 70, OPT_EXEC_TRIES, OPT_ON_FAIL,
	OPT_REPLY
};

#define EXEC_LONG_OPTIONS                                                  \
	{ "jobs", required_argument, NULL, 'j' },                          \
	{ "exec-timeout", required_argument, NULL, OPT_EXEC_TIMEOUT },     \
	{ "exec-tries", required_argument, NULL, OPT_EXEC_TRIES },         \
	{ "on-fail", required_argument, NULL, OPT_ON_FAIL },               \
	{ "reply", no_argument, NULL, OPT_REPLY }

/* Take "--exec CMD [ARG...] --" out of argv before getopt sees it (the
 * command's own options are not mqsub's).  Returns 0, or -1 after saying
 * why. */
int exec_take_argv(exec_opts *eo, int *argc, char **argv);
/* One of the options above.  Returns 1 handled, 0 not one of them, -1
 * after printing the error. */
int exec_option(exec_opts *eo, common_opts *c, int opt, const char *arg);
/* After parsing: the combinations that cannot work; defaults.  Returns 0
 * or -1. */
int exec_finish(exec_opts *eo, common_opts *c);
void exec_usage(FILE *f);

#endif
