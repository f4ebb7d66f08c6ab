/* fuzz_tls_session.c - the --tls-resume session file on arbitrary bytes:
 * our header parser (tls_session.c) and then, as at run time, mbedTLS's
 * own session loader on the blob it accepted.  Nothing may read outside
 * the input, and what decodes must re-encode to the same bytes.
 * fuzz-sources:
 * fuzz-libs: -l:libmbedtls.a -l:libmbedx509.a -l:libmbedcrypto.a */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ssl.h>

#include "tls_session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t again[MQ_TLS_SESSION_MAX];
	mq_tls_session_file f;
	const char *why = NULL;
	if (mq_tls_session_decode(data, size, &f, &why) < 0) {
		if (!why)
			abort();
		return 0;
	}
	if (f.blob < data || f.blob + f.blob_len != data + size)
		abort();
	long n = mq_tls_session_encode(again, sizeof again, &f);
	if (n != (long)size || memcmp(again, data, size) != 0)
		abort();
	uint8_t params[32] = { 0 };
	(void)mq_tls_session_usable(&f, params, 1800000000u);
	mbedtls_ssl_session s;
	mbedtls_ssl_session_init(&s);
	(void)mbedtls_ssl_session_load(&s, f.blob, f.blob_len);
	mbedtls_ssl_session_free(&s);
	return 0;
}
