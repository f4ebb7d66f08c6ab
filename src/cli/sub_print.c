/* sub_print.c - mqsub's output other than the plain one (see
 * sub_print.h). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json_out.h"
#include "json_scan.h"
#include "options.h"
#include "sub_print.h"

bool output_color_auto(int fd)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");
	return isatty(fd) && !(no && *no) && !(term && !strcmp(term, "dumb"));
}

bool sub_print_fancy(const sub_print *s)
{
	return s->format || s->json || s->pretty || s->color || s->enc != ENC_RAW;
}

/* The payload of the default and -v output: raw, hex, base64, or
 * indented when it is JSON and --pretty. */
static int payload(const sub_print *s, outbuf *o, mq_bytes b)
{
	switch (s->enc) {
	case ENC_HEX: return put_hex(o, b.ptr, b.len);
	case ENC_BASE64: return put_base64(o, b.ptr, b.len);
	default: break;
	}
	if (s->pretty && json_valid(b.ptr, b.len))
		return json_write(o, b.ptr, b.len, JSON_PRETTY, 0);
	return outbuf_put(o, b.ptr, b.len);
}

#define TOPIC_COLOR "\033[1;34m"   /* bold blue */
#define NO_COLOR "\033[0m"

static int topic(const sub_print *s, outbuf *o, mq_bytes t)
{
	if (!s->color)
		return outbuf_put(o, t.ptr, t.len) | outbuf_put(o, " ", 1);
	int r = outbuf_put(o, TOPIC_COLOR, sizeof TOPIC_COLOR - 1);
	r |= outbuf_put(o, t.ptr, t.len);
	return r | outbuf_put(o, NO_COLOR " ", sizeof NO_COLOR);
}

/* -F with %J on a payload that is not JSON: said on stderr. */
static int formatted(const sub_print *s, outbuf *o, const mq_publish *p,
		     const struct timespec *now)
{
	int r = format_print(s->format, o, p, now);
	if (r > 0) {
		errorf("mqsub", "%%J: the payload on topic '%.*s' is not JSON",
		       (int)p->topic.len, (const char *)p->topic.ptr);
		r = 0;
	}
	return r;
}

int sub_print_message(const sub_print *s, outbuf *o, const mq_publish *p)
{
	struct timespec now;
	if (s->format || s->json)
		clock_gettime(CLOCK_REALTIME, &now);
	if (s->format)
		return formatted(s, o, p, &now);
	if (s->json)
		return json_message(o, p, &now, &s->js);
	int r = s->verbose ? topic(s, o, p->topic) : 0;
	return r | payload(s, o, p->payload);
}
