/* state_files.c - where a run keeps what outlives it: the client id it
 * makes up, the session state file of -c (one per client id and broker)
 * and the directory of --tls-resume's sessions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options.h"

static void make_client_id(common_opts *o)
{
	if (o->client_id)
		return;
	if (o->id_prefix) {
		snprintf(o->client_id_buf, sizeof o->client_id_buf, "%.40s%ld",
			 o->id_prefix, (long)getpid());
	} else {
		unsigned char r[6] = { 0 };
		if (getentropy(r, sizeof r) < 0) {
			long p = (long)getpid();
			memcpy(r, &p, sizeof r < sizeof p ? sizeof r : sizeof p);
		}
		snprintf(o->client_id_buf, sizeof o->client_id_buf,
			 "%s-%02x%02x%02x%02x%02x%02x", o->prog,
			 r[0], r[1], r[2], r[3], r[4], r[5]);
	}
	o->client_id = o->client_id_buf;
}

/* mkdir -p, mode 0700. */
static int make_dirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int rc = mkdir(path, 0700);
		*p = '/';
		if (rc < 0 && errno != EEXIST)
			return -1;
	}
	return mkdir(path, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

/* Append s to the state path, '/', '%' and a leading '.' escaped. */
static size_t state_name(common_opts *o, size_t n, const char *s)
{
	for (const char *p = s; *p && n + 8 < sizeof o->state_path; p++) {
		bool esc = *p == '/' || *p == '%' || (*p == '.' && p == s);
		n += (size_t)snprintf(o->state_path + n, sizeof o->state_path - n,
				      esc ? "%%%02X" : "%c", (unsigned char)*p);
	}
	return n;
}

/* DIR is --state-dir, else $XDG_STATE_HOME/mq, else ~/.local/state/mq,
 * created 0700 if missing.  Returns 1, 0 when there is none (warned:
 * what is lost), or -1. */
static int state_dir(common_opts *o, char *dir, size_t cap, const char *lost)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	if (o->state_dir)
		snprintf(dir, cap, "%s", o->state_dir);
	else if (xdg && *xdg)
		snprintf(dir, cap, "%s/mq", xdg);
	else if (home && *home)
		snprintf(dir, cap, "%s/.local/state/mq", home);
	else {
		errorf(o->prog, "warning: HOME and XDG_STATE_HOME are unset: %s "
		       "(give --state-dir DIR)", lost);
		return 0;
	}
	if (make_dirs(dir) < 0) {
		errorf(o->prog, "cannot create state directory '%s': %s", dir, strerror(errno));
		return -1;
	}
	return 1;
}

/* --tls-resume keeps its session files in the state directory too. */
static int tls_session_dir(common_opts *o)
{
	static char dir[3072];
	if (!o->tls.enabled || !o->tls.resume || o->tls.psk)
		return 0;
	int r = state_dir(o, dir, sizeof dir, "TLS sessions are not kept across runs");
	if (r > 0)
		o->tls.session_dir = dir;
	return r < 0 ? -1 : 0;
}

/* With a kept session (-c), the session state lives in
 * DIR/<client id>@<host>:<port>.state, the first broker of the list as
 * given: the state of one broker's session is never replayed to another. */
static int state_path(common_opts *o)
{
	char dir[3072];
	if (!o->no_clean) {
		if (o->state_dir && !o->tls.resume)
			errorf(o->prog, "warning: --state-dir is used only with -c (a kept "
			       "session) or --tls-resume");
		return 0;
	}
	int r = state_dir(o, dir, sizeof dir, "messages in flight are not kept across runs");
	if (r <= 0)
		return r;
	char broker[600];
	const mq_endpoint *ep = &o->endpoints[0];
	if (ep->unix_path)   /* --unix: the socket's path is the broker */
		snprintf(broker, sizeof broker, "@unix:%s", ep->unix_path);
	else
		snprintf(broker, sizeof broker, strchr(ep->host, ':') ? "@[%s]:%s" : "@%s:%s",
			 ep->host, ep->port ? ep->port : o->port);
	size_t n = (size_t)snprintf(o->state_path, sizeof o->state_path, "%s/", dir);
	n = state_name(o, n, o->client_id);
	snprintf(o->state_path + n, sizeof o->state_path - n, ".state");
	if (access(o->state_path, F_OK) == 0)   /* keyed by client id alone */
		errorf(o->prog, "warning: state file '%s' is not tied to a broker and "
		       "is not used; remove it once its messages do not matter", o->state_path);
	n = state_name(o, n, broker);
	snprintf(o->state_path + n, sizeof o->state_path - n, ".state");
	return 0;
}

int common_state_files(common_opts *o)
{
	make_client_id(o);
	return tls_session_dir(o) < 0 ? -1 : state_path(o);
}
