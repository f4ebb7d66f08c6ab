/* options.c - parsing and translating the options both tools share. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec.h"
#include "config.h"
#include "dprop.h"
#include "escape.h"
#include "exitcodes.h"
#include "options.h"
#include "progress.h"
#include "secret.h"
#include "tls_options.h"
#include "url.h"

#define MAX_PASSWORD 65535

static bool quiet_now;

void set_quiet(bool quiet)
{
	quiet_now = quiet;
}

bool quiet_mode(void)
{
	return quiet_now;
}

const char *errorf_where;

void errorf(const char *prog, const char *fmt, ...)
{
	va_list ap;
	char line[4096];
	if (quiet_now)
		return;
	progress_hide();
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	/* what users and brokers gave (topics, ids, paths) may be neither
	 * UTF-8 nor printable: escaped, the message stays one line */
	fprintf(stderr, "%s: ", prog);
	if (errorf_where)
		fprintf(stderr, "%s: ", errorf_where);
	fput_escaped(stderr, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
	fputc('\n', stderr);
}

const char *messages_word(unsigned long long n)
{
	return n == 1 ? "message" : "messages";
}

int parse_number(const char *prog, const char *name, const char *s,
		 unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	if (!s || *s < '0' || *s > '9')
		goto bad;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	errorf(prog, "bad value for %s: '%s' (expected %lu to %lu)", name,
	       s ? s : "", min, max);
	return -1;
}

void common_defaults(common_opts *o, const char *prog, unsigned long tries)
{
	memset(o, 0, sizeof *o);
	o->prog = prog;
	o->host = "localhost";
	o->keepalive = 60;
	o->version = MQ_V5;
	o->reconnect_min = 100;
	o->reconnect_max = 30000;
	o->reconnect_tries = tries;
}

static int parse_qos(common_opts *o, const char *name, const char *arg,
		     uint8_t *out)
{
	unsigned long v;
	if (parse_number(o->prog, name, arg, 0, 2, &v) < 0)
		return -1;
	*out = (uint8_t)v;
	return 0;
}

static int parse_version(common_opts *o, const char *arg)
{
	if (!strcmp(arg, "311") || !strcmp(arg, "mqttv311"))
		o->version = MQ_V311;
	else if (!strcmp(arg, "5") || !strcmp(arg, "mqttv5"))
		o->version = MQ_V5;
	else if (!strcmp(arg, "31") || !strcmp(arg, "mqttv31")) {
		errorf(o->prog, "MQTT 3.1 is not supported (use 311 or 5)");
		return -1;
	} else {
		errorf(o->prog, "bad protocol version '%s' (use 311 or 5)", arg);
		return -1;
	}
	o->version_given = true;
	return 0;
}

/* An option that MQTT 3.1.1 cannot carry: with it, a broker without
 * MQTT 5 is an error naming it, not a silent fall back. */
void common_need_v5(common_opts *o, const char *name)
{
	size_t n = strlen(o->needs_v5);
	snprintf(o->needs_v5 + n, sizeof o->needs_v5 - n, "%s%s", n ? ", " : "", name);
}

int common_add_endpoint(common_opts *o, const mq_endpoint *ep)
{
	unsigned long n;
	if (ep->port && parse_number(o->prog, "the port of a broker", ep->port, 1, 65535, &n) < 0)
		return -1;
	if (o->nendpoints >= MAX_ENDPOINTS) {
		errorf(o->prog, "too many brokers (at most %d)", MAX_ENDPOINTS);
		return -1;
	}
	o->endpoints[o->nendpoints++] = *ep;
	return 0;
}

static int add_endpoint(common_opts *o, char *host, char *port)
{
	return common_add_endpoint(o, &(mq_endpoint){ .host = host, .port = port });
}

/* -h host1[:port],host2[:port],... */
static int add_host_list(common_opts *o)
{
	char *list = strdup(o->host), *save = NULL;
	if (!list) {
		errorf(o->prog, "out of memory");
		return -1;
	}
	for (char *item = strtok_r(list, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		char *host, *port;
		const char *why;
		if (mq_hostport_parse(item, &host, &port, &why) < 0) {
			errorf(o->prog, "bad host '%s': %s", item, why);
			return -1;
		}
		if (add_endpoint(o, host, port) < 0)
			return -1;
	}
	if (o->nendpoints == 0) {
		errorf(o->prog, "bad host '%s': no host", o->host);
		return -1;
	}
	return 0;
}

int remember_secret(common_opts *o, char *at, size_t len)
{
	if (o->nsecrets >= MAX_ARGV_SECRETS) {
		errorf(o->prog, "too many passwords and keys on the command line (at most %d)",
		       MAX_ARGV_SECRETS);
		return -1;
	}
	o->secrets[o->nsecrets++] = (argv_secret){ at, len };
	return 0;
}

/* -L mqtt://@NAME[/topic]: config_load() chose profile NAME; keep the
 * scheme and the topic. */
static int parse_profile_url(common_opts *o, char *arg)
{
	char *name = config_url_profile(arg), *copy;
	const char *rest = arg + strcspn(arg, "@") + 1 + strlen(name);
	mq_url u;
	const char *why = NULL;
	size_t len = strlen(arg) + 16;
	free(name);
	if (!(copy = malloc(len))) {
		errorf(o->prog, "out of memory");
		return -1;
	}
	snprintf(copy, len, "%.*sprofile%s", (int)strcspn(arg, "@"), arg, rest);
	if (mq_url_parse(copy, &u, &why) < 0) {
		errorf(o->prog, "bad URL '%s': %s", arg, why);
		return -1;
	}
	if (u.tls)
		o->tls.enabled = true;
	if (u.topic)
		o->url_topic = u.topic;
	return 0;
}

static int parse_url_option(common_opts *o, char *arg)
{
	if (!strncmp(arg, "mqtt://@", 8) || !strncmp(arg, "mqtts://@", 9))
		return parse_profile_url(o, arg);
	char *copy = strdup(arg);
	mq_url u;
	const char *why = NULL;
	if (!copy) {
		errorf(o->prog, "out of memory");
		return -1;
	}
	if (mq_url_parse(copy, &u, &why) < 0) {
		errorf(o->prog, "bad URL '%s': %s", arg, why);
		return -1;
	}
	if (u.unix_path)
		return common_add_endpoint(o, &(mq_endpoint){ .host = u.unix_path,
			.port = NULL, .unix_path = u.unix_path });
	if (u.ws) {
		if (u.tls)
			o->tls.enabled = true;
		if (reach_ws_endpoint(o, &u) < 0)
			return -1;
		goto credentials;
	}
	if (u.tls)
		o->tls.enabled = true;
	if (add_endpoint(o, u.host, u.port) < 0)
		return -1;
credentials:
	if (u.user) {
		o->username = u.user;
		o->has_username = true;
	}
	if (u.pass) {
		o->password = u.pass;
		o->has_password = true;
		if (u.pass_len && remember_secret(o, arg + u.pass_at, u.pass_len) < 0)
			return -1;
	}
	if (u.topic)
		o->url_topic = u.topic;
	return 0;
}

int read_first_line(const char *prog, const char *what, const char *path,
		    char **out)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		errorf(prog, "cannot read %s '%s': %s", what, path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, f);
	fclose(f);
	if (n < 0) {
		free(line);
		line = strdup("");
		n = 0;
	}
	if (!line) {
		errorf(prog, "out of memory");
		return -1;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	*out = line;
	return 0;
}

static int read_password_file(common_opts *o, const char *path)
{
	if (read_first_line(o->prog, "password file", path, &o->password) < 0)
		return -1;
	o->has_password = true;
	o->password_command = NULL;
	o->password_stdin = false;
	return 0;
}

/* -P, --password-command, --key-password, and the options config_load()
 * has already seen.  The last password source given wins. */
static int secret_option(common_opts *o, int opt, char *arg)
{
	switch (opt) {
	case 'P':
		o->has_password = true;
		o->password_command = NULL;
		o->password_stdin = !strcmp(arg, "-");
		if (o->password_stdin)
			return 1;
		if (!(o->password = strdup(arg))) {
			errorf(o->prog, "out of memory");
			return -1;
		}
		return remember_secret(o, arg, strlen(arg)) < 0 ? -1 : 1;
	case OPT_PASSWORD_COMMAND:
		o->has_password = true;
		o->password = NULL;
		o->password_stdin = false;
		o->password_command = arg;
		return 1;
	case OPT_KEY_PASSWORD:
		o->tls.enabled = true;
		o->key_password_stdin = !strcmp(arg, "-");
		if (o->key_password_stdin)
			return 1;
		if (!(o->tls.key_password = strdup(arg))) {
			errorf(o->prog, "out of memory");
			return -1;
		}
		return remember_secret(o, arg, strlen(arg)) < 0 ? -1 : 1;
	case OPT_CONFIG: case OPT_NO_CONFIG: case OPT_PROFILE: case OPT_LIST_PROFILES:
		return 1;   /* done by config_load() */
	default:
		return 0;
	}
}

/* Options that take a number. */
static int common_number(common_opts *o, int opt, const char *arg)
{
	switch (opt) {
	case 'p': {
		unsigned long v;
		if (parse_number(o->prog, "--port", arg, 1, 65535, &v) < 0)
			return -1;
		o->port = (char *)arg;
		return 1;
	}
	case 'k':
		return parse_number(o->prog, "--keepalive", arg, 0, 65535, &o->keepalive) < 0 ? -1 : 1;
	case 'x':
		o->session_expiry_set = true;
		if (!strcmp(arg, "-1")) {   /* as mosquitto: never expire */
			o->session_expiry = 4294967295ul;
			return 1;
		}
		return parse_number(o->prog, "--session-expiry", arg, 0, 4294967295ul, &o->session_expiry) < 0 ? -1 : 1;
	case 'W':
		return parse_number(o->prog, "--timeout", arg, 1, 86400u * 365, &o->timeout_s) < 0 ? -1 : 1;
	case 'M':
	case OPT_MAX_INFLIGHT:
		return parse_number(o->prog, "--max-inflight", arg, 1, 65535, &o->max_inflight) < 0 ? -1 : 1;
	case OPT_RECONNECT_MIN:
		return parse_number(o->prog, "--reconnect-min", arg, 1, 3600000, &o->reconnect_min) < 0 ? -1 : 1;
	case OPT_RECONNECT_MAX:
		return parse_number(o->prog, "--reconnect-max", arg, 1, 3600000, &o->reconnect_max) < 0 ? -1 : 1;
	case OPT_RECONNECT_TRIES:
		return parse_number(o->prog, "--reconnect-tries", arg, 0, 1000000000, &o->reconnect_tries) < 0 ? -1 : 1;
	case 'q':
		return parse_qos(o, "--qos", arg, &o->qos) < 0 ? -1 : 1;
	case OPT_WILL_QOS:
		return parse_qos(o, "--will-qos", arg, &o->will_qos) < 0 ? -1 : 1;
	default:
		return 0;
	}
}

int common_option(common_opts *o, int opt, char *arg)
{
	int r = common_number(o, opt, arg);
	if (r == 0)
		r = secret_option(o, opt, arg);
	if (r == 0)
		r = tls_option(&o->tls, o->prog, opt, arg);
	if (r == 0)
		r = connect_option(&o->connect, o->prog, opt, arg);
	if (r == 0)
		r = reach_option(o, opt, arg);
	if (r > 0 && opt == OPT_KEY_PASSWORD_FILE)
		o->key_password_stdin = false;
	if (r > 0 && opt == OPT_PSK && remember_secret(o, arg, strlen(arg)) < 0)
		return -1;
	if (r != 0)
		return r;
	switch (opt) {
	case 'h': o->host = arg; o->host_given = true; break;
	case 'L': return parse_url_option(o, arg) < 0 ? -1 : 1;
	case 'i': o->client_id = arg; break;
	case 'I': o->id_prefix = arg; break;
	case 'V': return parse_version(o, arg) < 0 ? -1 : 1;
	case 'u': o->username = arg; o->has_username = true; break;
	case OPT_PASSWORD_FILE: return read_password_file(o, arg) < 0 ? -1 : 1;
	case 'c': o->no_clean = true; break;
	case 'd': o->debug = true; break;
	case OPT_WILL_TOPIC: o->will_topic = arg; break;
	case OPT_WILL_PAYLOAD: o->will_payload = arg; break;
	case OPT_WILL_RETAIN: o->will_retain = true; break;
	case OPT_NO_RECONNECT: o->no_reconnect = true; break;
	case OPT_STATE_DIR: o->state_dir = arg; break;
	case 'A': o->bind_addr = arg; break;
	case OPT_QUIET: o->quiet = true; break;
	case OPT_NODELAY: break;   /* TCP_NODELAY is always on */
	case OPT_STRICT: o->strict = true; break;
	default: return 0;
	}
	return 1;
}

static int check_strings(common_opts *o)
{
	struct { const char *name, *value; } s[] = {
		{ "client id", o->client_id }, { "user name", o->username },
		{ "will topic", o->will_topic },
	};
	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
		if (s[i].value && mq_utf8_check((const uint8_t *)s[i].value,
						strlen(s[i].value)) < 0) {
			errorf(o->prog, "bad %s '%s': not valid MQTT UTF-8",
			       s[i].name, s[i].value);
			return -1;
		}
	}
	if (o->will_topic && mq_topic_check((const uint8_t *)o->will_topic,
					    strlen(o->will_topic)) < 0) {
		errorf(o->prog, "bad will topic '%s': must be non-empty, without + or #",
		       o->will_topic);
		return -1;
	}
	if (!o->will_topic && (o->will_payload || o->will_qos || o->will_retain)) {
		errorf(o->prog, "--will-payload, --will-qos and --will-retain need --will-topic");
		return -1;
	}
	return 0;
}

int common_finish(common_opts *o)
{
	if (secret_resolve(o) < 0)
		return -1;
	if (tls_finish(&o->tls, o->prog) < 0)
		return -1;
	if (!o->port)
		o->port = o->tls.enabled ? "8883" : "1883";
	if ((o->host_given || o->nendpoints == 0) && add_host_list(o) < 0)
		return -1;
	for (size_t i = 0; i < o->nendpoints; i++) {
		if (!o->endpoints[i].port)
			o->endpoints[i].port = o->port;
		o->endpoints[i].bind_addr = o->bind_addr;
	}
	if (reach_finish(o) < 0)
		return -1;
	if (o->no_clean && (!o->client_id || !*o->client_id)) {
		errorf(o->prog, "-c/--no-clean needs a non-empty client id (-i ID)");
		return -1;
	}
	if (o->client_id && o->id_prefix) {
		errorf(o->prog, "-i and -I cannot be used together");
		return -1;
	}
	if (o->reconnect_min > o->reconnect_max) {
		errorf(o->prog, "--reconnect-min %lu is above --reconnect-max %lu",
		       o->reconnect_min, o->reconnect_max);
		return -1;
	}
	if (o->has_password && !o->has_username && o->version == MQ_V311) {
		errorf(o->prog, "a password needs a user name (-u) in MQTT 3.1.1");
		return -1;
	}
	if (o->session_expiry_set)
		common_need_v5(o, "--session-expiry");
	const char *v5opt = connect_v5_option(&o->connect);
	if (v5opt) {
		char name[48];
		snprintf(name, sizeof name, "--%s", v5opt);
		common_need_v5(o, name);
	}
	if (o->has_password && !o->has_username)
		common_need_v5(o, "a password without a user name");
	if (o->has_password && strlen(o->password) > MAX_PASSWORD) {
		errorf(o->prog, "password longer than 65535 bytes");
		return -1;
	}
	if (check_strings(o) < 0)
		return -1;
	if (connect_finish(&o->connect, o->prog, o->version, o->will_topic,
			   o->will_payload) < 0)
		return -1;
	return common_state_files(o);
}

/* Print the error for getopt's '?' (unknown option) or ':' (missing
 * value), naming the option as the user wrote it. */
static void report_bad_option(const char *prog, char **argv, int opt)
{
	const char *as_written = argv[optind - 1];
	char shortname[3] = { '-', (char)optopt, '\0' };
	bool short_form = optopt > 0 && optopt < 128 && as_written[1] != '-';
	const char *name = short_form ? shortname : as_written;
	if (opt == ':')
		errorf(prog, "option '%s' needs a value (see --help)", name);
	else
		errorf(prog, "unknown option '%s' (see --help)", name);
}

int parse_command_line(common_opts *o, const tool_cli *t, int argc, char **argv)
{
	char shorts[128];
	int opt;
	snprintf(shorts, sizeof shorts, ":%s%s", COMMON_SHORT_OPTIONS, t->short_options);
	int r = config_load(o, t, argc, argv);
	if (r)
		return r;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shorts, t->long_options, NULL)) != -1) {
		if (opt == OPT_HELP) {
			t->usage(stdout);
			return 0 + 1;
		}
		if (opt == OPT_VERSION) {
			print_version(stdout, o->prog);
			return 0 + 1;
		}
		if (opt == 'D')   /* -D COMMAND PROPERTY VALUE... */
			r = dprop_option(o, t, optarg, argc, argv);
		else if ((r = t->option(t->tool, opt, optarg)) == 0)
			r = common_option(o, opt, optarg);
		if (r == 0)
			report_bad_option(o->prog, argv, opt);
		if (r <= 0)
			return EXIT_USAGE + 1;
	}
	if (optind < argc) {
		errorf(o->prog, "unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE + 1;
	}
	return 0;
}

void common_wipe_argv(common_opts *o)
{
	for (size_t i = 0; i < o->nsecrets; i++)
		memset(o->secrets[i].at, '*', o->secrets[i].len);
	o->nsecrets = 0;
}

void common_usage(FILE *f)
{
	fputs(
"Connection:\n"
"  -h, --host HOST[,HOST...]  broker host[:port], others tried in turn on\n"
"                             failure (default localhost)\n"
"  -p, --port PORT            broker port (default 1883)\n"
"  -L, --url URL              mqtt://[user[:pass]@]host[:port][/topic]\n"
"                             (repeatable: brokers tried in turn), or\n"
"                             mqtt://@PROFILE[/topic]: a profile's broker\n"
"  -i, --id ID                client id (default: program name and random hex)\n"
"  -I, --id-prefix PREFIX     client id made of PREFIX and the process id\n"
"  -k, --keepalive SECS       keepalive interval (default 60, 0 = off)\n"
"  -V, --protocol-version V   311 or 5 (default 5, 3.1.1 if the broker\n"
"                             has no MQTT 5)\n"
"  -u, --username USER        user name\n"
"  -P, --pw PASS              password (hidden from ps after parsing); -P -\n"
"                             reads it from stdin, or prompts on a terminal\n"
"      --password-file FILE   read the password from the first line of FILE\n"
"      --password-command CMD the password is the first line CMD prints\n"
"  -c, --no-clean             keep the session on the broker (needs -i)\n"
"  -x, --session-expiry SECS  MQTT 5 session expiry interval (-1: never)\n"
"  -q, --qos QOS              quality of service 0, 1 or 2 (default 0)\n"
"  -W, --timeout SECS         give up after SECS (see the manual)\n"
"      --will-topic TOPIC     will message topic\n"
"      --will-payload MSG     will message payload\n"
"      --will-qos QOS         will message QoS\n"
"      --will-retain          retain the will message\n"
"      --reconnect-min MS     first reconnect delay (default 100)\n"
"      --reconnect-max MS     longest reconnect delay (default 30000)\n"
"      --reconnect-tries N    give up after N failed reconnects (0 = never)\n"
"      --no-reconnect         exit when the connection is lost\n"
"      --state-dir DIR        with -c, keep in-flight messages in DIR across\n"
"                             runs (default $XDG_STATE_HOME/mq)\n"
"  -A, --bind-address ADDR    connect from this local address\n"
"      --nodelay              accepted for mosquitto's scripts: TCP_NODELAY\n"
"                             is always on\n"
"      --quiet                print no runtime errors or notices (the exit\n"
"                             status still tells); usage errors still print\n"
"      --strict               a broker answering QoS 2 with PUBACK is an error\n"
"  -d, --debug                trace packets and state changes on stderr\n"
"      --help                 show this help\n"
"      --version              show the version\n"
"\n"
"Config file ($XDG_CONFIG_HOME/mq/config; see FILES in the manual):\n"
"      --config FILE          read FILE instead\n"
"      --no-config            read no config file\n"
"      --profile NAME         use [profile NAME] (default $MQ_PROFILE)\n"
"      --list-profiles        print the profile names and exit\n"
"\n", f);
	connect_usage(f);
	dprop_usage(f);
	fputc('\n', f);
	reach_usage(f);
	fputc('\n', f);
	tls_usage(f);
	fputs("\n"
"Environment: MQTT_PASSWORD is the password when a user name (-u or in the\n"
"URL) is given without -P, --password-file or --password-command; MQ_PROFILE\n"
"is the profile when --profile is not given.\n"
"Precedence: command line > environment > profile > default section.\n"
"Exit status: 0 ok, 1 network or protocol error, 2 usage error, 3 refused\n"
"by broker, 4 TLS failure, 5 timed out, 6 delivery incomplete, 7 kept in\n"
"mqpub's spool.\n", f);
}

void common_session_config(const common_opts *o, mq_session_config *sc)
{
	memset(sc, 0, sizeof *sc);
	sc->version = o->version;
	sc->client_id = (mq_bytes){ (const uint8_t *)o->client_id, strlen(o->client_id) };
	sc->clean_start = !o->no_clean;
	sc->keepalive = (uint16_t)o->keepalive;
	sc->session_expiry = (uint32_t)o->session_expiry;
	if (o->no_clean && !o->session_expiry_set)
		sc->session_expiry = UINT32_MAX;
	sc->has_username = o->has_username;
	if (o->has_username)
		sc->username = (mq_bytes){ (const uint8_t *)o->username, strlen(o->username) };
	sc->has_password = o->has_password;
	if (o->has_password)
		sc->password = (mq_bytes){ (const uint8_t *)o->password, strlen(o->password) };
	sc->will = o->will_topic != NULL;
	if (sc->will) {
		sc->will_topic = (mq_bytes){ (const uint8_t *)o->will_topic, strlen(o->will_topic) };
		if (o->will_payload)
			sc->will_payload = (mq_bytes){ (const uint8_t *)o->will_payload,
						       strlen(o->will_payload) };
		sc->will_qos = o->will_qos;
		sc->will_retain = o->will_retain;
	}
	/* 3.1.1 has no Receive Maximum: stay within mosquitto's default of
	 * 20 incoming QoS 2 messages, past which it drops the connection. */
	sc->max_inflight = (uint16_t)(o->max_inflight ? o->max_inflight
				      : o->version == MQ_V5 ? 100 : 20);
	sc->max_packet = 0;
	connect_session_config(&o->connect, sc);
	sc->version_fallback = o->version == MQ_V5 && !o->version_given;
	sc->v311_max_inflight = (uint16_t)(o->max_inflight ? 0 : 20);
	sc->strict = o->strict;
}

void common_client_config(const common_opts *o, mq_client_config *cc)
{
	memset(cc, 0, sizeof *cc);
	cc->endpoints = o->endpoints;
	cc->endpoint_count = o->nendpoints;
	cc->tls = &o->tls;
	cc->state_path = o->state_path[0] ? o->state_path : NULL;
	cc->connect_timeout_ms = 10000;
	cc->reconnect_min_ms = (uint32_t)o->reconnect_min;
	cc->reconnect_max_ms = (uint32_t)o->reconnect_max;
	cc->reconnect_tries = (unsigned)o->reconnect_tries;
	cc->reconnect = !o->no_reconnect;
	cc->deadline_ms = o->timeout_s ? mq_now_ms() + o->timeout_s * 1000u : 0;
	cc->stop_fd = -1;
	cc->fixed_client_id = o->client_id != o->client_id_buf;
	cc->needs_v5 = o->needs_v5[0] ? o->needs_v5 : NULL;
}
