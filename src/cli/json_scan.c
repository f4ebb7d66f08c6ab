/* json_scan.c - check and rewrite JSON text (see json_scan.h).  A
 * recursive descent over RFC 8259 §2-§7; with o NULL it only checks. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "json_out.h"
#include "json_scan.h"

typedef struct jscan {
	const uint8_t *p;
	size_t n, i;
	outbuf *o;         /* NULL: check only */
	json_style style;
	int depth, indent;
	int r;             /* output result, 0 or -1 */
} jscan;

static bool value(jscan *s);

static void out(jscan *s, const void *b, size_t n)
{
	if (s->o)
		s->r |= outbuf_put(s->o, b, n);
}

/* RFC 8259 §2: insignificant whitespace. */
static void ws(jscan *s)
{
	while (s->i < s->n && (s->p[s->i] == ' ' || s->p[s->i] == '\t' ||
			       s->p[s->i] == '\n' || s->p[s->i] == '\r'))
		s->i++;
}

static bool peek(jscan *s, char c)
{
	return s->i < s->n && s->p[s->i] == (uint8_t)c;
}

static void newline(jscan *s)
{
	if (s->style != JSON_PRETTY || !s->o)
		return;
	out(s, "\n", 1);
	for (int k = 0; k < s->indent; k++)
		out(s, "  ", 2);
}

static int hex4(const uint8_t *p)
{
	int v = 0;
	for (int k = 0; k < 4; k++) {
		int c = p[k], d = c >= '0' && c <= '9' ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* \uXXXX (and its low surrogate) at p[i] (after the backslash-u);
 * returns the code point and sets *len, or -1. */
static long unicode_escape(const jscan *s, size_t i, size_t *len)
{
	if (s->n - i < 4)
		return -1;
	long hi = hex4(s->p + i);
	*len = 4;
	if (hi < 0 || (hi >= 0xDC00 && hi <= 0xDFFF))
		return -1;
	if (hi < 0xD800 || hi > 0xDBFF)
		return hi;
	if (s->n - i < 10 || s->p[i + 4] != '\\' || s->p[i + 5] != 'u')
		return -1;   /* a high surrogate alone */
	long lo = hex4(s->p + i + 6);
	if (lo < 0xDC00 || lo > 0xDFFF)
		return -1;
	*len = 10;
	return 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
}

/* cJSON's output for code point cp; *end set when cp is U+0000 (a C
 * string ends there in cJSON). */
static void cjson_codepoint(jscan *s, long cp, bool *end)
{
	uint8_t b[4];
	if (cp == 0) {
		*end = true;
		return;
	}
	size_t n = utf8_put(b, cp);
	if (n == 1 && s->o)
		s->r |= json_put_body_cjson(s->o, b, 1);
	else if (n > 1)
		out(s, b, n);
}

/* One escape sequence at s->i (after the backslash); cJSON style writes
 * what it stands for, the others copy it. */
static bool escape_seq(jscan *s, bool *end)
{
	static const char simple[] = "\"\\/bfnrt";
	uint8_t c = s->i < s->n ? s->p[s->i] : 0;
	if (c && strchr(simple, c)) {
		s->i++;
		if (s->style != JSON_CJSON)
			out(s, s->p + s->i - 2, 2);
		else if (c == '/')
			out(s, "/", 1);
		else if (!*end)
			out(s, s->p + s->i - 2, 2);
		return true;
	}
	if (c != 'u')
		return false;
	size_t len;
	long cp = unicode_escape(s, s->i + 1, &len);
	if (cp < 0)
		return false;
	if (s->style != JSON_CJSON)
		out(s, s->p + s->i - 1, len + 2);
	else if (!*end)
		cjson_codepoint(s, cp, end);
	s->i += 1 + len;
	return true;
}

#define ONES  UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Does the ASCII word w hold a byte below b (b <= 0x80)? */
static bool word_below(uint64_t w, uint8_t b)
{
	return ((w - ONES * b) & ~w & HIGHS) != 0;
}

/* The end of a run of plain string bytes at p[i..n): printable ASCII but
 * '"' and '\\', eight at a time while it lasts (a payload is mostly
 * that). */
static size_t plain_run(const uint8_t *p, size_t i, size_t n)
{
	while (n - i >= 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		if ((w & HIGHS) || word_below(w, 0x20) ||
		    word_below(w ^ (ONES * '"'), 1) || word_below(w ^ (ONES * '\\'), 1))
			break;
		i += 8;
	}
	while (i < n && p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' && p[i] != '\\')
		i++;
	return i;
}

/* RFC 8259 §7: a string, its raw bytes well-formed UTF-8. */
static bool string(jscan *s)
{
	bool end = false;   /* cJSON style: U+0000 seen, print no more */
	s->i++;
	out(s, "\"", 1);
	size_t run = s->i;
	while ((s->i = plain_run(s->p, s->i, s->n)) < s->n) {
		uint8_t c = s->p[s->i];
		if (c == '"' || c == '\\') {
			if (!end)
				out(s, s->p + run, s->i - run);
			s->i++;
			if (c == '"') {
				out(s, "\"", 1);
				return true;
			}
			if (!escape_seq(s, &end))
				return false;
			run = s->i;
		} else if (c < 0x20) {
			return false;
		} else if (c < 0x80) {
			s->i++;
		} else {
			size_t l = utf8_sequence(s->p + s->i, s->n - s->i);
			if (!l)
				return false;
			s->i += l;
		}
	}
	return false;
}

static size_t digits(jscan *s)
{
	size_t k = 0;
	while (s->i < s->n && s->p[s->i] >= '0' && s->p[s->i] <= '9') {
		s->i++;
		k++;
	}
	return k;
}

/* cJSON 1.7.15's print_number: %1.15g, or %1.17g when that does not
 * read back the same (within DBL_EPSILON); null for infinities. */
static void cjson_number(jscan *s, const uint8_t *t, size_t n)
{
	char b[64];
	if (n >= sizeof b)
		n = sizeof b - 1;   /* cJSON reads at most 63 characters */
	memcpy(b, t, n);
	b[n] = '\0';
	double d = strtod(b, NULL), back;
	int len;
	if (isnan(d) || isinf(d))
		len = snprintf(b, sizeof b, "null");
	else {
		len = snprintf(b, sizeof b, "%1.15g", d);
		back = strtod(b, NULL);
		double m = fabs(back) > fabs(d) ? fabs(back) : fabs(d);
		if (!(fabs(back - d) <= m * DBL_EPSILON))
			len = snprintf(b, sizeof b, "%1.17g", d);
	}
	out(s, b, (size_t)len);
}

/* RFC 8259 §6: -? int frac? exp? */
static bool number(jscan *s)
{
	size_t start = s->i;
	if (peek(s, '-'))
		s->i++;
	if (peek(s, '0'))
		s->i++;
	else if (!digits(s))
		return false;
	if (peek(s, '.')) {
		s->i++;
		if (!digits(s))
			return false;
	}
	if (peek(s, 'e') || peek(s, 'E')) {
		s->i++;
		if (peek(s, '+') || peek(s, '-'))
			s->i++;
		if (!digits(s))
			return false;
	}
	if (s->style == JSON_CJSON && s->o)
		cjson_number(s, s->p + start, s->i - start);
	else
		out(s, s->p + start, s->i - start);
	return true;
}

static bool literal(jscan *s, const char *w)
{
	size_t l = strlen(w);
	if (s->n - s->i < l || memcmp(s->p + s->i, w, l))
		return false;
	out(s, w, l);
	s->i += l;
	return true;
}

/* The members of an object or the elements of an array, up to close. */
static bool members(jscan *s, char close, bool object)
{
	if (++s->depth > JSON_MAX_DEPTH)
		return false;
	out(s, object ? "{" : "[", 1);
	s->i++;
	ws(s);
	if (peek(s, close)) {
		s->i++;
		s->depth--;
		out(s, &close, 1);
		return true;
	}
	s->indent++;
	for (;;) {
		newline(s);
		if (object) {
			ws(s);
			if (!peek(s, '"') || !string(s))
				return false;
			ws(s);
			if (!peek(s, ':'))
				return false;
			s->i++;
			out(s, ": ", s->style == JSON_PRETTY ? 2 : 1);
		}
		if (!value(s))
			return false;
		if (peek(s, ',')) {
			s->i++;
			out(s, ",", 1);
			continue;
		}
		if (!peek(s, close))
			return false;
		s->i++;
		s->indent--;
		newline(s);
		s->depth--;
		out(s, &close, 1);
		return true;
	}
}

/* A value with the whitespace around it. */
static bool value(jscan *s)
{
	ws(s);
	if (s->i >= s->n)
		return false;
	bool ok;
	switch (s->p[s->i]) {
	case '{': ok = members(s, '}', true); break;
	case '[': ok = members(s, ']', false); break;
	case '"': ok = string(s); break;
	case 't': ok = literal(s, "true"); break;
	case 'f': ok = literal(s, "false"); break;
	case 'n': ok = literal(s, "null"); break;
	default: ok = number(s); break;
	}
	ws(s);
	return ok;
}

static bool scan(jscan *s)
{
	return value(s) && s->i == s->n;
}

bool json_valid(const uint8_t *p, size_t n)
{
	jscan s = { .p = p, .n = n };
	return scan(&s);
}

bool json_valid_nonstring(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	return i < n && p[i] != '"' && json_valid(p, n);
}

bool json_scan_value(const uint8_t *p, size_t n, size_t *pos)
{
	jscan s = { .p = p, .n = n, .i = *pos };
	bool ok = value(&s);
	*pos = s.i;
	return ok;
}

size_t json_string_decode(const uint8_t *p, size_t n, uint8_t *out)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	jscan s = { .p = p, .n = n };
	size_t k = 0;
	for (size_t i = 1; i + 1 < n; ) {
		if (p[i] != '\\') {   /* up to the next escape, at once */
			const uint8_t *e = memchr(p + i, '\\', n - 1 - i);
			size_t run = e ? (size_t)(e - p) - i : n - 1 - i;
			memcpy(out + k, p + i, run);
			k += run;
			i += run;
			continue;
		}
		const char *e = strchr(from, p[i + 1]);
		if (p[i + 1] != 'u' && e) {
			out[k++] = (uint8_t)to[e - from];
			i += 2;
			continue;
		}
		size_t len;
		long cp = unicode_escape(&s, i + 2, &len);
		i += 2 + len;
		k += utf8_put(out + k, cp);
	}
	return k;
}

int json_write(outbuf *o, const uint8_t *p, size_t n, json_style style, int indent)
{
	jscan s = { .p = p, .n = n, .o = o, .style = style, .indent = indent };
	if (!scan(&s))
		return -1;
	return s.r;
}
