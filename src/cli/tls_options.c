/* tls_options.c - parse --tls, --cafile, --psk, --pin-sha256 ... */
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "tls_options.h"
#include "url.h"

#define MAX_PSK 64

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Decode standard or URL-safe base64 (padding optional) into out[cap].
 * Returns the byte count or -1. */
static long base64_decode(const char *s, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;
	for (; *s && *s != '='; s++) {
		int v = b64val(*s);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= cap)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	while (*s == '=')
		s++;
	return *s ? -1 : (long)n;
}

static int parse_psk(mq_tls_config *t, const char *prog, const char *arg)
{
	static uint8_t psk[MAX_PSK];
	size_t len = strlen(arg);
	if (len == 0 || len % 2 || len / 2 > MAX_PSK)
		goto bad;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = hex_digit_value(arg[2 * i]), lo = hex_digit_value(arg[2 * i + 1]);
		if (hi < 0 || lo < 0)
			goto bad;
		psk[i] = (uint8_t)(hi * 16 + lo);
	}
	t->psk = psk;
	t->psk_len = len / 2;
	return 1;
bad:
	errorf(prog, "bad --psk: expected 2 to %d hex digits, an even number", 2 * MAX_PSK);
	return -1;
}

static int parse_pin(mq_tls_config *t, const char *prog, const char *arg)
{
	uint8_t digest[33];
	if (t->pin_count >= MQ_TLS_MAX_PINS) {
		errorf(prog, "too many --pin-sha256 (at most %d)", MQ_TLS_MAX_PINS);
		return -1;
	}
	if (base64_decode(arg, digest, sizeof digest) != 32) {
		errorf(prog, "bad --pin-sha256 '%s': expected the base64 of a SHA-256 digest", arg);
		return -1;
	}
	memcpy(t->pins[t->pin_count++], digest, 32);
	return 1;
}

static int parse_tls_version(mq_tls_config *t, const char *prog, const char *arg)
{
	if (!strcmp(arg, "1.2") || !strcmp(arg, "tlsv1.2"))
		t->version = 12;
	else if (!strcmp(arg, "1.3") || !strcmp(arg, "tlsv1.3"))
		t->version = 13;
	else {
		errorf(prog, "bad --tls-version '%s' (use 1.2 or 1.3)", arg);
		return -1;
	}
	return 1;
}

static int add_alpn(mq_tls_config *t, const char *prog, const char *arg)
{
	size_t n = 0;
	while (t->alpn[n])
		n++;
	if (n >= MQ_TLS_MAX_ALPN || !*arg || strlen(arg) > 255) {
		errorf(prog, "bad --alpn '%s' (1 to 255 bytes, at most %d)", arg,
		       MQ_TLS_MAX_ALPN);
		return -1;
	}
	t->alpn[n] = arg;
	return 1;
}

/* Options that only set a value. */
static int tls_simple(mq_tls_config *t, int opt, char *arg)
{
	switch (opt) {
	case OPT_TLS: break;
	case OPT_CAFILE: t->cafile = arg; break;
	case OPT_CAPATH: t->capath = arg; break;
	case OPT_INSECURE: t->insecure = true; break;
	case OPT_CERT: t->certfile = arg; break;
	case OPT_KEY: t->keyfile = arg; break;
	case OPT_PSK_IDENTITY: t->psk_identity = arg; break;
	case OPT_CIPHERS: t->ciphers = arg; break;
	case OPT_TLS_SERVERNAME: t->servername = arg; break;
	case OPT_TLS_RESUME: t->resume = true; break;
	default: return 0;
	}
	return 1;
}

int tls_option(mq_tls_config *t, const char *prog, int opt, char *arg)
{
	int r = tls_simple(t, opt, arg);
	if (r == 0) {
		switch (opt) {
		case OPT_PSK: r = parse_psk(t, prog, arg); break;
		case OPT_PIN_SHA256: r = parse_pin(t, prog, arg); break;
		case OPT_TLS_VERSION: r = parse_tls_version(t, prog, arg); break;
		case OPT_ALPN: r = add_alpn(t, prog, arg); break;
		case OPT_KEY_PASSWORD_FILE: {
			char *pw;
			r = read_first_line(prog, "key password file", arg, &pw) < 0 ? -1 : 1;
			if (r == 1)
				t->key_password = pw;
			break;
		}
		default: return 0;
		}
	}
	if (r == 1)
		t->enabled = true;   /* any TLS option turns TLS on */
	return r;
}

static const char *warn_prog;

static void resume_warn(const char *msg)
{
	fprintf(stderr, "%s: warning: %s\n", warn_prog, msg);
}

int tls_finish(mq_tls_config *t, const char *prog)
{
	if (!t->enabled)
		return 0;
	warn_prog = prog;
	t->warn = resume_warn;
	if (t->resume && t->psk)
		fprintf(stderr, "%s: warning: --tls-resume is not used with --psk\n", prog);
	if (!t->certfile != !t->keyfile) {
		errorf(prog, "--cert and --key go together");
		return -1;
	}
	if (!t->psk != !t->psk_identity) {
		errorf(prog, "--psk and --psk-identity go together");
		return -1;
	}
	if (t->psk && (t->certfile || t->cafile || t->capath || t->pin_count)) {
		errorf(prog, "--psk cannot be combined with certificate options");
		return -1;
	}
	if (t->cafile && t->capath) {
		errorf(prog, "give --cafile or --capath, not both");
		return -1;
	}
	if (t->version == 13 && !mq_tls_has_13()) {
		errorf(prog, "--tls-version 1.3: the linked mbedTLS has no TLS 1.3 support");
		return -1;
	}
	char err[sizeof ((mq_transport *)0)->err];
	if (mq_tls_check(t, err, sizeof err) < 0) {
		errorf(prog, "%s", err);
		return -1;
	}
	if (t->insecure)
		fprintf(stderr, "%s: warning: --insecure: the broker's certificate is not verified%s\n",
			prog, t->pin_count ? " (only the --pin-sha256 is checked)" : "");
	return 0;
}

void tls_usage(FILE *f)
{
	fputs(
"TLS (any of these turns TLS on; the port then defaults to 8883):\n"
"      --tls                  connect with TLS, verifying the broker\n"
"      --cafile FILE          trust the CA certificates in FILE (PEM)\n"
"      --capath DIR           trust the CA certificates in DIR\n"
"      --insecure             do not verify the broker (warns every time)\n"
"      --cert FILE            client certificate (PEM)\n"
"      --key FILE             client private key (PEM)\n"
"      --key-password-file FILE  password of an encrypted --key\n"
"      --key-password PASS    the same given directly; - reads stdin or prompts\n"
"      --psk HEX              pre-shared key, in hex\n"
"      --psk-identity ID      identity for --psk\n"
"      --tls-version V        1.2 (or 1.3 where supported)\n"
"      --ciphers LIST         colon-separated cipher suites to offer\n"
"      --alpn PROTO           offer PROTO in ALPN (repeatable)\n"
"      --tls-alpn PROTO       the same as --alpn (mosquitto's name)\n"
"      --tls-use-os-certs     the same as --tls: the system CAs are the\n"
"                             default (mosquitto's name)\n"
"      --pin-sha256 BASE64    accept only this broker public key (repeatable)\n"
"      --tls-servername NAME  verify and send NAME instead of the host\n"
"      --tls-resume           keep the TLS 1.2 session in the state directory\n"
"                             and resume it next run (a shorter handshake)\n", f);
}
