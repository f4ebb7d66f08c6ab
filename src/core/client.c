/* client.c - the poll loop: moves bytes between transport and session,
 * runs timers, lets the front end publish, and reconnects with
 * exponential backoff and jitter after a lost link. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "client_internal.h"
#include "store.h"
#include "transport_ws.h"

#define READS_PER_WAKEUP 16
#define LINGER_MS 1000

uint64_t mq_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void mq_client_init(mq_client *c, const mq_client_config *cfg,
		    const mq_session_config *scfg,
		    const mq_session_events *ev, const mq_client_app *app)
{
	memset(c, 0, sizeof *c);
	c->cfg = *cfg;
	c->app = *app;
	c->transport.fd = -1;
	c->state_lock = -1;
	mq_session_init(&c->session, scfg, ev);
	mq_reader_init(&c->reader, scfg->version, scfg->max_packet);
	c->rng = (uint32_t)mq_now_ms() ^ ((uint32_t)getpid() << 16) ^ 0x9e3779b9u;
}

void mq_client_free(mq_client *c)
{
	mq_transport_close(&c->transport);
	mq_session_free(&c->session);
	mq_reader_free(&c->reader);
	if (c->state_lock >= 0)
		close(c->state_lock);
	c->state_lock = -1;
}

void cl_notice(mq_client *c, const char *line)
{
	if (c->cfg.notice)
		c->cfg.notice(c->cfg.notice_ctx, line);
}

static bool stop_requested(const mq_client *c)
{
	return c->cfg.stop_flag && *c->cfg.stop_flag;
}

/* A signal or the run deadline ends the run: disconnect cleanly. */
static bool ending(const mq_client *c)
{
	return c->timed_out || stop_requested(c);
}

/* xorshift32: jitter only, not security. */
static uint32_t next_random(mq_client *c)
{
	uint32_t x = c->rng ? c->rng : 1;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return c->rng = x;
}

/* Delay before reconnect attempt n (1-based): min * 2^(n-1), capped at
 * max, then jittered down to a random point in [delay/2, delay]. */
static uint32_t backoff_ms(mq_client *c, unsigned n)
{
	uint64_t d = c->cfg.reconnect_min_ms ? c->cfg.reconnect_min_ms : 1;
	for (unsigned i = 1; i < n && d < c->cfg.reconnect_max_ms; i++)
		d *= 2;
	if (d > c->cfg.reconnect_max_ms)
		d = c->cfg.reconnect_max_ms;
	uint32_t half = (uint32_t)(d / 2);
	return half + (half ? next_random(c) % (half + 1) : 0);
}

void cl_set_err(mq_client *c, const char *what, int rc, const char *why)
{
	snprintf(c->err, sizeof c->err, "%.150s: %.160s", what,
		 why && *why ? why : mq_strerror(rc));
}

/* Drop the link; the session keeps what must be re-sent. */
void cl_link_down(mq_client *c)
{
	mq_transport_close(&c->transport);
	mq_reader_reset(&c->reader);
	mq_session_link_lost(&c->session);
	c->link_up = false;
}

/* Sleep until `until`, a stop request or the run deadline.  Returns 0,
 * MQ_CLIENT_STOPPED or -MQ_E_TIMEOUT. */
static int wait_until(mq_client *c, uint64_t until)
{
	for (;;) {
		if (stop_requested(c))
			return MQ_CLIENT_STOPPED;
		uint64_t now = mq_now_ms();
		if (c->cfg.deadline_ms && now >= c->cfg.deadline_ms)
			return -MQ_E_TIMEOUT;
		if (now >= until)
			return 0;
		uint64_t end = until;
		if (c->cfg.deadline_ms && c->cfg.deadline_ms < end)
			end = c->cfg.deadline_ms;
		struct pollfd pfd = { .fd = c->cfg.stop_fd, .events = POLLIN };
		poll(&pfd, c->cfg.stop_fd >= 0 ? 1 : 0, (int)(end - now));
	}
}

/* One TCP connect + CONNECT.  Returns 0 or -MQ_E_* with c->err set. */
static int open_link(mq_client *c)
{
	uint64_t now = mq_now_ms();
	int timeout = c->cfg.connect_timeout_ms;
	if (c->cfg.deadline_ms) {
		if (now >= c->cfg.deadline_ms)
			return -MQ_E_TIMEOUT;
		if (c->cfg.deadline_ms - now < (uint64_t)timeout)
			timeout = (int)(c->cfg.deadline_ms - now);
	}
	const mq_endpoint *ep = &c->cfg.endpoints[c->endpoint];
	int rc = ep->ws ? mq_ws_connect(&c->transport, ep, c->cfg.tls, timeout)
		: c->cfg.tls && c->cfg.tls->enabled
		? mq_tls_connect(&c->transport, ep, c->cfg.tls, timeout)
		: mq_tcp_connect(&c->transport, ep, timeout);
	bool past_deadline = c->cfg.deadline_ms && mq_now_ms() >= c->cfg.deadline_ms;
	if (rc == -MQ_E_TIMEOUT && !past_deadline)
		rc = -MQ_E_CONNECT;   /* the connect timeout, not -W */
	char name[280];
	mq_endpoint_name(ep, name, sizeof name);
	if (rc == -MQ_E_TIMEOUT) {
		snprintf(c->err, sizeof c->err, "timed out connecting to %s", name);
		return rc;
	}
	if (rc < 0) {
		char what[300];
		snprintf(what, sizeof what, "cannot connect to %s", name);
		cl_set_err(c, what, rc, c->transport.err);
		return rc;
	}
	c->first_len = 0;
	if (c->transport.info[0] && c->session.ev.log)
		c->session.ev.log(c->session.ev.ctx, c->transport.info);
	rc = mq_session_connect(&c->session, mq_now_ms());
	if (rc < 0) {
		mq_transport_close(&c->transport);
		cl_set_err(c, "cannot start session", rc, NULL);
		return rc;
	}
	c->link_up = true;
	c->connack_deadline = mq_now_ms() + (uint64_t)c->cfg.connect_timeout_ms;
	return 0;
}

/* Should a failed (re)connect be tried again?  Before the first
 * connection every broker of the list gets one try, no more. */
bool cl_may_retry(const mq_client *c)
{
	if (!c->ever_connected)
		return c->failures < c->cfg.endpoint_count;
	if (!c->cfg.reconnect)
		return false;
	return c->cfg.reconnect_tries == 0 || c->failures < c->cfg.reconnect_tries;
}

/* After a failure, the next attempt goes to the next broker. */
void cl_next_endpoint(mq_client *c)
{
	if (c->cfg.endpoint_count > 1) {
		c->endpoint = (c->endpoint + 1) % c->cfg.endpoint_count;
		char line[500], name[280];
		mq_endpoint_name(&c->cfg.endpoints[c->endpoint], name, sizeof name);
		snprintf(line, sizeof line, "%.200s; trying %s", c->err, name);
		cl_notice(c, line);
	}
}

/* Bring the link up, waiting out the backoff between attempts. */
static int establish(mq_client *c)
{
	for (;;) {
		if (c->ever_connected) {   /* a reconnect: back off first */
			int w = wait_until(c, mq_now_ms() + backoff_ms(c, c->failures + 1));
			if (w != 0)
				return w;
		}
		int rc = open_link(c);
		if (rc == 0)
			return 0;
		c->failures++;
		if (cl_may_retry(c))
			cl_next_endpoint(c);
		if (rc == -MQ_E_TIMEOUT && c->cfg.deadline_ms &&
		    mq_now_ms() >= c->cfg.deadline_ms)
			return rc;
		if (!cl_may_retry(c))
			return rc;
	}
}

/* One process at a time per state file: a second run with the same
 * client id would overwrite the first one's state, and the broker would
 * hand the session back and forth between the two.  Wait for the first to
 * end, within the run deadline and until a signal. */
static int lock_state(mq_client *c)
{
	bool told = false;
	for (;;) {
		int fd = mq_store_lock(c->cfg.state_path, c->err, sizeof c->err);
		if (fd >= 0) {
			c->state_lock = fd;
			return 0;
		}
		if (fd != -MQ_E_WOULD_BLOCK)
			return fd;
		if (!told) {
			char line[4200];
			snprintf(line, sizeof line, "waiting for another process with this "
				 "client id to end (it holds '%s.lock')", c->cfg.state_path);
			cl_notice(c, line);
			told = true;
		}
		int w = wait_until(c, mq_now_ms() + 100);
		if (w == -MQ_E_TIMEOUT)
			snprintf(c->err, sizeof c->err, "timed out waiting for another "
				 "process with this client id to end");
		if (w != 0)
			return w;
	}
}

int mq_client_restore(mq_client *c)
{
	if (!c->cfg.state_path)
		return 0;
	int rc = lock_state(c);
	if (rc != 0)
		return rc;
	rc = mq_store_load(c->cfg.state_path, &c->session, c->err, sizeof c->err);
	c->reader.version = c->session.cfg.version;   /* the state's, maybe 3.1.1 */
	c->saved_changes = c->session.changes;
	return rc < 0 ? rc : 0;
}

/* --state-dir: what the session must not forget goes to disk before the
 * packets that depend on it go to the broker. */
static int save_state(mq_client *c)
{
	if (!c->cfg.state_path || c->session.changes == c->saved_changes)
		return 0;
	int rc = mq_store_save(c->cfg.state_path, &c->session, c->err, sizeof c->err);
	if (rc == 0)
		c->saved_changes = c->session.changes;
	return rc;
}

/* Write queued session output until drained or the socket is full. */
static int flush_output(mq_client *c)
{
	int rc = save_state(c);
	if (rc < 0)
		return rc;
	for (;;) {
		size_t len;
		const uint8_t *p = mq_session_output(&c->session, &len);
		if (!p || len == 0)
			return 0;
		int fd;
		uint64_t off;
		const mq_transport_ops *ops = c->transport.ops;
		ssize_t n = ops->write_file && mq_session_output_file(&c->session, &fd, &off)
			? ops->write_file(&c->transport, p, len, fd, off)
			: ops->write(&c->transport, p, len);
		if (n == -MQ_E_WOULD_BLOCK)
			return 0;
		if (n < 0) {
			cl_set_err(c, n == -MQ_E_INPUT_SHRANK ? "cannot send the message"
				   : "connection lost", (int)n, c->transport.err);
			return (int)n;
		}
		mq_session_written(&c->session, (size_t)n, mq_now_ms());
		/* closing behind a large message: give up only when the
		 * broker stops taking bytes, not while it takes them */
		if (c->session.state == MQ_S_CLOSING)
			c->close_deadline = mq_now_ms() + LINGER_MS;
	}
}

/* MQTT 5.0 §4.13: before closing on a malformed packet or a protocol
 * error from the broker, tell it which: a DISCONNECT with the reason code
 * (the broker then publishes our will).  Not in answer to a DISCONNECT,
 * and only when nothing else waits to be written: best effort, one
 * non-blocking write, and the error already described stays the one
 * shown. */
static void answer_error(mq_client *c, int rc, uint8_t bad_type)
{
	uint8_t reason = mq_error_reason(rc);
	size_t pending;
	mq_session_output(&c->session, &pending);
	if (!reason || bad_type == MQ_DISCONNECT || pending ||
	    c->session.cfg.version != MQ_V5 || c->session.state != MQ_S_CONNECTED)
		return;
	char keep[sizeof c->err];
	memcpy(keep, c->err, sizeof keep);
	if (mq_session_disconnect(&c->session, reason, mq_now_ms()) == 0)
		(void)flush_output(c);
	memcpy(c->err, keep, sizeof keep);
}

/* Before any CONNACK, a packet that makes no sense is most likely no
 * MQTT at all: an HTTP server, an SSH daemon... say what it sent. */
static void not_mqtt_hint(mq_client *c)
{
	if (c->session.state != MQ_S_CONNECTING || !c->first_len ||
	    c->first[0] == 0x20)   /* a CONNACK, only not one we expected */
		return;
	char seen[sizeof c->first + 1];
	size_t n = 0;
	for (size_t i = 0; i < c->first_len && c->first[i] != '\r' && c->first[i] != '\n'; i++)
		seen[n++] = (char)c->first[i];
	seen[n] = '\0';
	size_t len = strlen(c->err);
	snprintf(c->err + len, sizeof c->err - len,
		 " (is this an MQTT port? the server sent '%s')", seen);
}

/* The first CONNACK of a link after a lost one: say so. */
static void link_up_notice(mq_client *c)
{
	c->ever_connected = true;
	c->connected_at = mq_now_ms();
	c->acked_at_link = c->session.acked;
	if (!c->reconnecting)
		return;
	c->reconnecting = false;
	char line[320], name[280];
	mq_endpoint_name(&c->cfg.endpoints[c->endpoint], name, sizeof name);
	snprintf(line, sizeof line, "reconnected to %s", name);
	cl_notice(c, line);
}

/* Decode and handle every whole packet buffered in the reader.  After
 * the app refused a message (-MQ_E_APP_STOP) the rest are still handled:
 * it refuses further messages too, but acknowledgements of what it
 * published must not wait in the buffer for more bytes to come.  now:
 * when their bytes were read. */
static int handle_packets(mq_client *c, uint64_t now)
{
	mq_packet pkt;
	int r, stop = 0;
	while ((r = mq_reader_next(&c->reader, &pkt)) == 1) {
		int rc = mq_session_handle(&c->session, &pkt, now);
		if (rc == -MQ_E_APP_STOP) {
			stop = rc;
			continue;
		}
		if (rc < 0) {
			if (rc == -MQ_E_UNEXPECTED_PACKET || rc == -MQ_E_PROTOCOL) {
				cl_set_err(c, "protocol error from broker", rc, NULL);
				not_mqtt_hint(c);
			}
			answer_error(c, rc, pkt.type);
			return rc;
		}
		if (c->session.state == MQ_S_CONNECTED && !c->connected_at) {
			link_up_notice(c);
			if (c->session.cfg.version == MQ_V5 && c->endpoint < 32)
				c->v5_acked |= 1u << c->endpoint;
		}
	}
	if (r < 0 && c->session.state == MQ_S_CONNECTING &&
	    c->session.cfg.version == MQ_V5 && mq_reader_v311_refusal(&c->reader)) {
		c->session.connack_reason = 0x84;   /* 3.1.1 return code 1 */
		return -MQ_E_REFUSED;
	}
	if (r < 0) {
		cl_set_err(c, "malformed packet from broker", r, NULL);
		not_mqtt_hint(c);
		answer_error(c, r, mq_reader_failed_type(&c->reader));
	}
	return r < 0 ? r : stop;
}

/* Read what the socket has (bounded), handling packets as they complete. */
static int read_input(mq_client *c)
{
	for (int i = 0; i < READS_PER_WAKEUP; i++) {
		size_t avail;
		uint8_t *space = mq_reader_space(&c->reader, &avail);
		if (!space)
			return -MQ_E_NOMEM;
		ssize_t n = c->transport.ops->read(&c->transport, space, avail);
		if (n == -MQ_E_WOULD_BLOCK)
			return 0;
		if (n < 0) {
			cl_set_err(c, "connection lost", (int)n, c->transport.err);
			return (int)n;
		}
		if (c->first_len < sizeof c->first && c->session.state == MQ_S_CONNECTING) {
			size_t k = sizeof c->first - c->first_len;
			k = (size_t)n < k ? (size_t)n : k;
			memcpy(c->first + c->first_len, space, k);
			c->first_len += k;
		}
		mq_reader_commit(&c->reader, (size_t)n);
		uint64_t now = mq_now_ms();   /* one read: its packets came at once */
		mq_session_read(&c->session, now);
		int rc = handle_packets(c, now);
		if (rc == -MQ_E_APP_STOP)
			return 0;   /* the app has all it wants: finish cleanly */
		if (rc < 0)
			return rc;
		if ((size_t)n < avail)
			return 0;
	}
	return 0;
}

/* After DISCONNECT is written: half-close, wait briefly for the broker to
 * close its side so no unread input turns our close() into a reset. */
static void linger_close(mq_client *c)
{
	shutdown(c->transport.fd, SHUT_WR);
	uint64_t end = mq_now_ms() + LINGER_MS;
	uint8_t scratch[512];
	for (;;) {
		uint64_t now = mq_now_ms();
		if (now >= end)
			break;
		struct pollfd pfd = { .fd = c->transport.fd, .events = POLLIN };
		if (poll(&pfd, 1, (int)(end - now)) <= 0)
			break;
		ssize_t n = c->transport.ops->read(&c->transport, scratch, sizeof scratch);
		if (n < 0 && n != -MQ_E_WOULD_BLOCK)
			break;
	}
	mq_transport_close(&c->transport);
	c->link_up = false;
}

static bool output_full(const mq_client *c)
{
	size_t pending;
	mq_session_output(&c->session, &pending);
	return pending > MQ_OUT_HIGH_WATER;
}

/* Let the app publish and write what it queued; while writing is what
 * makes room for more, go on (the app's buffered input is finite). */
static int pump_and_flush(mq_client *c, bool readable)
{
	for (;;) {
		if (c->app.pump && c->session.state == MQ_S_CONNECTED) {
			int rc = c->app.pump(c->app.ctx, c, readable);
			if (rc < 0)
				return rc;
		}
		readable = false;
		bool was_full = output_full(c);
		int rc = flush_output(c);
		if (rc < 0 || !was_full || output_full(c))
			return rc;
	}
}

/* Start the DISCONNECT once the app is done and nothing is in flight. */
static int maybe_finish(mq_client *c, bool stopping)
{
	if (c->session.state != MQ_S_CONNECTED)
		return 0;
	if (!stopping) {
		if (!c->app.done || !c->app.done(c->app.ctx, c))
			return 0;
		if (mq_session_inflight(&c->session) > 0)
			return 0;
	}
	c->close_deadline = mq_now_ms() + LINGER_MS;
	return mq_session_disconnect(&c->session, 0, mq_now_ms());
}

/* Milliseconds poll() may sleep. */
static int poll_timeout(const mq_client *c, uint64_t now)
{
	uint64_t next = mq_session_deadline(&c->session);
	if (c->session.state == MQ_S_CONNECTING && c->connack_deadline < next)
		next = c->connack_deadline;
	if (c->cfg.deadline_ms && !c->timed_out && c->cfg.deadline_ms < next)
		next = c->cfg.deadline_ms;
	if (c->session.state == MQ_S_CLOSING && c->close_deadline < next)
		next = c->close_deadline;
	if (c->app.wakeup_ms && c->session.state == MQ_S_CONNECTED) {
		uint64_t w = c->app.wakeup_ms(c->app.ctx);
		if (w < next)
			next = w;
	}
	if (next == UINT64_MAX)
		return -1;
	if (next <= now)
		return 0;
	return next - now > 60000 ? 60000 : (int)(next - now);
}

/* Timers: run deadline, CONNACK deadline, keepalive. */
static int run_timers(mq_client *c)
{
	uint64_t now = mq_now_ms();
	if (c->cfg.deadline_ms && now >= c->cfg.deadline_ms && !c->timed_out) {
		snprintf(c->err, sizeof c->err, "timed out");
		c->timed_out = true;
		return 0;
	}
	if (c->session.state == MQ_S_CONNECTING && now >= c->connack_deadline) {
		cl_set_err(c, "no CONNACK from broker", -MQ_E_TIMEOUT, NULL);
		return -MQ_E_KEEPALIVE;
	}
	int rc = mq_session_tick(&c->session, now);
	if (rc < 0)
		cl_set_err(c, "connection lost", rc, NULL);
	return rc;
}

enum { FD_SOCK, FD_INPUT, FD_STOP, FD_COUNT };

/* One turn of the loop.  Returns 0 to go on, 1 when the run is over,
 * or -MQ_E_*. */
static int step(mq_client *c)
{
	bool stopping = ending(c) &&
		!(c->app.hold && c->session.state == MQ_S_CONNECTED &&
		  c->app.hold(c->app.ctx, c));
	if (stopping && c->session.state == MQ_S_CONNECTING) {
		if (c->timed_out) {   /* -W: say what it was waiting for */
			char name[280];
			mq_endpoint_name(&c->cfg.endpoints[c->endpoint], name, sizeof name);
			snprintf(c->err, sizeof c->err, "timed out waiting for CONNACK from %s", name);
		}
		cl_link_down(c);
		return 1;
	}
	int rc = maybe_finish(c, stopping);
	if (rc == 0)
		rc = stopping ? flush_output(c) : pump_and_flush(c, false);
	if (rc < 0)
		return rc;
	size_t pending;
	mq_session_output(&c->session, &pending);
	if (c->session.state == MQ_S_CLOSING &&
	    (pending == 0 || mq_now_ms() >= c->close_deadline)) {
		linger_close(c);
		return 1;
	}
	struct pollfd pfd[FD_COUNT];
	short ev = (short)(POLLIN | (pending ? POLLOUT : 0));
	if (c->transport.ops->poll_events)   /* input it holds, a frame to finish */
		ev = (short)c->transport.ops->poll_events(&c->transport, pending != 0);
	pfd[FD_SOCK] = (struct pollfd){ .fd = c->transport.fd, .events = ev };
	int in_fd = -1;
	if (c->app.input_fd && c->session.state == MQ_S_CONNECTED && !stopping)
		in_fd = c->app.input_fd(c->app.ctx, c);
	pfd[FD_INPUT] = (struct pollfd){ .fd = in_fd, .events = POLLIN };
	pfd[FD_STOP] = (struct pollfd){ .fd = ending(c) ? -1 : c->cfg.stop_fd,
		.events = POLLIN };
	int n = poll(pfd, FD_COUNT, poll_timeout(c, mq_now_ms()));
	if (n < 0 && errno != EINTR) {
		cl_set_err(c, "poll", -MQ_E_IO, strerror(errno));
		return -MQ_E_IO;
	}
	if (n > 0 && pfd[FD_SOCK].revents) {
		rc = read_input(c);
		if (rc == 0 && c->app.flush)
			rc = c->app.flush(c->app.ctx);
		if (rc < 0)
			return rc;
	}
	bool readable = n > 0 && (pfd[FD_INPUT].revents & (POLLIN | POLLHUP | POLLERR));
	rc = stopping ? flush_output(c) : pump_and_flush(c, readable);
	if (rc < 0)
		return rc;
	return run_timers(c);
}

static int run_loop(mq_client *c)
{
	for (;;) {
		if (!c->link_up) {
			if (stop_requested(c))
				return MQ_CLIENT_STOPPED;
			if (c->timed_out)
				return -MQ_E_TIMEOUT;
			int rc = establish(c);
			if (rc != 0)
				return rc;
		}
		c->err[0] = '\0';
		int rc = step(c);
		if (rc == 1 && c->timed_out) {
			if (!c->err[0])
				snprintf(c->err, sizeof c->err, "timed out");
			return -MQ_E_TIMEOUT;
		}
		if (rc == 1)
			return stop_requested(c) ? MQ_CLIENT_STOPPED : MQ_OK;
		if (rc < 0) {
			rc = cl_on_link_failure(c, rc);
			if (rc < 0)
				return rc;
		}
	}
}

int mq_client_run(mq_client *c)
{
	int rc = run_loop(c);
	/* The app could not take what arrived (its output failed): the link
	 * was dropped with those acknowledgements unsent, and the state on
	 * disk must not say those messages were received either. */
	if (rc == -MQ_E_APP_FAILED)
		return rc;
	char keep[sizeof c->err];
	memcpy(keep, c->err, sizeof keep);
	int saved = save_state(c);   /* the final acknowledgements too */
	if (rc >= 0 && saved < 0)
		return saved;
	memcpy(c->err, keep, sizeof keep);
	return rc;
}
