/* mqpub.c - publish one message, a file, stdin, or stdin line by line:
 * parse, translate, run. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitcodes.h"
#include "pub.h"

enum {
	OPT_SPOOL = OPT_TOOL_FIRST, OPT_FLUSH, OPT_SPOOL_MAX, OPT_SPOOL_MAX_BYTES,
	OPT_TOPIC_LINES, OPT_TOPIC_SEP, OPT_SKIP_BAD, OPT_REPEAT,
	OPT_REPEAT_DELAY, OPT_RATE, OPT_USER_PROPERTY, OPT_CONTENT_TYPE,
	OPT_RESPONSE_TOPIC, OPT_CORRELATION_DATA, OPT_MESSAGE_EXPIRY,
	OPT_PAYLOAD_FORMAT, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_JSON, OPT_REPLAY,
	OPT_SPEED, OPT_REQUEST, OPT_RESPONSES
};


static void usage(FILE *f)
{
	fputs(
"usage: mqpub -t TOPIC (-m MSG | -f FILE | -s | -l | -n) [-q QOS] [-r]\n"
"             [-h HOST] [-p PORT] [-L URL] [options]\n"
"       mqpub --topic-lines [-q QOS] [-r] [options]\n"
"       mqpub --json [--replay [--speed F]] [-t TOPIC] [-q QOS] [-r] [options]\n"
"       mqpub --request -t TOPIC [-m MSG | -f FILE | -s | -n] [--responses N]\n"
"             [-W SECS] [options]\n"
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
"      --topic-lines          send each line of stdin, TOPIC<TAB>PAYLOAD, to\n"
"                             its own topic\n"
"      --topic-sep STR        separator for --topic-lines (default TAB)\n"
"      --json                 send each line of stdin, a JSON object as\n"
"                             mqsub --json writes them; -t, -q, -r for\n"
"                             what a line leaves out\n"
"      --replay               with --json: send each line at its \"time\",\n"
"                             spaced as recorded\n"
"      --speed F              replay F times as fast (e.g. 10, 0.5)\n"
"      --skip-bad             report a bad line and go on (default: stop)\n"
"      --repeat N             send the -m/-f/-s/-n message N times\n"
"      --repeat-delay SECS    seconds between repeats (e.g. 0.5)\n"
"      --rate N[/s|/m|/h]     send at most N messages a second (minute,\n"
"                             hour), evenly spaced\n"
"      --progress             show progress on a terminal's stderr (default:\n"
"                             when -l/--topic-lines read a regular file)\n"
"      --no-progress          never show progress\n"
"  -M, --max-inflight N       QoS 1/2 messages unacknowledged at once\n"
"                             (default: the broker's Receive Maximum, at\n"
"                             most 4096, at QoS 1; 100 at QoS 2; 20 for 3.1.1)\n"
"\n"
"Request/response (MQTT 5):\n"
"      --request              subscribe to a fresh response topic, send the\n"
"                             message as a request, print the reply's\n"
"                             payload (wait forever unless -W)\n"
"      --responses N          wait for N replies (default 1)\n"
"\n"
"MQTT 5 properties of each message:\n"
"      --user-property K=V    a user property (repeatable, order kept)\n"
"      --content-type TYPE    content type, e.g. application/json\n"
"      --response-topic TOPIC response topic\n"
"      --correlation-data D   correlation data: text, hex:HEX or base64:B64\n"
"      --message-expiry SECS  message expiry interval\n"
"      --payload-format F     utf8 (checked before sending) or bytes\n"
"\n"
"Spool (for cron: nothing lost while the broker is down):\n"
"      --spool DIR            keep messages in DIR until delivered; exit 7\n"
"                             when they stay queued\n"
"      --flush                deliver what DIR holds, send nothing new\n"
"      --spool-max N          at most N messages queued (default 10000)\n"
"      --spool-max-bytes N    at most N bytes queued (default 67108864)\n"
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
	{ "spool", required_argument, NULL, OPT_SPOOL },
	{ "flush", no_argument, NULL, OPT_FLUSH },
	{ "spool-max", required_argument, NULL, OPT_SPOOL_MAX },
	{ "spool-max-bytes", required_argument, NULL, OPT_SPOOL_MAX_BYTES },
	{ "topic-lines", no_argument, NULL, OPT_TOPIC_LINES },
	{ "topic-sep", required_argument, NULL, OPT_TOPIC_SEP },
	{ "skip-bad", no_argument, NULL, OPT_SKIP_BAD },
	{ "repeat", required_argument, NULL, OPT_REPEAT },
	{ "repeat-delay", required_argument, NULL, OPT_REPEAT_DELAY },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "user-property", required_argument, NULL, OPT_USER_PROPERTY },
	{ "content-type", required_argument, NULL, OPT_CONTENT_TYPE },
	{ "response-topic", required_argument, NULL, OPT_RESPONSE_TOPIC },
	{ "correlation-data", required_argument, NULL, OPT_CORRELATION_DATA },
	{ "message-expiry", required_argument, NULL, OPT_MESSAGE_EXPIRY },
	{ "payload-format", required_argument, NULL, OPT_PAYLOAD_FORMAT },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "replay", no_argument, NULL, OPT_REPLAY },
	{ "speed", required_argument, NULL, OPT_SPEED },
	{ "request", no_argument, NULL, OPT_REQUEST },
	{ "responses", required_argument, NULL, OPT_RESPONSES },
	{ NULL, 0, NULL, 0 }
};

static void set_mode(pub_opts *o, enum pub_mode m)
{
	o->mode = m;
	o->mode_count++;
}

/* The long name of a property option, or NULL. */
static const char *property_option(int opt)
{
	if (opt < OPT_USER_PROPERTY || opt > OPT_PAYLOAD_FORMAT)
		return NULL;
	for (const struct option *lo = long_options; lo->name; lo++)
		if (lo->val == opt)
			return lo->name;
	return NULL;
}

/* --rate, --repeat, --repeat-delay.  Returns 1 handled, 0 not, -1 error. */
static int pace_option(pub_opts *o, int opt, const char *arg)
{
	switch (opt) {
	case OPT_REPEAT:
		return parse_number("mqpub", "--repeat", arg, 1, 1000000000, &o->repeat) < 0 ? -1 : 1;
	case OPT_RATE:
		o->rate_given = true;
		if (pace_parse_rate(arg, &o->interval_ns) == 0)
			return 1;
		errorf("mqpub", "bad value for --rate: '%s' (N, N/s, N/m or N/h; "
		       "at most 1000000 a second)", arg);
		return -1;
	case OPT_REPEAT_DELAY:
		o->delay_given = true;
		if (pace_parse_seconds(arg, &o->interval_ns) == 0)
			return 1;
		errorf("mqpub", "bad value for --repeat-delay: '%s' (seconds, 0 to 86400)", arg);
		return -1;
	default:
		return 0;
	}
}

/* --speed: a decimal above 0 and at most 1000000. */
static int parse_speed(const char *arg, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v > 0) || v > 1e6)
		return -1;
	*out = v;
	return 0;
}

/* Returns 1 handled, 0 not ours, -1 error. */
static int pub_option(void *tool, int opt, char *arg)
{
	pub_opts *o = tool;
	const char *prop = property_option(opt);
	if (prop)
		return pub_props_parse(&o->props, "mqpub", prop, prop, arg) < 0 ? -1 : 1;
	int r = pace_option(o, opt, arg);
	if (r != 0)
		return r;
	switch (opt) {
	case 't': o->topic = arg; break;
	case 'm': o->message = arg; set_mode(o, MODE_MESSAGE); break;
	case 'f': o->file = arg; set_mode(o, MODE_FILE); break;
	case 's': set_mode(o, MODE_STDIN); break;
	case 'l': set_mode(o, MODE_LINES); break;
	case 'n': set_mode(o, MODE_NULL); break;
	case 'r': o->retain = true; break;
	case OPT_SPOOL: o->spool_dir = arg; break;
	case OPT_FLUSH: o->flush = true; break;
	case OPT_TOPIC_LINES: set_mode(o, MODE_TOPIC_LINES); break;
	case OPT_TOPIC_SEP:
		if (!*arg) {
			errorf("mqpub", "bad value for --topic-sep: it cannot be empty");
			return -1;
		}
		o->topic_sep = arg;
		break;
	case OPT_SKIP_BAD: o->skip_bad = true; break;
	case OPT_JSON: set_mode(o, MODE_JSON); break;
	case OPT_REPLAY: o->replay = true; break;
	case OPT_SPEED:
		if (parse_speed(arg, &o->speed) < 0) {
			errorf("mqpub", "bad value for --speed: '%s' (a number above 0, "
			       "at most 1000000)", arg);
			return -1;
		}
		break;
	case OPT_REQUEST: o->request = true; break;
	case OPT_RESPONSES:
		return parse_number("mqpub", "--responses", arg, 1, 1000000000, &o->responses) < 0 ? -1 : 1;
	case OPT_PROGRESS: o->progress = 1; break;
	case OPT_NO_PROGRESS: o->progress = 0; break;
	case OPT_SPOOL_MAX:
		return parse_number("mqpub", "--spool-max", arg, 1, 100000000, &o->spool_max) < 0 ? -1 : 1;
	case OPT_SPOOL_MAX_BYTES:
		return parse_number("mqpub", "--spool-max-bytes", arg, 1, SIZE_MAX / 2, &o->spool_max_bytes) < 0 ? -1 : 1;
	default: return 0;
	}
	return 1;
}

/* --topic-lines, --skip-bad, --repeat, --rate and the MQTT 5 properties:
 * the combinations that cannot work.  Returns 0 or -1 after saying why. */
static int check_input_opts(pub_opts *o)
{
	const char *why = NULL;
	bool single = o->mode == MODE_MESSAGE || o->mode == MODE_FILE ||
		      o->mode == MODE_STDIN || o->mode == MODE_NULL;
	bool lines = o->mode == MODE_LINES || o->mode == MODE_TOPIC_LINES ||
		     o->mode == MODE_JSON;
	if (o->mode == MODE_TOPIC_LINES && o->topic)
		why = "--topic-lines takes the topic from each line: drop -t";
	else if (o->topic_sep && o->mode != MODE_TOPIC_LINES)
		why = "--topic-sep needs --topic-lines";
	else if (o->skip_bad && !lines)
		why = "--skip-bad needs -l, --topic-lines or --json";
	else if (o->replay && o->mode != MODE_JSON)
		why = "--replay needs --json";
	else if (o->speed > 0 && !o->replay)
		why = "--speed needs --replay";
	else if (o->replay && (o->rate_given || o->delay_given))
		why = "give --replay or --rate, not both";
	else if (o->repeat && !single)
		why = "--repeat needs one message: -m, -f, -s or -n";
	else if (o->delay_given && !o->repeat)
		why = "--repeat-delay needs --repeat";
	else if (o->delay_given && o->rate_given)
		why = "give --rate or --repeat-delay, not both";
	else if (o->spool_dir && (o->mode == MODE_TOPIC_LINES || o->mode == MODE_JSON ||
				  o->repeat || o->props.first))
		why = "--spool takes -m, -f, -s, -l or -n, without --repeat or MQTT 5 properties";
	if (why) {
		errorf("mqpub", "%s", why);
		return -1;
	}
	if (o->props.first && o->c.version != MQ_V5) {
		errorf("mqpub", "--%s needs MQTT 5 (not -V 311)", o->props.first);
		return -1;
	}
	if (o->props.first) {   /* never dropped by a fall back to 3.1.1 */
		char name[48];
		snprintf(name, sizeof name, "--%s", o->props.first);
		common_need_v5(&o->c, name);
	}
	return 0;
}

static int check_pub_opts(pub_opts *o)
{
	if (!o->topic && o->mode != MODE_TOPIC_LINES)
		o->topic = o->c.url_topic;
	if (o->mode_count > 1) {
		errorf("mqpub", "give only one of -m, -f, -s, -l, -n, --topic-lines, --json");
		return -1;
	}
	if (request_check(o) < 0)
		return -1;
	if (check_input_opts(o) < 0)
		return -1;
	if (o->replay && o->speed == 0)
		o->speed = 1;
	o->c.stdin_busy = o->mode == MODE_STDIN || reads_lines(o);
	if (o->mode == MODE_TOPIC_LINES || (o->mode == MODE_JSON && !o->topic))
		return common_finish(&o->c);
	if (o->flush && !o->spool_dir) {
		errorf("mqpub", "--flush needs --spool DIR");
		return -1;
	}
	if (o->flush && o->mode_count) {
		errorf("mqpub", "--flush sends nothing new: drop -m, -f, -s, -l or -n");
		return -1;
	}
	if (o->flush && o->mode_count == 0 && !o->topic)
		return common_finish(&o->c);   /* only the spool is sent */
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
	if (o->mode_count == 0 && !o->flush) {
		errorf("mqpub", "nothing to send: give one of -m, -f, -s, -l, -n, --topic-lines, --json");
		return -1;
	}
	return common_finish(&o->c);
}

/* Returns 0 to run, or an exit code + 1 (so 1 means exit 0). */
static int parse_args(pub_opts *o, int argc, char **argv)
{
	common_defaults(&o->c, "mqpub", 10);
	o->progress = -1;
	o->spool_max = 10000;
	o->spool_max_bytes = 64u << 20;
	tool_cli cli = { "t:m:f:slnr", long_options, pub_option, o, usage };
	int r = parse_command_line(&o->c, &cli, argc, argv);
	if (r)
		return r;
	return check_pub_opts(o) < 0 ? EXIT_USAGE + 1 : 0;
}

/* Input mqpub took but never published: the -m/-f/-s/-n message, or
 * lines read from stdin (a run stopped before the broker took them). */
static bool input_unsent(const pub_app *a)
{
	if (reads_lines(a->o))
		return a->held || a->lines.start < a->lines.end;
	return !a->single_sent;
}

/* The exit code once the run is over, with one line on stderr if it
 * did not all go well. */
static int pub_result(pub_app *a, mq_client *c, int rc)
{
	unsigned long long missing = a->published - a->published_q0 - a->acked -
				     a->refused;
	if (a->publish_error) {
		char why[200];
		publish_error_text(a, c, why, sizeof why);
		errorf("mqpub", "cannot publish to '%.*s': %s", (int)a->msg.topic.len,
		       (const char *)a->msg.topic.ptr, why);
		return EXIT_INCOMPLETE;
	}
	if (a->lines.error) {
		errorf("mqpub", "cannot read standard input: %s", strerror(a->lines.error));
		return EXIT_USAGE;
	}
	if (rc < 0) {
		char detail[96];
		snprintf(detail, sizeof detail, "%llu of %llu %s not acknowledged",
			 missing, a->published, messages_word(a->published));
		return run_failure(&a->base, c, rc, missing ? detail : NULL);
	}
	if (a->refused) {
		errorf("mqpub", "%llu of %llu %s refused by the broker: %s",
		       a->refused, a->published, messages_word(a->published),
		       mq_reason_text(a->base.version, MQ_PUBACK, a->last_refusal));
		return EXIT_INCOMPLETE;
	}
	if (missing) {
		errorf("mqpub", "interrupted: %llu of %llu %s not acknowledged",
		       missing, a->published, messages_word(a->published));
		return EXIT_INCOMPLETE;
	}
	if (a->input_stopped)
		return EXIT_USAGE;   /* the bad line was reported */
	if (a->bad_lines) {
		errorf("mqpub", "%llu bad %s skipped", a->bad_lines,
		       a->bad_lines == 1 ? "line" : "lines");
		return EXIT_INCOMPLETE;
	}
	if (input_unsent(a)) {
		errorf("mqpub", "interrupted: %s not sent", reads_lines(a->o)
		       ? "lines read from standard input were" : "the message was");
		return EXIT_INCOMPLETE;
	}
	return EXIT_OK;
}

/* -s and -l read standard input: a closed one is a usage error, not
 * an empty message; --request prints to standard output. */
static int check_stdin(const pub_opts *o, int closed_fds)
{
	bool reads_stdin = o->mode == MODE_STDIN || reads_lines(o);
	if (reads_stdin && (closed_fds & 1)) {
		errorf("mqpub", "standard input is closed: nothing to read for %s",
		       o->mode == MODE_STDIN ? "-s" : o->mode == MODE_LINES ? "-l"
		       : o->mode == MODE_JSON ? "--json" : "--topic-lines");
		return -1;
	}
	if (o->request && (closed_fds & 2)) {   /* the replies would be lost */
		errorf("mqpub", "standard output is closed: nowhere to print the replies");
		return -1;
	}
	return 0;
}

/* The app for the options parsed: the message, the pacer, the input and
 * the -m/-f/-s/-n payload loaded.  Returns 0 or -1 after saying why. */
static int app_init(pub_app *a, const pub_opts *o)
{
	a->base = (tool_base){ "mqpub", o->c.version, o->c.debug };
	a->o = o;
	a->msg = (mq_message){ .qos = o->c.qos, .retain = o->retain,
			       .props = pub_props_get(&o->props) };
	pacer_init(&a->pace, o->interval_ns);
	if (o->topic)   /* absent only with --flush */
		a->msg.topic = (mq_bytes){ (const uint8_t *)o->topic, strlen(o->topic) };
	linereader_init(&a->lines, 0);
	a->lines_need_input = true;
	return load_payload(a);
}

static void app_free(pub_app *a)
{
	linereader_free(&a->lines);
	json_in_free(&a->json);
	if (a->win.ptr) {
		if (a->win.in_file && a->win.fd > 0)
			close(a->win.fd);
		whole_input_free(&a->win);
	} else if (a->o->mode != MODE_MESSAGE) {
		free(a->whole);
	}
	spool_close(&a->sp);
}

int main(int argc, char **argv)
{
	static pub_opts o;
	int closed_fds = run_std_streams();
	if (closed_fds < 0)
		return EXIT_NETWORK;   /* no /dev/null: nothing can be said */
	int r = parse_args(&o, argc, argv);
	common_wipe_argv(&o.c);
	if (r)
		return r - 1;
	if (check_stdin(&o, closed_fds) < 0)
		return EXIT_USAGE;
	set_quiet(o.c.quiet);   /* usage errors said; runtime ones not */

	static pub_app a;
	if (app_init(&a, &o) < 0)
		return EXIT_USAGE;
	uint64_t deadline = o.c.timeout_s ? mq_now_ms() + o.c.timeout_s * 1000u : 0;
	if (o.spool_dir && (r = spool_prepare(&a, deadline)) != 0)
		return r;
	if (a.spooling && a.sp.nmsgs == 0)
		return a.spool_full ? EXIT_INCOMPLETE : EXIT_OK;

	mq_session_config sc;
	mq_client_config cc;
	common_session_config(&o.c, &sc);
	pub_window_default(&o, &sc);
	sc.topic_aliases = o.mode == MODE_TOPIC_LINES || o.mode == MODE_JSON;
	common_client_config(&o.c, &cc);
	cc.deadline_ms = deadline;
	mq_session_events ev = { .ctx = &a, .delivered = on_delivered };
	mq_client_app app = { .ctx = &a, .input_fd = pub_input_fd,
			      .pump = pub_pump, .done = pub_done,
			      .wakeup_ms = pub_wakeup };
	if (o.request && (r = request_setup(&a, &o, &ev, &app)) != 0)
		return r;
	run_debug_events(&a.base, &ev, &cc);
	if (run_install_signals(&cc) < 0) {
		errorf("mqpub", "cannot set up signals: %s", strerror(errno));
		return EXIT_NETWORK;
	}

	static mq_client c;
	mq_client_init(&c, &cc, &sc, &ev, &app);
	int rc = mq_client_restore(&c);
	a.restored_last_tag = c.session.next_tag - 1;
	if (rc < 0 && rc != -MQ_E_TIMEOUT) {   /* a state file we cannot use */
		errorf("mqpub", "%s", c.err);
		mq_client_free(&c);
		return EXIT_USAGE;
	}
	if (o.request)   /* the response topic, before the request */
		mq_session_subscribe(&c.session, &a.req.sub, 1, mq_now_ms());
	if (!a.spooling)
		start_progress(&a);
	if (rc == 0)
		rc = mq_client_run(&c);
	progress_counts n = pub_counts(&a);
	progress_finish(mq_now_ms(), &n);
	if (o.c.debug && c.session.aliases)
		fprintf(stderr, "mqpub: topic aliases saved %llu bytes of topic\n",
			(unsigned long long)c.session.aliases->saved);
	int code = o.request ? request_result(&a, rc) : -1;
	if (code < 0)
		code = a.spooling ? spool_result(&a, &c, rc == MQ_CLIENT_STOPPED ? -MQ_E_APP_STOP : rc)
		       : pub_result(&a, &c, rc == MQ_CLIENT_STOPPED ? 0 : rc);
	mq_client_free(&c);
	app_free(&a);
	pub_props_free(&o.props);
	return code;
}
