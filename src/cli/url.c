/* url.c - split an mqtt:// URL in place. */
#include <stdlib.h>
#include <string.h>

#include "transport.h"
#include "url.h"

int hex_digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode %XX in place.  Returns 0, or -1 on a bad escape or %00. */
static int percent_decode(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (*r != '%') {
			*w++ = *r;
			continue;
		}
		int hi = hex_digit_value(r[1]), lo = hi < 0 ? -1 : hex_digit_value(r[2]);
		if (lo < 0 || (hi == 0 && lo == 0))
			return -1;
		*w++ = (char)(hi * 16 + lo);
		r += 2;
	}
	*w = '\0';
	return 0;
}

/* "user[:pass]" before '@'. */
static int split_userinfo(char *ui, mq_url *out)
{
	char *colon = strchr(ui, ':');
	if (colon) {
		*colon = '\0';
		out->pass = colon + 1;
		if (percent_decode(out->pass) < 0)
			return -1;
	}
	out->user = ui;
	return percent_decode(out->user);
}

int mq_hostport_parse(char *hp, char **host, char **port, const char **why)
{
	char *p = NULL;
	if (*hp == '[') {
		char *end = strchr(hp, ']');
		if (!end) {
			*why = "unterminated '[' in host";
			return -1;
		}
		*end = '\0';
		*host = hp + 1;
		if (end[1] == ':')
			p = end + 2;
		else if (end[1]) {
			*why = "unexpected text after ']'";
			return -1;
		}
	} else {
		*host = hp;
		p = strchr(hp, ':');
		if (p && strchr(p + 1, ':'))
			p = NULL;       /* a bare IPv6 address: no port */
		else if (p)
			*p++ = '\0';
	}
	if (!**host) {
		*why = "no host";
		return -1;
	}
	if (p && !*p) {
		*why = "empty port";
		return -1;
	}
	*port = p;
	return 0;
}

/* "[user[:pass]@]host[:port]" after the scheme; start is the URL's
 * first byte (for the password's place in it). */
static int split_authority(char *s, char *start, mq_url *out, const char **why)
{
	char *at = strrchr(s, '@');
	if (at) {
		*at = '\0';
		char *colon = strchr(s, ':');
		if (colon) {
			out->pass_at = (size_t)(colon + 1 - start);
			out->pass_len = (size_t)(at - colon - 1);
		}
		if (split_userinfo(s, out) < 0) {
			*why = "bad %-escape in user or password";
			return -1;
		}
		s = at + 1;
	}
	return mq_hostport_parse(s, &out->host, &out->port, why);
}

/* ws://host[:port][/path]: the path is the HTTP request's, kept with
 * its '/' (copied: the authority is split in place). */
static int split_ws(char *s, char *start, mq_url *out, const char **why)
{
	char *slash = strchr(s, '/');
	out->ws_path = strdup(slash ? slash : "/mqtt");
	if (!out->ws_path) {
		*why = "out of memory";
		return -1;
	}
	if (slash)
		*slash = '\0';
	if (strpbrk(out->ws_path, " \r\n")) {
		*why = "a space or line break in the path";
		return -1;
	}
	return split_authority(s, start, out, why);
}

int mq_proxy_url_parse(char *s, mq_url *out, int *kind, const char **why)
{
	static const struct { const char *scheme; int kind; } schemes[] = {
		{ "socks5://", MQ_PROXY_SOCKS5 }, { "socks5h://", MQ_PROXY_SOCKS5H },
		{ "http://", MQ_PROXY_HTTP },
	};
	char *start = s;
	memset(out, 0, sizeof *out);
	*kind = 0;
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
		size_t n = strlen(schemes[i].scheme);
		if (!strncmp(s, schemes[i].scheme, n)) {
			*kind = schemes[i].kind;
			s += n;
		}
	}
	if (!*kind) {
		*why = "scheme must be socks5://, socks5h:// or http://";
		return -1;
	}
	size_t end = strlen(s);
	if (end && s[end - 1] == '/')
		s[end - 1] = '\0';   /* "http://proxy:3128/" */
	if (strchr(s, '/')) {
		*why = "a proxy URL has no path";
		return -1;
	}
	return split_authority(s, start, out, why);
}

int mq_url_parse(char *s, mq_url *out, const char **why)
{
	char *start = s;
	memset(out, 0, sizeof *out);
	if (strncmp(s, "unix://", 7) == 0) {
		out->unix_path = s + 7;
		if (out->unix_path[0] != '/') {
			*why = "a unix:// URL names an absolute path: unix:///run/mosquitto.sock";
			return -1;
		}
		return 0;
	}
	if (strncmp(s, "mqtt://", 7) == 0) {
		s += 7;
	} else if (strncmp(s, "mqtts://", 8) == 0) {
		s += 8;
		out->tls = 1;
	} else if (strncmp(s, "ws://", 5) == 0 || strncmp(s, "wss://", 6) == 0) {
		out->ws = 1;
		out->tls = s[2] == 's';
		s += out->tls ? 6 : 5;
		return split_ws(s, start, out, why);
	} else {
		*why = "scheme must be mqtt://, mqtts://, ws://, wss:// or unix://";
		return -1;
	}
	char *slash = strchr(s, '/');
	if (slash) {
		*slash = '\0';
		if (slash[1]) {
			out->topic = slash + 1;
			if (percent_decode(out->topic) < 0) {
				*why = "bad %-escape in topic";
				return -1;
			}
		}
	}
	return split_authority(s, start, out, why);
}
