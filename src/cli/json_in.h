/* json_in.h - mqpub --json: one input line, an object in the schema
 * mqsub --json writes (mqsub(1), JSON OUTPUT), read into a message.
 * Strings are decoded and payloads copied into buffers the reader keeps
 * from line to line, so a steady stream allocates nothing. */
#ifndef MQ_JSON_IN_H
#define MQ_JSON_IN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"

typedef struct json_in {
	uint8_t *buf;              /* decoded strings, payload, user properties */
	size_t cap;
	/* the last line read */
	mq_bytes topic, payload;   /* topic.len 0: none given */
	int qos, retain;           /* -1: not given */
	bool has_time;
	int64_t time_ms;           /* "time", milliseconds since the epoch */
	bool has_props;            /* a "properties" object was given */
	mq_props props;            /* what it held (user: encoded) */
	bool has_user;             /* it held "user_properties" */
} json_in;

void json_in_free(json_in *j);
/* Read one line.  Returns 0, or -1 with *why saying what is wrong and
 * *column (1 = the first byte) where. */
int json_in_read(json_in *j, const uint8_t *line, size_t len,
		 const char **why, size_t *column);
/* "2026-12-04T09:30:00.125Z" (fraction optional, UTC only) to
 * milliseconds since the epoch.  Returns 0 or -1. */
int json_in_time(const uint8_t *s, size_t n, int64_t *ms);

#endif
