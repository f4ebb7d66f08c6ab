/* dprop.c - mosquitto's -D property syntax mapped onto our long options
 * (see dprop.h).  Names as mosquitto_pub(1) and mosquitto_sub(1) spell
 * them, compared without regard to case as mosquitto does. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dprop.h"

/* How the value is given to the long option. */
enum dkind {
	D_ARG,      /* VALUE as it is */
	D_PAIR,     /* NAME VALUE as NAME=VALUE */
	D_FLAG,     /* 1: the option without a value; 0: nothing */
	D_FORMAT    /* payload-format-indicator 0/1: bytes/utf8 */
};

typedef struct dprop_map {
	const char *cmd, *prop, *option;
	enum dkind kind;
} dprop_map;

static const dprop_map dmap[] = {
	{ "connect", "session-expiry-interval", "session-expiry", D_ARG },
	{ "connect", "receive-maximum", "receive-maximum", D_ARG },
	{ "connect", "maximum-packet-size", "maximum-packet-size", D_ARG },
	{ "connect", "request-response-information", "request-response-info", D_FLAG },
	{ "connect", "user-property", "connect-user-property", D_PAIR },
	{ "publish", "content-type", "content-type", D_ARG },
	{ "publish", "correlation-data", "correlation-data", D_ARG },
	{ "publish", "message-expiry-interval", "message-expiry", D_ARG },
	{ "publish", "payload-format-indicator", "payload-format", D_FORMAT },
	{ "publish", "response-topic", "response-topic", D_ARG },
	{ "publish", "user-property", "user-property", D_PAIR },
	{ "will", "content-type", "will-content-type", D_ARG },
	{ "will", "correlation-data", "will-correlation-data", D_ARG },
	{ "will", "message-expiry-interval", "will-expiry", D_ARG },
	{ "will", "payload-format-indicator", "will-payload-format", D_FORMAT },
	{ "will", "response-topic", "will-response-topic", D_ARG },
	{ "will", "user-property", "will-user-property", D_PAIR },
	{ "will", "will-delay-interval", "will-delay", D_ARG },
	{ "subscribe", "subscription-identifier", "sub-id", D_ARG },
};

/* The packets mosquitto's -D names, and every MQTT 5 property (5.0
 * §2.2.2.2): a name from these lists that dmap lacks is one we do not
 * support, any other a mistake. */
static const char *const dcommands[] = {
	"connect", "publish", "puback", "pubrec", "pubrel", "pubcomp",
	"subscribe", "unsubscribe", "disconnect", "auth", "will", NULL
};
static const char *const dproperties[] = {
	"payload-format-indicator", "message-expiry-interval", "content-type",
	"response-topic", "correlation-data", "subscription-identifier",
	"session-expiry-interval", "assigned-client-identifier",
	"server-keep-alive", "authentication-method", "authentication-data",
	"request-problem-information", "will-delay-interval",
	"request-response-information", "response-information",
	"server-reference", "reason-string", "receive-maximum",
	"topic-alias-maximum", "topic-alias", "maximum-qos", "retain-available",
	"user-property", "maximum-packet-size", "wildcard-subscription-available",
	"subscription-identifier-available", "shared-subscription-available", NULL
};

static bool in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcasecmp(*list, s))
			return true;
	return false;
}

int dprop_words(int argc, char **argv, int next)
{
	return next < argc && !strcasecmp(argv[next], "user-property") ? 3 : 2;
}

static const struct option *long_named(const tool_cli *t, const char *name)
{
	for (const struct option *lo = t->long_options; lo->name; lo++)
		if (!strcmp(lo->name, name))
			return lo;
	return NULL;
}

/* The mapping of cmd and prop, or NULL after printing why there is none. */
static const dprop_map *find(const common_opts *o, const tool_cli *t,
			     const char *cmd, const char *prop)
{
	for (size_t i = 0; i < sizeof dmap / sizeof dmap[0]; i++)
		if (!strcasecmp(dmap[i].cmd, cmd) && !strcasecmp(dmap[i].prop, prop) &&
		    long_named(t, dmap[i].option))
			return &dmap[i];
	if (!in_list(dcommands, cmd))
		errorf(o->prog, "-D: unknown command '%s' (connect, publish, subscribe, will, ...)", cmd);
	else if (!in_list(dproperties, prop))
		errorf(o->prog, "-D %s: unknown property '%s'", cmd, prop);
	else
		errorf(o->prog, "-D %s %s is not supported by %s (see --help for the "
		       "MQTT 5 options it has)", cmd, prop, o->prog);
	return NULL;
}

/* Give one option to the tool's handler, then the common one. */
static int dispatch(common_opts *o, const tool_cli *t, int id, char *arg)
{
	int r = t->option(t->tool, id, arg);
	if (r == 0)
		r = common_option(o, id, arg);
	return r;
}

/* NAME VALUE as NAME=VALUE: the handlers copy user properties. */
static int pair(common_opts *o, const tool_cli *t, const dprop_map *m, int id,
		char **w)
{
	if (strchr(w[1], '=')) {
		errorf(o->prog, "-D %s user-property: a name with '=' cannot be given "
		       "(--%s NAME=VALUE splits at the first '=')", m->cmd, m->option);
		return -1;
	}
	size_t n = strlen(w[1]) + strlen(w[2]) + 2;
	char *kv = malloc(n);
	if (!kv) {
		errorf(o->prog, "-D: out of memory");
		return -1;
	}
	snprintf(kv, n, "%s=%s", w[1], w[2]);
	int r = dispatch(o, t, id, kv);
	free(kv);
	return r;
}

static int apply(common_opts *o, const tool_cli *t, const dprop_map *m, char **w)
{
	int id = long_named(t, m->option)->val;
	const char *v = w[1];
	switch (m->kind) {
	case D_PAIR:
		return pair(o, t, m, id, w);
	case D_FLAG:
	case D_FORMAT:
		if (strcmp(v, "0") && strcmp(v, "1")) {
			errorf(o->prog, "-D %s %s: bad value '%s' (0 or 1)", m->cmd, m->prop, v);
			return -1;
		}
		if (m->kind == D_FORMAT)
			return dispatch(o, t, id, *v == '1' ? "utf8" : "bytes");
		return *v == '1' ? dispatch(o, t, id, NULL) : 1;
	default:
		return dispatch(o, t, id, w[1]);
	}
}

int dprop_option(common_opts *o, const tool_cli *t, const char *cmd,
		 int argc, char **argv)
{
	int n = dprop_words(argc, argv, optind);
	if (optind + n > argc) {
		errorf(o->prog, "-D %s: needs PROPERTY VALUE (user-property NAME VALUE)", cmd);
		return -1;
	}
	char **w = argv + optind;
	optind += n;
	const dprop_map *m = find(o, t, cmd, w[0]);
	if (!m)
		return -1;
	return apply(o, t, m, w) < 0 ? -1 : 1;
}

void dprop_usage(FILE *f)
{
	fputs(
"  -D, --property CMD PROP VALUE  mosquitto's property syntax, e.g. -D connect\n"
"                             session-expiry-interval 60: the same as the long\n"
"                             option it maps to (see PROPERTIES in the manual)\n", f);
}
