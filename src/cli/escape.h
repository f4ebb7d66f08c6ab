/* escape.h - text from users and brokers echoed on a terminal: valid
 * UTF-8 passes, every other byte and every control character is written
 * as \xHH, so a message stays one readable line. */
#ifndef MQ_ESCAPE_H
#define MQ_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* Length of the well-formed UTF-8 sequence (RFC 3629) at p, or 0. */
size_t utf8_sequence(const unsigned char *p, size_t n);
/* Encode code point cp (below 0x110000, not a surrogate) as UTF-8 into
 * b[0..4); returns the length. */
size_t utf8_put(unsigned char *b, long cp);
/* Write s[0..n) to f, escaped. */
void fput_escaped(FILE *f, const char *s, size_t n);

#endif
