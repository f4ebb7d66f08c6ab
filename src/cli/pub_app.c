/* pub_app.c - mqpub's app: publishes from -m/-f/-s/-n (repeated with
 * --repeat), -l and --topic-lines as the session has room and the pacer
 * allows, and counts what the broker acknowledged. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pub.h"

bool reads_lines(const pub_opts *o)
{
	return o->mode == MODE_LINES || o->mode == MODE_TOPIC_LINES ||
	       o->mode == MODE_JSON;
}

void on_delivered(void *ctx, uint64_t tag, uint8_t reason)
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

/* Without -M, a QoS 1 stream keeps as many messages in flight as the
 * broker's Receive Maximum allows (the session's window is the smaller
 * of the two), up to 4096: a window of 100 left the broker idle whenever
 * mqpub was not scheduled in time (0.75-0.84 of a raw pipelined writer's
 * rate), 4096 reaches 0.95 of it in about 3.4 MB, the full 65535 1.10 in
 * 16 MB (README, "Against the floor").  Not at QoS 2 (mosquitto 2.0
 * looks every PUBREL up in a list: 65535 in flight made it ten times
 * slower), not with a state file (saved whole at every change) nor a
 * spool. */
#define PUB_DEFAULT_WINDOW_QOS1 4096
void pub_window_default(const pub_opts *o, mq_session_config *sc)
{
	if (!o->c.max_inflight && o->c.version == MQ_V5 && o->c.qos < 2 &&
	    !o->c.state_path[0] && !o->spool_dir)
		sc->max_inflight = PUB_DEFAULT_WINDOW_QOS1;
}

/* Room in the window, and (--rate, --repeat-delay) the next message is
 * due.  Asked before input is taken, so that nothing taken waits. */
static bool may_publish(pub_app *a, mq_client *c, uint8_t qos)
{
	if (!mq_session_can_publish(&c->session, qos))
		return false;
	return !a->pace.interval_ns || pacer_ready(&a->pace, pace_now_ns());
}

/* Publish one payload (may_publish() said yes).  Returns 1 sent, or -1. */
static int publish_one(pub_app *a, mq_client *c, const uint8_t *p, size_t n)
{
	a->msg.payload = (mq_bytes){ p, n };
	long long tag = mq_session_publish(&c->session, &a->msg, mq_now_ms());
	if (tag < 0) {
		a->publish_error = (int)tag;
		return -1;
	}
	if (a->pace.interval_ns)
		pacer_sent(&a->pace, pace_now_ns());
	a->published++;
	a->published_q0 += a->msg.qos == 0;
	return 1;
}

/* A line that cannot be sent: say which and why; without --skip-bad
 * nothing after it is sent. */
static void bad_line(pub_app *a, const char *why)
{
	a->bad_lines++;
	errorf("mqpub", "line %llu: %s%s", a->line_no, why,
	       a->o->skip_bad ? ": skipped" : ": stopping, nothing after it is sent");
	if (!a->o->skip_bad)
		a->input_stopped = true;
}

/* Turn an input line into a->msg and a->line_payload.  Returns 0, or
 * -1 for a bad line (reported). */
static int take_line(pub_app *a, const uint8_t *line, size_t len)
{
	const char *why = NULL;
	char detail[160];
	a->line_payload = (mq_bytes){ line, len };
	if (a->o->mode == MODE_JSON) {
		if (json_take_line(a, line, len, &why, detail, sizeof detail) == 0)
			return 0;
		bad_line(a, why);
		return -1;
	}
	if (a->o->mode == MODE_TOPIC_LINES) {
		const char *sep = a->o->topic_sep ? a->o->topic_sep : "\t";
		const uint8_t *topic;
		size_t tlen;
		if (split_topic_line(line, len, sep, strlen(sep), &topic, &tlen,
				     &a->line_payload.ptr, &a->line_payload.len, &why) == 0) {
			a->msg.topic = (mq_bytes){ topic, tlen };
			a->msg.topic_checked = true;   /* split_topic_line did */
		}
	}
	if (!why && a->o->props.utf8_payload &&
	    mq_utf8_check(a->line_payload.ptr, a->line_payload.len) < 0)
		why = "payload not valid UTF-8 (--payload-format utf8)";
	if (!why)
		return 0;
	bad_line(a, why);
	return -1;
}

/* Take the next line into a->held.  Returns 1 held, 0 when more input is
 * needed (or none is left). */
static int hold_next_line(pub_app *a)
{
	const uint8_t *line;
	size_t len;
	while (!a->input_stopped) {
		if (!linereader_next(&a->lines, &line, &len)) {
			a->lines_need_input = !a->lines.eof;
			return 0;
		}
		a->line_no++;
		a->input_bytes += len + 1;
		if (take_line(a, line, len) == 0) {
			a->held = true;
			return 1;
		}
	}
	return 0;
}

/* -l, --topic-lines and --json: one message per line, while there is
 * room.  -l and --topic-lines take a line only when it can go at once;
 * --json reads a line first (its QoS and time say when it can go). */
static int pump_lines(pub_app *a, mq_client *c, bool readable)
{
	const char *why;
	bool json = a->o->mode == MODE_JSON;
	if (readable && linereader_fill(&a->lines) < 0)
		return -MQ_E_APP_STOP;
	while (!a->input_stopped) {
		if (!json && !may_publish(a, c, a->msg.qos)) {
			a->lines_need_input = false;
			return 0;
		}
		if (!a->held && !hold_next_line(a))
			return 0;
		if (json && (!may_publish(a, c, a->msg.qos) || !replay_ready(a))) {
			a->lines_need_input = false;
			return 0;
		}
		a->held = false;
		if (json && !json_line_fits(a, c, &why)) {
			bad_line(a, why);
			continue;
		}
		if (publish_one(a, c, a->line_payload.ptr, a->line_payload.len) < 0)
			return -MQ_E_APP_STOP;
	}
	return 0;
}

/* --spool: publish the queued messages in order, each with its own
 * topic, QoS and retain flag. */
static int pump_spool(pub_app *a, mq_client *c)
{
	while (a->spool_next < a->sp.nmsgs) {
		spool_msg *m = &a->sp.msgs[a->spool_next];
		if (!may_publish(a, c, m->qos))
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
		if (a->pace.interval_ns)
			pacer_sent(&a->pace, pace_now_ns());
	}
	return 0;
}

progress_counts pub_counts(const pub_app *a)
{
	return (progress_counts){ a->published, a->acked, a->input_bytes };
}

int pub_pump(void *ctx, mq_client *c, bool readable)
{
	pub_app *a = ctx;
	if (progress_due_ms() != UINT64_MAX) {
		progress_counts n = pub_counts(a);
		progress_tick(mq_now_ms(), &n);
	}
	if (a->spooling)
		return pump_spool(a, c);
	if (reads_lines(a->o))
		return pump_lines(a, c, readable);
	if (a->o->request && !request_ready(a))
		return 0;   /* the response topic first */
	/* -m/-f/-s: the payload lives to the end of the run; a large one is
	 * sent from where it is, never copied (mq_message.payload_stable) */
	a->msg.payload_stable = true;
	a->msg.payload_in_file = a->win.in_file;
	a->msg.payload_fd = a->win.fd;
	a->msg.payload_off = a->win.off;
	while (!a->single_sent && may_publish(a, c, a->msg.qos)) {
		if (publish_one(a, c, a->whole, a->whole_len) < 0)
			return -MQ_E_APP_STOP;
		a->input_bytes += a->whole_len;
		a->single_sent = ++a->repeats_sent >= (a->o->repeat ? a->o->repeat : 1);
	}
	return 0;
}

int pub_input_fd(void *ctx, mq_client *c)
{
	pub_app *a = ctx;
	(void)c;
	if (!reads_lines(a->o) || a->lines.eof || a->lines.error || a->input_stopped)
		return -1;
	return a->lines_need_input ? a->lines.fd : -1;
}

bool pub_done(void *ctx, mq_client *c)
{
	pub_app *a = ctx;
	(void)c;
	if (a->spooling)
		return a->spool_next == a->sp.nmsgs;
	if (reads_lines(a->o))
		return (linereader_done(&a->lines) && !a->held) || a->input_stopped;
	if (a->o->request)
		return request_done(a);
	return a->single_sent;
}

/* --rate, --repeat-delay: when the next message is due. */
uint64_t pub_wakeup(void *ctx)
{
	pub_app *a = ctx;
	uint64_t pace = pacer_due_ms(&a->pace), show = progress_due_ms();
	uint64_t replay = replay_due_ms(a), t = pace < show ? pace : show;
	return replay < t ? replay : t;
}

/* Progress by default when lines come from a regular file, whose size
 * then gives the share done. */
void start_progress(const pub_app *a)
{
	struct stat st;
	bool file = reads_lines(a->o) && fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode);
	if (a->o->progress == 0 || (a->o->progress < 0 && !file))
		return;
	unsigned long long total = 0;
	if (file) {
		off_t at = lseek(STDIN_FILENO, 0, SEEK_CUR);
		total = (unsigned long long)(st.st_size - (at > 0 ? at : 0));
	} else if (!reads_lines(a->o)) {
		total = (unsigned long long)a->whole_len * (a->o->repeat ? a->o->repeat : 1);
	}
	progress_start(mq_now_ms(), total);
}

void publish_error_text(const pub_app *a, const mq_client *c, char *buf,
			size_t len)
{
	const char *what = mq_strerror(a->publish_error);
	uint32_t max = c->session.broker_max_packet;
	if (a->publish_error != -MQ_E_PACKET_TOO_LARGE)
		snprintf(buf, len, "%s", what);
	else if (max)   /* MQTT 5.0 §3.2.2.3.6: nothing was sent */
		snprintf(buf, len, "a payload of %zu bytes is larger than the "
			 "broker's maximum packet size (%lu bytes); nothing sent",
			 a->msg.payload.len, (unsigned long)max);
	else
		snprintf(buf, len, "a payload of %zu bytes makes a packet larger than "
			 "MQTT allows (256 MB); nothing sent", a->msg.payload.len);
}

/* --payload-format utf8 promises UTF-8: check before sending. */
static int check_utf8_payload(const pub_app *a, const char *what)
{
	if (!a->o->props.utf8_payload || mq_utf8_check(a->whole, a->whole_len) == 0)
		return 0;
	errorf("mqpub", "%s is not valid UTF-8 (--payload-format utf8)", what);
	return -1;
}

/* Load the -m/-f/-s/-n payload before connecting. */
int load_payload(pub_app *a)
{
	const pub_opts *o = a->o;
	if (o->mode == MODE_MESSAGE) {
		a->whole = (uint8_t *)o->message;
		a->whole_len = strlen(o->message);
		return check_utf8_payload(a, "the message");
	}
	if (o->mode == MODE_NULL || reads_lines(o))
		return 0;
	int fd = 0;
	if (o->mode == MODE_FILE && (fd = open(o->file, O_RDONLY | O_CLOEXEC)) < 0) {
		errorf("mqpub", "cannot read '%s': %s", o->file, strerror(errno));
		return -1;
	}
	const char *what = o->mode == MODE_FILE ? o->file : "standard input";
	int r = whole_input_load(&a->win, fd, MAX_PAYLOAD, "mqpub", what);
	if (r < 0)
		errorf("mqpub", "cannot read '%s': %s", what,
		       errno == EFBIG ? "larger than the largest MQTT message" : strerror(errno));
	a->whole = a->win.ptr;
	a->whole_len = a->win.len;
	/* a mapped file is sent from its fd: kept open until the end */
	if (fd > 0 && (r < 0 || !a->win.in_file))
		close(fd);
	return r < 0 ? r : check_utf8_payload(a, what);
}

