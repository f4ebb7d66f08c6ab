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
#include "spool.h"

enum {
	OPT_SPOOL = OPT_TOOL_FIRST, OPT_FLUSH, OPT_SPOOL_MAX, OPT_SPOOL_MAX_BYTES
};

enum pub_mode { MODE_NONE, MODE_MESSAGE, MODE_FILE, MODE_STDIN, MODE_LINES, MODE_NULL };

typedef struct pub_opts {
	common_opts c;
	char *topic;
	char *message, *file;
	enum pub_mode mode;
	int mode_count;
	bool retain;
	char *spool_dir;
	bool flush;
	unsigned long spool_max, spool_max_bytes;
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
	spool sp;                    /* --spool: what is sent comes from here */
	bool spooling;
	size_t spool_next;           /* next of sp.msgs to publish */
	uint64_t first_tag;          /* tag of sp.msgs[0] */
	bool spool_full;
	uint64_t restored_last_tag;  /* tags up to this: from --state-dir */
	unsigned long long restored_done;
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
"      --max-inflight N       QoS 1/2 messages unacknowledged at once\n"
"                             (default 100; 20 for 3.1.1)\n"
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
	{ NULL, 0, NULL, 0 }
};

static void set_mode(pub_opts *o, enum pub_mode m)
{
	o->mode = m;
	o->mode_count++;
}

/* Returns 1 handled, 0 not ours, -1 error. */
static int pub_option(void *tool, int opt, char *arg)
{
	pub_opts *o = tool;
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
	case OPT_SPOOL_MAX:
		return parse_number("mqpub", "--spool-max", arg, 1, 100000000, &o->spool_max) < 0 ? -1 : 1;
	case OPT_SPOOL_MAX_BYTES:
		return parse_number("mqpub", "--spool-max-bytes", arg, 1, SIZE_MAX / 2, &o->spool_max_bytes) < 0 ? -1 : 1;
	default: return 0;
	}
	return 1;
}

static int check_pub_opts(pub_opts *o)
{
	if (!o->topic)
		o->topic = o->c.url_topic;
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
	if (o->mode_count != 1 && !(o->flush && o->mode_count == 0)) {
		errorf("mqpub", o->mode_count ? "give only one of -m, -f, -s, -l, -n"
			: "nothing to send: give one of -m, -f, -s, -l, -n");
		return -1;
	}
	o->c.stdin_busy = o->mode == MODE_STDIN || o->mode == MODE_LINES;
	return common_finish(&o->c);
}

/* Returns 0 to run, or an exit code + 1 (so 1 means exit 0). */
static int parse_args(pub_opts *o, int argc, char **argv)
{
	common_defaults(&o->c, "mqpub", 10);
	o->spool_max = 10000;
	o->spool_max_bytes = 64u << 20;
	tool_cli cli = { "t:m:f:slnr", long_options, pub_option, o, usage };
	int r = parse_command_line(&o->c, &cli, argc, argv);
	if (r)
		return r;
	return check_pub_opts(o) < 0 ? EXIT_USAGE + 1 : 0;
}

/* ---- the app: feeds the session from the chosen input ----------------- */

static void on_delivered(void *ctx, uint64_t tag, uint8_t reason)
{
	pub_app *a = ctx;
	if (tag <= a->restored_last_tag) {   /* a message of an earlier run */
		a->restored_done++;
		return;
	}
	if (a->spooling && tag >= a->first_tag && tag - a->first_tag < a->sp.nmsgs)
		a->sp.msgs[tag - a->first_tag].done = true;
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

/* --spool: publish the queued messages in order, each with its own
 * topic, QoS and retain flag. */
static int pump_spool(pub_app *a, mq_client *c)
{
	while (a->spool_next < a->sp.nmsgs) {
		spool_msg *m = &a->sp.msgs[a->spool_next];
		if (!mq_session_can_publish(&c->session, m->qos))
			return 0;
		a->msg = (mq_message){ .topic = m->topic, .payload = m->payload,
				       .qos = m->qos, .retain = m->retain };
		long long tag = mq_session_publish(&c->session, &a->msg, mq_now_ms());
		if (tag < 0) {
			/* The broker cannot take it (too large, QoS above its
			 * maximum): say so and drop it, or it blocks the spool. */
			errorf("mqpub", "dropped from spool: cannot publish to '%.*s': %s",
			       (int)m->topic.len, (const char *)m->topic.ptr,
			       mq_strerror((int)tag));
			a->publish_error = (int)tag;
			m->done = true;
		} else if (!a->first_tag) {
			a->first_tag = (uint64_t)tag - a->spool_next;
		}
		a->published += tag > 0;
		a->spool_next++;
	}
	return 0;
}

static int pub_pump(void *ctx, mq_client *c, bool readable)
{
	pub_app *a = ctx;
	if (a->spooling)
		return pump_spool(a, c);
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
	if (a->spooling)
		return a->spool_next == a->sp.nmsgs;
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

/* --spool: this run's messages, as spool_msg views into a->whole. */
static int spool_new_messages(pub_app *a, spool_msg **out, size_t *n)
{
	const pub_opts *o = a->o;
	spool_msg base = { .topic = { (const uint8_t *)o->topic, strlen(o->topic) },
			   .qos = o->c.qos, .retain = o->retain };
	if (o->mode == MODE_LINES &&
	    read_whole_fd(0, MAX_PAYLOAD, &a->whole, &a->whole_len) < 0) {
		errorf("mqpub", "cannot read standard input: %s", strerror(errno));
		return -1;
	}
	size_t count = 1;
	if (o->mode == MODE_LINES) {
		count = 0;
		for (size_t i = 0; i < a->whole_len; i++)
			count += a->whole[i] == '\n';
		count += a->whole_len && a->whole[a->whole_len - 1] != '\n';
	}
	spool_msg *msgs = calloc(count ? count : 1, sizeof *msgs);
	if (!msgs)
		return -1;
	size_t start = 0;
	for (size_t k = 0; k < count; k++) {
		msgs[k] = base;
		size_t end = start;
		if (o->mode == MODE_LINES)
			while (end < a->whole_len && a->whole[end] != '\n')
				end++;
		else
			end = a->whole_len;
		msgs[k].payload = (mq_bytes){ a->whole + start, end - start };
		start = end + 1;
	}
	*out = msgs;
	*n = count;
	return 0;
}

/* --spool: lock DIR and store this run's messages before sending any.
 * Returns 0, or an exit code. */
static int spool_prepare(pub_app *a, uint64_t deadline)
{
	const pub_opts *o = a->o;
	if (spool_open(&a->sp, o->spool_dir, o->spool_max, o->spool_max_bytes, deadline) < 0) {
		errorf("mqpub", "%s", a->sp.err);
		return errno == ETIMEDOUT ? EXIT_TIMEOUT : EXIT_USAGE;
	}
	a->spooling = true;
	if (o->mode_count == 0)
		return 0;
	spool_msg *msgs;
	size_t n;
	if (spool_new_messages(a, &msgs, &n) < 0)
		return EXIT_USAGE;
	if (n > 0 && spool_add(&a->sp, msgs, n) < 0) {
		errorf("mqpub", "%s: %zu new messages not queued", a->sp.err, n);
		a->spool_full = true;
	}
	free(msgs);
	return 0;
}

/* --spool: remove what was delivered; what is left waits for the next
 * run, and exit 7 says so. */
static int spool_result(pub_app *a, mq_client *c, int rc)
{
	for (size_t i = 0; rc == 0 && i < a->spool_next; i++)
		if (a->sp.msgs[i].qos == 0)
			a->sp.msgs[i].done = true;
	long left = spool_settle(&a->sp);
	if (left < 0) {
		errorf("mqpub", "%s", a->sp.err);
		return EXIT_NETWORK;
	}
	if (a->refused)
		errorf("mqpub", "%llu messages refused by the broker, dropped from the spool: %s",
		       a->refused, mq_reason_text(a->base.version, MQ_PUBACK, a->last_refusal));
	if (a->spool_full)
		return EXIT_INCOMPLETE;   /* the new message was not kept: said */
	if (left > 0) {
		char why[400];
		if (rc < 0 && rc != -MQ_E_APP_STOP)
			run_describe(&a->base, c, rc, why, sizeof why);
		else
			snprintf(why, sizeof why, "interrupted");
		errorf("mqpub", "%ld messages kept in spool '%s' for the next run: %s",
		       left, a->o->spool_dir, why);
		return EXIT_QUEUED;
	}
	return a->refused || a->publish_error ? EXIT_INCOMPLETE : EXIT_OK;
}

/* Input mqpub took but never published: the -m/-f/-s/-n message, or
 * lines read from stdin (a run stopped before the broker took them). */
static bool input_unsent(const pub_app *a)
{
	if (a->o->mode == MODE_LINES)
		return a->lines.start < a->lines.end;
	return !a->single_sent;
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
	if (input_unsent(a)) {
		errorf("mqpub", "interrupted: %s not sent", a->o->mode == MODE_LINES
		       ? "lines read from standard input were" : "the message was");
		return EXIT_INCOMPLETE;
	}
	return EXIT_OK;
}

/* -s and -l read standard input: a closed one is a usage error, not
 * an empty message. */
static int check_stdin(const pub_opts *o, int closed_fds)
{
	bool reads_stdin = o->mode == MODE_STDIN || o->mode == MODE_LINES;
	if (reads_stdin && (closed_fds & 1)) {
		errorf("mqpub", "standard input is closed: nothing to read for %s",
		       o->mode == MODE_STDIN ? "-s" : "-l");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static pub_opts o;
	int closed_fds = run_open_std_fds();
	if (closed_fds < 0)
		return EXIT_NETWORK;   /* no /dev/null: nothing can be said */
	int r = parse_args(&o, argc, argv);
	common_wipe_argv(&o.c);
	if (r)
		return r - 1;
	if (check_stdin(&o, closed_fds) < 0)
		return EXIT_USAGE;

	static pub_app a;
	a.base = (tool_base){ "mqpub", o.c.version, o.c.debug };
	a.o = &o;
	a.msg = (mq_message){ .qos = o.c.qos, .retain = o.retain };
	if (o.topic)   /* absent only with --flush */
		a.msg.topic = (mq_bytes){ (const uint8_t *)o.topic, strlen(o.topic) };
	linereader_init(&a.lines, 0);
	a.lines_need_input = true;
	if (load_payload(&a) < 0)
		return EXIT_USAGE;
	uint64_t deadline = o.c.timeout_s ? mq_now_ms() + o.c.timeout_s * 1000u : 0;
	if (o.spool_dir && (r = spool_prepare(&a, deadline)) != 0)
		return r;
	if (a.spooling && a.sp.nmsgs == 0)
		return a.spool_full ? EXIT_INCOMPLETE : EXIT_OK;

	mq_session_config sc;
	mq_client_config cc;
	common_session_config(&o.c, &sc);
	common_client_config(&o.c, &cc);
	cc.deadline_ms = deadline;
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
	int rc = mq_client_restore(&c);
	a.restored_last_tag = c.session.next_tag - 1;
	if (rc < 0 && rc != -MQ_E_TIMEOUT) {   /* a state file we cannot use */
		errorf("mqpub", "%s", c.err);
		mq_client_free(&c);
		return EXIT_USAGE;
	}
	if (rc == 0)
		rc = mq_client_run(&c);
	int code = a.spooling ? spool_result(&a, &c, rc == MQ_CLIENT_STOPPED ? -MQ_E_APP_STOP : rc)
		   : pub_result(&a, &c, rc == MQ_CLIENT_STOPPED ? 0 : rc);
	mq_client_free(&c);
	linereader_free(&a.lines);
	if (o.mode != MODE_MESSAGE)
		free(a.whole);
	spool_close(&a.sp);
	return code;
}
