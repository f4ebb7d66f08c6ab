/* fuzz_json_in.c - mqpub --json's line reader on arbitrary bytes: it
 * must never read past the line, and what it accepts must be sane: a
 * checked topic, a payload and properties inside its own buffer.
 * fuzz-sources: src/cli/json_in.c src/cli/json_scan.c src/cli/json_out.c
 * src/cli/output.c src/cli/escape.c
 * fuzz-libs: -l:libmbedcrypto.a */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_in.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool inside(const json_in *j, mq_bytes b)
{
	return b.len == 0 || (b.ptr >= j->buf && b.ptr + b.len <= j->buf + j->cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_in j;   /* kept across inputs, as across lines */
	uint8_t *line = malloc(size ? size : 1);   /* exact size for ASan */
	if (!line)
		return 0;
	memcpy(line, data, size);
	const char *why;
	size_t column;
	if (json_in_read(&j, line, size, &why, &column) == 0) {
		if (j.topic.len && mq_topic_check(j.topic.ptr, j.topic.len) < 0)
			abort();
		if (!inside(&j, j.topic) || !inside(&j, j.payload) ||
		    !inside(&j, j.props.user) || !inside(&j, j.props.content_type) ||
		    !inside(&j, j.props.correlation_data) || j.qos > 2 || j.retain > 1)
			abort();
		size_t off = 0;
		mq_bytes k, v;
		while (mq_user_prop_next(&j.props, &off, &k, &v) == 1)
			if (mq_utf8_check(k.ptr, k.len) < 0 || mq_utf8_check(v.ptr, v.len) < 0)
				abort();
	} else if (!why || column < 1 || column > size + 1) {
		abort();
	}
	free(line);
	return 0;
}
