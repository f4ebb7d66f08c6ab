/* pub_request.h - mqpub --request: MQTT 5 request/response.  mqpub
 * subscribes to a response topic, publishes the request with Response
 * Topic and Correlation Data once the SUBACK came, and prints the
 * payload of each reply that carries its correlation data. */
#ifndef MQ_PUB_REQUEST_H
#define MQ_PUB_REQUEST_H

#include <stdbool.h>

#include "codec.h"
#include "output.h"

/* The generated response topic: this prefix, then 32 hex digits. */
#define REQUEST_TOPIC_PREFIX "mqpub/response/"
#define REQUEST_RANDOM_BYTES 16

typedef struct pub_request {
	mq_sub_entry sub;            /* the response topic, at -q */
	char topic[sizeof REQUEST_TOPIC_PREFIX + 2 * REQUEST_RANDOM_BYTES];
	uint8_t corr[REQUEST_RANDOM_BYTES];   /* generated correlation data */
	mq_bytes want;               /* the correlation data replies carry */
	bool subscribed;             /* SUBACK granted: the request may go */
	bool refused;                /* SUBACK refused it */
	unsigned long matched;       /* replies printed */
	outbuf out;
} pub_request;

#endif
