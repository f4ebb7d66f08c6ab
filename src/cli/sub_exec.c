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

#include "exec_proc.h"
#include "exitcodes.h"
#include "options.h"
#include "sub_exec.h"

#define QOS0_QUEUE_MAX 256          /* QoS 0 messages waiting at most */
#define KILL_GRACE_MS 2000          /* SIGTERM, then SIGKILL */
#define RETRY_MAX_MS 30000
#define TAIL_MAX 1000               /* stderr kept for a dead letter */
#define REPLY_MAX (256u << 20)

enum { J_QUEUED, J_RUNNING, J_RETRY, J_PUBLISH, J_DONE };

struct exec_job {
	exec_job *next;
	uint64_t seq;
	int st;
	bool ack;                    /* J_DONE: acknowledge it */
	bool orphan;                 /* its session is gone: never acknowledge */
	bool dup;                    /* the broker sent it again meanwhile */
	uint16_t packet_id;
	uint8_t qos;
	bool retain;
	mq_props props;              /* byte fields point into data */
	uint8_t *data;
	mq_bytes topic, payload;
	unsigned long tries;
	exec_proc proc;
	uint64_t deadline_ms, kill_ms, retry_ms;
	bool timed_out;
	char *obuf;                  /* stdout: a partial line, or the reply */
	size_t olen, ocap;
	char ebuf[512];              /* stderr: a partial line */
	size_t elen;
	char tail[TAIL_MAX];         /* the last stderr bytes, for a dead letter */
	size_t tail_len;
	bool dead;                   /* J_PUBLISH: a dead letter, not a reply */
	char why[64];                /* how the handler failed */
	uint8_t *pubbuf;             /* dead letter user properties */
	uint64_t pub_tag;            /* the reply or dead letter, once queued */
	bool pub_sent;
};

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

static void job_free(exec_job *j)
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
		job_free(j);
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

static void keep_tail(exec_job *j, const char *b, size_t n)
{
	if (n >= TAIL_MAX) {
		memcpy(j->tail, b + n - TAIL_MAX, TAIL_MAX);
		j->tail_len = TAIL_MAX;
		return;
	}
	if (j->tail_len + n > TAIL_MAX) {
		size_t drop = j->tail_len + n - TAIL_MAX;
		memmove(j->tail, j->tail + drop, j->tail_len - drop);
		j->tail_len -= drop;
	}
	memcpy(j->tail + j->tail_len, b, n);
	j->tail_len += n;
}

/* stderr, a line at a time, each after the topic. */
static void err_line(const exec_job *j, const char *line, size_t n)
{
	fprintf(stderr, "%.*s: %.*s\n", (int)j->topic.len, (const char *)j->topic.ptr,
		(int)n, line);
}

static void err_bytes(exec_job *j, const char *b, size_t n, bool eof)
{
	keep_tail(j, b, n);
	for (size_t i = 0; i < n; i++) {
		if (b[i] == '\n' || j->elen == sizeof j->ebuf) {
			err_line(j, j->ebuf, j->elen);
			j->elen = 0;
			if (b[i] == '\n')
				continue;
		}
		j->ebuf[j->elen++] = b[i];
	}
	if (eof && j->elen) {
		err_line(j, j->ebuf, j->elen);
		j->elen = 0;
	}
}

static int grow(exec_job *j, size_t need)
{
	if (need <= j->ocap)
		return 0;
	size_t cap = j->ocap ? j->ocap : 4096;
	while (cap < need)
		cap *= 2;
	char *b = realloc(j->obuf, cap);
	if (!b)
		return -1;
	j->obuf = b;
	j->ocap = cap;
	return 0;
}

/* stdout: whole lines to mqsub's stdout (never half a line between two
 * handlers' lines), or all of it kept for --reply. */
static void out_bytes(sub_exec *x, exec_job *j, const char *b, size_t n, bool eof)
{
	if (n && (j->olen + n > REPLY_MAX || grow(j, j->olen + n) < 0))
		n = 0;   /* over the cap: the rest is dropped */
	if (n)
		memcpy(j->obuf + j->olen, b, n);
	j->olen += n;
	if (x->o->reply)
		return;
	char *nl = j->olen ? memrchr(j->obuf, '\n', j->olen) : NULL;
	size_t whole = eof ? j->olen : nl ? (size_t)(nl - j->obuf) + 1 : 0;
	if (!whole)
		return;
	outbuf_put(x->out, j->obuf, whole);
	memmove(j->obuf, j->obuf + whole, j->olen - whole);
	j->olen -= whole;
}

/* Read what a pipe holds; at EOF stop watching it. */
static void drain_fd(sub_exec *x, exec_job *j, int *fd)
{
	char b[65536];
	bool is_out = fd == &j->proc.out_fd;
	for (;;) {
		ssize_t n = read(*fd, b, sizeof b);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		bool eof = n <= 0;
		if (is_out)
			out_bytes(x, j, b, eof ? 0 : (size_t)n, eof);
		else
			err_bytes(j, b, eof ? 0 : (size_t)n, eof);
		if (eof) {
			epoll_ctl(x->epfd, EPOLL_CTL_DEL, *fd, NULL);
			close(*fd);
			*fd = -1;
			return;
		}
	}
}

/* ---- running -------------------------------------------------------------- */

static exec_msg msg_of(const exec_job *j)
{
	return (exec_msg){ .topic = j->topic, .payload = j->payload, .qos = j->qos,
			   .retain = j->retain, .packet_id = j->qos ? j->packet_id : 0,
			   .props = &j->props };
}

static void job_failed(sub_exec *x, exec_job *j, const char *why);

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
		job_failed(x, j, why ? why : strerror(rc));
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

static void finish(sub_exec *x, exec_job *j, bool ack)
{
	j->st = J_DONE;
	j->ack = ack;
	if (ack)
		x->handled++;
}

/* ---- failure, replies, dead letters --------------------------------------- */

static void describe(const exec_job *j, char *b, size_t n)
{
	int st = j->proc.status;
	if (j->timed_out)
		snprintf(b, n, "timed out");
	else if (WIFSIGNALED(st))
		snprintf(b, n, "killed by signal %d", WTERMSIG(st));
	else
		snprintf(b, n, "exit %d", WEXITSTATUS(st));
}

static void job_failed(sub_exec *x, exec_job *j, const char *why)
{
	x->running--;
	char what[64];
	if (!why) {
		describe(j, what, sizeof what);
		why = what;
	}
	const char *t = (const char *)j->topic.ptr;
	int tl = (int)j->topic.len;
	switch (x->o->on_fail) {
	case FAIL_SKIP:
		errorf("mqsub", "handler for '%.*s' failed (%s): skipped", tl, t, why);
		x->skipped++;
		finish(x, j, true);   /* counts for -C: it was taken care of */
		return;
	case FAIL_PUBLISH:
		j->st = J_PUBLISH;
		j->dead = true;
		j->pub_tag = 0;
		j->pub_sent = false;
		snprintf(j->why, sizeof j->why, "%s", why);   /* for the letter */
		x->publishing++;
		return;
	case FAIL_RETRY:
		break;
	}
	if (j->tries < x->o->tries) {
		uint64_t wait = 1000u << (j->tries - 1 < 5 ? j->tries - 1 : 5);
		j->st = J_RETRY;
		j->retry_ms = mq_now_ms() + (wait < RETRY_MAX_MS ? wait : RETRY_MAX_MS);
		errorf("mqsub", "handler for '%.*s' failed (%s): trying again (%lu of %lu)",
		       tl, t, why, j->tries + 1, x->o->tries);
		return;
	}
	j->st = J_QUEUED;   /* not run again: the run stops */
	if (!x->failed)
		snprintf(x->err, sizeof x->err, "handler for '%.*s' failed %lu %s (%s): "
			 "stopping; the message is not acknowledged", tl, t, j->tries,
			 j->tries == 1 ? "time" : "times", why);
	x->failed = true;
}

/* The process exited (reaped): read the rest of its output, decide. */
static void exited(sub_exec *x, exec_job *j)
{
	if (j->proc.out_fd >= 0)
		drain_fd(x, j, &j->proc.out_fd);
	if (j->proc.err_fd >= 0)
		drain_fd(x, j, &j->proc.err_fd);
	/* a grandchild holding the pipes open is not waited for */
	for (int *fd = &j->proc.out_fd; fd; fd = fd == &j->proc.out_fd ? &j->proc.err_fd : NULL) {
		if (*fd >= 0) {
			if (fd == &j->proc.out_fd)
				out_bytes(x, j, NULL, 0, true);
			else
				err_bytes(j, NULL, 0, true);
			epoll_ctl(x->epfd, EPOLL_CTL_DEL, *fd, NULL);
			close(*fd);
			*fd = -1;
		}
	}
	int st = j->proc.status;
	if (j->timed_out || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		job_failed(x, j, NULL);
		return;
	}
	x->running--;
	if (!x->o->reply) {
		finish(x, j, true);
		return;
	}
	if (!(j->props.present & MQ_PROP_BIT(MQ_PROP_RESPONSE_TOPIC))) {
		errorf("mqsub", "message on '%.*s' has no response topic: no reply sent",
		       (int)j->topic.len, (const char *)j->topic.ptr);
		finish(x, j, true);
		return;
	}
	j->st = J_PUBLISH;
	j->dead = false;
	j->pub_tag = 0;
	j->pub_sent = false;
	x->publishing++;
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
				exited(x, j);
				break;
			}
		}
	}
}

/* The dead letter: the message as it came, with what went wrong. */
static int dead_letter(exec_job *j, mq_message *m, mq_props *pr)
{
	size_t cap = 3 * 5 + 64 + sizeof j->why + TAIL_MAX + j->topic.len + j->props.user.len;
	free(j->pubbuf);
	if (!(j->pubbuf = malloc(cap)))
		return -1;
	size_t n = j->props.user.len;
	memcpy(j->pubbuf, j->props.user.ptr, n);
	/* stderr's tail as one line of text: whole UTF-8, and no control
	 * characters, which brokers may call malformed (§1.5.4; mosquitto
	 * does) */
	size_t tl = j->tail_len;
	while (tl && mq_utf8_check((const uint8_t *)j->tail, tl) < 0)
		tl--;
	for (size_t i = 0; i < tl; i++)
		if ((uint8_t)j->tail[i] < 0x20 || j->tail[i] == 0x7F)
			j->tail[i] = ' ';
	while (tl && j->tail[tl - 1] == ' ')
		tl--;
	static const struct { const char *k; } keys[] = { { "mqsub-topic" },
		{ "mqsub-status" }, { "mqsub-stderr" } };
	mq_bytes vals[3] = { j->topic, { (const uint8_t *)j->why, strlen(j->why) },
			     { (const uint8_t *)j->tail, tl } };
	for (int i = 0; i < 3; i++) {
		long w = mq_user_prop_put(j->pubbuf + n, cap - n,
					  (mq_bytes){ (const uint8_t *)keys[i].k, strlen(keys[i].k) },
					  vals[i]);
		if (w > 0)
			n += (size_t)w;
	}
	*pr = j->props;
	pr->present &= ~(MQ_PROP_BIT(MQ_PROP_SUBSCRIPTION_ID) | MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS));
	pr->sub_id_count = 0;
	pr->user = (mq_bytes){ j->pubbuf, n };
	*m = (mq_message){ .topic = { (const uint8_t *)"", 0 }, .payload = j->payload,
			   .qos = j->qos ? j->qos : 1, .props = pr };
	return 0;
}

/* Queue the reply or dead letter when the session has room. */
static int publish_for(sub_exec *x, mq_client *c, exec_job *j)
{
	mq_message m;
	mq_props pr;
	if (!j->dead) {
		pr = (mq_props){ 0 };
		if (j->props.present & MQ_PROP_BIT(MQ_PROP_CORRELATION_DATA)) {
			pr.present = MQ_PROP_BIT(MQ_PROP_CORRELATION_DATA);
			pr.correlation_data = j->props.correlation_data;
		}
		m = (mq_message){ .topic = j->props.response_topic,
				  .payload = { (const uint8_t *)j->obuf, j->olen },
				  .qos = j->qos, .props = &pr };
	} else if (dead_letter(j, &m, &pr) == 0) {
		m.topic = (mq_bytes){ (const uint8_t *)x->o->dead_topic, strlen(x->o->dead_topic) };
	} else {
		return -MQ_E_NOMEM;
	}
	if (!mq_session_can_publish(&c->session, m.qos))
		return 0;
	long long tag = mq_session_publish(&c->session, &m, mq_now_ms());
	if (tag < 0) {
		snprintf(x->err, sizeof x->err, "cannot publish to '%.*s': %s",
			 (int)m.topic.len, (const char *)m.topic.ptr, mq_strerror((int)tag));
		x->failed = true;
		return 0;
	}
	j->pub_sent = true;
	j->pub_tag = (uint64_t)tag;
	if (m.qos == 0) {
		x->publishing--;
		finish(x, j, true);
	}
	return 0;
}

void sub_exec_delivered(sub_exec *x, uint64_t tag, uint8_t reason)
{
	for (exec_job *j = x->head; j; j = j->next) {
		if (j->st != J_PUBLISH || !j->pub_sent || j->pub_tag != tag)
			continue;
		x->publishing--;
		if (reason >= 0x80) {
			snprintf(x->err, sizeof x->err, "the broker refused the %s for '%.*s' "
				 "(reason 0x%02x): the message is not acknowledged",
				 j->dead ? "dead letter" : "reply",
				 (int)j->topic.len, (const char *)j->topic.ptr, reason);
			x->failed = true;
			j->st = J_QUEUED;
			return;
		}
		finish(x, j, true);
		return;
	}
}

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
		job_free(j);
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
			drain_fd(x, j, fd == j->proc.out_fd ? &j->proc.out_fd : &j->proc.err_fd);
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
		if (j->st == J_PUBLISH && !j->pub_sent && publish_for(x, c, j) < 0)
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
