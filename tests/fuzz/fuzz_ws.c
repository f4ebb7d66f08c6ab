/* fuzz_ws.c - the WebSocket frame header parser on arbitrary bytes: it
 * must never read past what it was given, and a header it accepts must
 * fit in those bytes and describe a legal frame. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so ASan sees any read past the end */
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	size_t off = 0;
	while (off < size) {
		mq_ws_frame f;
		int n = mq_ws_parse_header(buf + off, size - off, 1u << 20, &f);
		if (n <= 0)
			break;
		if ((size_t)n > size - off || n > MQ_WS_MAX_HEADER - 4)
			abort();
		if (f.opcode >= MQ_WS_CLOSE && (f.length > MQ_WS_MAX_CONTROL || !f.fin))
			abort();
		off += (size_t)n;
		off += f.length < size - off ? (size_t)f.length : size - off;
	}
	free(buf);
	return 0;
}
