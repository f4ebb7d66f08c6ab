/* sub_print.h - how mqsub writes a message other than the plain payload
 * (or topic and payload with -v): -F, --json, --hex, --base64, --pretty,
 * colour.  The plain case stays in mqsub.c's print_message. */
#ifndef MQ_SUB_PRINT_H
#define MQ_SUB_PRINT_H

#include <stdbool.h>
#include <time.h>

#include "codec.h"
#include "format.h"
#include "json_msg.h"
#include "output.h"

typedef enum payload_enc { ENC_RAW, ENC_HEX, ENC_BASE64 } payload_enc;

typedef struct sub_print {
	const mq_format *format;   /* -F, or NULL */
	bool json;                 /* --json */
	json_style_opts js;        /* --json-payload, --pretty, colour */
	bool pretty;               /* --pretty */
	bool verbose;              /* -v */
	bool color;                /* colour the topic (and --json keys) */
	payload_enc enc;           /* --hex, --base64 */
} sub_print;

/* --color=auto: is fd a terminal, NO_COLOR unset or empty, TERM not
 * "dumb"? */
bool output_color_auto(int fd);
/* Is anything other than the plain output asked for? */
bool sub_print_fancy(const sub_print *s);
/* Write message p (without the newline or NUL after it).  Returns 0 or -1
 * once the output failed or closed. */
int sub_print_message(const sub_print *s, outbuf *o, const mq_publish *p);

#endif
