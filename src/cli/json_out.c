/* json_out.c - the small JSON writer (see json_out.h). */
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "json_out.h"

static const char HEX[] = "0123456789abcdef";

bool json_utf8_valid(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		size_t l = utf8_sequence(p + i, n - i);
		if (!l)
			return false;
		i += l;
	}
	return true;
}

/* The escape for control byte c (RFC 8259 §7) into e; returns its length. */
static size_t escape_of(uint8_t c, char e[6])
{
	static const char short_esc[] = "btn\0fr";   /* 0x08..0x0d, 0x0b has none */
	e[0] = '\\';
	if (c == '"' || c == '\\') {
		e[1] = (char)c;
		return 2;
	}
	if (c >= 0x08 && c <= 0x0d && short_esc[c - 0x08]) {
		e[1] = short_esc[c - 0x08];
		return 2;
	}
	memcpy(e + 1, "u00", 3);
	e[4] = HEX[c >> 4];
	e[5] = HEX[c & 15];
	return 6;
}

static bool needs_escape(uint8_t c)
{
	return c < 0x20 || c == '"' || c == '\\';
}

/* Write the escaped string body; strict: a byte outside well-formed UTF-8
 * becomes \ufffd. */
static int put_body(outbuf *o, const uint8_t *p, size_t n, bool strict)
{
	int r = 0;
	size_t run = 0;   /* start of the bytes not yet written */
	for (size_t i = 0; i < n && r == 0;) {
		uint8_t c = p[i];
		size_t l = 1;
		if (c >= 0x80 && strict)
			l = utf8_sequence(p + i, n - i);
		if (l && !needs_escape(c)) {
			i += l;
			continue;
		}
		r |= outbuf_put(o, p + run, i - run);
		if (l) {
			char e[6];
			r |= outbuf_put(o, e, escape_of(c, e));
		} else {
			r |= outbuf_put(o, "\\ufffd", 6);
		}
		run = ++i;
	}
	return r | outbuf_put(o, p + run, n - run);
}

int json_put_string(outbuf *o, const uint8_t *p, size_t n)
{
	int r = outbuf_put(o, "\"", 1);
	r |= put_body(o, p, n, true);
	return r | outbuf_put(o, "\"", 1);
}

int json_put_body_cjson(outbuf *o, const uint8_t *p, size_t n)
{
	return put_body(o, p, n, false);
}

int json_put_string_cjson(outbuf *o, const uint8_t *p, size_t n)
{
	int r = outbuf_put(o, "\"", 1);
	r |= put_body(o, p, n, false);
	return r | outbuf_put(o, "\"", 1);
}

/* RFC 4648 §4, in chunks of 48 input bytes. */
int put_base64(outbuf *o, const uint8_t *p, size_t n)
{
	static const char A[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	int r = 0;
	while (n > 0 && r == 0) {
		char b[64];
		size_t k = 0, take = n < 48 ? n : 48;
		for (size_t i = 0; i < take; i += 3) {
			uint32_t v = (uint32_t)p[i] << 16;
			if (i + 1 < take)
				v |= (uint32_t)p[i + 1] << 8;
			if (i + 2 < take)
				v |= p[i + 2];
			b[k++] = A[v >> 18];
			b[k++] = A[(v >> 12) & 63];
			b[k++] = i + 1 < take ? A[(v >> 6) & 63] : '=';
			b[k++] = i + 2 < take ? A[v & 63] : '=';
		}
		r = outbuf_put(o, b, k);
		p += take;
		n -= take;
	}
	return r;
}

int json_put_base64(outbuf *o, const uint8_t *p, size_t n)
{
	int r = outbuf_put(o, "\"", 1);
	r |= put_base64(o, p, n);
	return r | outbuf_put(o, "\"", 1);
}

int put_hex(outbuf *o, const uint8_t *p, size_t n)
{
	int r = 0;
	while (n > 0 && r == 0) {
		char b[128];
		size_t take = n < 64 ? n : 64;
		for (size_t i = 0; i < take; i++) {
			b[2 * i] = HEX[p[i] >> 4];
			b[2 * i + 1] = HEX[p[i] & 15];
		}
		r = outbuf_put(o, b, 2 * take);
		p += take;
		n -= take;
	}
	return r;
}

int json_put_uint(outbuf *o, unsigned long long v)
{
	char b[24];
	size_t i = sizeof b;
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return outbuf_put(o, b + i, sizeof b - i);
}

size_t json_iso_time(char b[32], const struct timespec *t)
{
	static time_t last = (time_t)-1;   /* the seconds part, made once a second */
	static char secs[24];
	if (t->tv_sec != last) {
		struct tm tm;
		time_t s = t->tv_sec;
		gmtime_r(&s, &tm);
		strftime(secs, sizeof secs, "%Y-%m-%dT%H:%M:%S", &tm);
		last = t->tv_sec;
	}
	long ms = t->tv_nsec / 1000000;
	memcpy(b, secs, 19);
	b[19] = '.';
	b[20] = (char)('0' + ms / 100);
	b[21] = (char)('0' + ms / 10 % 10);
	b[22] = (char)('0' + ms % 10);
	b[23] = 'Z';
	b[24] = '\0';
	return 24;
}
