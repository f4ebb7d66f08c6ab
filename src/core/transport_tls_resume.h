/* transport_tls_resume.h - --tls-resume: offer the TLS session saved by
 * an earlier run, save the new one after a full handshake.  The file
 * format and its checks are in tls_session.c; this is the mbedTLS side. */
#ifndef MQ_TRANSPORT_TLS_RESUME_H
#define MQ_TRANSPORT_TLS_RESUME_H

#include "transport_tls.h"

struct mbedtls_ssl_context;
struct mbedtls_x509_crt;

typedef struct mq_tls_resume {
	char path[4200];             /* "" when resumption is off */
	unsigned char params[32];    /* SHA-256 of this run's TLS parameters */
	char why[160];               /* why there is no resumption, for -d */
} mq_tls_resume;

/* Before the handshake: name the file for this broker, hash this run's
 * parameters (the CA set and client certificate as loaded), and offer
 * the saved session if it is ours, intact, for the same parameters and
 * not expired; cfg->warn hears about a refused or corrupt file.  Never
 * fails the connection. */
void mq_tls_resume_begin(mq_tls_resume *r, struct mbedtls_ssl_context *ssl,
			 const mq_tls_config *cfg, const mq_endpoint *ep, const char *name,
			 const struct mbedtls_x509_crt *ca, const struct mbedtls_x509_crt *cert);

/* After a verified handshake: save the session after a full one, and
 * write "TLS session resumed" or "full TLS handshake (why)" to note. */
void mq_tls_resume_end(mq_tls_resume *r, struct mbedtls_ssl_context *ssl,
		       const mq_tls_config *cfg, int resumed, char *note, size_t cap);

#endif
