/* transport_tls.h - TLS through mbedTLS behind the transport vtable.
 * transport_tls.c is the only file that includes mbedtls headers. */
#ifndef MQ_TRANSPORT_TLS_H
#define MQ_TRANSPORT_TLS_H

#include <stdbool.h>
#include <stdint.h>

#include "transport.h"

#define MQ_TLS_MAX_PINS 8
#define MQ_TLS_MAX_ALPN 8
#define MQ_TLS_DEFAULT_CAFILE "/etc/ssl/certs/ca-certificates.crt"

typedef struct mq_tls_config {
	bool enabled;
	const char *cafile;          /* NULL: capath, or the system bundle */
	const char *capath;
	bool insecure;               /* skip verification (warned about) */
	const char *certfile, *keyfile;
	const char *key_password;    /* for an encrypted key, or NULL */
	const uint8_t *psk;          /* pre-shared key bytes, or NULL */
	size_t psk_len;
	const char *psk_identity;
	const char *servername;      /* name to verify and send as SNI;
	                                NULL: the host connected to */
	int version;                 /* 0: 1.2 or newer; 12: 1.2 only; 13 */
	const char *ciphers;         /* colon-separated suite names, or NULL */
	const char *alpn[MQ_TLS_MAX_ALPN + 1];   /* NULL-terminated */
	uint8_t pins[MQ_TLS_MAX_PINS][32];       /* SHA-256 of the broker's
	                                            SubjectPublicKeyInfo DER */
	size_t pin_count;
	bool resume;                 /* --tls-resume: keep the session across runs */
	const char *session_dir;     /* ... in this directory (NULL: not kept) */
	void (*warn)(const char *msg);   /* a refused or corrupt session file */
} mq_tls_config;

/* TCP connect, then a full TLS handshake with verification (certificate
 * chain, the name always checked, pins), all within timeout_ms.  Returns 0
 * or -MQ_E_TLS (t->err: "certificate has expired", "name 'x' does not
 * match the certificate", ...), or the TCP errors of mq_tcp_connect().
 * On success t->info names the TLS version and cipher suite. */
int mq_tls_connect(mq_transport *t, const mq_endpoint *ep,
		   const mq_tls_config *cfg, int timeout_ms);

/* What can be checked before connecting, so that a bad option is not
 * mistaken for a broker that cannot be reached: the --cafile/--capath
 * given (not the system bundle: loading it twice would slow every
 * start), the client certificate and key, the cipher suite names.
 * Returns 0, or -MQ_E_TLS with err naming the problem. */
int mq_tls_check(const mq_tls_config *cfg, char *err, size_t errlen);

/* The TLS library linked in, "mbed TLS 2.28.3", and the TLS versions it
 * offers, "1.2" (for --version). */
const char *mq_tls_library(void);
const char *mq_tls_versions(void);

/* Is TLS 1.3 available in the linked mbedTLS? */
bool mq_tls_has_13(void);

#endif
