/* json_msg.h - one message as a JSON object: mqsub --json (our schema,
 * see mqsub(1) JSON OUTPUT) and mosquitto_sub's %j and %J. */
#ifndef MQ_JSON_MSG_H
#define MQ_JSON_MSG_H

#include <stdbool.h>
#include <time.h>

#include "codec.h"
#include "output.h"

typedef enum json_payload {
	JSON_PAYLOAD_AUTO,     /* JSON (not a bare string), else text, else base64 */
	JSON_PAYLOAD_JSON,     /* JSON (any), else base64 */
	JSON_PAYLOAD_STRING,   /* text, else base64 */
	JSON_PAYLOAD_BASE64
} json_payload;

/* Parse auto|json|string|base64; -1 if none of them. */
int json_payload_parse(const char *s);

/* --json: one object, no newline after it. */
typedef struct json_style_opts {
	json_payload payload;
	bool pretty;       /* indented, over several lines */
	bool color;        /* keys in colour (a terminal) */
} json_style_opts;

int json_message(outbuf *o, const mq_publish *p, const struct timespec *now,
		 const json_style_opts *st);
/* %j (parsed false) and %J (parsed true), as mosquitto_sub 2.0 prints
 * them; a payload that is not JSON prints nothing for %J and returns 1. */
int json_mosquitto(outbuf *o, const mq_publish *p, const struct timespec *now,
		   bool parsed);

#endif
