/* options.h - options shared by mqpub and mqsub: parsed into a config
 * struct, then translated into core configuration (after curl's tool:
 * parse, translate, run). */
#ifndef MQ_OPTIONS_H
#define MQ_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "client.h"
#include "connect_opts.h"
#include "url.h"

/* Long-only option ids start here, above any short option character. */
enum {
	OPT_HELP = 256, OPT_VERSION, OPT_PASSWORD_FILE, OPT_WILL_TOPIC,
	OPT_WILL_PAYLOAD, OPT_WILL_QOS, OPT_WILL_RETAIN, OPT_MAX_INFLIGHT,
	OPT_RECONNECT_MIN, OPT_RECONNECT_MAX, OPT_RECONNECT_TRIES,
	OPT_NO_RECONNECT, OPT_TLS, OPT_CAFILE, OPT_CAPATH, OPT_INSECURE,
	OPT_CERT, OPT_KEY, OPT_KEY_PASSWORD_FILE, OPT_PSK, OPT_PSK_IDENTITY,
	OPT_TLS_VERSION, OPT_CIPHERS, OPT_ALPN, OPT_PIN_SHA256,
	OPT_TLS_SERVERNAME, OPT_STATE_DIR, OPT_UNIX, OPT_PROXY, OPT_PROXY_FROM_ENV,
	OPT_QUIET, OPT_NODELAY, OPT_WS_PATH, OPT_WS_HEADER, OPT_STRICT,
	OPT_CONFIG, OPT_NO_CONFIG, OPT_PROFILE, OPT_LIST_PROFILES,
	OPT_PASSWORD_COMMAND, OPT_KEY_PASSWORD, OPT_TLS_RESUME,
	/* below 340: connect_opts.h numbers its options from there */
	OPT_TOOL_FIRST = 400   /* ids for a tool's own long-only options */
};

#define MAX_ENDPOINTS 16
#define MAX_WS_HEADERS 32
#define MAX_ARGV_SECRETS 64

/* The exact bytes of argv that hold a secret, found while parsing. */
typedef struct argv_secret {
	char *at;
	size_t len;
} argv_secret;

typedef struct common_opts {
	const char *prog;            /* "mqpub" or "mqsub" */
	char *host, *port;           /* -h (a comma-separated list), -p */
	mq_endpoint endpoints[MAX_ENDPOINTS];   /* -L ones, then -h ones */
	size_t nendpoints;
	char *url_topic;             /* topic part of -L */
	char *client_id, *id_prefix;
	char *username, *password;
	bool has_username, has_password;
	unsigned long keepalive;
	uint8_t version;
	bool version_given;          /* -V: no fall back to 3.1.1 */
	bool strict;                 /* --strict */
	char needs_v5[160];          /* options given that need MQTT 5 */
	bool no_clean;
	unsigned long session_expiry;
	bool session_expiry_set;
	uint8_t qos;
	unsigned long timeout_s;     /* -W; 0 = none */
	char *will_topic, *will_payload;
	uint8_t will_qos;
	bool will_retain;
	unsigned long max_inflight;
	unsigned long reconnect_min, reconnect_max, reconnect_tries;
	bool no_reconnect;
	bool debug, host_given;
	char *state_dir;             /* --state-dir, or the default with -c */
	char state_path[4096];       /* state_dir/<client id>.state, or "" */
	mq_tls_config tls;
	connect_opts connect;        /* MQTT 5 CONNECT and will properties */
	mq_proxy proxy;              /* --proxy, or from the environment */
	bool has_proxy, proxy_from_env;
	const char *bind_addr;       /* -A: connect from this local address */
	mq_ws_config ws[MAX_ENDPOINTS];   /* the ws:// and wss:// brokers' */
	const char *ws_path;         /* --ws-path, for all of them */
	const char *ws_headers[MAX_WS_HEADERS + 1];   /* --ws-header, NULL-ended */
	size_t nws_headers;
	bool quiet;                  /* --quiet: no runtime errors or notices */
	char client_id_buf[64];
	argv_secret secrets[MAX_ARGV_SECRETS];   /* blanked after parsing */
	size_t nsecrets;
	/* config file and password sources (config.c, secret.c) */
	char *password_command;      /* run by secret_resolve() */
	bool password_stdin;         /* -P -: standard input or a prompt */
	bool key_password_stdin;     /* --key-password - */
	bool stdin_busy;             /* mqpub -s/-l read standard input */
	bool in_config;              /* applying the config file */
	struct {                     /* the password the config file gave */
		char *password, *command;
		bool has, from_stdin;
	} cfg;
} common_opts;

#define TLS_LONG_OPTIONS                                                   \
	{ "tls", no_argument, NULL, OPT_TLS },                             \
	{ "cafile", required_argument, NULL, OPT_CAFILE },                 \
	{ "capath", required_argument, NULL, OPT_CAPATH },                 \
	{ "insecure", no_argument, NULL, OPT_INSECURE },                   \
	{ "cert", required_argument, NULL, OPT_CERT },                     \
	{ "key", required_argument, NULL, OPT_KEY },                       \
	{ "key-password-file", required_argument, NULL, OPT_KEY_PASSWORD_FILE }, \
	{ "key-password", required_argument, NULL, OPT_KEY_PASSWORD },     \
	{ "psk", required_argument, NULL, OPT_PSK },                       \
	{ "psk-identity", required_argument, NULL, OPT_PSK_IDENTITY },     \
	{ "tls-version", required_argument, NULL, OPT_TLS_VERSION },       \
	{ "ciphers", required_argument, NULL, OPT_CIPHERS },               \
	{ "alpn", required_argument, NULL, OPT_ALPN },                     \
	{ "pin-sha256", required_argument, NULL, OPT_PIN_SHA256 },         \
	{ "tls-servername", required_argument, NULL, OPT_TLS_SERVERNAME }, \
	{ "tls-alpn", required_argument, NULL, OPT_ALPN },                 \
	{ "tls-use-os-certs", no_argument, NULL, OPT_TLS },                \
	{ "tls-resume", no_argument, NULL, OPT_TLS_RESUME }

/* getopt_long entries and short options shared by both tools; each tool
 * appends its own: { COMMON_LONG_OPTIONS, {"topic", ...}, {0} }. */
#define COMMON_SHORT_OPTIONS "h:p:L:i:I:k:V:u:P:cx:q:W:dM:A:D:"
#define COMMON_LONG_OPTIONS                                                \
	{ "host", required_argument, NULL, 'h' },                          \
	{ "port", required_argument, NULL, 'p' },                          \
	{ "url", required_argument, NULL, 'L' },                           \
	{ "id", required_argument, NULL, 'i' },                            \
	{ "id-prefix", required_argument, NULL, 'I' },                     \
	{ "keepalive", required_argument, NULL, 'k' },                     \
	{ "protocol-version", required_argument, NULL, 'V' },              \
	{ "username", required_argument, NULL, 'u' },                      \
	{ "pw", required_argument, NULL, 'P' },                            \
	{ "password-file", required_argument, NULL, OPT_PASSWORD_FILE },   \
	{ "no-clean", no_argument, NULL, 'c' },                            \
	{ "session-expiry", required_argument, NULL, 'x' },                \
	{ "qos", required_argument, NULL, 'q' },                           \
	{ "timeout", required_argument, NULL, 'W' },                       \
	{ "debug", no_argument, NULL, 'd' },                               \
	{ "will-topic", required_argument, NULL, OPT_WILL_TOPIC },         \
	{ "will-payload", required_argument, NULL, OPT_WILL_PAYLOAD },     \
	{ "will-qos", required_argument, NULL, OPT_WILL_QOS },             \
	{ "will-retain", no_argument, NULL, OPT_WILL_RETAIN },             \
	{ "max-inflight", required_argument, NULL, OPT_MAX_INFLIGHT },     \
	{ "reconnect-min", required_argument, NULL, OPT_RECONNECT_MIN },   \
	{ "reconnect-max", required_argument, NULL, OPT_RECONNECT_MAX },   \
	{ "reconnect-tries", required_argument, NULL, OPT_RECONNECT_TRIES }, \
	{ "no-reconnect", no_argument, NULL, OPT_NO_RECONNECT },           \
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },           \
	{ "bind-address", required_argument, NULL, 'A' },                  \
	{ "quiet", no_argument, NULL, OPT_QUIET },                         \
	{ "nodelay", no_argument, NULL, OPT_NODELAY },                     \
	{ "unix", required_argument, NULL, OPT_UNIX },                     \
	{ "proxy", required_argument, NULL, OPT_PROXY },                   \
	{ "proxy-from-env", no_argument, NULL, OPT_PROXY_FROM_ENV },       \
	{ "ws-path", required_argument, NULL, OPT_WS_PATH },               \
	{ "ws-header", required_argument, NULL, OPT_WS_HEADER },           \
	{ "strict", no_argument, NULL, OPT_STRICT },                       \
	{ "password-command", required_argument, NULL, OPT_PASSWORD_COMMAND }, \
	{ "config", required_argument, NULL, OPT_CONFIG },                 \
	{ "no-config", no_argument, NULL, OPT_NO_CONFIG },                 \
	{ "profile", required_argument, NULL, OPT_PROFILE },               \
	{ "list-profiles", no_argument, NULL, OPT_LIST_PROFILES },         \
	{ "property", required_argument, NULL, 'D' },  /* dprop.h */       \
	TLS_LONG_OPTIONS,                                                  \
	CONNECT_LONG_OPTIONS,                                              \
	{ "help", no_argument, NULL, OPT_HELP },                           \
	{ "version", no_argument, NULL, OPT_VERSION }

void common_defaults(common_opts *o, const char *prog, unsigned long tries);
/* Handle one option common to both tools.  Returns 1 when handled, 0 when
 * the option is not a common one, or -1 after printing a usage error. */
int common_option(common_opts *o, int opt, char *arg);
/* Checks after parsing (needs -i for -c, password sources, ...).  Returns
 * 0 or -1 after printing the error. */
int common_finish(common_opts *o);
/* Note an option given that needs MQTT 5 (a tool's own ones too). */
void common_need_v5(common_opts *o, const char *name);
/* state_files.c: the client id when none was given, the -c state file
 * path, --tls-resume's directory.  Returns 0 or -1 after saying why. */
int common_state_files(common_opts *o);
/* How a tool plugs its own options into parse_command_line(). */
typedef struct tool_cli {
	const char *short_options;           /* the tool's, after the common */
	const struct option *long_options;   /* the whole table */
	/* 1 handled, 0 not the tool's, -1 after printing an error */
	int (*option)(void *tool, int opt, char *arg);
	void *tool;
	void (*usage)(FILE *f);
} tool_cli;

/* getopt_long over argv: --help, --version, the tool's options, then the
 * common ones; unknown options and stray arguments are usage errors.
 * Returns 0 to go on, or the exit code + 1 (so 1 means exit 0). */
int parse_command_line(common_opts *o, const tool_cli *t, int argc, char **argv);
/* Overwrite the argv bytes that held a secret (-P, --pw, --psk,
 * --key-password, the password of an -L URL) so ps(1) does not show them.  Only those bytes:
 * every value was copied or used while parsing, and other values (a -m
 * payload, a topic) still point into argv. */
void common_wipe_argv(common_opts *o);
/* --version: the tool and its version on the first line, then the
 * protocol versions, the TLS library and the build's features. */
void print_version(FILE *f, const char *prog);
/* The common part of --help. */
void common_usage(FILE *f);

/* The first line of a file, without its line ending, malloc'd into
 * *out.  Returns 0 or -1 after printing "prog: cannot read WHAT 'path'". */
int read_first_line(const char *prog, const char *what, const char *path,
		    char **out);

/* Parse a decimal in [min, max].  Returns 0 or -1 after printing
 * "prog: bad value for NAME: 'S'". */
int parse_number(const char *prog, const char *name, const char *s,
		 unsigned long min, unsigned long max, unsigned long *out);

/* One broker of the failover list (-h, -L, --unix); port may be NULL
 * (the default).  Returns 0 or -1 after printing the error. */
int common_add_endpoint(common_opts *o, const mq_endpoint *ep);
/* Note argv bytes that hold a secret, to blank once parsing is over. */
int remember_secret(common_opts *o, char *at, size_t len);

/* reach.c: --unix, --proxy, --proxy-from-env.  reach_option() returns 1
 * handled, 0 not one of them, -1 after printing an error;
 * reach_finish() puts the proxy on the brokers, 0 or -1. */
int reach_option(common_opts *o, int opt, char *arg);
/* A ws:// or wss:// URL as one more broker. */
int reach_ws_endpoint(common_opts *o, const mq_url *u);
int reach_finish(common_opts *o);
void reach_usage(FILE *f);

/* Translate into core configuration. */
void common_session_config(const common_opts *o, mq_session_config *sc);
void common_client_config(const common_opts *o, mq_client_config *cc);

/* "message" for 1, "messages" otherwise: "1 of 1 message". */
const char *messages_word(unsigned long long n);

/* --quiet: from now on errorf() and notices print nothing (the exit
 * status still says what happened). */
void set_quiet(bool quiet);
bool quiet_mode(void);

/* Print "prog: fmt..." on stderr; "prog: WHERE: fmt..." while
 * errorf_where is set (the config file's "FILE:LINE: key"). */
extern const char *errorf_where;
void errorf(const char *prog, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
