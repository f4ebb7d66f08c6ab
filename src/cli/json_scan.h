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

#endif
