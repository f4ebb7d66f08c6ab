/* connect_opts.c - MQTT 5 CONNECT and will properties from the command
 * line (see connect_opts.h). */
#include <string.h>

#include "codec.h"
#include "connect_opts.h"
#include "options.h"

/* The will's message properties: option id, option name, mqpub's name
 * for the same property. */
static const struct {
	int id;
	const char *opt, *prop;
} will_props[] = {
	{ OPT_WILL_EXPIRY, "will-expiry", "message-expiry" },
	{ OPT_WILL_CONTENT_TYPE, "will-content-type", "content-type" },
	{ OPT_WILL_RESPONSE_TOPIC, "will-response-topic", "response-topic" },
	{ OPT_WILL_CORRELATION_DATA, "will-correlation-data", "correlation-data" },
	{ OPT_WILL_USER_PROPERTY, "will-user-property", "user-property" },
	{ OPT_WILL_PAYLOAD_FORMAT, "will-payload-format", "payload-format" },
};

static int numbers(connect_opts *co, const char *prog, int opt, const char *arg)
{
	unsigned long v;
	switch (opt) {
	case OPT_RECEIVE_MAXIMUM:
		co->first = co->first ? co->first : "receive-maximum";
		return parse_number(prog, "--receive-maximum", arg, 1, 65535, &co->receive_max) < 0 ? -1 : 1;
	case OPT_MAXIMUM_PACKET_SIZE:
		co->first = co->first ? co->first : "maximum-packet-size";
		return parse_number(prog, "--maximum-packet-size", arg, 16, 268435460,
				    &co->max_packet) < 0 ? -1 : 1;
	case OPT_WILL_DELAY:
		if (parse_number(prog, "--will-delay", arg, 0, 4294967295ul, &v) < 0)
			return -1;
		co->will.props.will_delay = (uint32_t)v;
		co->will.props.present |= MQ_PROP_BIT(MQ_PROP_WILL_DELAY);
		co->will.first = co->will.first ? co->will.first : "will-delay";
		return 1;
	default:
		return 0;
	}
}

int connect_option(connect_opts *co, const char *prog, int opt, const char *arg)
{
	int r = numbers(co, prog, opt, arg);
	if (r != 0)
		return r;
	if (opt == OPT_CONNECT_USER_PROPERTY)
		return pub_props_parse(&co->connect, prog, "connect-user-property",
				       "user-property", arg) < 0 ? -1 : 1;
	if (opt == OPT_REQUEST_RESPONSE_INFO) {
		co->connect.props.request_response_info = 1;
		co->connect.props.present |= MQ_PROP_BIT(MQ_PROP_REQUEST_RESPONSE_INFO);
		co->connect.first = co->connect.first ? co->connect.first : "request-response-info";
		return 1;
	}
	for (size_t i = 0; i < sizeof will_props / sizeof will_props[0]; i++)
		if (will_props[i].id == opt)
			return pub_props_parse(&co->will, prog, will_props[i].opt,
					       will_props[i].prop, arg) < 0 ? -1 : 1;
	return 0;
}

const char *connect_v5_option(const connect_opts *co)
{
	return co->first ? co->first : co->connect.first ? co->connect.first
	       : co->will.first;
}

int connect_finish(const connect_opts *co, const char *prog, uint8_t version,
		   const char *will_topic, const char *will_payload)
{
	const char *v5 = connect_v5_option(co);
	if (v5 && version != MQ_V5) {
		errorf(prog, "--%s needs MQTT 5 (not -V 311)", v5);
		return -1;
	}
	if (co->will.first && !will_topic) {
		errorf(prog, "--%s needs --will-topic", co->will.first);
		return -1;
	}
	if (co->will.utf8_payload && will_payload &&
	    mq_utf8_check((const uint8_t *)will_payload, strlen(will_payload)) < 0) {
		errorf(prog, "the will payload is not valid UTF-8 (--will-payload-format utf8)");
		return -1;
	}
	return 0;
}

void connect_session_config(const connect_opts *co, mq_session_config *sc)
{
	if (co->receive_max)
		sc->receive_max = (uint16_t)co->receive_max;
	if (co->max_packet)
		sc->max_packet = (uint32_t)co->max_packet;
	sc->connect_props = co->connect.first ? &co->connect.props : NULL;
	sc->will_props = co->will.first ? &co->will.props : NULL;
}

void connect_opts_free(connect_opts *co)
{
	pub_props_free(&co->connect);
	pub_props_free(&co->will);
}

void connect_usage(FILE *f)
{
	fputs(
"MQTT 5 connection and will properties:\n"
"      --receive-maximum N    QoS 1/2 messages the broker may send unacknowledged\n"
"      --maximum-packet-size N  largest packet accepted from the broker (bytes)\n"
"      --connect-user-property K=V  a user property of the CONNECT (repeatable)\n"
"      --request-response-info  ask the broker for response information\n"
"      --will-delay SECS      the broker waits SECS before publishing the will\n"
"      --will-expiry SECS     message expiry interval of the will\n"
"      --will-content-type T  content type of the will\n"
"      --will-response-topic TOPIC  response topic of the will\n"
"      --will-correlation-data D  correlation data of the will (text, hex:, base64:)\n"
"      --will-user-property K=V  a user property of the will (repeatable)\n"
"      --will-payload-format F  utf8 or bytes\n", f);
}
