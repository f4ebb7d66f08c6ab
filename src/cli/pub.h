/* pub.h - mqpub's parts: the options it parsed, and the app that feeds
 * the session from the chosen input (pub_app.c) or the spool
 * (pub_spool.c). */
#ifndef MQ_PUB_H
#define MQ_PUB_H

#include "input.h"
#include "json_in.h"
#include "options.h"
#include "pace.h"
#include "progress.h"
#include "pub_props.h"
#include "pub_request.h"
#include "run.h"
#include "spool.h"

enum pub_mode { MODE_NONE, MODE_MESSAGE, MODE_FILE, MODE_STDIN, MODE_LINES,
		MODE_NULL, MODE_TOPIC_LINES, MODE_JSON };

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
	const char *topic_sep;       /* --topic-sep, default TAB */
	bool skip_bad;
	unsigned long repeat;        /* --repeat: times the message is sent */
	uint64_t interval_ns;        /* --rate or --repeat-delay; 0: none */
	bool rate_given, delay_given;
	int progress;                /* --progress 1, --no-progress 0, else -1 */
	bool replay;                 /* --replay: at the lines' "time" */
	double speed;                /* --speed: replay this many times faster */
	bool request;                /* --request */
	unsigned long responses;     /* --responses: replies to wait for */
	pub_props props;
} pub_opts;

typedef struct pub_app {
	tool_base base;              /* first: the shared callbacks use it */
	const pub_opts *o;
	mq_message msg;              /* topic, qos, retain; payload per message */
	uint8_t *whole;              /* -f / -s payload */
	size_t whole_len;
	whole_input win;             /* where it lies (whole is win.ptr) */
	bool single_sent;
	linereader lines;
	bool lines_need_input;
	unsigned long long line_no;  /* lines taken from stdin so far */
	unsigned long long bad_lines;
	bool input_stopped;          /* a bad line ended the input */
	unsigned long repeats_sent;
	bool held;                   /* a line taken, waiting for room or time */
	mq_bytes line_payload;       /* its payload */
	json_in json;                /* --json: the line read */
	mq_props line_props;         /* --json: its properties over the command line's */
	bool replay_started;         /* --replay: the first line's time... */
	int64_t replay_first_ms;
	uint64_t replay_start_ns;    /* ...and when it went */
	pacer pace;
	unsigned long long input_bytes;   /* taken from the input so far */
	unsigned long long published, acked, refused;
	unsigned long long published_q0;   /* of published, at QoS 0 */
	uint8_t last_refusal;
	int publish_error;           /* -MQ_E_* from mq_session_publish */
	spool sp;                    /* --spool: what is sent comes from here */
	bool spooling;
	size_t spool_next;           /* next of sp.msgs to publish */
	uint64_t first_tag;          /* tag of sp.msgs[0] */
	bool spool_full;
	uint64_t restored_last_tag;  /* tags up to this: from --state-dir */
	unsigned long long restored_done;
	pub_request req;             /* --request */
} pub_app;

/* pub_app.c: the mq_client_app and session callbacks. */
bool reads_lines(const pub_opts *o);
/* -M not given: the window mqpub asks for (see pub_app.c). */
void pub_window_default(const pub_opts *o, mq_session_config *sc);
void on_delivered(void *ctx, uint64_t tag, uint8_t reason);
int pub_pump(void *ctx, mq_client *c, bool readable);
int pub_input_fd(void *ctx, mq_client *c);
bool pub_done(void *ctx, mq_client *c);
uint64_t pub_wakeup(void *ctx);
/* Turn the progress line on when asked, or by default for lines read
 * from a regular file. */
void start_progress(const pub_app *a);
/* Load the -m/-f/-s/-n payload before connecting.  Returns 0 or -1
 * after saying why. */
int load_payload(pub_app *a);
progress_counts pub_counts(const pub_app *a);
/* Why a->publish_error: its text, with the sizes when too large. */
void publish_error_text(const pub_app *a, const mq_client *c, char *buf,
			size_t len);

/* pub_json.c: --json.  Read one line into a->msg and a->line_payload;
 * returns 0, or -1 with *why (perhaps written into detail). */
int json_take_line(pub_app *a, const uint8_t *line, size_t len,
		   const char **why, char *detail, size_t detail_len);
/* Can the line taken go over this connection?  False with *why when it
 * has MQTT 5 properties and the broker speaks 3.1.1. */
bool json_line_fits(const pub_app *a, const mq_client *c, const char **why);
/* --replay: is the held line due; when (mq_now_ms), UINT64_MAX if none. */
bool replay_ready(pub_app *a);
uint64_t replay_due_ms(pub_app *a);

/* pub_spool.c: --spool.  Lock the spool and store this run's messages
 * before sending any; returns 0 or an exit code. */
int spool_prepare(pub_app *a, uint64_t deadline);
/* Remove what was delivered; returns the exit code. */
int spool_result(pub_app *a, mq_client *c, int rc);

/* pub_request.c: --request.  Check the options (an empty request
 * without -m/-f/-s/-n); 0 or -1 after saying why. */
int request_check(pub_opts *o);
/* Before connecting: the response topic and correlation data (the
 * user's, or fresh random ones) on o's properties; the callbacks it needs
 * in ev and app.  Returns 0 or an exit code. */
int request_setup(pub_app *a, pub_opts *o, mq_session_events *ev,
		  mq_client_app *app);
/* Has the response topic's SUBACK come (may the request go)? */
bool request_ready(const pub_app *a);
bool request_done(const pub_app *a);
/* The exit code of a --request run after mq_client_run() returned rc,
 * or -1 when pub_result() says it. */
int request_result(pub_app *a, int rc);

#endif
