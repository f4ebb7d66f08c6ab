/* pub_request.c - mqpub --request (see pub_request.h): MQTT 5.0
 * §4.10 request/response with the Response Topic and Correlation Data
 * properties (§3.3.2.3.5, §3.3.2.3.6). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "exitcodes.h"
#include "pub.h"

int request_check(pub_opts *o)
{
	const char *why = NULL;
	if (!o->request && o->responses)
		why = "--responses needs --request";
	else if (o->request && reads_lines(o))
		why = "--request sends one message: -m, -f, -s or -n, not -l, "
		      "--topic-lines or --json";
	else if (o->request && o->repeat)
		why = "--request sends one message: drop --repeat";
	else if (o->request && (o->spool_dir || o->flush))
		why = "--request waits for replies: it cannot be spooled";
	if (why) {
		errorf("mqpub", "%s", why);
		return -1;
	}
	if (!o->request)
		return 0;
	if (o->c.version != MQ_V5) {
		errorf("mqpub", "--request needs MQTT 5 (not -V 311)");
		return -1;
	}
	common_need_v5(&o->c, "--request");
	if (o->mode_count == 0) {   /* a request may be empty */
		o->mode = MODE_NULL;
		o->mode_count = 1;
	}
	if (!o->responses)
		o->responses = 1;
	return 0;
}

/* n random bytes from getrandom(2) (getentropy), else /dev/urandom. */
static int random_bytes(uint8_t *p, size_t n)
{
	if (getentropy(p, n) == 0)
		return 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);
		if (r <= 0 && !(r < 0 && errno == EINTR))
			break;
		got += r > 0 ? (size_t)r : 0;
	}
	close(fd);
	return got == n ? 0 : -1;
}

/* mqpub/response/ and 32 hex digits of fresh randomness. */
static int make_topic(pub_request *r)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t rnd[REQUEST_RANDOM_BYTES];
	if (random_bytes(rnd, sizeof rnd) < 0)
		return -1;
	size_t n = sizeof REQUEST_TOPIC_PREFIX - 1;
	memcpy(r->topic, REQUEST_TOPIC_PREFIX, n);
	for (size_t i = 0; i < sizeof rnd; i++) {
		r->topic[n++] = hex[rnd[i] >> 4];
		r->topic[n++] = hex[rnd[i] & 15];
	}
	r->topic[n] = '\0';
	return 0;
}

/* The response topic and correlation data: the user's, or fresh ones. */
static int set_properties(pub_request *r, pub_props *pp)
{
	mq_props *p = &pp->props;
	if (!(p->present & MQ_PROP_BIT(MQ_PROP_RESPONSE_TOPIC))) {
		if (make_topic(r) < 0)
			return -1;
		p->response_topic = (mq_bytes){ (const uint8_t *)r->topic, strlen(r->topic) };
		p->present |= MQ_PROP_BIT(MQ_PROP_RESPONSE_TOPIC);
	}
	if (!(p->present & MQ_PROP_BIT(MQ_PROP_CORRELATION_DATA))) {
		if (random_bytes(r->corr, sizeof r->corr) < 0)
			return -1;
		p->correlation_data = (mq_bytes){ r->corr, sizeof r->corr };
		p->present |= MQ_PROP_BIT(MQ_PROP_CORRELATION_DATA);
	}
	if (!pp->first)
		pp->first = "request";
	r->sub.filter = p->response_topic;
	r->want = p->correlation_data;
	return 0;
}

static bool same(mq_bytes a, mq_bytes b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Print the payload of a reply carrying our correlation data, as mqsub
 * prints one: the bytes, then a newline.  Other messages are
 * acknowledged and dropped. */
static int on_reply(void *ctx, const mq_publish *p)
{
	pub_app *a = ctx;
	pub_request *r = &a->req;
	bool has = p->props.present & MQ_PROP_BIT(MQ_PROP_CORRELATION_DATA);
	if (!same(p->topic, r->sub.filter) || !has || !same(p->props.correlation_data, r->want)) {
		if (a->base.debug)
			errorf("mqpub", "ignored a reply on '%.*s' with %s", (int)p->topic.len,
			       (const char *)p->topic.ptr, !same(p->topic, r->sub.filter)
			       ? "another topic" : has ? "other correlation data"
			       : "no correlation data");
		return 0;
	}
	if (r->matched >= a->o->responses)
		return 0;   /* more than asked for, before the DISCONNECT */
	r->matched++;
	outbuf_put(&r->out, p->payload.ptr, p->payload.len);
	outbuf_put(&r->out, "\n", 1);
	return 0;
}

static void on_sub_ack(void *ctx, const mq_suback *ack)
{
	pub_app *a = ctx;
	pub_request *r = &a->req;
	uint8_t code = ack->reasons.len ? ack->reasons.ptr[0] : 0x80;
	mq_bytes f = r->sub.filter;
	if (code >= 0x80) {
		errorf("mqpub", "subscription to response topic '%.*s' refused: %s",
		       (int)f.len, (const char *)f.ptr,
		       mq_reason_text(a->base.version, MQ_SUBACK, code));
		r->refused = true;
		return;
	}
	if (code < a->o->c.qos && a->base.debug)
		errorf("mqpub", "subscription to '%.*s' granted QoS %u, not %u",
		       (int)f.len, (const char *)f.ptr, code, a->o->c.qos);
	r->subscribed = true;
}

/* After each batch of packets: what was printed goes out. */
static int flush_replies(void *ctx)
{
	pub_app *a = ctx;
	outbuf_flush(&a->req.out);
	return 0;
}

int request_setup(pub_app *a, pub_opts *o, mq_session_events *ev,
		  mq_client_app *app)
{
	pub_request *r = &a->req;
	if (set_properties(r, &o->props) < 0) {
		errorf("mqpub", "cannot make a response topic: no random bytes: %s",
		       strerror(errno));
		return EXIT_NETWORK;
	}
	r->sub.options = o->c.qos;
	a->msg.props = &o->props.props;
	outbuf_init(&r->out, STDOUT_FILENO);
	ev->message = on_reply;
	ev->subscribed = on_sub_ack;
	app->flush = flush_replies;
	return 0;
}

bool request_ready(const pub_app *a)
{
	return a->req.subscribed;
}

/* The reader of stdout went away, or writing failed. */
static bool output_over(const pub_request *r)
{
	return r->out.closed || r->out.error;
}

bool request_done(const pub_app *a)
{
	const pub_request *r = &a->req;
	if (r->refused || a->refused || a->publish_error || output_over(r))
		return true;
	return a->single_sent && r->matched >= a->o->responses;
}

static const char *responses_word(unsigned long n)
{
	return n == 1 ? "response" : "responses";
}

int request_result(pub_app *a, int rc)
{
	pub_request *r = &a->req;
	outbuf_flush(&r->out);
	outbuf_free(&r->out);
	if (r->out.error) {
		errorf("mqpub", "cannot write output: %s", strerror(r->out.error));
		return EXIT_NETWORK;
	}
	if (r->refused)
		return EXIT_INCOMPLETE;
	bool delivered = a->single_sent && !a->refused && !a->publish_error &&
			 a->acked + a->published_q0 == a->published;
	if (!delivered || r->matched >= a->o->responses || r->out.closed)
		return -1;
	if (rc == -MQ_E_TIMEOUT) {
		errorf("mqpub", "timed out after %lu of %lu %s", r->matched,
		       a->o->responses, responses_word(a->o->responses));
		return EXIT_TIMEOUT;
	}
	if (rc == MQ_CLIENT_STOPPED) {
		errorf("mqpub", "interrupted after %lu of %lu %s", r->matched,
		       a->o->responses, responses_word(a->o->responses));
		return EXIT_INCOMPLETE;
	}
	return -1;
}
