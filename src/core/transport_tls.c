/* transport_tls.c - TLS through mbedTLS (2.28) behind the transport vtable.
 *
 * mbedTLS is seen only here, in transport_tls_error.c (what a failure
 * means, in words) and transport_tls_resume.c.  mq_tls_connect() reuses
 * mq_tcp_connect() for the socket, then runs the client handshake over the
 * non-blocking fd with our own send/recv callbacks and a poll() loop bounded
 * by the same deadline.  Every connect builds a fresh set of contexts, so
 * verification and the host name check are redone on every reconnect.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_internal.h>   /* handshake->resume */
#include <mbedtls/version.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/x509_crt.h>

#include "errors.h"
#include "transport_tls_internal.h"
#include "transport_tls_resume.h"

bool mq_tls_has_13(void)
{
#if defined(MBEDTLS_SSL_PROTO_TLS1_3_EXPERIMENTAL)
	return true;
#else
	return false;
#endif
}

static long long monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------ life cycle */

/* init cannot fail; impl_free is safe after it. */
static void impl_init(struct tls_impl *m)
{
	memset(m, 0, sizeof *m);
	m->fd = -1;
	mbedtls_ctr_drbg_init(&m->drbg);
	mbedtls_ssl_config_init(&m->conf);
	mbedtls_ssl_init(&m->ssl);
	mbedtls_x509_crt_init(&m->ca);
	mbedtls_x509_crt_init(&m->cert);
	mbedtls_pk_init(&m->key);
}

static void impl_free(struct tls_impl *m)
{
	mbedtls_ssl_free(&m->ssl);
	mbedtls_ssl_config_free(&m->conf);
	mbedtls_x509_crt_free(&m->ca);
	mbedtls_x509_crt_free(&m->cert);
	mbedtls_pk_free(&m->key);
	mbedtls_ctr_drbg_free(&m->drbg);
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}

/* ------------------------------------------------------------ BIO */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct tls_impl *m = ctx;
	for (;;) {
		ssize_t n = send(m->fd, buf, len, MSG_NOSIGNAL);
		if (n >= 0)
			return (int)n;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return MBEDTLS_ERR_SSL_WANT_WRITE;
		m->sys_errno = errno;
		return errno == EPIPE || errno == ECONNRESET
			? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_SEND_FAILED;
	}
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct tls_impl *m = ctx;
	for (;;) {
		ssize_t n = recv(m->fd, buf, len, 0);
		if (n >= 0)
			return (int)n;   /* 0: mbedTLS reports MBEDTLS_ERR_SSL_CONN_EOF */
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return MBEDTLS_ERR_SSL_WANT_READ;
		m->sys_errno = errno;
		return errno == ECONNRESET
			? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
	}
}

/* ------------------------------------------------------------ vtable */

/* Map an mbedTLS I/O result after the handshake to the vtable's codes. */
static ssize_t io_error(mq_transport *t, struct tls_impl *m, int r)
{
	switch (r) {
	case MBEDTLS_ERR_SSL_WANT_READ:
	case MBEDTLS_ERR_SSL_WANT_WRITE:
		return -MQ_E_WOULD_BLOCK;
	case 0:
	case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
	case MBEDTLS_ERR_SSL_CONN_EOF:
		return -MQ_E_CLOSED;
	case MBEDTLS_ERR_NET_CONN_RESET:
	case MBEDTLS_ERR_NET_RECV_FAILED:
	case MBEDTLS_ERR_NET_SEND_FAILED:
		snprintf(t->err, sizeof t->err, "%s",
			 strerror(m->sys_errno ? m->sys_errno : EIO));
		return -MQ_E_IO;
	default:
		tls_fail_mbed(t, "TLS", r);
		return -MQ_E_TLS;
	}
}

/* Fill buf with everything mbedTLS can give without blocking: records
 * already decrypted (mbedtls_ssl_get_bytes_avail) and whole records the
 * socket holds.  An error met after some data is returned on the next call. */
static ssize_t tls_read(mq_transport *t, void *buf, size_t len)
{
	struct tls_impl *m = t->impl;
	if (!m)
		return -MQ_E_CLOSED;
	if (m->read_error) {
		int r = m->read_error;
		m->read_error = 0;
		return io_error(t, m, r);
	}
	size_t got = 0;
	while (got < len) {
		int r = mbedtls_ssl_read(&m->ssl, (unsigned char *)buf + got, len - got);
		if (r > 0) {
			got += (size_t)r;
			continue;
		}
		if (got == 0)
			return io_error(t, m, r);
		if (r != MBEDTLS_ERR_SSL_WANT_READ && r != MBEDTLS_ERR_SSL_WANT_WRITE)
			m->read_error = r == 0 ? MBEDTLS_ERR_SSL_CONN_EOF : r;
		break;
	}
	return (ssize_t)got;
}

/* mbedTLS wants a write that returned WANT_WRITE retried with the same
 * bytes; the session's output only grows at the end, so resend the same
 * length and report it written once it went out. */
static ssize_t tls_write(mq_transport *t, const void *buf, size_t len)
{
	struct tls_impl *m = t->impl;
	if (!m)
		return -MQ_E_CLOSED;
	if (m->write_pending) {
		if (len < m->write_pending) {
			snprintf(t->err, sizeof t->err,
				 "TLS write retried with less data than before");
			return -MQ_E_IO;
		}
		len = m->write_pending;
	}
	int r = mbedtls_ssl_write(&m->ssl, buf, len);
	if (r >= 0) {
		m->write_pending = 0;
		return r;
	}
	if (r == MBEDTLS_ERR_SSL_WANT_WRITE || r == MBEDTLS_ERR_SSL_WANT_READ) {
		size_t max = (size_t)mbedtls_ssl_get_max_out_record_payload(&m->ssl);
		m->write_pending = len < max ? len : max;
		return -MQ_E_WOULD_BLOCK;
	}
	if (r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
		return -MQ_E_CLOSED;
	return io_error(t, m, r);
}

static int tls_poll_events(mq_transport *t, int want_write)
{
	struct tls_impl *m = t->impl;
	int ev = POLLIN;
	if (want_write || (m && (m->write_pending || m->ssl.out_left)))
		ev |= POLLOUT;
	return ev;
}

/* Best-effort close_notify (one non-blocking try), then free it all. */
static void tls_close(mq_transport *t)
{
	struct tls_impl *m = t->impl;
	if (m) {
		mbedtls_ssl_close_notify(&m->ssl);
		impl_free(m);
		free(m);
	}
	t->impl = NULL;
	t->fd = -1;
}

static const mq_transport_ops tls_ops = {
	.read = tls_read,
	.write = tls_write,
	.poll_events = tls_poll_events,
	.close = tls_close,
};

/* ------------------------------------------------------------ setup */

/* errno-based reason a file cannot be opened, or NULL when it can. */
static const char *unreadable(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return strerror(errno);
	fclose(f);
	return NULL;
}

static int load_ca(mq_transport *t, struct tls_impl *m, const mq_tls_config *cfg)
{
	char what[300];
	if (cfg->capath) {
		int r = mbedtls_x509_crt_parse_path(&m->ca, cfg->capath);
		if (r < 0 || m->ca.version == 0) {
			snprintf(what, sizeof what, "cannot read CA directory '%s'", cfg->capath);
			if (r >= 0)
				r = MBEDTLS_ERR_X509_FILE_IO_ERROR;
			return tls_fail_mbed(t, what, r);
		}
		return 0;
	}
	const char *file = cfg->cafile ? cfg->cafile : MQ_TLS_DEFAULT_CAFILE;
	const char *why = unreadable(file);
	if (why) {
		snprintf(t->err, sizeof t->err, "cannot read CA file '%s': %s%s", file, why,
			 cfg->cafile ? "" : " (give --cafile or --capath)");
		return -MQ_E_TLS;
	}
	/* > 0: some certificates in a bundle did not parse; the rest count. */
	int r = mbedtls_x509_crt_parse_file(&m->ca, file);
	if (r < 0 || m->ca.version == 0) {
		snprintf(what, sizeof what, "cannot read CA file '%s'", file);
		return tls_fail_mbed(t, what, r < 0 ? r : MBEDTLS_ERR_X509_INVALID_FORMAT);
	}
	return 0;
}

static int load_client_cert(mq_transport *t, struct tls_impl *m, const mq_tls_config *cfg)
{
	char what[300];
	const char *why = unreadable(cfg->certfile);
	if (why) {
		snprintf(t->err, sizeof t->err, "cannot read certificate '%s': %s",
			 cfg->certfile, why);
		return -MQ_E_TLS;
	}
	int r = mbedtls_x509_crt_parse_file(&m->cert, cfg->certfile);
	if (r != 0) {
		snprintf(what, sizeof what, "cannot read certificate '%s'", cfg->certfile);
		return tls_fail_mbed(t, what, r < 0 ? r : MBEDTLS_ERR_X509_INVALID_FORMAT);
	}
	why = unreadable(cfg->keyfile);
	if (why) {
		snprintf(t->err, sizeof t->err, "cannot read key '%s': %s", cfg->keyfile, why);
		return -MQ_E_TLS;
	}
	r = mbedtls_pk_parse_keyfile(&m->key, cfg->keyfile, cfg->key_password);
	if (r == MBEDTLS_ERR_PK_PASSWORD_MISMATCH) {
		snprintf(t->err, sizeof t->err, "cannot read key '%s': wrong password?", cfg->keyfile);
		return -MQ_E_TLS;
	}
	if (r == MBEDTLS_ERR_PK_PASSWORD_REQUIRED) {
		snprintf(t->err, sizeof t->err,
			 "cannot read key '%s': it is encrypted (give --key-password-file)",
			 cfg->keyfile);
		return -MQ_E_TLS;
	}
	if (r != 0) {
		snprintf(what, sizeof what, "cannot read key '%s'", cfg->keyfile);
		return tls_fail_mbed(t, what, r);
	}
	if (mbedtls_pk_check_pair(&m->cert.pk, &m->key) != 0) {
		snprintf(t->err, sizeof t->err, "key '%s' does not match certificate '%s'",
			 cfg->keyfile, cfg->certfile);
		return -MQ_E_TLS;
	}
	r = mbedtls_ssl_conf_own_cert(&m->conf, &m->cert, &m->key);
	return r ? tls_fail_mbed(t, "cannot use the client certificate", r) : 0;
}

static int is_psk_suite(int id)
{
	const mbedtls_ssl_ciphersuite_t *cs = mbedtls_ssl_ciphersuite_from_id(id);
	if (!cs)
		return 0;
	/* RSA-PSK would need the broker's certificate: not offered. */
	return cs->key_exchange == MBEDTLS_KEY_EXCHANGE_PSK ||
	       cs->key_exchange == MBEDTLS_KEY_EXCHANGE_DHE_PSK ||
	       cs->key_exchange == MBEDTLS_KEY_EXCHANGE_ECDHE_PSK;
}

/* --ciphers: names to ids; with --psk only PSK suites are allowed. */
static int parse_suites(mq_transport *t, struct tls_impl *m, const char *list, int psk)
{
	size_t n = 0;
	const char *p = list;
	while (*p) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char name[128];
		if (len > 0) {
			if (len >= sizeof name)
				len = sizeof name - 1;
			memcpy(name, p, len);
			name[len] = '\0';
			int id = mbedtls_ssl_get_ciphersuite_id(name);
			if (id == 0) {
				snprintf(t->err, sizeof t->err,
					 "unknown cipher suite '%s' (mbedTLS names, e.g. "
					 "TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256)", name);
				return -MQ_E_TLS;
			}
			if (psk && !is_psk_suite(id)) {
				snprintf(t->err, sizeof t->err,
					 "cipher suite '%s' is not a PSK suite (--psk given)", name);
				return -MQ_E_TLS;
			}
			if (n >= MAX_SUITES) {
				snprintf(t->err, sizeof t->err, "too many cipher suites (at most %d)",
					 MAX_SUITES);
				return -MQ_E_TLS;
			}
			m->suites[n++] = id;
		}
		p += len + (end ? 1 : 0);
		if (!end)
			break;
	}
	if (n == 0) {
		snprintf(t->err, sizeof t->err, "--ciphers names no cipher suite");
		return -MQ_E_TLS;
	}
	m->suites[n] = 0;
	mbedtls_ssl_conf_ciphersuites(&m->conf, m->suites);
	return 0;
}

/* Only the PSK suites of the library's default list. */
static void psk_suites(struct tls_impl *m)
{
	size_t n = 0;
	for (const int *id = mbedtls_ssl_list_ciphersuites(); *id && n < MAX_SUITES; id++)
		if (is_psk_suite(*id))
			m->suites[n++] = *id;
	m->suites[n] = 0;
	mbedtls_ssl_conf_ciphersuites(&m->conf, m->suites);
}

static int setup_psk(mq_transport *t, struct tls_impl *m, const mq_tls_config *cfg)
{
	int r = mbedtls_ssl_conf_psk(&m->conf, cfg->psk, cfg->psk_len,
				     (const unsigned char *)cfg->psk_identity,
				     strlen(cfg->psk_identity));
	if (r)
		return tls_fail_mbed(t, "cannot use the PSK", r);
	if (!cfg->ciphers)
		psk_suites(m);
	return 0;
}

static int setup_version(mq_transport *t, struct tls_impl *m, int version)
{
	int min = MBEDTLS_SSL_MINOR_VERSION_3, max = MBEDTLS_SSL_MINOR_VERSION_3;
	if (version == 13) {
#if defined(MBEDTLS_SSL_PROTO_TLS1_3_EXPERIMENTAL)
		min = max = MBEDTLS_SSL_MINOR_VERSION_4;
#else
		snprintf(t->err, sizeof t->err,
			 "TLS 1.3 is not supported by the linked mbedTLS");
		return -MQ_E_TLS;
#endif
	} else if (version == 0) {
#if defined(MBEDTLS_SSL_PROTO_TLS1_3_EXPERIMENTAL)
		max = MBEDTLS_SSL_MINOR_VERSION_4;
#endif
	}
	mbedtls_ssl_conf_min_version(&m->conf, MBEDTLS_SSL_MAJOR_VERSION_3, min);
	mbedtls_ssl_conf_max_version(&m->conf, MBEDTLS_SSL_MAJOR_VERSION_3, max);
	return 0;
}

/* Does the certificate carry an iPAddress subjectAltName equal to m->ip?
 * (mbedTLS 2.28 checks only DNS names and the CN.) */
static int san_has_ip(const struct tls_impl *m, const mbedtls_x509_crt *crt)
{
	for (const mbedtls_x509_sequence *s = &crt->subject_alt_names; s; s = s->next) {
		if (s->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) &&
		    s->buf.len == m->ip_len && s->buf.p &&
		    memcmp(s->buf.p, m->ip, m->ip_len) == 0)
			return 1;
	}
	return 0;
}

static void x509_time_str(char *out, size_t cap, const mbedtls_x509_time *tm)
{
	snprintf(out, cap, "%04d-%02d-%02d %02d:%02d:%02d UTC", tm->year, tm->mon,
		 tm->day, tm->hour, tm->min, tm->sec);
}

/* Called for each certificate of the chain, the broker's own last. */
static int verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	struct tls_impl *m = ctx;
	if (depth != 0)
		return 0;
	if (m->name_is_ip && (*flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) && san_has_ip(m, crt))
		*flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_CN_MISMATCH;
	struct leaf_info *l = &m->leaf;
	l->seen = 1;
	l->flags = *flags;
	l->self_signed = crt->issuer_raw.len == crt->subject_raw.len &&
		memcmp(crt->issuer_raw.p, crt->subject_raw.p, crt->issuer_raw.len) == 0;
	if (mbedtls_x509_dn_gets(l->issuer, sizeof l->issuer, &crt->issuer) < 0)
		l->issuer[0] = '\0';
	x509_time_str(l->not_after, sizeof l->not_after, &crt->valid_to);
	x509_time_str(l->not_before, sizeof l->not_before, &crt->valid_from);
	return 0;
}

static int setup_verify(mq_transport *t, struct tls_impl *m, const mq_tls_config *cfg)
{
	if (cfg->psk)
		return 0;   /* PSK suites only: there is no certificate to verify */
	if (cfg->insecure) {
		mbedtls_ssl_conf_authmode(&m->conf, MBEDTLS_SSL_VERIFY_NONE);
		return 0;
	}
	int r = load_ca(t, m, cfg);
	if (r < 0)
		return r;
	mbedtls_ssl_conf_authmode(&m->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&m->conf, &m->ca, NULL);
	mbedtls_ssl_conf_verify(&m->conf, verify_cb, m);
	return 0;
}

static int setup_alpn(mq_transport *t, struct tls_impl *m, const mq_tls_config *cfg)
{
	size_t n = 0;
	while (n < MQ_TLS_MAX_ALPN && cfg->alpn[n]) {
		m->alpn[n] = cfg->alpn[n];
		n++;
	}
	m->alpn[n] = NULL;
	if (n == 0)
		return 0;
	int r = mbedtls_ssl_conf_alpn_protocols(&m->conf, m->alpn);
	return r ? tls_fail_mbed(t, "cannot use --alpn", r) : 0;
}

/* The DRBG's seed comes from the kernel's CSPRNG alone: an
 * mbedtls_entropy_context would also run HAVEGE (on in Debian's build),
 * over a million instructions per context for nothing the kernel lacks. */
static int os_entropy(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;   /* getentropy: at most 256 bytes; the DRBG asks for 48 */
	return len <= 256 && getentropy(buf, len) == 0 ? 0 : MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
}

/* The configuration: RNG, version, verification, credentials, suites. */
static int setup_conf(mq_transport *t, struct tls_impl *m, const mq_tls_config *cfg)
{
	static const char pers[] = "mqtt-client";
	int r = mbedtls_ctr_drbg_seed(&m->drbg, os_entropy, NULL,
				      (const unsigned char *)pers, sizeof pers - 1);
	if (r)
		return tls_fail_mbed(t, "cannot seed the random generator", r);
	r = mbedtls_ssl_config_defaults(&m->conf, MBEDTLS_SSL_IS_CLIENT,
					MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
	if (r)
		return tls_fail_mbed(t, "cannot set up TLS", r);
	mbedtls_ssl_conf_rng(&m->conf, mbedtls_ctr_drbg_random, &m->drbg);
	if ((r = setup_version(t, m, cfg->version)) < 0 ||
	    (r = setup_verify(t, m, cfg)) < 0)
		return r;
	if (cfg->certfile && (r = load_client_cert(t, m, cfg)) < 0)
		return r;
	if (cfg->psk && (r = setup_psk(t, m, cfg)) < 0)
		return r;
	if (cfg->ciphers && (r = parse_suites(t, m, cfg->ciphers, cfg->psk != NULL)) < 0)
		return r;
	return setup_alpn(t, m, cfg);
}

int mq_tls_check(const mq_tls_config *cfg, char *err, size_t errlen)
{
	mq_transport t;
	memset(&t, 0, sizeof t);
	struct tls_impl *m = malloc(sizeof *m);
	if (!m) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -MQ_E_NOMEM;
	}
	impl_init(m);
	int rc = 0;
	if (!cfg->psk && !cfg->insecure && (cfg->cafile || cfg->capath))
		rc = load_ca(&t, m, cfg);
	if (rc == 0 && cfg->certfile)
		rc = load_client_cert(&t, m, cfg);
	if (rc == 0 && cfg->ciphers)
		rc = parse_suites(&t, m, cfg->ciphers, cfg->psk != NULL);
	impl_free(m);
	free(m);
	if (rc < 0)
		snprintf(err, errlen, "%s", t.err);
	return rc;
}

/* The SSL context: the name to check and send as SNI, the BIO. */
static int setup_ssl(mq_transport *t, struct tls_impl *m, const mq_endpoint *ep,
		     const mq_tls_config *cfg)
{
	int r = mbedtls_ssl_setup(&m->ssl, &m->conf);
	if (r)
		return tls_fail_mbed(t, "cannot set up TLS", r);
	m->name = cfg->servername ? cfg->servername : ep->host;
	if (inet_pton(AF_INET, m->name, m->ip) == 1) {
		m->name_is_ip = 1;
		m->ip_len = 4;
	} else if (inet_pton(AF_INET6, m->name, m->ip) == 1) {
		m->name_is_ip = 1;
		m->ip_len = 16;
	}
	/* Always: without a hostname mbedTLS 2.28 skips the name check. */
	r = mbedtls_ssl_set_hostname(&m->ssl, m->name);
	if (r)
		return tls_fail_mbed(t, "cannot set the server name", r);
	mbedtls_ssl_set_bio(&m->ssl, m, bio_send, bio_recv, NULL);
	return 0;
}

/* ------------------------------------------------------------ handshake */

static int run_handshake(mq_transport *t, struct tls_impl *m, long long deadline)
{
	for (;;) {
		int r = 0;   /* mbedtls_ssl_handshake(), watching for a resumption */
		while (r == 0 && m->ssl.state != MBEDTLS_SSL_HANDSHAKE_OVER) {
			r = mbedtls_ssl_handshake_step(&m->ssl);
			if (m->ssl.handshake)
				m->resumed = m->ssl.handshake->resume;
		}
		if (r == 0)
			return 0;
		if (r != MBEDTLS_ERR_SSL_WANT_READ && r != MBEDTLS_ERR_SSL_WANT_WRITE)
			return tls_handshake_error(t, m, r);
		long long left = deadline - monotonic_ms();
		struct pollfd pfd = { .fd = m->fd,
			.events = r == MBEDTLS_ERR_SSL_WANT_READ ? POLLIN : POLLOUT };
		int n = left > 0 ? poll(&pfd, 1, (int)left) : 0;
		if (n == 0) {
			snprintf(t->err, sizeof t->err, "handshake timed out");
			return -MQ_E_TIMEOUT;
		}
		if (n < 0) {
			/* EINTR too: as in mq_tcp_connect, a signal asks us to stop */
			snprintf(t->err, sizeof t->err, "%s",
				 errno == EINTR ? "interrupted" : strerror(errno));
			return -MQ_E_CONNECT;
		}
	}
}

/* SHA-256 of the broker key's DER SubjectPublicKeyInfo against --pin-sha256. */
static int check_pins(mq_transport *t, struct tls_impl *m, const mq_tls_config *cfg)
{
	if (cfg->pin_count == 0)
		return 0;
	const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&m->ssl);
	if (!peer) {
		snprintf(t->err, sizeof t->err, "the broker sent no certificate to check the pin against");
		return -MQ_E_TLS;
	}
	unsigned char der[SPKI_MAX], digest[32];
	/* mbedtls_pk_write_pubkey_der writes at the END of the buffer. */
	int len = mbedtls_pk_write_pubkey_der((mbedtls_pk_context *)&peer->pk, der, sizeof der);
	if (len <= 0)
		return tls_fail_mbed(t, "cannot encode the broker's public key", len);
	if (mbedtls_sha256_ret(der + sizeof der - len, (size_t)len, digest, 0) != 0) {
		snprintf(t->err, sizeof t->err, "cannot hash the broker's public key");
		return -MQ_E_TLS;
	}
	for (size_t i = 0; i < cfg->pin_count; i++)
		if (memcmp(digest, cfg->pins[i], sizeof digest) == 0)
			return 0;
	snprintf(t->err, sizeof t->err, "public key does not match any --pin-sha256");
	return -MQ_E_TLS;
}

static void describe(mq_transport *t, struct tls_impl *m, const mq_tls_config *cfg,
		     const char *note)
{
	const char *alpn = mbedtls_ssl_get_alpn_protocol(&m->ssl);
	snprintf(t->info, sizeof t->info, "TLS %s %s%s%s%s%s", mbedtls_ssl_get_version(&m->ssl),
		 mbedtls_ssl_get_ciphersuite(&m->ssl), alpn ? " ALPN " : "", alpn ? alpn : "",
		 cfg->insecure && !cfg->psk ? " (not verified: --insecure)" : "", note);
}

int mq_tls_connect(mq_transport *t, const mq_endpoint *ep,
		   const mq_tls_config *cfg, int timeout_ms)
{
	long long deadline = monotonic_ms() + timeout_ms;
	int rc = mq_tcp_connect(t, ep, timeout_ms);
	if (rc < 0)
		return rc;
	struct tls_impl *m = malloc(sizeof *m);
	if (!m) {
		mq_transport_close(t);
		snprintf(t->err, sizeof t->err, "%s", strerror(ENOMEM));
		return -MQ_E_NOMEM;
	}
	impl_init(m);
	m->fd = t->fd;
	m->cfg = cfg;
	t->impl = m;
	t->ops = &tls_ops;
	static mq_tls_resume res;   /* large; one connect at a time */
	char note[200];
	if ((rc = setup_conf(t, m, cfg)) == 0 && (rc = setup_ssl(t, m, ep, cfg)) == 0)
		mq_tls_resume_begin(&res, &m->ssl, cfg, ep, m->name, &m->ca, &m->cert);
	if (rc < 0 || (rc = run_handshake(t, m, deadline)) < 0 ||
	    (rc = check_pins(t, m, cfg)) < 0) {
		impl_free(m);   /* no close_notify: the peer is not one we talk to */
		free(m);
		t->impl = NULL;
		t->ops = NULL;
		t->fd = -1;
		return rc;
	}
	mq_tls_resume_end(&res, &m->ssl, cfg, m->resumed, note, sizeof note);
	describe(t, m, cfg, note);
	return 0;
}

const char *mq_tls_library(void)
{
	return "mbed TLS " MBEDTLS_VERSION_STRING;
}

const char *mq_tls_versions(void)
{
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
	return "1.2, 1.3";
#else
	return "1.2";
#endif
}
