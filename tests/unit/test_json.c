/* test_json.c - the JSON writer and checker: RFC 8259 strings and
 * numbers, strict validity, compact, pretty and cJSON-style rewriting,
 * base64 and hex. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "json_out.h"
#include "json_scan.h"
#include "unit.h"

static char got[4096];

/* Run f into a pipe-free outbuf (a temporary file) and read back. */
static const char *capture(int (*f)(outbuf *, const uint8_t *, size_t), const char *s, size_t n)
{
	FILE *t = tmpfile();
	outbuf o;
	outbuf_init(&o, fileno(t));
	f(&o, (const uint8_t *)s, n);
	outbuf_flush(&o);
	outbuf_free(&o);
	rewind(t);
	size_t k = fread(got, 1, sizeof got - 1, t);
	got[k] = '\0';
	fclose(t);
	return got;
}

static json_style style;

static int write_styled(outbuf *o, const uint8_t *p, size_t n)
{
	return json_write(o, p, n, style, 0);
}

#define STR(s) capture(json_put_string, s, sizeof s - 1)
#define CJ(s) capture(json_put_string_cjson, s, sizeof s - 1)
#define B64(s) capture(put_base64, s, sizeof s - 1)
#define VALID(s) json_valid((const uint8_t *)s, sizeof s - 1)
#define W(st, s) (style = st, capture(write_styled, s, sizeof s - 1))

static void strings(void)
{
	CHECK(!strcmp(STR("a/b"), "\"a/b\""));
	CHECK(!strcmp(STR("q\"b\\s"), "\"q\\\"b\\\\s\""));
	CHECK(!strcmp(STR("\b\f\n\r\t\x0b\x01\x1f\x7f"), "\"\\b\\f\\n\\r\\t\\u000b\\u0001\\u001f\x7f\""));
	CHECK(!strcmp(STR("a\0b"), "\"a\\u0000b\""));
	CHECK(!strcmp(STR("h\xc3\xa9 \xf0\x9f\x98\x80"), "\"h\xc3\xa9 \xf0\x9f\x98\x80\""));
	CHECK(!strcmp(STR("x\xff\xc3"), "\"x\\ufffd\\ufffd\""));
	CHECK(!strcmp(CJ("x\xff\n"), "\"x\xff\\n\""));
	CHECK(json_utf8_valid((const uint8_t *)"a\0\xc3\xa9", 4));
	CHECK(!json_utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));
}

static void base64(void)
{
	CHECK(!strcmp(B64(""), ""));
	CHECK(!strcmp(B64("f"), "Zg=="));
	CHECK(!strcmp(B64("fo"), "Zm8="));
	CHECK(!strcmp(B64("foo"), "Zm9v"));
	CHECK(!strcmp(B64("foobar"), "Zm9vYmFy"));
	/* across the 48-byte chunks */
	CHECK(!strcmp(B64("0123456789012345678901234567890123456789012345678901"),
		      "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMQ=="));
	CHECK(!strcmp(capture(put_hex, "\x00\xff\x10", 3), "00ff10"));
}

static void validity(void)
{
	CHECK(VALID("{}"));
	CHECK(VALID(" [1, -0.5e+3, true, false, null, \"x\"] \n"));
	CHECK(VALID("\"\\ud83d\\ude00\""));
	CHECK(VALID("0"));
	CHECK(!VALID(""));
	CHECK(!VALID("01"));
	CHECK(!VALID("+1"));
	CHECK(!VALID("1."));
	CHECK(!VALID(".5"));
	CHECK(!VALID("[1,]"));
	CHECK(!VALID("{\"a\"}"));
	CHECK(!VALID("{\"a\":1,}"));
	CHECK(!VALID("[1] x"));
	CHECK(!VALID("\"a\nb\""));
	CHECK(!VALID("\"\xff\""));
	CHECK(!VALID("\"\\ud800\""));
	CHECK(!VALID("\"\\x\""));
	CHECK(!VALID("tru"));
	char deep[2 * JSON_MAX_DEPTH + 4];
	memset(deep, '[', JSON_MAX_DEPTH);
	memset(deep + JSON_MAX_DEPTH, ']', JSON_MAX_DEPTH);
	CHECK(json_valid((const uint8_t *)deep, 2 * JSON_MAX_DEPTH));
	memset(deep, '[', JSON_MAX_DEPTH + 1);
	memset(deep + JSON_MAX_DEPTH + 1, ']', JSON_MAX_DEPTH + 1);
	CHECK(!json_valid((const uint8_t *)deep, 2 * JSON_MAX_DEPTH + 2));
	CHECK(json_valid_nonstring((const uint8_t *)" 1", 2));
	CHECK(!json_valid_nonstring((const uint8_t *)" \"s\"", 4));
}

static void rewriting(void)
{
	CHECK(!strcmp(W(JSON_COMPACT, " { \"a\" : [ 1 , 2.50 ] ,\n\"b\":\"\\u00e9\\/\" } "),
		      "{\"a\":[1,2.50],\"b\":\"\\u00e9\\/\"}"));
	CHECK(!strcmp(W(JSON_PRETTY, "{\"a\":[1,{}],\"b\":[]}"),
		      "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": []\n}"));
	/* as cJSON_PrintUnformatted: numbers and strings redone */
	CHECK(!strcmp(W(JSON_CJSON, "{\"x\": 1.50, \"s\":\"\\u00e9\\/\\n\\u0001\"}"),
		      "{\"x\":1.5,\"s\":\"\xc3\xa9/\\n\\u0001\"}"));
	CHECK(!strcmp(W(JSON_CJSON, "[1e2, -0, 0.1, 1e400, 3000000000, 1.0000000000000002]"),
		      "[100,-0,0.1,null,3000000000,1]"));
	CHECK(!strcmp(W(JSON_CJSON, "[0.1234567890123456789, 1e-7]"), "[0.12345678901234568,1e-07]"));
	CHECK(!strcmp(W(JSON_CJSON, "\"a\\u0000b\""), "\"a\""));
}

int main(void)
{
	strings();
	base64();
	validity();
	rewriting();
	return unit_done("test_json");
}
