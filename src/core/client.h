/* client.h - the poll loop that drives session + transport, and the
 * reconnect/backoff policy.
 *
 * The front end plugs in as an mq_client_app: it reads its input and
 * publishes when the session has room (pump), says when it has nothing
 * left to do (done), and flushes its output after each batch of packets.
 * Session events (messages, deliveries, SUBACKs) go straight to the
 * front end through the mq_session_events it passes in.
 */
#ifndef MQ_CLIENT_H
#define MQ_CLIENT_H

#include <signal.h>

#include "reader.h"
#include "session.h"
#include "transport.h"
#include "transport_tls.h"

typedef struct mq_client mq_client;

typedef struct mq_client_app {
	void *ctx;
	/* The fd to poll for input now, or -1 (asked every loop). */
	int (*input_fd)(void *ctx, mq_client *c);
	/* Publish what can be published; `readable` says the input fd may be
	 * read once without blocking.  Returns 0 or -MQ_E_* to stop. */
	int (*pump)(void *ctx, mq_client *c, bool readable);
	/* Nothing more to send or wait for (in-flight messages aside). */
	bool (*done)(void *ctx, mq_client *c);
	/* After each batch of received packets.  Returns 0 or -MQ_E_*. */
	int (*flush)(void *ctx);
	/* The mq_now_ms() instant the app next wants pump() called although
	 * nothing happened (its pacing), or UINT64_MAX; may be NULL. */
	uint64_t (*wakeup_ms)(void *ctx);
	/* Work under way that a stop (signal, -W) must let finish while the
	 * link is up: the loop goes on as if not stopping until it returns
	 * false.  May be NULL. */
	bool (*hold)(void *ctx, mq_client *c);
} mq_client_app;

typedef struct mq_client_config {
	const mq_endpoint *endpoints;  /* brokers to try in turn (failover) */
	size_t endpoint_count;         /* >= 1 */
	const mq_tls_config *tls;    /* NULL or !enabled: plain TCP */
	const char *state_path;      /* --state-dir file, or NULL */
	int connect_timeout_ms;      /* TCP connect + CONNACK */
	uint32_t reconnect_min_ms, reconnect_max_ms;
	unsigned reconnect_tries;    /* 0 = forever */
	bool reconnect;              /* false: a lost link ends the run */
	uint64_t deadline_ms;        /* mq_now_ms() instant to give up; 0 = none */
	int stop_fd;                 /* readable when a signal asks to stop; -1 */
	volatile sig_atomic_t *stop_flag;
	bool fixed_client_id;        /* the id was given: another client may
	                                use it too and take the session over */
	/* Options given that need MQTT 5 ("--session-expiry, ..."), or NULL:
	 * with them, a broker without 5.0 is an error naming them rather
	 * than a fall back to 3.1.1 (session config version_fallback). */
	const char *needs_v5;
	/* Notices for the user ("connection lost: ...; reconnecting"). */
	void (*notice)(void *ctx, const char *line);
	void *notice_ctx;
} mq_client_config;

struct mq_client {
	mq_client_config cfg;
	mq_client_app app;
	mq_session session;
	mq_reader reader;
	mq_transport transport;
	bool link_up;
	bool ever_connected;
	unsigned failures;           /* failed attempts since the last stable link */
	size_t endpoint;             /* index of the broker tried last */
	uint32_t v5_acked;           /* bit per endpoint: gave a 5.0 CONNACK */
	uint64_t connack_deadline;
	uint64_t connected_at;       /* when the current link got its CONNACK */
	uint64_t close_deadline;     /* give up on a clean DISCONNECT */
	bool timed_out;              /* cfg.deadline_ms passed */
	uint32_t rng;
	uint64_t saved_changes;      /* session.changes at the last save */
	int state_lock;              /* fd holding the state file's lock, or -1 */
	uint64_t acked_at_link;      /* session.acked when this link came up */
	uint64_t suspect_tag;        /* the message in flight when the broker
	                                last closed the link, or 0 */
	bool reconnecting;           /* said "reconnecting": say "reconnected" */
	uint8_t first[24];           /* the first bytes the server sent on this */
	size_t first_len;            /* link: named when they are not MQTT */
	char err[320];               /* what went wrong, for the user */
};

/* mq_client_run() results besides MQ_OK and -MQ_E_*. */
#define MQ_CLIENT_STOPPED 1      /* a signal asked us to stop */

/* Cannot fail.  Structures are copied. */
void mq_client_init(mq_client *c, const mq_client_config *cfg,
		    const mq_session_config *scfg,
		    const mq_session_events *ev, const mq_client_app *app);
void mq_client_free(mq_client *c);

/* Put the state saved in cfg.state_path back into the session (before
 * mq_client_run), first waiting for any other process using the same
 * state file to end.  Returns 0; MQ_CLIENT_STOPPED when a signal came
 * while waiting; -MQ_E_TIMEOUT when the run deadline passed while waiting;
 * or -MQ_E_* with c->err set when the file cannot be used. */
int mq_client_restore(mq_client *c);

/* Connect, run until the app is done and everything is acknowledged, then
 * DISCONNECT.  Returns MQ_OK, MQ_CLIENT_STOPPED, or -MQ_E_* with c->err
 * naming the cause (a refused CONNACK leaves the reason in
 * c->session.connack_reason). */
int mq_client_run(mq_client *c);

/* Monotonic milliseconds. */
uint64_t mq_now_ms(void);

#endif
