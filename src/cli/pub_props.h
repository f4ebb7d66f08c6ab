/* pub_props.h - MQTT 5 PUBLISH properties from mqpub's command line:
 * --user-property, --content-type, --response-topic, --correlation-data,
 * --message-expiry, --payload-format.  Parsed and checked once; every
 * message of the run carries them. */
#ifndef MQ_PUB_PROPS_H
#define MQ_PUB_PROPS_H

#include <stdbool.h>

#include "codec.h"

#define PUB_PROPS_MAX_USER (1u << 20)   /* encoded user properties */

typedef struct pub_props {
	mq_props props;
	uint8_t *user;            /* encoded User Property entries */
	size_t user_len, user_cap;
	uint8_t *corr;            /* decoded correlation data */
	const char *first;        /* the first property option given, or NULL */
	bool utf8_payload;        /* --payload-format utf8: check each payload */
} pub_props;

void pub_props_free(pub_props *pp);
/* Parse one property option: prop names the property as mqpub's option
 * does ("user-property", "content-type", "response-topic",
 * "correlation-data", "message-expiry", "payload-format"); opt is the
 * option as given, without "--" ("will-content-type"), for messages.
 * Returns 0, or -1 after printing "prog: bad value for --opt ...". */
int pub_props_parse(pub_props *pp, const char *prog, const char *opt,
		    const char *prop, const char *arg);
/* The properties to attach, or NULL when none was given. */
const mq_props *pub_props_get(const pub_props *pp);

#endif
