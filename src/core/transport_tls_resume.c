/* transport_tls_resume.c - --tls-resume on the mbedTLS side: which file,
 * which parameters, offering the saved session and saving a new one.
 * TLS 1.2 only: mbedTLS 2.28 has no TLS 1.3 client. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "tls_session.h"
#include "transport_tls_resume.h"

/* A length-prefixed field, so that ("ab","c") and ("a","bc") differ. */
static void feed(mbedtls_sha256_context *h, const void *p, size_t n)
{
	unsigned char len[4] = { (unsigned char)(n >> 24), (unsigned char)(n >> 16),
				 (unsigned char)(n >> 8), (unsigned char)n };
	mbedtls_sha256_update_ret(h, len, sizeof len);
	if (n)
		mbedtls_sha256_update_ret(h, p, n);
}

static void feed_str(mbedtls_sha256_context *h, const char *s)
{
	feed(h, s ? s : "", s ? strlen(s) + 1 : 0);   /* NULL differs from "" */
}

static void feed_chain(mbedtls_sha256_context *h, const mbedtls_x509_crt *c)
{
	for (; c && c->raw.len; c = c->next)
		feed(h, c->raw.p, c->raw.len);
	feed(h, NULL, 0);
}

/* The file: one per broker (host, port, the name verified). */
static void broker_key(unsigned char key[32], const mq_endpoint *ep, const char *name)
{
	mbedtls_sha256_context h;
	mbedtls_sha256_init(&h);
	mbedtls_sha256_starts_ret(&h, 0);
	feed_str(&h, "mq tls-resume broker 1");
	feed_str(&h, ep->host);
	feed_str(&h, ep->port);
	feed_str(&h, name);
	mbedtls_sha256_finish_ret(&h, key);
	mbedtls_sha256_free(&h);
}

/* Everything a session's trust rests on: a change means a full handshake. */
static void params_hash(unsigned char out[32], const unsigned char key[32],
			const mq_tls_config *cfg, const mbedtls_x509_crt *ca,
			const mbedtls_x509_crt *cert)
{
	mbedtls_sha256_context h;
	mbedtls_sha256_init(&h);
	mbedtls_sha256_starts_ret(&h, 0);
	feed_str(&h, "mq tls-resume params 1");
	feed(&h, key, 32);
	feed_str(&h, cfg->insecure ? "insecure" : "verify");
	feed_chain(&h, cfg->insecure ? NULL : ca);
	feed(&h, cfg->pins, cfg->pin_count * sizeof cfg->pins[0]);
	feed_chain(&h, cfg->certfile ? cert : NULL);
	unsigned char v = (unsigned char)cfg->version;
	feed(&h, &v, 1);
	feed_str(&h, cfg->ciphers);
	for (size_t i = 0; cfg->alpn[i]; i++)
		feed_str(&h, cfg->alpn[i]);
	mbedtls_sha256_finish_ret(&h, out);
	mbedtls_sha256_free(&h);
}

static void warn(const mq_tls_config *cfg, const char *path, const char *what)
{
	char msg[4600];
	if (!cfg->warn)
		return;
	snprintf(msg, sizeof msg, "TLS session file '%s' %s", path, what);
	cfg->warn(msg);
}

/* Read, check and load the saved session into sess.  Returns 0 or -1
 * with r->why set. */
static int load(mq_tls_resume *r, const mq_tls_config *cfg, mbedtls_ssl_session *sess)
{
	static uint8_t buf[MQ_TLS_SESSION_MAX + 1];
	char why[200], what[300];
	long n = mq_tls_session_read(r->path, buf, sizeof buf, why, sizeof why);
	mq_tls_session_file f;
	const char *bad = NULL;
	if (n == 0) {
		snprintf(r->why, sizeof r->why, "no saved session");
		return -1;
	}
	if (n < 0) {
		snprintf(what, sizeof what, "refused: %s (full TLS handshake)", why);
		warn(cfg, r->path, what);
		snprintf(r->why, sizeof r->why, "session file refused: %.120s", why);
		return -1;
	}
	int rc = mq_tls_session_decode(buf, (size_t)n, &f, &bad) < 0 ? -1
		: mbedtls_ssl_session_load(sess, f.blob, f.blob_len);
	if (rc == MBEDTLS_ERR_SSL_VERSION_MISMATCH) {   /* mbedTLS was upgraded */
		snprintf(r->why, sizeof r->why, "saved session is from another mbedTLS build");
		return -1;
	}
	if (rc != 0) {
		bad = bad ? bad : "bad session";
		snprintf(what, sizeof what, "is corrupt (%s): replaced after a full handshake", bad);
		warn(cfg, r->path, what);
		snprintf(r->why, sizeof r->why, "session file corrupt: %.120s", bad);
		return -1;
	}
	if ((bad = mq_tls_session_usable(&f, r->params, (uint64_t)time(NULL))) != NULL) {
		snprintf(r->why, sizeof r->why, "saved session %.120s", bad);
		return -1;
	}
	return 0;
}

void mq_tls_resume_begin(mq_tls_resume *r, struct mbedtls_ssl_context *ssl,
			 const mq_tls_config *cfg, const mq_endpoint *ep, const char *name,
			 const struct mbedtls_x509_crt *ca, const struct mbedtls_x509_crt *cert)
{
	unsigned char key[32];
	r->path[0] = r->why[0] = '\0';
	if (!cfg->resume || !cfg->session_dir || cfg->psk)
		return;
	broker_key(key, ep, name);
	if (mq_tls_session_path(r->path, sizeof r->path, cfg->session_dir, key) < 0) {
		r->path[0] = '\0';
		return;
	}
	params_hash(r->params, key, cfg, ca, cert);
	mbedtls_ssl_session sess;
	mbedtls_ssl_session_init(&sess);
	if (load(r, cfg, &sess) == 0 && mbedtls_ssl_set_session(ssl, &sess) != 0)
		snprintf(r->why, sizeof r->why, "cannot offer the saved session");
	mbedtls_ssl_session_free(&sess);
}

/* Save the session just negotiated. */
static void save(mq_tls_resume *r, struct mbedtls_ssl_context *ssl, const mq_tls_config *cfg)
{
	static uint8_t blob[MQ_TLS_SESSION_MAX_BLOB], file[MQ_TLS_SESSION_MAX];
	mbedtls_ssl_session sess;
	mbedtls_ssl_session_init(&sess);
	size_t n = 0;
	char why[200], what[300];
	int ok = mbedtls_ssl_get_session(ssl, &sess) == 0 &&
		(sess.id_len > 0 || sess.ticket_len > 0) &&
		mbedtls_ssl_session_save(&sess, blob, sizeof blob, &n) == 0;
	mq_tls_session_file f = { .saved_at = (uint64_t)time(NULL), .blob = blob, .blob_len = n };
	memcpy(f.params, r->params, sizeof f.params);
	f.lifetime = ok && sess.ticket_len ? sess.ticket_lifetime : 0;
	mbedtls_ssl_session_free(&sess);
	if (!ok) {
		snprintf(r->why + strlen(r->why), sizeof r->why - strlen(r->why),
			 "; the broker offers no session to resume");
		return;
	}
	long len = mq_tls_session_encode(file, sizeof file, &f);
	if (len < 0 || mq_tls_session_write(r->path, file, (size_t)len, why, sizeof why) < 0) {
		snprintf(what, sizeof what, "cannot be written: %s", len < 0 ? "too large" : why);
		warn(cfg, r->path, what);
	}
}

void mq_tls_resume_end(mq_tls_resume *r, struct mbedtls_ssl_context *ssl,
		       const mq_tls_config *cfg, int resumed, char *note, size_t cap)
{
	if (!r->path[0]) {
		note[0] = '\0';
		return;
	}
	if (resumed) {
		snprintf(note, cap, ", TLS session resumed");
		return;
	}
	if (!r->why[0])
		snprintf(r->why, sizeof r->why, "the broker did not resume the session");
	save(r, ssl, cfg);
	snprintf(note, cap, ", full TLS handshake (%s)", r->why);
}
