/* exec_cmd.c - the handler's argv and environment (see exec_cmd.h).
 * Each is built in two passes, one to size it and one to write it, into
 * a single block the caller frees. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_cmd.h"
#include "json_out.h"

extern char **environ;

static const char *const shells[] = {
	"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox", NULL
};

/* Is argv[1] a shell's option cluster ending in c ("-c", "-ec")? */
static int script_index(char **argv, int argc)
{
	const char *base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	bool shell = false;
	for (int i = 0; shells[i]; i++)
		shell |= strcmp(base, shells[i]) == 0;
	int at = strcmp(base, "busybox") == 0 ? 2 : 1;   /* busybox sh -c */
	if (!shell || argc <= at + 1)
		return -1;
	const char *o = argv[at];
	size_t n = strlen(o);
	if (n < 2 || o[0] != '-' || o[n - 1] != 'c' || strspn(o + 1, "abcefhimnuvx") != n - 1)
		return -1;
	return at + 1;
}

int exec_cmd_take(exec_cmd *c, int argc, char **argv, int at, const char **why)
{
	int end = at;
	while (end < argc && strcmp(argv[end], "--") != 0)
		end++;
	if (end == at) {
		*why = "--exec needs a command: --exec CMD [ARG...] --";
		return -1;
	}
	c->argv = argv + at;
	c->argc = end - at;
	c->script_arg = script_index(c->argv, c->argc);
	return end - at + (end < argc);
}

/* A value as one shell word: 'it'\''s'. */
static size_t shell_quoted(mq_bytes v, char *out)
{
	size_t k = 0;
	if (out)
		out[k] = '\'';
	k++;
	for (size_t i = 0; i < v.len; i++) {
		if (v.ptr[i] == '\'') {
			if (out)
				memcpy(out + k, "'\\''", 4);
			k += 4;
		} else {
			if (out)
				out[k] = (char)v.ptr[i];
			k++;
		}
	}
	if (out)
		out[k] = '\'';
	return k + 1;
}

/* The value of placeholder name[0..n), or false when it is none. */
static bool placeholder(const exec_msg *m, const char *name, size_t n,
			mq_bytes *v, char num[8])
{
	if (n == 5 && !memcmp(name, "topic", 5)) {
		*v = m->topic;
	} else if (n == 7 && !memcmp(name, "payload", 7)) {
		*v = m->payload;
	} else if ((n == 3 && !memcmp(name, "qos", 3)) || (n == 2 && !memcmp(name, "id", 2))) {
		int k = snprintf(num, 8, "%u", n == 3 ? m->qos : m->packet_id);
		*v = (mq_bytes){ (const uint8_t *)num, (size_t)k };
	} else {
		return false;
	}
	return true;
}

/* Expand one argument into out (NULL: only measure).  Returns its length
 * without the NUL, or -1 with *why set. */
static long expand(const char *arg, const exec_msg *m, bool shell, char *out,
		   const char **why)
{
	size_t k = 0;
	for (const char *p = arg; *p; ) {
		const char *close = *p == '{' ? strchr(p, '}') : NULL;
		mq_bytes v;
		char num[8];
		if (close && placeholder(m, p + 1, (size_t)(close - p - 1), &v, num)) {
			if (v.ptr == m->payload.ptr && v.len &&
			    (v.len > EXEC_PAYLOAD_ARG_MAX || memchr(v.ptr, 0, v.len) ||
			     !json_utf8_valid(v.ptr, v.len))) {
				*why = "the payload is not short text, as {payload} needs "
				       "(use standard input)";
				return -1;
			}
			if (shell) {
				k += shell_quoted(v, out ? out + k : NULL);
			} else {
				if (out && v.len)
					memcpy(out + k, v.ptr, v.len);
				k += v.len;
			}
			p = close + 1;
			continue;
		}
		if (out)
			out[k] = *p;
		k++;
		p++;
	}
	if (out)
		out[k] = '\0';
	return (long)k;
}

char **exec_cmd_argv(const exec_cmd *c, const exec_msg *m, const char **why)
{
	size_t need = (size_t)(c->argc + 1) * sizeof(char *);
	for (int i = 0; i < c->argc; i++) {
		long n = expand(c->argv[i], m, i == c->script_arg, NULL, why);
		if (n < 0)
			return NULL;
		need += (size_t)n + 1;
	}
	char **argv = malloc(need);
	if (!argv) {
		*why = "out of memory";
		return NULL;
	}
	char *text = (char *)(argv + c->argc + 1);
	for (int i = 0; i < c->argc; i++) {
		argv[i] = text;
		text += expand(c->argv[i], m, i == c->script_arg, text, why) + 1;
	}
	argv[c->argc] = NULL;
	return argv;
}

/* ---- the environment ------------------------------------------------------ */

typedef struct envw {
	char **vars;      /* NULL: measuring */
	char *text;
	size_t nvars, ntext;
} envw;

/* Add NAME=VALUE; value as bytes, or hex when hex is set. */
static void env_add(envw *w, const char *name, size_t name_len, mq_bytes value,
		    bool hex)
{
	size_t len = name_len + 1 + (hex ? 2 * value.len : value.len);
	if (w->vars) {
		char *t = w->text + w->ntext;
		w->vars[w->nvars] = t;
		memcpy(t, name, name_len);
		t[name_len] = '=';
		t += name_len + 1;
		for (size_t i = 0; i < value.len; i++) {
			if (hex) {
				static const char digits[] = "0123456789abcdef";
				*t++ = digits[value.ptr[i] >> 4];
				*t++ = digits[value.ptr[i] & 15];
			} else {
				*t++ = (char)value.ptr[i];
			}
		}
		*t = '\0';
	}
	w->nvars++;
	w->ntext += len + 1;
}

static void env_str(envw *w, const char *name, mq_bytes value)
{
	env_add(w, name, strlen(name), value, false);
}

static void env_num(envw *w, const char *name, unsigned long v)
{
	char b[24];
	int n = snprintf(b, sizeof b, "%lu", v);
	env_str(w, name, (mq_bytes){ (const uint8_t *)b, (size_t)n });
}

static bool env_name_ok(mq_bytes k)
{
	if (k.len == 0 || k.len > 200)
		return false;
	for (size_t i = 0; i < k.len; i++) {
		uint8_t c = k.ptr[i];
		if (!(c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z')))
			return false;
	}
	return true;
}

/* MQTT_PROP_<NAME> for each user property; a repeated name: the last. */
static void env_user_props(envw *w, const mq_props *pr)
{
	size_t off = 0;
	mq_bytes k, v;
	while (mq_user_prop_next(pr, &off, &k, &v) == 1) {
		if (!env_name_ok(k))
			continue;
		size_t later = off;
		mq_bytes k2, v2;
		bool repeated = false;
		while (!repeated && mq_user_prop_next(pr, &later, &k2, &v2) == 1)
			repeated = k2.len == k.len && !memcmp(k2.ptr, k.ptr, k.len);
		if (repeated)
			continue;
		char name[220];
		memcpy(name, "MQTT_PROP_", 10);
		memcpy(name + 10, k.ptr, k.len);
		env_add(w, name, 10 + k.len, v, false);
	}
}

static void env_fill(envw *w, const exec_msg *m)
{
	for (char **e = environ; *e; e++) {   /* ours replace these, and
						 MQTT_PASSWORD stays with us */
		if (strncmp(*e, "MQTT_", 5) == 0)
			continue;
		size_t n = strlen(*e);
		if (w->vars) {
			w->vars[w->nvars] = w->text + w->ntext;
			memcpy(w->text + w->ntext, *e, n + 1);
		}
		w->nvars++;
		w->ntext += n + 1;
	}
	env_str(w, "MQTT_TOPIC", m->topic);
	env_num(w, "MQTT_QOS", m->qos);
	env_num(w, "MQTT_RETAIN", m->retain);
	env_num(w, "MQTT_MESSAGE_ID", m->packet_id);
	const mq_props *pr = m->props;
	if (!pr)
		return;
	if (pr->present & MQ_PROP_BIT(MQ_PROP_CONTENT_TYPE))
		env_str(w, "MQTT_CONTENT_TYPE", pr->content_type);
	if (pr->present & MQ_PROP_BIT(MQ_PROP_RESPONSE_TOPIC))
		env_str(w, "MQTT_RESPONSE_TOPIC", pr->response_topic);
	if (pr->present & MQ_PROP_BIT(MQ_PROP_CORRELATION_DATA))
		env_add(w, "MQTT_CORRELATION_DATA", 21, pr->correlation_data, true);
	if (pr->present & MQ_PROP_BIT(MQ_PROP_PAYLOAD_FORMAT))
		env_num(w, "MQTT_PAYLOAD_FORMAT", pr->payload_format);
	if (pr->present & MQ_PROP_BIT(MQ_PROP_MESSAGE_EXPIRY))
		env_num(w, "MQTT_MESSAGE_EXPIRY", pr->message_expiry);
	env_user_props(w, pr);
}

char **exec_env(const exec_msg *m)
{
	envw w = { 0 };
	env_fill(&w, m);
	char **vars = malloc((w.nvars + 1) * sizeof(char *) + w.ntext);
	if (!vars)
		return NULL;
	envw out = { .vars = vars, .text = (char *)(vars + w.nvars + 1) };
	env_fill(&out, m);
	vars[out.nvars] = NULL;
	return vars;
}
