/* connect_opts.h - MQTT 5 properties of the CONNECT and of the will, from
 * the command line of either tool: --receive-maximum,
 * --maximum-packet-size, --connect-user-property, --request-response-info,
 * --will-delay and the will message's own properties (--will-expiry,
 * --will-content-type, ...). */
#ifndef MQ_CONNECT_OPTS_H
#define MQ_CONNECT_OPTS_H

#include <stdbool.h>
#include <stdio.h>

#include "pub_props.h"
#include "session.h"

typedef struct connect_opts {
	pub_props connect;        /* CONNECT: user properties */
	pub_props will;           /* the will message's properties */
	unsigned long receive_max, max_packet;
	const char *first;        /* the first of these options given, or NULL */
} connect_opts;

/* Option ids: above the common ones of options.h, below OPT_TOOL_FIRST. */
enum {
	OPT_RECEIVE_MAXIMUM = 340, OPT_MAXIMUM_PACKET_SIZE,
	OPT_CONNECT_USER_PROPERTY, OPT_REQUEST_RESPONSE_INFO, OPT_WILL_DELAY,
	OPT_WILL_EXPIRY, OPT_WILL_CONTENT_TYPE, OPT_WILL_RESPONSE_TOPIC,
	OPT_WILL_CORRELATION_DATA, OPT_WILL_USER_PROPERTY,
	OPT_WILL_PAYLOAD_FORMAT
};

#define CONNECT_LONG_OPTIONS                                               \
	{ "receive-maximum", required_argument, NULL, OPT_RECEIVE_MAXIMUM }, \
	{ "maximum-packet-size", required_argument, NULL, OPT_MAXIMUM_PACKET_SIZE }, \
	{ "connect-user-property", required_argument, NULL, OPT_CONNECT_USER_PROPERTY }, \
	{ "request-response-info", no_argument, NULL, OPT_REQUEST_RESPONSE_INFO }, \
	{ "will-delay", required_argument, NULL, OPT_WILL_DELAY },         \
	{ "will-expiry", required_argument, NULL, OPT_WILL_EXPIRY },       \
	{ "will-content-type", required_argument, NULL, OPT_WILL_CONTENT_TYPE }, \
	{ "will-response-topic", required_argument, NULL, OPT_WILL_RESPONSE_TOPIC }, \
	{ "will-correlation-data", required_argument, NULL, OPT_WILL_CORRELATION_DATA }, \
	{ "will-user-property", required_argument, NULL, OPT_WILL_USER_PROPERTY }, \
	{ "will-payload-format", required_argument, NULL, OPT_WILL_PAYLOAD_FORMAT }

/* Handle one of these options.  Returns 1 handled, 0 not one of them,
 * -1 after printing the error. */
int connect_option(connect_opts *co, const char *prog, int opt, const char *arg);
/* Checks once all options are in: MQTT 5 only, the will's properties need
 * a will, a utf8 will payload must be UTF-8.  Returns 0 or -1. */
int connect_finish(const connect_opts *co, const char *prog, uint8_t version,
		   const char *will_topic, const char *will_payload);
/* The first of these options given (without "--"), or NULL: they all
 * need MQTT 5. */
const char *connect_v5_option(const connect_opts *co);
/* Point the session configuration at these properties. */
void connect_session_config(const connect_opts *co, mq_session_config *sc);
void connect_opts_free(connect_opts *co);
/* --help lines. */
void connect_usage(FILE *f);

#endif
