/* spool.h - mqpub --spool DIR: messages kept on disk until the broker has
 * them, for cron jobs that must not lose a reading while the broker is
 * down.
 *
 * Every run's messages become one entry file, written to a temporary name,
 * fsync'd and renamed (so no entry is ever torn), before anything is sent.
 * The directory is locked (flock) for the whole run, so concurrent runs
 * neither corrupt it nor send a message twice.  Entries are delivered
 * oldest first; an entry is removed once all its messages are delivered,
 * and rewritten with what is left when only some were.
 */
#ifndef MQ_SPOOL_H
#define MQ_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"

typedef struct spool_msg {
	mq_bytes topic, payload;
	uint8_t qos;
	bool retain;
	bool done;             /* delivered (or refused): not to be kept */
} spool_msg;

typedef struct spool_entry {
	char name[32];         /* "00000000000000000042.msg" */
	uint8_t *data;         /* the file's bytes; messages point into it */
	size_t first, count;   /* its messages: msgs[first .. first+count) */
} spool_entry;

typedef struct spool {
	char *dir;
	int dir_fd, lock_fd;
	spool_entry *entries;
	size_t nentries;
	spool_msg *msgs;
	size_t nmsgs;
	size_t bytes;          /* payload + topic bytes held */
	uint64_t next_seq;
	size_t max_msgs, max_bytes;
	char err[320];
} spool;

/* Create (0700) and lock DIR, waiting for another run's lock until
 * deadline_ms (mq_now_ms clock; 0 = wait as long as it takes), then load
 * every entry.  A damaged entry is set aside as NAME.bad with a warning.
 * Returns 0 or -1 with s->err set. */
int spool_open(spool *s, const char *dir, size_t max_msgs, size_t max_bytes,
	       uint64_t deadline_ms);
/* Store msgs[0..n) as one new entry, durably, and add them to the list.
 * Returns 0, or -1 with s->err set ("spool full ..." when over a limit). */
int spool_add(spool *s, const spool_msg *msgs, size_t n);
/* Remove delivered messages from disk: entries all done are deleted,
 * partly done ones rewritten with the rest.  Returns how many messages
 * remain queued, or -1 with s->err set. */
long spool_settle(spool *s);
/* Unlock and free; safe on a zeroed spool. */
void spool_close(spool *s);

#endif
