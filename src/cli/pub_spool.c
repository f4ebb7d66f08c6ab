/* pub_spool.c - mqpub --spool: this run's messages are stored before any
 * is sent; what is delivered is removed, the rest waits for the next run
 * (exit 7). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exitcodes.h"
#include "pub.h"

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
int spool_prepare(pub_app *a, uint64_t deadline)
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
		errorf("mqpub", "%s: %zu new %s not queued", a->sp.err, n, messages_word(n));
		a->spool_full = true;
	}
	free(msgs);
	return 0;
}

/* --spool: remove what was delivered; what is left waits for the next
 * run, and exit 7 says so. */
int spool_result(pub_app *a, mq_client *c, int rc)
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
		errorf("mqpub", "%llu %s refused by the broker, dropped from the spool: %s",
		       a->refused, messages_word(a->refused), mq_reason_text(a->base.version, MQ_PUBACK, a->last_refusal));
	if (a->spool_full)
		return EXIT_INCOMPLETE;   /* the new message was not kept: said */
	if (left > 0) {
		char why[400];
		if (rc < 0 && rc != -MQ_E_APP_STOP)
			run_describe(&a->base, c, rc, why, sizeof why);
		else
			snprintf(why, sizeof why, "interrupted");
		errorf("mqpub", "%ld %s kept in spool '%s' for the next run: %s",
		       left, messages_word((unsigned long long)left), a->o->spool_dir, why);
		return EXIT_QUEUED;
	}
	return a->refused || a->publish_error ? EXIT_INCOMPLETE : EXIT_OK;
}

