/* sub_exec.c - mqsub --exec: jobs, their order, their acknowledgements
 * (see sub_exec.h). */
#define _GNU_SOURCE   /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec_job.h"
#include "exec_proc.h"
#include "exitcodes.h"
#include "options.h"
#include "sub_exec.h"

static volatile sig_atomic_t chld_fd = -1;

static void on_sigchld(int sig)
{
	int saved = errno;
	(void)sig;
	if (chld_fd >= 0) {
		ssize_t r = write(chld_fd, "c", 1);
		(void)r;
	}
	errno = saved;
}

int sub_exec_init(sub_exec *x, const exec_opts *o, outbuf *out,
		  volatile sig_atomic_t *stops, int stop_fd, unsigned long limit,
		  const bool *finished)
{
	*x = (sub_exec){ .o = o, .out = out, .stops = stops, .stop_fd = stop_fd,
			 .finished = finished, .epfd = -1, .chld = { -1, -1 },
			 .limit = limit };
	if (!exec_proc_runnable(o->cmd.argv[0])) {
		errorf("mqsub", "--exec: cannot run '%s': not found or not executable",
		       o->cmd.argv[0]);
		return -1;
	}
	x->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (x->epfd < 0 || pipe2(x->chld, O_CLOEXEC | O_NONBLOCK) < 0) {
		errorf("mqsub", "--exec: %s", strerror(errno));
		return -1;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = x->chld[0] };
	epoll_ctl(x->epfd, EPOLL_CTL_ADD, x->chld[0], &ev);
	if (stop_fd >= 0) {
		ev.data.fd = stop_fd;
		epoll_ctl(x->epfd, EPOLL_CTL_ADD, stop_fd, &ev);
	}
	chld_fd = x->chld[1];
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigchld;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	return 0;
}

void exec_job_free(exec_job *j)
{
	free(j->data);
	free(j->obuf);
	free(j->pubbuf);
	free(j);
}

void sub_exec_free(sub_exec *x)
{
	while (x->head) {
		exec_job *j = x->head;
		x->head = j->next;
		exec_job_free(j);
	}
	if (x->epfd >= 0)
		close(x->epfd);
	for (int i = 0; i < 2; i++)
		if (x->chld[i] >= 0)
			close(x->chld[i]);
	chld_fd = -1;
}

/* ---- taking messages in ------------------------------------------------- */

static mq_bytes copy_into(uint8_t **at, mq_bytes b)
{
	mq_bytes r = { *at, b.len };
	if (b.len)
		memcpy(*at, b.ptr, b.len);
	*at += b.len;
	return r;
}

/* A job holding its own copy of the message. */
static exec_job *job_new(const mq_publish *p)
{
	const mq_props *pr = &p->props;
	size_t n = p->topic.len + p->payload.len + pr->content_type.len +
		   pr->response_topic.len + pr->correlation_data.len + pr->user.len;
	exec_job *j = calloc(1, sizeof *j);
	if (!j || !(j->data = malloc(n ? n : 1))) {
		free(j);
		return NULL;
	}
	uint8_t *at = j->data;
	j->topic = copy_into(&at, p->topic);
	j->payload = copy_into(&at, p->payload);
	j->props = *pr;
	j->props.content_type = copy_into(&at, pr->content_type);
	j->props.response_topic = copy_into(&at, pr->response_topic);
	j->props.correlation_data = copy_into(&at, pr->correlation_data);
	j->props.user = copy_into(&at, pr->user);
	j->props.raw = (mq_bytes){ NULL, 0 };
	j->packet_id = p->packet_id;
	j->qos = p->qos;
	j->retain = p->retain;
	j->proc = (exec_proc){ .out_fd = -1, .err_fd = -1 };
	return j;
}

/* A QoS 1/2 message we hold already: the broker sent it again. */
static exec_job *held(sub_exec *x, const mq_publish *p)
{
	for (exec_job *j = x->head; j; j = j->next)
		if (j->qos && !j->orphan && j->packet_id == p->packet_id)
			return j;
	return NULL;
}

int sub_exec_message(sub_exec *x, const mq_publish *p)
{
	if (p->qos) {
		exec_job *j = held(x, p);
		if (j) {
			j->dup = true;
			return MQ_MESSAGE_LATER;   /* acknowledged when it is done */
		}
	} else if (x->queued_q0 >= QOS0_QUEUE_MAX || x->stopping || x->failed) {
		x->dropped_q0++;
		return 0;
	}
	if (x->limit && x->seq >= x->limit)
		return MQ_MESSAGE_LATER;   /* past -C: left for the next run */
	if (x->stopping || x->failed) {
		x->declined++;
		return MQ_MESSAGE_LATER;   /* never acknowledged: sent again later */
	}
	exec_job *j = job_new(p);
	if (!j)
		return -MQ_E_NOMEM;
	j->seq = ++x->seq;
	if (x->tail)
		x->tail->next = j;
	else
		x->head = j;
	x->tail = j;
	x->queued_q0 += p->qos == 0;
	return p->qos ? MQ_MESSAGE_LATER : 0;
}

/* No session kept on the new link: nothing held can be acknowledged. */
void sub_exec_connected(sub_exec *x, const mq_connack *ack)
{
	if (ack->session_present)
		return;
	for (exec_job *j = x->head; j; j = j->next)
		j->orphan = true;
}

/* ---- handler output ----------------------------------------------------- */

static exec_job *job_of_fd(sub_exec *x, int fd)
{
	for (exec_job *j = x->head; j; j = j->next)
		if (j->st == J_RUNNING && (j->proc.out_fd == fd || j->proc.err_fd == fd))
			return j;
	return NULL;
}

/* ---- running -------------------------------------------------------------- */

static exec_msg msg_of(const exec_job *j)
{
	return (exec_msg){ .topic = j->topic, .payload = j->payload, .qos = j->qos,
			   .retain = j->retain, .packet_id = j->qos ? j->packet_id : 0,
			   .props = &j->props };
}

static void start(sub_exec *x, exec_job *j)
{
	exec_msg m = msg_of(j);
	const char *why = NULL;
	char **argv = exec_cmd_argv(&x->o->cmd, &m, &why);
	char **envp = argv ? exec_env(&m) : NULL;
	j->tries++;
	j->olen = j->elen = j->tail_len = 0;
	j->timed_out = false;
	x->queued_q0 -= j->qos == 0 && j->st == J_QUEUED;
	int rc = !argv ? 0 : !envp ? ENOMEM
		: exec_proc_spawn(&j->proc, argv, envp, j->payload.ptr, j->payload.len);
	free(argv);
	free(envp);
	if (!argv || rc) {
		j->st = J_RUNNING;   /* failed at once */
		x->running++;
		exec_job_failed(x, j, why ? why : strerror(rc));
		return;
	}
	j->st = J_RUNNING;
	x->running++;
	uint64_t now = mq_now_ms();
	j->deadline_ms = x->o->timeout_s ? now + x->o->timeout_s * 1000u : 0;
	j->kill_ms = 0;
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = j->proc.out_fd };
	epoll_ctl(x->epfd, EPOLL_CTL_ADD, j->proc.out_fd, &ev);
	ev.data.fd = j->proc.err_fd;
	epoll_ctl(x->epfd, EPOLL_CTL_ADD, j->proc.err_fd, &ev);
}

/* Is an earlier message of the same topic still to be handled? */
static bool topic_busy(const sub_exec *x, const exec_job *j)
{
	for (const exec_job *e = x->head; e && e != j; e = e->next)
		if (e->st != J_DONE && e->topic.len == j->topic.len &&
		    !memcmp(e->topic.ptr, j->topic.ptr, j->topic.len))
			return true;
	return false;
}

static void schedule(sub_exec *x, uint64_t now)
{
	if (x->stopping || x->failed)
		return;
	for (exec_job *j = x->head; j && x->running < x->o->jobs; j = j->next) {
		bool due = j->st == J_QUEUED || (j->st == J_RETRY && now >= j->retry_ms);
		if (due && !topic_busy(x, j))
			start(x, j);
	}
}

static void reap(sub_exec *x)
{
	char b[64];
	while (read(x->chld[0], b, sizeof b) > 0)
		;
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);
		if (pid <= 0)
			return;
		for (exec_job *j = x->head; j; j = j->next) {
			if (j->st == J_RUNNING && j->proc.pid == pid) {
				j->proc.pid = 0;
				j->proc.status = st;
				exec_exited(x, j);
				break;
			}
		}
	}
}

/* The dead letter: the message as it came, with what went wrong. */
/* ---- acknowledgements, in the order the messages came ------------------- */

static void release_acks(sub_exec *x, mq_client *c)
{
	while (x->head && x->head->st == J_DONE) {
		exec_job *j = x->head;
		if (j->ack && j->qos && !j->orphan &&
		    mq_session_ack(&c->session, j->packet_id, j->qos) < 0)
			return;   /* not connected: when the link is back */
		x->head = j->next;
		if (!x->head)
			x->tail = NULL;
		exec_job_free(j);
	}
}

/* ---- the loop's callbacks --------------------------------------------------- */

int sub_exec_input_fd(void *ctx, mq_client *c)
{
	sub_exec *x = ctx;
	(void)c;
	return x->epfd;
}

/* Signals: the first stops new handlers, the second ends running ones. */
static void watch_signals(sub_exec *x)
{
	char b[16];
	if (x->stop_fd >= 0)
		while (read(x->stop_fd, b, sizeof b) > 0)
			;
	if (*x->stops >= 1)
		x->stopping = true;
	if (*x->stops >= 2 && !x->killed) {
		x->killed = true;
		for (exec_job *j = x->head; j; j = j->next)
			if (j->st == J_RUNNING)
				exec_proc_kill(&j->proc, SIGTERM);
	}
}

/* --exec-timeout: SIGTERM at the deadline, SIGKILL a little later. */
static void run_timers(sub_exec *x, uint64_t now)
{
	for (exec_job *j = x->head; j; j = j->next) {
		if (j->st != J_RUNNING || !j->proc.pid)
			continue;
		if (j->deadline_ms && now >= j->deadline_ms && !j->timed_out) {
			j->timed_out = true;
			j->kill_ms = now + KILL_GRACE_MS;
			exec_proc_kill(&j->proc, SIGTERM);
		} else if (j->kill_ms && now >= j->kill_ms) {
			j->kill_ms = 0;
			exec_proc_kill(&j->proc, SIGKILL);
		}
	}
}

static void handle_events(sub_exec *x)
{
	struct epoll_event ev[32];
	int n = epoll_wait(x->epfd, ev, 32, 0);
	for (int i = 0; i < n; i++) {
		int fd = ev[i].data.fd;
		if (fd == x->chld[0] || fd == x->stop_fd)
			continue;   /* below */
		exec_job *j = job_of_fd(x, fd);
		if (j)
			exec_drain_fd(x, j, fd == j->proc.out_fd ? &j->proc.out_fd : &j->proc.err_fd);
	}
	reap(x);
	watch_signals(x);
}

int sub_exec_pump(void *ctx, mq_client *c, bool readable)
{
	sub_exec *x = ctx;
	uint64_t now = mq_now_ms();
	x->c = c;
	if (readable)
		handle_events(x);
	else
		watch_signals(x);
	run_timers(x, now);
	for (exec_job *j = x->head; j; j = j->next)
		if (j->st == J_PUBLISH && !j->pub_sent && exec_publish_for(x, c, j) < 0)
			return -MQ_E_NOMEM;
	schedule(x, now);
	release_acks(x, c);
	if (outbuf_flush(x->out) < 0 && !x->out->closed)
		return -MQ_E_APP_FAILED;
	return 0;
}

/* Handlers still running, or replies and dead letters on their way. */
static bool busy(const sub_exec *x)
{
	return x->running || x->publishing;
}

bool sub_exec_done(void *ctx, mq_client *c)
{
	sub_exec *x = ctx;
	(void)c;
	bool ending = x->stopping || x->failed || x->out->closed || *x->finished ||
		      (x->limit && x->handled >= x->limit);
	return ending && !busy(x);
}

bool sub_exec_hold(void *ctx, mq_client *c)
{
	sub_exec *x = ctx;
	(void)c;
	watch_signals(x);
	x->stopping = true;   /* a stop came: start nothing new */
	return busy(x);
}

uint64_t sub_exec_wakeup(void *ctx)
{
	sub_exec *x = ctx;
	uint64_t next = UINT64_MAX;
	for (exec_job *j = x->head; j; j = j->next) {
		uint64_t t = j->st == J_RETRY && !x->stopping ? j->retry_ms
			: j->st == J_RUNNING && j->kill_ms ? j->kill_ms
			: j->st == J_RUNNING && !j->timed_out ? j->deadline_ms : 0;
		if (t && t < next)
			next = t;
	}
	return next;
}

/* After the run: end what still runs (the link is gone, or a second
 * signal came); the exit status for what was left undone, said on
 * stderr when `say`. */
int sub_exec_result(sub_exec *x, bool say)
{
	for (exec_job *j = x->head; j; j = j->next) {
		if (j->st != J_RUNNING || !j->proc.pid)
			continue;
		exec_proc_kill(&j->proc, SIGTERM);
		int st;
		if (waitpid(j->proc.pid, &st, 0) == j->proc.pid)
			j->proc.status = st;
		j->proc.pid = 0;
	}
	outbuf_flush(x->out);
	unsigned long left = x->declined;
	for (exec_job *j = x->head; j; j = j->next)
		left += j->qos && !j->orphan && !(j->st == J_DONE && j->ack);
	if (x->failed) {
		if (say)
			errorf("mqsub", "%s", x->err);
	} else if (left) {
		if (say)
			errorf("mqsub", "stopped with %lu %s not handled: not acknowledged, "
			       "the broker sends them again", left, messages_word(left));
	} else if (x->skipped) {
		if (say)
			errorf("mqsub", "%lu %s skipped after the handler failed", x->skipped,
			       messages_word(x->skipped));
	} else if (x->dropped_q0) {
		if (say)
			errorf("mqsub", "%lu QoS 0 %s dropped: the handlers could not keep up",
			       x->dropped_q0, messages_word(x->dropped_q0));
	} else {
		return EXIT_OK;
	}
	return EXIT_INCOMPLETE;
}
