/* json_out.h - the small JSON writer of mqsub --json and %j: strings
 * escaped per RFC 8259 §7, base64 (RFC 4648 §4), UTF-8 checks, and
 * ISO-8601 times.  Everything goes into an outbuf; nothing allocates. */
#ifndef MQ_JSON_OUT_H
#define MQ_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "output.h"

/* Is p[0..n) well-formed UTF-8 (RFC 3629; U+0000 allowed)? */
bool json_utf8_valid(const uint8_t *p, size_t n);
/* "p[0..n)" with the quotes.  Control characters, '"' and '\' are
 * escaped (\n \t \r \b \f, else \u00XX); a byte that is not part of
 * well-formed UTF-8 becomes \ufffd (callers send such data as base64). */
int json_put_string(outbuf *o, const uint8_t *p, size_t n);
/* The same escapes as cJSON 1.7 (mosquitto_sub %j): raw bytes >= 0x80 and
 * 0x7f pass unchanged, lowercase \u00xx. */
int json_put_string_cjson(outbuf *o, const uint8_t *p, size_t n);
/* The body of json_put_string_cjson (no quotes). */
int json_put_body_cjson(outbuf *o, const uint8_t *p, size_t n);
/* "base64 of p[0..n)" with the quotes. */
int json_put_base64(outbuf *o, const uint8_t *p, size_t n);
/* base64 without quotes (mqsub --base64). */
int put_base64(outbuf *o, const uint8_t *p, size_t n);
/* Lowercase hex, two digits a byte (mqsub --hex). */
int put_hex(outbuf *o, const uint8_t *p, size_t n);
/* A decimal number. */
int json_put_uint(outbuf *o, unsigned long long v);
/* t as 2026-12-04T04:47:32.720Z (UTC, milliseconds) into b[32];
 * returns the length (24). */
size_t json_iso_time(char b[32], const struct timespec *t);

#endif
