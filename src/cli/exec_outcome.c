/* exec_outcome.c - what the end of a handler leads to (see exec_job.h):
 * success, the --on-fail policy, the --reply or the dead letter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "exec_job.h"
#include "options.h"

void exec_job_done(sub_exec *x, exec_job *j, bool ack)
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

void exec_job_failed(sub_exec *x, exec_job *j, const char *why)
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
		exec_job_done(x, j, true);   /* counts for -C: it was taken care of */
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
void exec_exited(sub_exec *x, exec_job *j)
{
	exec_output_end(x, j);
	int st = j->proc.status;
	if (j->timed_out || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		exec_job_failed(x, j, NULL);
		return;
	}
	x->running--;
	if (!x->o->reply) {
		exec_job_done(x, j, true);
		return;
	}
	if (!(j->props.present & MQ_PROP_BIT(MQ_PROP_RESPONSE_TOPIC))) {
		errorf("mqsub", "message on '%.*s' has no response topic: no reply sent",
		       (int)j->topic.len, (const char *)j->topic.ptr);
		exec_job_done(x, j, true);
		return;
	}
	j->st = J_PUBLISH;
	j->dead = false;
	j->pub_tag = 0;
	j->pub_sent = false;
	x->publishing++;
}

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
int exec_publish_for(sub_exec *x, mq_client *c, exec_job *j)
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
		exec_job_done(x, j, true);
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
		exec_job_done(x, j, true);
		return;
	}
}
