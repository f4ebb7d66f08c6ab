/* sub_exec.h - mqsub --exec: run a handler for each message and
 * acknowledge the message only when its handler finished.
 *
 * Each message becomes a job, kept in arrival order.  Up to -j handlers
 * run at once, one at a time per topic (a topic's messages are handled
 * in order).  A QoS 1/2 message is acknowledged when its handler exited
 * 0 (or, --on-fail skip, after it failed; publish:TOPIC, once the dead
 * letter is acknowledged; --reply, once the reply is), and only when
 * every message before it has been: MQTT's ordering rule (§4.6).  A
 * handler that fails is run again (--on-fail retry) with backoff; when
 * its tries run out, mqsub stops and leaves the message unacknowledged.
 *
 * The handler's standard input is the payload (a memfd, so a large one
 * never blocks the loop); its stdout goes to mqsub's stdout a whole line
 * at a time (or, --reply, becomes the reply); its stderr to mqsub's,
 * each line prefixed with the topic.  The loop watches every pipe and a
 * SIGCHLD self-pipe through one epoll descriptor, the app's input fd.
 */
#ifndef MQ_SUB_EXEC_H
#define MQ_SUB_EXEC_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "client.h"
#include "exec_cmd.h"
#include "output.h"

enum exec_fail { FAIL_RETRY, FAIL_SKIP, FAIL_PUBLISH };

typedef struct exec_opts {
	bool enabled;
	exec_cmd cmd;
	unsigned long jobs;          /* -j: handlers at once */
	unsigned long tries;         /* --exec-tries: runs of one message */
	unsigned long timeout_s;     /* --exec-timeout; 0: none */
	enum exec_fail on_fail;
	bool on_fail_given;
	const char *dead_topic;      /* --on-fail publish:TOPIC */
	bool reply;                  /* --reply */
} exec_opts;

typedef struct exec_job exec_job;

typedef struct sub_exec {
	const exec_opts *o;
	mq_client *c;                /* set before the run */
	outbuf *out;
	volatile sig_atomic_t *stops;   /* signals received (run.h) */
	const bool *finished;        /* mqsub's own reason to stop (a refusal) */
	int stop_fd;
	int epfd, chld[2];
	exec_job *head, *tail;       /* every job not yet acknowledged */
	uint64_t seq;
	unsigned running, publishing;
	size_t queued_q0;            /* QoS 0 jobs waiting */
	bool stopping, killed;
	bool failed;                 /* tries ran out: stop */
	unsigned long handled, skipped, dropped_q0, limit;
	unsigned long declined;      /* came after a stop: left unacknowledged */
	int err_status;
	char err[256];
} sub_exec;

/* Check the command can be run, set up the pipes.  Returns 0, or -1
 * after saying why (a usage error). */
int sub_exec_init(sub_exec *x, const exec_opts *o, outbuf *out,
		  volatile sig_atomic_t *stops, int stop_fd, unsigned long limit,
		  const bool *finished);
void sub_exec_free(sub_exec *x);

/* Session and app callbacks (ctx is the sub_exec). */
int sub_exec_message(sub_exec *x, const mq_publish *p);
void sub_exec_connected(sub_exec *x, const mq_connack *ack);
void sub_exec_delivered(sub_exec *x, uint64_t tag, uint8_t reason);
int sub_exec_input_fd(void *ctx, mq_client *c);
int sub_exec_pump(void *ctx, mq_client *c, bool readable);
bool sub_exec_done(void *ctx, mq_client *c);
bool sub_exec_hold(void *ctx, mq_client *c);
uint64_t sub_exec_wakeup(void *ctx);
/* After the run: stop what still runs; the exit status for what was left
 * undone (EXIT_OK or EXIT_INCOMPLETE), said on stderr when `say`. */
int sub_exec_result(sub_exec *x, bool say);

#endif
