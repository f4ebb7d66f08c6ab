/* pub_props.c - MQTT 5 PUBLISH properties from the command line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>

#include "options.h"
#include "pub_props.h"
#include "url.h"

void pub_props_free(pub_props *pp)
{
	free(pp->user);
	free(pp->corr);
	memset(pp, 0, sizeof *pp);
}

static mq_bytes bytes_of(const char *s)
{
	return (mq_bytes){ (const uint8_t *)s, strlen(s) };
}

static int bad(const char *prog, const char *opt, const char *arg,
	       const char *why)
{
	errorf(prog, "bad value for --%s: '%s' (%s)", opt, arg, why);
	return -1;
}

/* KEY=VALUE, appended in order: user properties repeat and keep it. */
static int add_user(pub_props *pp, const char *prog, const char *opt,
		    const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq)
		return bad(prog, opt, arg, "expected KEY=VALUE");
	mq_bytes key = { (const uint8_t *)arg, (size_t)(eq - arg) };
	mq_bytes value = bytes_of(eq + 1);
	if (key.len > 65535 || value.len > 65535)
		return bad(prog, opt, arg, "key and value at most 65535 bytes");
	size_t need = pp->user_len + 5 + key.len + value.len;
	if (need > PUB_PROPS_MAX_USER)
		return bad(prog, opt, arg, "user properties over 1 MiB in all");
	if (need > pp->user_cap) {
		size_t cap = need * 2 < PUB_PROPS_MAX_USER ? need * 2 : PUB_PROPS_MAX_USER;
		uint8_t *n = realloc(pp->user, cap);
		if (!n)
			return bad(prog, opt, arg, strerror(errno));
		pp->user = n;
		pp->user_cap = cap;
	}
	long w = mq_user_prop_put(pp->user + pp->user_len, pp->user_cap - pp->user_len,
				  key, value);
	if (w < 0)
		return bad(prog, opt, arg, "not valid MQTT UTF-8");
	pp->user_len += (size_t)w;
	pp->props.user = (mq_bytes){ pp->user, pp->user_len };
	return 0;
}

/* hex:0a1b..., base64:..., or the text itself. */
static int decode_corr(const char *arg, uint8_t *out, size_t *len)
{
	if (!strncmp(arg, "hex:", 4)) {
		const char *h = arg + 4;
		size_t n = strlen(h);
		if (n % 2)
			return -1;
		for (size_t i = 0; i < n / 2; i++) {
			int hi = hex_digit_value(h[2 * i]), lo = hex_digit_value(h[2 * i + 1]);
			if (hi < 0 || lo < 0)
				return -1;
			out[i] = (uint8_t)(hi * 16 + lo);
		}
		*len = n / 2;
		return 0;
	}
	if (!strncmp(arg, "base64:", 7)) {
		const char *b = arg + 7;
		return mbedtls_base64_decode(out, strlen(b), len, (const unsigned char *)b,
					     strlen(b)) ? -1 : 0;
	}
	*len = strlen(arg);
	memcpy(out, arg, *len);
	return 0;
}

static int set_corr(pub_props *pp, const char *prog, const char *opt,
		    const char *arg)
{
	size_t cap = strlen(arg) + 1, len = 0;
	uint8_t *buf = malloc(cap);
	if (!buf)
		return bad(prog, opt, arg, strerror(errno));
	if (decode_corr(arg, buf, &len) < 0) {
		free(buf);
		return bad(prog, opt, arg, "bad hex: or base64: data");
	}
	if (len > 65535) {
		free(buf);
		return bad(prog, opt, arg, "at most 65535 bytes");
	}
	free(pp->corr);
	pp->corr = buf;
	pp->props.correlation_data = (mq_bytes){ buf, len };
	pp->props.present |= MQ_PROP_BIT(MQ_PROP_CORRELATION_DATA);
	return 0;
}

static int set_string(pub_props *pp, const char *prog, const char *opt,
		      const char *name, const char *arg)
{
	mq_bytes b = bytes_of(arg);
	bool topic = !strcmp(name, "response-topic");
	if (b.len > 65535 || mq_utf8_check(b.ptr, b.len) < 0)
		return bad(prog, opt, arg, "not valid MQTT UTF-8 of at most 65535 bytes");
	if (topic && mq_topic_check(b.ptr, b.len) < 0)
		return bad(prog, opt, arg, "a topic name: non-empty, without + or #");
	int id = topic ? MQ_PROP_RESPONSE_TOPIC : MQ_PROP_CONTENT_TYPE;
	*(topic ? &pp->props.response_topic : &pp->props.content_type) = b;
	pp->props.present |= MQ_PROP_BIT(id);
	return 0;
}

static int set_format(pub_props *pp, const char *prog, const char *opt,
		      const char *arg)
{
	if (strcmp(arg, "utf8") && strcmp(arg, "bytes"))
		return bad(prog, opt, arg, "utf8 or bytes");
	pp->utf8_payload = !strcmp(arg, "utf8");
	pp->props.payload_format = pp->utf8_payload;
	pp->props.present |= MQ_PROP_BIT(MQ_PROP_PAYLOAD_FORMAT);
	return 0;
}

int pub_props_parse(pub_props *pp, const char *prog, const char *opt,
		    const char *prop, const char *arg)
{
	int rc;
	if (!strcmp(prop, "user-property"))
		rc = add_user(pp, prog, opt, arg);
	else if (!strcmp(prop, "correlation-data"))
		rc = set_corr(pp, prog, opt, arg);
	else if (!strcmp(prop, "payload-format"))
		rc = set_format(pp, prog, opt, arg);
	else if (!strcmp(prop, "message-expiry")) {
		unsigned long v = 0;
		char name[48];
		snprintf(name, sizeof name, "--%s", opt);
		rc = parse_number(prog, name, arg, 1, 4294967295ul, &v);
		pp->props.message_expiry = (uint32_t)v;
		pp->props.present |= MQ_PROP_BIT(MQ_PROP_MESSAGE_EXPIRY);
	} else
		rc = set_string(pp, prog, opt, prop, arg);
	if (rc == 0 && !pp->first)
		pp->first = opt;
	return rc;
}

const mq_props *pub_props_get(const pub_props *pp)
{
	return pp->first ? &pp->props : NULL;
}
