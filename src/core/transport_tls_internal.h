/* transport_tls_internal.h - what transport_tls.c shares with
 * transport_tls_error.c: the TLS connection's mbedTLS state. */
#ifndef MQ_TRANSPORT_TLS_INTERNAL_H
#define MQ_TRANSPORT_TLS_INTERNAL_H

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "transport_tls.h"

#define MAX_SUITES 128
#define SPKI_MAX 4096           /* DER SubjectPublicKeyInfo of any sane key */

/* What the verify callback saw of the broker's certificate (depth 0). */
struct leaf_info {
	int seen;
	int self_signed;
	uint32_t flags;
	char issuer[128];
	char not_after[32], not_before[32];
};

struct tls_impl {
	mbedtls_ctr_drbg_context drbg;
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
	mbedtls_x509_crt ca;
	mbedtls_x509_crt cert;
	mbedtls_pk_context key;
	int fd;
	int sys_errno;               /* errno behind the last BIO failure */
	size_t write_pending;        /* length of a write that got WANT_WRITE */
	int read_error;              /* an error held back behind returned data */
	int resumed;                 /* the broker accepted the saved session */
	const char *name;            /* the name verified and sent as SNI */
	int name_is_ip;
	unsigned char ip[16];
	size_t ip_len;
	const mq_tls_config *cfg;
	struct leaf_info leaf;
	int suites[MAX_SUITES + 1];
	const char *alpn[MQ_TLS_MAX_ALPN + 1];
};

/* Copy "what: mbedTLS's own words" into t->err.  Returns -MQ_E_TLS. */
int tls_fail_mbed(mq_transport *t, const char *what, int ret);
/* The handshake failed with mbedTLS error r: say why, in words a user can
 * act on (the certificate, the broker's alert, not a TLS port).  Returns
 * -MQ_E_TLS. */
int tls_handshake_error(mq_transport *t, struct tls_impl *m, int r);

#endif
