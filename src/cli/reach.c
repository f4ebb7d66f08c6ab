/* reach.c - how the broker is reached besides plain host:port: its Unix
 * socket (--unix), or through a SOCKS5 or HTTP CONNECT proxy (--proxy,
 * --proxy-from-env). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "options.h"
#include "url.h"

/* --proxy URL: parsed from a copy; the password's bytes in argv are
 * blanked once parsing is over.  env names the variable it came from. */
static int set_proxy(common_opts *o, char *arg, const char *env)
{
	char *copy = strdup(arg);
	mq_url u;
	int kind;
	const char *why = NULL;
	if (!copy) {
		errorf(o->prog, "out of memory");
		return -1;
	}
	if (mq_proxy_url_parse(copy, &u, &kind, &why) < 0) {
		if (env)   /* not echoed: it may hold a password */
			errorf(o->prog, "bad proxy URL in %s: %s", env, why);
		else
			errorf(o->prog, "bad proxy URL '%s': %s", arg, why);
		return -1;
	}
	if (!env && u.pass_len && remember_secret(o, arg + u.pass_at, u.pass_len) < 0)
		return -1;
	o->proxy = (mq_proxy){ .kind = (enum mq_proxy_kind)kind, .host = u.host,
		.port = u.port ? u.port : kind == MQ_PROXY_HTTP ? "8080" : "1080",
		.user = u.user, .pass = u.pass };
	unsigned long n;
	if (parse_number(o->prog, "the port of the proxy", o->proxy.port, 1, 65535, &n) < 0)
		return -1;
	o->has_proxy = true;
	return 0;
}

int reach_ws_endpoint(common_opts *o, const mq_url *u)
{
	mq_ws_config *ws = &o->ws[o->nendpoints < MAX_ENDPOINTS ? o->nendpoints : 0];
	*ws = (mq_ws_config){ .path = u->ws_path, .headers = o->ws_headers };
	return common_add_endpoint(o, &(mq_endpoint){ .host = u->host,
		.port = u->port ? u->port : u->tls ? "443" : "80", .ws = ws });
}

/* --ws-header 'Name: value': one header line, nothing that could end it
 * early or add another. */
static int add_ws_header(common_opts *o, char *arg)
{
	const char *colon = strchr(arg, ':');
	if (!colon || colon == arg || strpbrk(arg, "\r\n") ||
	    strcspn(arg, " \t") < (size_t)(colon - arg)) {
		errorf(o->prog, "bad value for --ws-header: '%s' (expected 'Name: value')", arg);
		return -1;
	}
	if (o->nws_headers >= MAX_WS_HEADERS) {
		errorf(o->prog, "too many --ws-header (at most %d)", MAX_WS_HEADERS);
		return -1;
	}
	o->ws_headers[o->nws_headers++] = arg;
	return 0;
}

int reach_option(common_opts *o, int opt, char *arg)
{
	switch (opt) {
	case OPT_WS_PATH:
		if (arg[0] != '/' || strpbrk(arg, " \r\n")) {
			errorf(o->prog, "bad value for --ws-path: '%s' (a path starting with /)", arg);
			return -1;
		}
		o->ws_path = arg;
		return 1;
	case OPT_WS_HEADER:
		return add_ws_header(o, arg) < 0 ? -1 : 1;
	case OPT_UNIX:
		if (!*arg) {
			errorf(o->prog, "bad value for --unix: an empty path");
			return -1;
		}
		return common_add_endpoint(o, &(mq_endpoint){ .host = arg, .port = NULL,
			.unix_path = arg }) < 0 ? -1 : 1;
	case OPT_PROXY:
		return set_proxy(o, arg, NULL) < 0 ? -1 : 1;
	case OPT_PROXY_FROM_ENV:
		o->proxy_from_env = true;
		return 1;
	default:
		return 0;
	}
}

/* NO_PROXY: "*", or a comma list of host names, each matching itself
 * and its subdomains (".example.org" and "example.org" alike). */
static bool no_proxy_for(const char *host)
{
	const char *np = getenv("NO_PROXY") ? getenv("NO_PROXY") : getenv("no_proxy");
	if (!np)
		return false;
	size_t hl = strlen(host);
	for (const char *p = np; *p;) {
		size_t n = strcspn(p, ", ");
		const char *item = p;
		size_t il = n;
		if (il && item[0] == '.') {
			item++;
			il--;
		}
		if ((n == 1 && *p == '*') ||
		    (il && hl >= il && !strncasecmp(host + hl - il, item, il) &&
		     (hl == il || host[hl - il - 1] == '.')))
			return true;
		p += n;
		p += strspn(p, ", ");
	}
	return false;
}

/* --proxy-from-env: HTTPS_PROXY for TLS, then ALL_PROXY (either case). */
static int proxy_from_env(common_opts *o)
{
	const char *names[] = { "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy" };
	for (size_t i = o->tls.enabled ? 0 : 2; i < 4; i++) {
		char *v = getenv(names[i]);
		if (v && *v)
			return set_proxy(o, v, names[i]);
	}
	return 0;
}

int reach_finish(common_opts *o)
{
	bool any_ws = false;
	for (size_t i = 0; i < o->nendpoints; i++) {
		mq_endpoint *ep = &o->endpoints[i];
		if (ep->ws && o->ws_path)
			((mq_ws_config *)ep->ws)->path = o->ws_path;
		any_ws |= ep->ws != NULL;
	}
	if (!any_ws && (o->ws_path || o->nws_headers)) {
		errorf(o->prog, "--ws-path and --ws-header need a ws:// or wss:// URL (-L)");
		return -1;
	}
	if (o->proxy_from_env && !o->has_proxy && proxy_from_env(o) < 0)
		return -1;
	if (!o->has_proxy)
		return 0;
	for (size_t i = 0; i < o->nendpoints; i++) {
		mq_endpoint *ep = &o->endpoints[i];
		if (!ep->unix_path && !(o->proxy_from_env && no_proxy_for(ep->host)))
			ep->proxy = &o->proxy;
	}
	return 0;
}

void reach_usage(FILE *f)
{
	fputs(
"Reaching the broker:\n"
"      --unix PATH            connect to the broker's Unix socket (also\n"
"                             -L unix:///PATH)\n"
"      --proxy URL            through a proxy: socks5://, socks5h:// (the\n"
"                             proxy resolves the name) or http:// (CONNECT),\n"
"                             [user[:pass]@]host[:port]\n"
"      --proxy-from-env       take the proxy from HTTPS_PROXY (TLS) or\n"
"                             ALL_PROXY, minding NO_PROXY\n"
"      --ws-path PATH         the HTTP path of ws:// and wss:// brokers\n"
"                             (default /mqtt, or the URL's)\n"
"      --ws-header 'N: V'     an HTTP header for the WebSocket handshake\n"
"                             (repeatable), e.g. a bearer token\n", f);
}
