/* subscribe.c - mqsub's subscription options, Subscription Identifier
 * and -U filters. */
#include <string.h>

#include "subscribe.h"

/* An option that only MQTT 5 carries: remembered for -V 311, and named
 * when the broker turns out to have no MQTT 5. */
static void need_v5(sub_spec *sp, common_opts *c, const char *name)
{
	if (!sp->v5_first)
		sp->v5_first = name;
	if (!strstr(c->needs_v5, name))
		common_need_v5(c, name);
}

static int add_unsub(sub_spec *sp, const char *arg)
{
	int rc = mq_filter_check((const uint8_t *)arg, strlen(arg));
	if (rc < 0) {
		errorf("mqsub", "bad topic filter '%s' for -U: %s", arg,
		       rc == -MQ_E_BAD_UTF8 ? "not valid UTF-8"
		       : "must be 1 to 65535 bytes, + and # a whole level, # last, "
		       "$share/GROUP/FILTER with a GROUP and no + # / in it");
		return -1;
	}
	if (sp->nunsubs >= SUB_MAX_UNSUBS) {
		errorf("mqsub", "too many filters for -U (at most %d)", SUB_MAX_UNSUBS);
		return -1;
	}
	sp->unsubs[sp->nunsubs++] = (mq_bytes){ (const uint8_t *)arg, strlen(arg) };
	return 1;
}

int subscribe_option(sub_spec *sp, common_opts *c, int opt, const char *arg)
{
	unsigned long v;
	switch (opt) {
	case 'U':
		return add_unsub(sp, arg);
	case OPT_REMOVE_RETAINED:
		sp->remove_retained = true;
		return 1;
	case OPT_NO_LOCAL:
		sp->options |= MQ_SUBOPT_NO_LOCAL;
		need_v5(sp, c, "--no-local");
		return 1;
	case OPT_RETAIN_AS_PUBLISHED:
		sp->options |= MQ_SUBOPT_RETAIN_AS_PUBLISHED;
		need_v5(sp, c, "--retain-as-published");
		return 1;
	case OPT_RETAIN_HANDLING:   /* MQTT 5.0 §3.8.3.1: 0, 1 or 2 */
		if (parse_number("mqsub", "--retain-handling", arg, 0, 2, &v) < 0)
			return -1;
		sp->options = (uint8_t)((sp->options & 0x0F) |
					(v << MQ_SUBOPT_RETAIN_HANDLING_SHIFT));
		need_v5(sp, c, "--retain-handling");
		return 1;
	case OPT_SUB_ID:            /* MQTT 5.0 §3.8.2.1.2 */
		if (parse_number("mqsub", "--sub-id", arg, 1, MQ_MAX_REMAINING_LENGTH,
				 &sp->sub_id) < 0)
			return -1;
		need_v5(sp, c, "--sub-id");
		return 1;
	default:
		return 0;
	}
}

int subscribe_finish(sub_spec *sp, const common_opts *c, mq_sub_entry *subs,
		     size_t nsubs)
{
	if (sp->v5_first && c->version != MQ_V5) {
		errorf("mqsub", "%s needs MQTT 5 (not -V 311)", sp->v5_first);
		return -1;
	}
	for (size_t i = 0; i < nsubs; i++)
		subs[i].options = (uint8_t)(c->qos | sp->options);
	memset(&sp->props, 0, sizeof sp->props);
	if (sp->sub_id) {
		sp->props.present |= MQ_PROP_BIT(MQ_PROP_SUBSCRIPTION_ID);
		sp->props.sub_ids[0] = (uint32_t)sp->sub_id;
		sp->props.sub_id_count = 1;
	}
	return 0;
}

void subscribe_session_config(const sub_spec *sp, mq_session_config *sc)
{
	sc->subscribe_props = sp->props.present ? &sp->props : NULL;
}

bool subscribe_unsuback(const sub_spec *sp, uint8_t version, const mq_suback *ack)
{
	bool ok = true;
	for (size_t i = 0; i < ack->reasons.len && i < sp->nunsubs; i++) {
		uint8_t r = ack->reasons.ptr[i];   /* MQTT 5.0 §3.11.3 */
		if (r < 0x80)
			continue;
		mq_bytes f = sp->unsubs[i];
		errorf("mqsub", "unsubscribe from '%.*s' refused: %s", (int)f.len,
		       (const char *)f.ptr, mq_reason_text(version, MQ_UNSUBACK, r));
		ok = false;
	}
	return ok;
}

void subscribe_usage(FILE *f)
{
	fputs(
"Subscription options (MQTT 5; for every -t filter):\n"
"      --no-local             do not receive what this client publishes\n"
"      --retain-as-published  keep the retain flag of messages forwarded live\n"
"      --retain-handling N    retained messages: 0 sent on subscribing, 1 only\n"
"                             on a new subscription, 2 never (default 0)\n"
"      --sub-id N             subscription identifier 1..268435455, shown by\n"
"                             -F %S and --json\n"
"  -U, --unsubscribe FILTER   unsubscribe from FILTER after connecting, e.g.\n"
"                             what a kept session (-c) holds (repeatable)\n"
"      --remove-retained      clear each retained message received (publish\n"
"                             an empty retained one to its topic), -T aside\n"
"\n", f);
}
