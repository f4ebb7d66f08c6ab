/* mqpub.c - publish one message, a file, stdin, or stdin line by line:
 * parse, translate, run. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitcodes.h"
#include "input.h"
#include "options.h"
#include "run.h"

enum pub_mode { MODE_NONE, MODE_MESSAGE, MODE_FILE, MODE_STDIN, MODE_LINES, MODE_NULL };

typedef struct pub_opts {
	common_opts c;
	char *topic;
	char *message, *file;
	enum pub_mode mode;
	int mode_count;
	bool retain;
} pub_opts;

typedef struct pub_app {
	tool_base base;              /* first: the shared callbacks use it */
	const pub_opts *o;
	mq_message msg;              /* topic, qos, retain; payload per message */
	uint8_t *whole;              /* -f / -s payload */
	size_t whole_len;
	bool single_sent;
	linereader lines;
	bool lines_need_input;
	unsigned long long published, acked, refused;
	uint8_t last_refusal;
	int publish_error;           /* -MQ_E_* from mq_session_publish */
} pub_app;

static void usage(FILE *f)
{
	fputs(
"usage: mqpub -t TOPIC (-m MSG | -f FILE | -s | -l | -n) [-q QOS] [-r]\n"
"             [-h HOST] [-p PORT] [-L URL] [options]\n"
"\n"
"Publish MQTT messages.\n"
"\n"
"Message:\n"
"  -t, --topic TOPIC          topic to publish to\n"
"  -m, --message MSG          send MSG\n"
"  -f, --file FILE            send the whole file as one message\n"
"  -s, --stdin-file           send all of stdin as one message\n"
"  -l, --stdin-line           send each line of stdin as a message\n"
"  -n, --null-message         send an empty message\n"
"  -r, --retain               ask the broker to retain the message\n"
"\n", f);
	common_usage(f);
}

static const struct option long_options[] = {
	COMMON_LONG_OPTIONS,
	{ "topic", required_argument, NULL, 't' },
	{ "message", required_argument, NULL, 'm' },
	{ "file", required_argument, NULL, 'f' },
	{ "stdin-file", no_argument, NULL, 's' },
	{ "stdin-line", no_argument, NULL, 'l' },
	{ "null-message", no_argument, NULL, 'n' },
	{ "retain", no_argument, NULL, 'r' },
	{ NULL, 0, NULL, 0 }
};

static void set_mode(pub_opts *o, enum pub_mode m)
{
	o->mode = m;
	o->mode_count++;
}

/* Returns 1 handled, 0 not ours, -1 error. */
static int pub_option(pub_opts *o, int opt, char *arg)
{
	switch (opt) {
	case 't': o->topic = arg; break;
	case 'm': o->message = arg; set_mode(o, MODE_MESSAGE); break;
	case 'f': o->file = arg; set_mode(o, MODE_FILE); break;
	case 's': set_mode(o, MODE_STDIN); break;
	case 'l': set_mode(o, MODE_LINES); break;
	case 'n': set_mode(o, MODE_NULL); break;
	case 'r': o->retain = true; break;
	default: return 0;
	}
	return 1;
}

static int check_pub_opts(pub_opts *o)
{
	if (!o->topic)
		o->topic = o->c.url_topic;
	if (!o->topic) {
		errorf("mqpub", "no topic: give -t TOPIC (or a topic in -L)");
		return -1;
	}
	int rc = mq_topic_check((const uint8_t *)o->topic, strlen(o->topic));
	if (rc < 0) {
		errorf("mqpub", "bad topic '%s': %s", o->topic,
		       rc == -MQ_E_BAD_UTF8 ? "not valid UTF-8"
		       : "must be 1 to 65535 bytes without + or #");
		return -1;
	}
	if (o->mode_count != 1) {
		errorf("mqpub", o->mode_count ? "give only one of -m, -f, -s, -l, -n"
			: "nothing to send: give one of -m, -f, -s, -l, -n");
		return -1;
	}
	return common_finish(&o->c);
}

/* Returns 0 to run, or an exit code + 1 (so 1 means exit 0). */
static int parse_args(pub_opts *o, int argc, char **argv)
{
	int opt;
	common_defaults(&o->c, "mqpub", 10);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":" COMMON_SHORT_OPTIONS "t:m:f:slnr",
				  long_options, NULL)) != -1) {
		if (opt == OPT_HELP) {
			usage(stdout);
			return EXIT_OK + 1;
		}
		if (opt == OPT_VERSION) {
			printf("mqpub %s\n", MQ_VERSION);
			return EXIT_OK + 1;
		}
		int r = pub_option(o, opt, optarg);
		if (r == 0)
			r = common_option(&o->c, opt, optarg);
		if (r < 0)
			return EXIT_USAGE + 1;
		if (r == 0) {
			report_bad_option("mqpub", argv, opt);
			return EXIT_USAGE + 1;
		}
	}
	if (optind < argc) {
		errorf("mqpub", "unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE + 1;
	}
	return check_pub_opts(o) < 0 ? EXIT_USAGE + 1 : 0;
}

/* ---- the app: feeds the session from the chosen input ----------------- */

static void on_delivered(void *ctx, uint64_t tag, uint8_t reason)
{
	pub_app *a = ctx;
	(void)tag;
	if (reason >= 0x80) {
		a->refused++;
		a->last_refusal = reason;
	} else {
		a->acked++;
	}
}

/* Publish one payload.  Returns 1 sent, 0 no room now, -1 error. */
static int publish_one(pub_app *a, mq_client *c, const uint8_t *p, size_t n)
{
	if (!mq_session_can_publish(&c->session, a->msg.qos))
		return 0;
	a->msg.payload = (mq_bytes){ p, n };
	long long tag = mq_session_publish(&c->session, &a->msg, mq_now_ms());
	if (tag < 0) {
		a->publish_error = (int)tag;
		return -1;
	}
	a->published++;
	return 1;
}

static int pump_lines(pub_app *a, mq_client *c, bool readable)
{
	if (readable && linereader_fill(&a->lines) < 0)
		return -MQ_E_APP_STOP;
	for (;;) {
		if (!mq_session_can_publish(&c->session, a->msg.qos)) {
			a->lines_need_input = false;
			return 0;
		}
		const uint8_t *line;
		size_t len;
		if (!linereader_next(&a->lines, &line, &len)) {
			a->lines_need_input = !a->lines.eof;
			return 0;
		}
		if (publish_one(a, c, line, len) < 0)
			return -MQ_E_APP_STOP;
	}
}

static int pub_pump(void *ctx, mq_client *c, bool readable)
{
	pub_app *a = ctx;
	if (a->o->mode == MODE_LINES)
		return pump_lines(a, c, readable);
	if (a->single_sent)
		return 0;
	int r = publish_one(a, c, a->whole, a->whole_len);
	if (r < 0)
		return -MQ_E_APP_STOP;
	a->single_sent = r == 1;
	return 0;
}

static int pub_input_fd(void *ctx, mq_client *c)
{
	pub_app *a = ctx;
	(void)c;
	if (a->o->mode != MODE_LINES || a->lines.eof || a->lines.error)
		return -1;
	return a->lines_need_input ? a->lines.fd : -1;
}

static bool pub_done(void *ctx, mq_client *c)
{
	pub_app *a = ctx;
	(void)c;
	if (a->o->mode == MODE_LINES)
		return linereader_done(&a->lines);
	return a->single_sent;
}

/* Load the -m/-f/-s/-n payload before connecting. */
static int load_payload(pub_app *a)
{
	const pub_opts *o = a->o;
	if (o->mode == MODE_MESSAGE) {
		a->whole = (uint8_t *)o->message;
		a->whole_len = strlen(o->message);
		return 0;
	}
	if (o->mode == MODE_NULL || o->mode == MODE_LINES)
		return 0;
	int fd = 0;
	if (o->mode == MODE_FILE && (fd = open(o->file, O_RDONLY | O_CLOEXEC)) < 0) {
		errorf("mqpub", "cannot read '%s': %s", o->file, strerror(errno));
		return -1;
	}
	int r = read_whole_fd(fd, MAX_PAYLOAD, &a->whole, &a->whole_len);
	if (r < 0)
		errorf("mqpub", "cannot read '%s': %s",
		       o->mode == MODE_FILE ? o->file : "standard input",
		       errno == EFBIG ? "larger than the largest MQTT message" : strerror(errno));
	if (fd > 0)
		close(fd);
	return r;
}

/* The exit code once the run is over, with one line on stderr if it
 * did not all go well. */
static int pub_result(pub_app *a, mq_client *c, int rc)
{
	unsigned long long missing = a->published - a->acked - a->refused;
	if (a->msg.qos == 0)
		missing = 0;
	if (a->publish_error) {
		errorf("mqpub", "cannot publish to '%s': %s", a->o->topic,
		       mq_strerror(a->publish_error));
		return EXIT_INCOMPLETE;
	}
	if (a->lines.error) {
		errorf("mqpub", "cannot read standard input: %s", strerror(a->lines.error));
		return EXIT_USAGE;
	}
	if (rc < 0) {
		char detail[96];
		snprintf(detail, sizeof detail, "%llu of %llu messages not acknowledged",
			 missing, a->published);
		return run_failure(&a->base, c, rc, missing ? detail : NULL);
	}
	if (a->refused) {
		errorf("mqpub", "%llu of %llu messages refused by the broker: %s",
		       a->refused, a->published,
		       mq_reason_text(a->base.version, MQ_PUBACK, a->last_refusal));
		return EXIT_INCOMPLETE;
	}
	if (missing) {
		errorf("mqpub", "interrupted: %llu of %llu messages not acknowledged",
		       missing, a->published);
		return EXIT_INCOMPLETE;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static pub_opts o;
	int r = parse_args(&o, argc, argv);
	common_wipe_argv(argc, argv);
	if (r)
		return r - 1;

	static pub_app a;
	a.base = (tool_base){ "mqpub", o.c.version, o.c.debug };
	a.o = &o;
	a.msg = (mq_message){ .topic = { (const uint8_t *)o.topic, strlen(o.topic) },
			      .qos = o.c.qos, .retain = o.retain };
	linereader_init(&a.lines, 0);
	a.lines_need_input = true;
	if (load_payload(&a) < 0)
		return EXIT_USAGE;

	mq_session_config sc;
	mq_client_config cc;
	common_session_config(&o.c, &sc);
	common_client_config(&o.c, &cc);
	mq_session_events ev = { .ctx = &a, .delivered = on_delivered };
	mq_client_app app = { .ctx = &a, .input_fd = pub_input_fd,
			      .pump = pub_pump, .done = pub_done };
	run_debug_events(&a.base, &ev, &cc);
	if (run_install_signals(&cc) < 0) {
		errorf("mqpub", "cannot set up signals: %s", strerror(errno));
		return EXIT_NETWORK;
	}

	static mq_client c;
	mq_client_init(&c, &cc, &sc, &ev, &app);
	int rc = mq_client_run(&c);
	int code = pub_result(&a, &c, rc == MQ_CLIENT_STOPPED ? 0 : rc);
	mq_client_free(&c);
	linereader_free(&a.lines);
	if (o.mode == MODE_FILE || o.mode == MODE_STDIN)
		free(a.whole);
	return code;
}
