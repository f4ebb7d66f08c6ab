/* mqsub.c - subscribe and print messages: parse, translate, run. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec_opts.h"
#include "exitcodes.h"
#include "options.h"
#include "format.h"
#include "output.h"
#include "run.h"
#include "sub_print.h"
#include "sub_clear.h"
#include "subscribe.h"

enum { OPT_RETAINED_ONLY = OPT_TOOL_FIRST, OPT_JSON, OPT_JSON_PAYLOAD, OPT_PRETTY,
       OPT_HEX, OPT_BASE64, OPT_COLOR };

#define MAX_FILTERS 1024

typedef struct sub_opts {
	common_opts c;
	mq_sub_entry subs[MAX_FILTERS];
	size_t nsubs;
	mq_bytes filter_out[MAX_FILTERS];
	size_t nfilter_out;
	bool verbose, no_newline, no_retained, retained_only, exit_after_sub;
	mq_format format;            /* -F, compiled; nops 0 when not given */
	bool has_format;
	unsigned long count;         /* -C; 0 = unlimited */
	sub_print print;             /* -F, --json, --hex... (sub_print.h) */
	bool fancy;                  /* print goes through sub_print */
	char eol;                    /* '\n', or '\0' with -0 */
	int color;                   /* --color: -1 auto, 0 never, 1 always */
	sub_spec spec;               /* subscription options, -U (subscribe.h) */
	exec_opts exec;              /* --exec and its options (exec_opts.h) */
} sub_opts;

/* --retained-only: the broker sends the retained messages right after
 * the SUBACK; this long without one, there are no more. */
#define RETAINED_QUIET_MS 500

typedef struct sub_app {
	tool_base base;              /* first: the shared callbacks use it */
	const sub_opts *o;
	outbuf out;
	unsigned long received;
	size_t subacks_seen;
	bool unsub_pending;          /* -U: waiting for the UNSUBACK */
	bool finished;               /* stop: -C reached, -E done, refusal... */
	bool refused;
	uint64_t quiet_until;        /* --retained-only: end at this instant */
	bool lower_qos_told;         /* -v/-d: a SUBACK granted less, said once */
	bool screening;              /* -T -R --retained-only --remove-retained --exec */
	sub_clear clear;             /* --remove-retained */
	int clear_err;               /* why clearing stopped, or 0 */
	sub_exec x;                  /* --exec */
} sub_app;

static void usage(FILE *f)
{
	fputs(
"usage: mqsub -t FILTER [-t FILTER ...] [-q QOS] [-v] [-C COUNT] [-W SECS]\n"
"             [-h HOST] [-p PORT] [-L URL] [options]\n"
"\n"
"Subscribe to MQTT topics and print the messages.\n"
"\n"
"Subscription and output:\n"
"  -t, --topic FILTER         subscribe to FILTER (repeatable)\n"
"  -T, --filter-out FILTER    do not print topics matching FILTER (repeatable)\n"
"  -v, --verbose              print the topic, a space, then the payload\n"
"  -F, --format FORMAT        print each message as FORMAT, mosquitto_sub's\n"
"                             language: %t topic, %p payload, %I time...\n"
"  -N, --no-newline           do not print a newline after each message\n"
"  -0, --null                 end each message with a NUL, not a newline\n"
"      --json                 one JSON object per message and line\n"
"      --json-payload MODE    auto, json, string or base64 (default auto)\n"
"      --hex, --base64        print the payload in hex or base64\n"
"      --pretty               indent JSON payloads and --json objects\n"
"      --color[=WHEN]         colour the topic: auto, always or never\n"
"  -C, --count N              exit after N messages\n"
"  -R, --no-retained          skip retained (stale) messages\n"
"      --retained-only        print the retained messages, exit once they\n"
"                             have come (a live one, or 0.5 s of quiet)\n"
"  -E, --exit-after-sub       exit once the subscriptions are acknowledged\n"
"  -M, --max-inflight N       QoS 1/2 messages the broker may send before\n"
"                             mqsub acknowledges them (MQTT 5; default no limit)\n"
"\n", f);
	subscribe_usage(f);
	exec_usage(f);
	common_usage(f);
}

static const struct option long_options[] = {
	COMMON_LONG_OPTIONS,
	{ "topic", required_argument, NULL, 't' },
	{ "filter-out", required_argument, NULL, 'T' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "no-newline", no_argument, NULL, 'N' },
	{ "count", required_argument, NULL, 'C' },
	{ "no-retained", no_argument, NULL, 'R' },
	{ "retained-only", no_argument, NULL, OPT_RETAINED_ONLY },
	{ "exit-after-sub", no_argument, NULL, 'E' },
	{ "format", required_argument, NULL, 'F' },
	{ "null", no_argument, NULL, '0' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "json-payload", required_argument, NULL, OPT_JSON_PAYLOAD },
	{ "pretty", no_argument, NULL, OPT_PRETTY },
	{ "hex", no_argument, NULL, OPT_HEX },
	{ "base64", no_argument, NULL, OPT_BASE64 },
	{ "color", optional_argument, NULL, OPT_COLOR },
	SUBSCRIBE_LONG_OPTIONS,
	EXEC_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 }
};

/* Check a filter given with -t or -T; n is how many that option has. */
static int check_filter(const char *opt, const char *arg, size_t n)
{
	int rc = mq_filter_check((const uint8_t *)arg, strlen(arg));
	if (rc < 0) {
		errorf("mqsub", "bad topic filter '%s' for %s: %s", arg, opt,
		       rc == -MQ_E_BAD_UTF8 ? "not valid UTF-8"
		       : "must be 1 to 65535 bytes, + and # a whole level, # last, "
		       "$share/GROUP/FILTER with a GROUP and no + # / in it");
		return -1;
	}
	if (n >= MAX_FILTERS) {
		errorf("mqsub", "too many filters for %s (at most %d)", opt, MAX_FILTERS);
		return -1;
	}
	return 0;
}

static mq_bytes bytes_of(const char *s)
{
	return (mq_bytes){ (const uint8_t *)s, strlen(s) };
}

/* -F: compiled once; a bad format is shown with a caret under the
 * problem.  Returns 1 or -1. */
static int compile_format(sub_opts *o, const char *arg)
{
	const char *why = NULL;
	size_t at = 0;
	if (o->has_format)
		format_free(&o->format);
	if (format_compile(&o->format, arg, &why, &at) < 0) {
		errorf("mqsub", "bad -F format: %s at byte %zu:", why, at + 1);
		fprintf(stderr, "  %s\n  %*s^\n", arg, (int)at, "");
		return -1;
	}
	o->has_format = true;
	return 1;
}

/* The output options (sub_print.h).  Returns 1 handled, 0 not ours, -1
 * error. */
static int output_option(sub_opts *o, int opt, const char *arg)
{
	int v;
	switch (opt) {
	case '0': o->eol = '\0'; break;
	case OPT_JSON: o->print.json = true; break;
	case OPT_JSON_PAYLOAD:
		if ((v = json_payload_parse(arg)) < 0) {
			errorf("mqsub", "bad --json-payload '%s': auto, json, string or base64", arg);
			return -1;
		}
		o->print.js.payload = (json_payload)v;
		break;
	case OPT_PRETTY: o->print.pretty = true; break;
	case OPT_HEX: o->print.enc = ENC_HEX; break;
	case OPT_BASE64: o->print.enc = ENC_BASE64; break;
	case OPT_COLOR:
		if ((v = !arg ? 1 : !strcmp(arg, "auto") ? -1 : !strcmp(arg, "always") ? 1
			 : !strcmp(arg, "never") ? 0 : 2) == 2) {
			errorf("mqsub", "bad --color '%s': auto, always or never", arg);
			return -1;
		}
		o->color = v;
		break;
	default: return 0;
	}
	return 1;
}

/* Returns 1 handled, 0 not ours, -1 error. */
static int sub_option(void *tool, int opt, char *arg)
{
	sub_opts *o = tool;
	switch (opt) {
	case 't':
		if (check_filter("-t", arg, o->nsubs) < 0)
			return -1;
		o->subs[o->nsubs++].filter = bytes_of(arg);
		break;
	case 'T':
		if (check_filter("-T", arg, o->nfilter_out) < 0)
			return -1;
		o->filter_out[o->nfilter_out++] = bytes_of(arg);
		break;
	case 'v': o->verbose = true; break;
	case 'N': o->no_newline = true; break;
	case 'C': return parse_number("mqsub", "--count", arg, 1, ULONG_MAX, &o->count) < 0 ? -1 : 1;
	case 'R': o->no_retained = true; break;
	case OPT_RETAINED_ONLY: o->retained_only = true; break;
	case 'E': o->exit_after_sub = true; break;
	case 'F': return compile_format(o, arg);
	default: {
		int r = output_option(o, opt, arg);
		if (!r)
			r = subscribe_option(&o->spec, &o->c, opt, arg);
		return r ? r : exec_option(&o->exec, &o->c, opt, arg);
	}
	}
	return 1;
}

/* The output options that cannot go together; colour decided. */
static int check_output_opts(sub_opts *o)
{
	sub_print *p = &o->print;
	const char *clash = o->has_format && p->json ? "-F and --json"
		: (o->has_format || p->json) && p->enc != ENC_RAW ? "--hex/--base64 and -F or --json"
		: o->has_format && p->pretty ? "--pretty and -F" : NULL;
	if (clash) {
		errorf("mqsub", "%s cannot be used together", clash);
		return -1;
	}
	p->format = o->has_format ? &o->format : NULL;
	p->verbose = o->verbose;
	p->color = o->color > 0 || (o->color < 0 && output_color_auto(STDOUT_FILENO));
	p->color &= (o->verbose && !o->has_format) || p->json;
	p->js.pretty = p->pretty;
	p->js.color = p->color;
	o->fancy = sub_print_fancy(p);
	return 0;
}

static int check_sub_opts(sub_opts *o)
{
	/* The topic of -L is one more filter, with -t or without (as
	 * mosquitto_sub does). */
	if (o->c.url_topic && sub_option(o, 't', o->c.url_topic) < 0)
		return -1;
	if (o->nsubs == 0 && o->spec.nunsubs == 0) {
		errorf("mqsub", "no topic: give -t FILTER (or a topic in -L), or -U FILTER");
		return -1;
	}
	if (o->no_retained && o->retained_only) {
		errorf("mqsub", "-R and --retained-only cannot be used together");
		return -1;
	}
	if (subscribe_finish(&o->spec, &o->c, o->subs, o->nsubs) < 0)
		return -1;
	if (check_output_opts(o) < 0 || exec_finish(&o->exec, &o->c) < 0)
		return -1;
	if (o->exec.enabled && (o->verbose || o->fancy || o->no_newline || o->eol != '\n' ||
				o->exit_after_sub || o->retained_only ||
				o->spec.remove_retained)) {
		errorf("mqsub", "--exec prints what the handlers print: -v, -F, -N, -0, "
		       "--json, --hex, --base64, -E, --retained-only and "
		       "--remove-retained cannot go with it");
		return -1;
	}
	return common_finish(&o->c);
}

/* Returns 0 to run, or an exit code + 1 (so 1 means exit 0). */
static int parse_args(sub_opts *o, int argc, char **argv)
{
	common_defaults(&o->c, "mqsub", 0);
	o->eol = '\n';
	o->color = -1;
	tool_cli cli = { "t:T:vNC:REF:0U:j:", long_options, sub_option, o, usage };
	int r = parse_command_line(&o->c, &cli, argc, argv);
	if (r)
		return r;
	return check_sub_opts(o) < 0 ? EXIT_USAGE + 1 : 0;
}

/* ---- the app: prints messages, decides when to stop -------------------- */

static bool filtered_out(const sub_opts *o, const mq_publish *p)
{
	for (size_t i = 0; i < o->nfilter_out; i++)
		if (mq_topic_matches(o->filter_out[i], p->topic))
			return true;
	return false;
}

static int print_message(sub_app *a, const mq_publish *p)
{
	int r = 0;
	if (a->o->fancy) {   /* -F, --json, --hex... */
		r = sub_print_message(&a->o->print, &a->out, p);
	} else {
		/* the common case in one copy: topic, space, payload, end */
		size_t head = a->o->verbose ? p->topic.len + 1 : 0;
		size_t n = head + p->payload.len + !a->o->no_newline;
		char *d = outbuf_reserve(&a->out, n);
		if (d) {
			if (head) {
				memcpy(d, p->topic.ptr, p->topic.len);
				d[p->topic.len] = ' ';
			}
			if (p->payload.len)
				memcpy(d + head, p->payload.ptr, p->payload.len);
			if (!a->o->no_newline)
				d[n - 1] = a->o->eol;
			a->out.len += n;
			return 0;
		}
		if (a->o->verbose) {
			r |= outbuf_put(&a->out, p->topic.ptr, p->topic.len);
			r |= outbuf_put(&a->out, " ", 1);
		}
		r |= outbuf_put(&a->out, p->payload.ptr, p->payload.len);
	}
	if (!a->o->no_newline)
		r |= outbuf_put(&a->out, &a->o->eol, 1);
	return r;
}

/* Output that can take no more: the reader went away (EPIPE), a write
 * failed, or a stop signal came while the reader was not reading. */
static bool output_over(const sub_app *a)
{
	return a->out.closed || a->out.error || a->out.interrupted;
}

/* Why output stopped: the reader went away (-MQ_E_APP_STOP: finish
 * quietly), or a write failed or was cut short by a signal
 * (-MQ_E_APP_FAILED: drop the link with what was not written
 * unacknowledged, so no message is lost). */
static int output_stopped(const sub_app *a)
{
	return a->out.error || a->out.interrupted ? -MQ_E_APP_FAILED : -MQ_E_APP_STOP;
}

/* The options that look at a message before it is printed: true when
 * one of them took it (its result in *rc), false to print it. */
static bool screened(sub_app *a, const mq_publish *p, int *rc)
{
	const sub_opts *o = a->o;
	*rc = 0;
	if (o->retained_only && !p->retain) {
		a->finished = true;
		*rc = -MQ_E_APP_STOP;
		return true;
	}
	if (o->retained_only)
		a->quiet_until = mq_now_ms() + RETAINED_QUIET_MS;
	if (filtered_out(o, p))
		return true;
	if (o->spec.remove_retained && p->retain && p->payload.len &&
	    (a->clear_err = sub_clear_add(&a->clear, p->topic)) < 0) {
		*rc = a->clear_err;
		return true;
	}
	if (o->no_retained && p->retain)
		return true;
	if (o->exec.enabled) {
		*rc = sub_exec_message(&a->x, p);
		return true;
	}
	return false;
}

/* Returning -MQ_E_APP_STOP leaves the message unacknowledged, so with a
 * kept session the broker delivers it to the next run. */
static int on_message(void *ctx, const mq_publish *p)
{
	sub_app *a = ctx;
	const sub_opts *o = a->o;
	int rc;
	if (output_over(a))
		return output_stopped(a);
	if (a->finished || o->nsubs == 0)   /* -U alone: print nothing */
		return -MQ_E_APP_STOP;
	if (a->screening && screened(a, p, &rc))
		return rc;
	if (print_message(a, p) < 0)
		return output_stopped(a);
	a->received++;
	if (o->count && a->received >= o->count)
		a->finished = true;
	return 0;
}

static void on_subscribed(void *ctx, const mq_suback *ack)
{
	sub_app *a = ctx;
	for (size_t i = 0; i < ack->reasons.len && i < a->o->nsubs; i++) {
		uint8_t r = ack->reasons.ptr[i];
		uint8_t asked = a->o->subs[i].options & MQ_SUBOPT_QOS_MASK;
		if (r < asked && !a->lower_qos_told && (a->o->verbose || a->base.debug)) {
			mq_bytes f = a->o->subs[i].filter;
			errorf("mqsub", "subscription to '%.*s' granted QoS %u, not %u",
			       (int)f.len, (const char *)f.ptr, r, asked);
			a->lower_qos_told = true;
		}
		if (r < 0x80)
			continue;
		mq_bytes f = a->o->subs[i].filter;
		errorf("mqsub", "subscription to '%.*s' refused: %s", (int)f.len,
		       (const char *)f.ptr, mq_reason_text(a->base.version, MQ_SUBACK, r));
		a->refused = true;
		a->finished = true;
	}
	a->subacks_seen++;
	if (a->o->exit_after_sub && !a->unsub_pending)
		a->finished = true;
	if (a->o->retained_only)
		a->quiet_until = mq_now_ms() + RETAINED_QUIET_MS;
}

/* -U done: alone, or with -E once the SUBACK came too, the run is over. */
static void on_unsubscribed(void *ctx, const mq_suback *ack)
{
	sub_app *a = ctx;
	if (!subscribe_unsuback(&a->o->spec, a->base.version, ack))
		a->refused = true;
	a->unsub_pending = false;
	if (a->o->nsubs == 0 || (a->o->exit_after_sub && a->subacks_seen))
		a->finished = true;
}

static bool sub_done(void *ctx, mq_client *c)
{
	sub_app *a = ctx;
	(void)c;
	if (a->quiet_until && mq_now_ms() >= a->quiet_until)
		a->finished = true;   /* --retained-only: no more retained ones */
	return (a->finished && !sub_clear_busy(&a->clear)) || output_over(a);
}

/* --remove-retained: publish the clears the session has room for. */
static int sub_pump(void *ctx, mq_client *c, bool readable)
{
	sub_app *a = ctx;
	(void)readable;
	int rc = sub_clear_pump(&a->clear, &c->session);
	if (rc < 0)
		a->clear_err = rc;
	return rc;
}

static void on_delivered(void *ctx, uint64_t tag, uint8_t reason)
{
	sub_app *a = ctx;
	if (a->o->exec.enabled)   /* a reply or a dead letter */
		sub_exec_delivered(&a->x, tag, reason);
	else   /* else every message mqsub publishes is a clear */
		sub_clear_delivered(&a->clear, reason);
}

static void on_connected(void *ctx, const mq_connack *ack)
{
	sub_app *a = ctx;
	if (a->o->exec.enabled)
		sub_exec_connected(&a->x, ack);
}

/* --retained-only: wake up when the quiet period ends. */
static uint64_t sub_wakeup(void *ctx)
{
	sub_app *a = ctx;
	return a->quiet_until ? a->quiet_until : UINT64_MAX;
}

/* After each read, before the acknowledgements go out: what was printed
 * must be written first. */
static int sub_flush(void *ctx)
{
	sub_app *a = ctx;
	if (outbuf_flush(&a->out) < 0 && !a->out.closed)
		return -MQ_E_APP_FAILED;
	return 0;
}

/* rc: the run's result, 0 when it ended normally or by a signal
 * (stopped). */
static int sub_result(sub_app *a, mq_client *c, int rc, bool stopped)
{
	outbuf_flush(&a->out);
	if (a->o->spec.remove_retained && !sub_clear_report(&a->clear) && rc >= 0 &&
	    !a->out.error && !a->out.interrupted)
		return EXIT_INCOMPLETE;
	if (a->out.error) {
		errorf("mqsub", "cannot write output: %s", strerror(a->out.error));
		return EXIT_NETWORK;
	}
	if (a->out.interrupted) {
		errorf("mqsub", "interrupted while standard output was not read: "
		       "messages not written were not acknowledged");
		return EXIT_INCOMPLETE;
	}
	if (a->refused)
		return EXIT_INCOMPLETE;
	if (stopped && a->o->count && a->received < a->o->count) {
		errorf("mqsub", "interrupted after %lu of %lu %s", a->received,
		       a->o->count, messages_word(a->o->count));
		return EXIT_INCOMPLETE;
	}
	if (rc == -MQ_E_TIMEOUT && c->ever_connected) {
		if (a->o->count && a->received < a->o->count) {
			errorf("mqsub", "timed out after %lu of %lu %s",
			       a->received, a->o->count, messages_word(a->o->count));
			return EXIT_TIMEOUT;
		}
		return EXIT_OK;
	}
	if (rc < 0 && rc == a->clear_err) {
		errorf("mqsub", "cannot clear retained messages: %s", mq_strerror(rc));
		return EXIT_NETWORK;
	}
	if (rc < 0)
		return run_failure(&a->base, c, rc, NULL);
	return EXIT_OK;
}

static void sub_session_config(const sub_opts *o, mq_session_config *sc)
{
	common_session_config(&o->c, sc);
	/* mqsub publishes nothing: --max-inflight bounds what the broker
	 * may send it unacknowledged. */
	if (!o->c.connect.receive_max)
		sc->receive_max = (uint16_t)(o->exec.enabled && !o->c.max_inflight
					     ? o->exec.jobs : o->c.max_inflight);
	subscribe_session_config(&o->spec, sc);
}

int main(int argc, char **argv)
{
	static sub_opts o;
	int closed_fds = run_std_streams();
	if (closed_fds < 0)
		return EXIT_NETWORK;   /* no /dev/null: nothing can be said */
	int r = exec_take_argv(&o.exec, &argc, argv) < 0 ? EXIT_USAGE + 1
		: parse_args(&o, argc, argv);
	common_wipe_argv(&o.c);
	if (r)
		return r - 1;
	if (closed_fds & 2) {   /* what arrives would be acknowledged, then lost */
		errorf("mqsub", "standard output is closed: nowhere to print messages");
		return EXIT_USAGE;
	}
	set_quiet(o.c.quiet);   /* usage errors said; runtime ones not */

	static sub_app a;
	a.base = (tool_base){ "mqsub", o.c.version, o.c.debug };
	a.o = &o;
	a.screening = o.retained_only || o.nfilter_out || o.spec.remove_retained ||
		      o.no_retained || o.exec.enabled;
	outbuf_init(&a.out, STDOUT_FILENO);

	mq_session_config sc;
	mq_client_config cc;
	sub_session_config(&o, &sc);
	common_client_config(&o.c, &cc);
	mq_session_events ev = { .ctx = &a, .message = on_message,
				 .subscribed = on_subscribed,
				 .unsubscribed = on_unsubscribed,
				 .delivered = on_delivered,
				 .connected = on_connected };
	mq_client_app app = { .ctx = &a, .done = sub_done, .flush = sub_flush,
			      .wakeup_ms = sub_wakeup,
			      .pump = o.spec.remove_retained ? sub_pump : NULL };
	if (o.exec.enabled)   /* the handlers drive the loop */
		app = (mq_client_app){ .ctx = &a.x, .input_fd = sub_exec_input_fd,
				       .pump = sub_exec_pump, .done = sub_exec_done,
				       .hold = sub_exec_hold, .wakeup_ms = sub_exec_wakeup };
	a.clear.qos = o.c.qos;
	run_debug_events(&a.base, &ev, &cc);
	if (run_install_signals(&cc) < 0) {
		errorf("mqsub", "cannot set up signals: %s", strerror(errno));
		return EXIT_NETWORK;
	}
	outbuf_stop_on(&a.out, cc.stop_flag, cc.stop_fd);
	if (o.exec.enabled && sub_exec_init(&a.x, &o.exec, &a.out, cc.stop_flag, cc.stop_fd,
					    o.count, &a.finished) < 0)
		return EXIT_USAGE;

	static mq_client c;
	mq_client_init(&c, &cc, &sc, &ev, &app);
	int rc = mq_client_restore(&c);
	if (rc < 0 && rc != -MQ_E_TIMEOUT) {   /* a state file we cannot use */
		errorf("mqsub", "%s", c.err);
		mq_client_free(&c);
		return EXIT_USAGE;
	}
	mq_session_subscribe(&c.session, o.subs, o.nsubs, mq_now_ms());
	a.unsub_pending = o.spec.nunsubs > 0;
	if (a.unsub_pending)
		mq_session_unsubscribe(&c.session, o.spec.unsubs, o.spec.nunsubs, mq_now_ms());
	if (rc == 0)
		rc = mq_client_run(&c);
	int code = sub_result(&a, &c, rc == MQ_CLIENT_STOPPED ? 0 : rc,
			      rc == MQ_CLIENT_STOPPED && !o.exec.enabled);
	if (o.exec.enabled) {
		int e = sub_exec_result(&a.x, code == EXIT_OK);
		code = code == EXIT_OK ? e : code;
		sub_exec_free(&a.x);
	}
	mq_client_free(&c);
	outbuf_free(&a.out);
	sub_clear_free(&a.clear);
	return code;
}
