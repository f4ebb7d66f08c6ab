/* input.h - what mqpub reads: a whole file or stream as one message, or
 * a stream split into lines without blocking the loop. */
#ifndef MQ_INPUT_H
#define MQ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest payload a PUBLISH can carry (remaining length limit less
 * the smallest header), the cap for every input buffer. */
#define MAX_PAYLOAD (268435455u - 2u - 65535u - 2u)

/* Read fd to EOF into a malloc'd buffer (binary-safe).  Returns 0, or -1
 * with errno set (EFBIG when larger than max). */
int read_whole_fd(int fd, size_t max, uint8_t **out, size_t *len);

/* The -f / -s payload (input_file.c): a regular file mapped, not
 * copied (and known as file fd at off, for sendfile), else read once. */
typedef struct whole_input {
	uint8_t *ptr;        /* the payload */
	size_t len;
	void *map;           /* the mapping, or NULL: ptr is malloc'd */
	size_t map_len;
	bool in_file;        /* ptr[0..len) is file fd at off */
	int fd;
	uint64_t off;
} whole_input;

/* Load fd's rest (fd must stay open while the payload is used).  A file
 * cut short while mapped ends the process with "PROG: cannot read 'NAME':
 * it shrank while being sent" (exit 2).  Returns 0, or -1 with errno
 * (EFBIG when larger than max). */
int whole_input_load(whole_input *w, int fd, size_t max, const char *prog,
		     const char *name);
/* Safe on a zeroed or freed one. */
void whole_input_free(whole_input *w);

typedef struct linereader {
	int fd;
	uint8_t *buf;
	size_t cap, start, end;
	size_t scanned;        /* bytes after start known to hold no '\n' */
	bool eof;
	int error;             /* errno of a failed read, 0 if none */
} linereader;

void linereader_init(linereader *lr, int fd);
void linereader_free(linereader *lr);
/* Read once (the fd is readable).  Returns 0 or -1 (error, EFBIG for a
 * line longer than MAX_PAYLOAD). */
int linereader_fill(linereader *lr);
/* Next whole line without its '\n' (the last one may lack it at EOF).
 * Returns 1 with *line and *len set, or 0 when more input is needed or the
 * input is finished (see linereader_done). */
int linereader_next(linereader *lr, const uint8_t **line, size_t *len);
/* EOF reached and every line taken. */
bool linereader_done(const linereader *lr);

/* --topic-lines: split "TOPIC<sep>PAYLOAD" at the first sep (sep_len >= 1)
 * and check the topic.  Returns 0, or -1 with *why saying what is wrong. */
int split_topic_line(const uint8_t *line, size_t len, const char *sep,
		     size_t sep_len, const uint8_t **topic, size_t *topic_len,
		     const uint8_t **payload, size_t *payload_len,
		     const char **why);

#endif
