/* subscribe.h - what mqsub asks of each subscription beyond its QoS:
 * the MQTT 5 subscription options (--no-local, --retain-as-published,
 * --retain-handling), a Subscription Identifier (--sub-id), and the
 * filters to unsubscribe from (-U); --remove-retained. */
#ifndef MQ_SUBSCRIBE_H
#define MQ_SUBSCRIBE_H

#include <stdio.h>

#include "options.h"

#define SUB_MAX_UNSUBS 1024

/* Option ids: mqsub's own start at OPT_TOOL_FIRST; these above them. */
enum {
	OPT_NO_LOCAL = OPT_TOOL_FIRST + 50, OPT_RETAIN_AS_PUBLISHED,
	OPT_RETAIN_HANDLING, OPT_SUB_ID, OPT_REMOVE_RETAINED
};

#define SUBSCRIBE_LONG_OPTIONS                                             \
	{ "no-local", no_argument, NULL, OPT_NO_LOCAL },                   \
	{ "retain-as-published", no_argument, NULL, OPT_RETAIN_AS_PUBLISHED }, \
	{ "retain-handling", required_argument, NULL, OPT_RETAIN_HANDLING }, \
	{ "sub-id", required_argument, NULL, OPT_SUB_ID },                 \
	{ "unsubscribe", required_argument, NULL, 'U' },                   \
	{ "remove-retained", no_argument, NULL, OPT_REMOVE_RETAINED }

typedef struct sub_spec {
	uint8_t options;             /* MQ_SUBOPT_* bits but the QoS */
	const char *v5_first;        /* the first MQTT 5 option given */
	unsigned long sub_id;        /* --sub-id; 0 = none */
	mq_props props;              /* the SUBSCRIBE properties */
	mq_bytes unsubs[SUB_MAX_UNSUBS];   /* -U */
	size_t nunsubs;
	bool remove_retained;        /* --remove-retained (sub_clear.h) */
} sub_spec;

/* One of these options.  Returns 1 handled, 0 not one of them, -1 after
 * printing the error. */
int subscribe_option(sub_spec *sp, common_opts *c, int opt, const char *arg);
/* After parsing: MQTT 5 options with -V 311 are an error; the options
 * byte of each filter gets the QoS and these bits.  Returns 0 or -1. */
int subscribe_finish(sub_spec *sp, const common_opts *c, mq_sub_entry *subs,
		     size_t nsubs);
/* Point the session at the SUBSCRIBE properties. */
void subscribe_session_config(const sub_spec *sp, mq_session_config *sc);
/* An UNSUBACK: each MQTT 5 reason code that is a failure is reported
 * ("mqsub: unsubscribe from 'F' refused: why"; 0x11 "no subscription
 * existed" is not one).  Returns false when one was. */
bool subscribe_unsuback(const sub_spec *sp, uint8_t version, const mq_suback *ack);
/* --help lines. */
void subscribe_usage(FILE *f);

#endif
