/* store.h - the client's session state on disk (--state-dir): in-flight
 * QoS 1/2 messages and inbound QoS 2 ids awaiting PUBREL, so that a
 * process killed and restarted with the same client id resumes exactly.
 *
 * The client saves a snapshot (temporary file, fsync, rename, fsync of the
 * directory) whenever the session's state changed and before it writes
 * the packets that depend on that state. */
#ifndef MQ_STORE_H
#define MQ_STORE_H

#include <stddef.h>

#include "session.h"

/* Write the session's durable state to path.  Returns 0 or -MQ_E_STORE with
 * err set. */
int mq_store_save(const char *path, const mq_session *s, char *err, size_t errlen);
/* Keep other processes off the state file at path while the returned fd
 * stays open (an flock on "<path>.lock").  Returns the fd,
 * -MQ_E_WOULD_BLOCK while another process holds it, or -MQ_E_STORE with
 * err set. */
int mq_store_lock(const char *path, char *err, size_t errlen);
/* Restore a saved state into a session that has not connected yet.  A
 * missing file is an empty state.  Returns the number of messages put
 * back in flight, or -MQ_E_STORE / -MQ_E_MALFORMED with err set. */
int mq_store_load(const char *path, mq_session *s, char *err, size_t errlen);

#endif
