/* tls_session.h - the file that keeps a TLS session across runs
 * (--tls-resume): its format, its checks, and reading and writing it
 * safely.  No TLS library here: the session itself is an opaque blob
 * (mbedTLS's mbedtls_ssl_session_save() output) that
 * transport_tls_resume.c produces and consumes.
 *
 * Format, all integers big-endian:
 *   8  magic "MQTLSSES"
 *   1  version (1)
 *   3  zero
 *  32  SHA-256 of the TLS parameters the session was made with
 *   8  saved at, Unix seconds
 *   4  ticket lifetime hint in seconds (0: none given)
 *   4  blob length n (at most MQ_TLS_SESSION_MAX_BLOB)
 *   n  the blob; nothing may follow it
 */
#ifndef MQ_TLS_SESSION_H
#define MQ_TLS_SESSION_H

#include <stddef.h>
#include <stdint.h>

#define MQ_TLS_SESSION_HEADER 60
#define MQ_TLS_SESSION_MAX_BLOB 32768
#define MQ_TLS_SESSION_MAX (MQ_TLS_SESSION_HEADER + MQ_TLS_SESSION_MAX_BLOB)
/* Never resume a session older than this, whatever the ticket says. */
#define MQ_TLS_SESSION_MAX_AGE (24 * 3600)

typedef struct mq_tls_session_file {
	uint8_t params[32];
	uint64_t saved_at;
	uint32_t lifetime;
	const uint8_t *blob;        /* a view into the decoded buffer */
	size_t blob_len;
} mq_tls_session_file;

/* Serialise f into buf[cap].  Returns the bytes written, or -1 when the
 * blob is too large or cap too small. */
long mq_tls_session_encode(uint8_t *buf, size_t cap, const mq_tls_session_file *f);

/* Parse buf[len].  Returns 0, or -1 with *why naming the defect
 * ("truncated", "bad magic", ...).  f->blob points into buf. */
int mq_tls_session_decode(const uint8_t *buf, size_t len, mq_tls_session_file *f,
			  const char **why);

/* May the session in f be offered for params at time now?  NULL if so,
 * else why not ("was made with other TLS parameters", "has expired"). */
const char *mq_tls_session_usable(const mq_tls_session_file *f, const uint8_t params[32],
				  uint64_t now);

/* DIR/<hex of key>.tls into out[cap].  Returns 0, or -1 if it does not fit. */
int mq_tls_session_path(char *out, size_t cap, const char *dir, const uint8_t key[32]);

/* Read the file at path into buf[cap], refusing a symlink, anything but a
 * regular file, a file not owned by us or one that group or others can
 * read or write.  Returns the length read; 0 when there is no file;
 * -1 refused or unreadable, with why[] saying so. */
long mq_tls_session_read(const char *path, uint8_t *buf, size_t cap,
			 char *why, size_t whylen);

/* Write buf[len] to path atomically (PATH.tmp.PID, mode 0600, fsync,
 * rename).  Returns 0, or -1 with why[] naming the cause. */
int mq_tls_session_write(const char *path, const uint8_t *buf, size_t len,
			 char *why, size_t whylen);

#endif
