/* test_escape.c - echoed text: valid UTF-8 passes unchanged, every
 * invalid byte, control character and DEL becomes \xHH. */
#include <stdio.h>
#include <stdlib.h>

#include "escape.h"
#include "unit.h"

static char out[256];

static const char *esc(const char *s, size_t n)
{
	FILE *f = fmemopen(out, sizeof out, "w");
	fput_escaped(f, s, n);
	fclose(f);
	return out;
}

#define ESC(lit) esc(lit, sizeof lit - 1)

int main(void)
{
	CHECK(!strcmp(ESC("plain/topic"), "plain/topic"));
	CHECK(!strcmp(ESC("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
	CHECK(!strcmp(ESC("a\xff" "b"), "a\\xFFb"));
	CHECK(!strcmp(ESC("a\nb\tc\x7f"), "a\\x0Ab\\x09c\\x7F"));
	CHECK(!strcmp(ESC("\xc0\xaf"), "\\xC0\\xAF"));            /* overlong */
	CHECK(!strcmp(ESC("\xe0\x80\xaf"), "\\xE0\\x80\\xAF"));    /* overlong */
	CHECK(!strcmp(ESC("\xed\xa0\x80"), "\\xED\\xA0\\x80"));    /* surrogate */
	CHECK(!strcmp(ESC("\xf4\x90\x80\x80"), "\\xF4\\x90\\x80\\x80"));  /* > U+10FFFF */
	CHECK(!strcmp(ESC("\xe2\x82"), "\\xE2\\x82"));             /* cut short */
	CHECK(!strcmp(esc("a\0b", 3), "a\\x00b"));
	CHECK_EQ(utf8_sequence((const unsigned char *)"\xf0\x9f\x98\x80", 4), 4);
	CHECK_EQ(utf8_sequence((const unsigned char *)"\xf0\x9f\x98", 3), 0);
	return unit_done("test_escape");
}
