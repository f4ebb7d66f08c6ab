/* transport_tls_error.c - a failed TLS handshake in words a user can act
 * on: why the certificate was not accepted, which alert the broker sent
 * and its likely cause, or that the port does not speak TLS. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>

#include "errors.h"
#include "tls_alert.h"
#include "transport_tls_internal.h"

/* Copy "what: mbedTLS's own words" into t->err. */
int tls_fail_mbed(mq_transport *t, const char *what, int ret)
{
	char buf[160];
	mbedtls_strerror(ret, buf, sizeof buf);
	/* "what: buf", truncated to fit */
	size_t cap = sizeof t->err - 1, n = strnlen(what, cap);
	memcpy(t->err, what, n);
	const char *parts[2] = { ": ", buf };
	for (int i = 0; i < 2; i++) {
		size_t k = strnlen(parts[i], cap - n);
		memcpy(t->err + n, parts[i], k);
		n += k;
	}
	t->err[n] = '\0';
	return -MQ_E_TLS;
}

static void append(char *buf, size_t cap, const char *s)
{
	size_t n = strlen(buf);
	if (n < cap)
		snprintf(buf + n, cap - n, "%s%s", n ? "; " : "", s);
}

/* Certificate verification failed: say why in words a user can act on. */
static int verify_error(mq_transport *t, struct tls_impl *m)
{
	uint32_t f = mbedtls_ssl_get_verify_result(&m->ssl);
	const struct leaf_info *l = &m->leaf;
	char msg[sizeof t->err] = "", part[200];
	if (f & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
		if (l->seen && l->self_signed && (l->flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED))
			append(msg, sizeof msg, "self-signed certificate not trusted");
		else if (l->seen && l->issuer[0]) {
			snprintf(part, sizeof part,
				 "unknown CA (certificate not trusted), issuer '%s'", l->issuer);
			append(msg, sizeof msg, part);
		} else
			append(msg, sizeof msg, "unknown CA (certificate not trusted)");
	}
	if (f & MBEDTLS_X509_BADCERT_EXPIRED) {
		snprintf(part, sizeof part, "certificate has expired%s%s%s",
			 l->seen ? " (valid until " : "", l->seen ? l->not_after : "",
			 l->seen ? ")" : "");
		append(msg, sizeof msg, part);
	}
	if (f & MBEDTLS_X509_BADCERT_FUTURE) {
		snprintf(part, sizeof part, "certificate is not yet valid%s%s%s",
			 l->seen ? " (valid from " : "", l->seen ? l->not_before : "",
			 l->seen ? ")" : "");
		append(msg, sizeof msg, part);
	}
	if (f & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
		snprintf(part, sizeof part, "name '%s' does not match the certificate", m->name);
		append(msg, sizeof msg, part);
	}
	uint32_t known = MBEDTLS_X509_BADCERT_NOT_TRUSTED | MBEDTLS_X509_BADCERT_EXPIRED |
		MBEDTLS_X509_BADCERT_FUTURE | MBEDTLS_X509_BADCERT_CN_MISMATCH;
	if (f & ~known) {
		char info[256];
		if (mbedtls_x509_crt_verify_info(info, sizeof info, "", f & ~known) < 0)
			info[0] = '\0';
		for (char *p = info; *p; p++)
			if (*p == '\n')
				*p = p[1] ? ',' : '\0';
		snprintf(part, sizeof part, "certificate verification failed: %.160s", info);
		append(msg, sizeof msg, part);
	}
	if (!msg[0])
		append(msg, sizeof msg, "certificate verification failed");
	snprintf(t->err, sizeof t->err, "%s", msg);
	return -MQ_E_TLS;
}

/* The socket failed mid-handshake: did the broker leave a plaintext fatal
 * alert unread (it often sends one, then closes before we stop writing)?
 * Returns the alert description or -1. */
static int unread_alert(const struct tls_impl *m)
{
	unsigned char b[7];
	ssize_t n = recv(m->fd, b, sizeof b, MSG_PEEK | MSG_DONTWAIT);
	if (n == (ssize_t)sizeof b && b[0] == MBEDTLS_SSL_MSG_ALERT && b[1] == 3 &&
	    b[3] == 0 && b[4] == 2 && b[5] == MBEDTLS_SSL_ALERT_LEVEL_FATAL)
		return b[6];
	return -1;
}

/* The broker sent fatal alert a: name it, and guess the likely cause. */
static int alert_error(mq_transport *t, struct tls_impl *m, int a)
{
	const char *hint = "";
	const mq_tls_config *cfg = m->cfg;
	if (cfg->psk && (a == 20 || a == 51 || a == 115))
		hint = " (wrong --psk or --psk-identity?)";
	else if (!cfg->psk && !cfg->certfile && (a == 40 || a == 116))
		hint = " (does the broker require a client certificate? give --cert and --key)";
	else if (cfg->certfile && (a == 42 || a == 46 || a == 48))
		hint = " (the broker does not accept the client certificate)";
	else if (a == 40 || a == 70)
		hint = " (no TLS version or cipher suite in common?)";
	snprintf(t->err, sizeof t->err, "handshake failed: the broker sent alert '%s' (%d)%s",
		 mq_tls_alert_name(a), a, hint);
	return -MQ_E_TLS;
}

int tls_handshake_error(mq_transport *t, struct tls_impl *m, int r)
{
	char buf[160];
	int alert;
	switch (r) {
	case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
		return verify_error(t, m);
	case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
		return alert_error(t, m, m->ssl.in_msg ? m->ssl.in_msg[1] : -1);
	case MBEDTLS_ERR_SSL_CONN_EOF:
		snprintf(t->err, sizeof t->err,
			 "handshake failed: the broker closed the connection (is this a TLS port?)");
		return -MQ_E_TLS;
	case MBEDTLS_ERR_NET_CONN_RESET:
	case MBEDTLS_ERR_NET_RECV_FAILED:
	case MBEDTLS_ERR_NET_SEND_FAILED:
		if ((alert = unread_alert(m)) >= 0)
			return alert_error(t, m, alert);
		snprintf(t->err, sizeof t->err, "handshake failed: %s%s",
			 strerror(m->sys_errno ? m->sys_errno : EIO),
			 r == MBEDTLS_ERR_NET_CONN_RESET ? " (is this a TLS port?)" : "");
		return -MQ_E_TLS;
	case MBEDTLS_ERR_SSL_INVALID_RECORD:
	case MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO:
	case MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE:
		mbedtls_strerror(r, buf, sizeof buf);
		snprintf(t->err, sizeof t->err, "handshake failed: %s (is this a TLS port?)", buf);
		return -MQ_E_TLS;
	default:
		return tls_fail_mbed(t, "handshake failed", r);
	}
}
