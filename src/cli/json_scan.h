/* json_scan.h - is a payload JSON (RFC 8259, strict: well-formed UTF-8,
 * no lone surrogates, at most JSON_MAX_DEPTH levels), and write it again
 * on one line, indented, or as cJSON prints it (mosquitto_sub %J).  No
 * allocation: one pass to check, one to write. */
#ifndef MQ_JSON_SCAN_H
#define MQ_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "output.h"

#define JSON_MAX_DEPTH 1000   /* cJSON's CJSON_NESTING_LIMIT */

typedef enum json_style {
	JSON_COMPACT,   /* the same tokens, no whitespace between them */
	JSON_PRETTY,    /* two spaces an indent, "key": value (as jq) */
	JSON_CJSON      /* as cJSON_PrintUnformatted: strings and numbers redone */
} json_style;

/* Is p[0..n) one JSON value, with optional whitespace around it? */
bool json_valid(const uint8_t *p, size_t n);
/* Is it a JSON value and not a string? */
bool json_valid_nonstring(const uint8_t *p, size_t n);
/* Write the JSON value p[0..n) (checked with json_valid) in style;
 * indent: the pretty indent level it starts at.  Returns 0 or -1. */
int json_write(outbuf *o, const uint8_t *p, size_t n, json_style style, int indent);

/* Scan one JSON value at p[*pos] (and the whitespace around it) in
 * p[0..n).  True with *pos after it; false with *pos where it went wrong. */
bool json_scan_value(const uint8_t *p, size_t n, size_t *pos);
/* Decode the string token p[0..n) (quotes included, checked by
 * json_scan_value) into out, at most n - 2 bytes: escapes replaced,
 * \u0000 included.  Returns the length. */
size_t json_string_decode(const uint8_t *p, size_t n, uint8_t *out);

#endif
