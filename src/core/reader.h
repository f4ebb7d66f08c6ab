/* reader.h - feed bytes in, take whole MQTT packets out (after hiredis).
 *
 * Knows nothing about sockets.  The buffer grows only when a packet larger
 * than any seen before arrives, and never beyond max_packet (+ header), so
 * a 256 MB remaining length is refused from its header alone.
 */
#ifndef MQ_READER_H
#define MQ_READER_H

#include "codec.h"

typedef struct mq_reader {
	uint8_t *buf;
	size_t cap;          /* allocated bytes */
	size_t start, end;   /* unread bytes are buf[start..end) */
	uint32_t max_packet; /* largest frame accepted, header included */
	uint8_t version;     /* decode packets as this protocol level */
} mq_reader;

/* Cannot fail; allocates nothing until the first mq_reader_space(). */
void mq_reader_init(mq_reader *r, uint8_t version, uint32_t max_packet);
/* Safe on a zeroed or freed reader. */
void mq_reader_free(mq_reader *r);
/* Drop buffered bytes (after a connection is lost). */
void mq_reader_reset(mq_reader *r);

/* Where to put new bytes: returns a pointer and sets *avail (> 0), growing
 * the buffer when the pending frame needs it.  NULL with *avail == 0 means
 * out of memory. */
uint8_t *mq_reader_space(mq_reader *r, size_t *avail);
/* n bytes were written at the pointer mq_reader_space() returned. */
void mq_reader_commit(mq_reader *r, size_t n);
/* Copy bytes in (tests, fuzzers).  Returns 0 or -MQ_E_NOMEM. */
int mq_reader_feed(mq_reader *r, const uint8_t *data, size_t len);

/* Take the next whole packet: 1 with *out filled (its views are valid
 * until the next call to any mq_reader function), 0 when more bytes are
 * needed, or -MQ_E_* when the stream is malformed (the connection must
 * then be dropped). */
int mq_reader_next(mq_reader *r, mq_packet *out);
/* After mq_reader_next() failed: the type of the packet it could not
 * decode (0 when nothing is buffered). */
uint8_t mq_reader_failed_type(const mq_reader *r);

/* Is the buffered frame a 3.1.1 CONNACK refusing the protocol version
 * (20 02 00 01, MQTT 3.1.1 §3.2.2.3 return code 1)?  A 5.0 decoder
 * rejects it as malformed: this is how a 3.1.1-only broker answers a 5.0
 * CONNECT. */
bool mq_reader_v311_refusal(const mq_reader *r);

#endif
