/* config.c - the config file ($XDG_CONFIG_HOME/mq/config): INI, parsed by
 * inih; keys are long option names, checked by the same option handlers
 * as the command line.  Precedence: command line > environment > profile
 * > default section > built-in defaults. */
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "dprop.h"
#include "exitcodes.h"

/* Connection, authentication, TLS, session and QoS keys; not topics,
 * messages or URLs (those would add to the command line's). */
const char *const config_keys[] = {
	"host", "port", "id", "id-prefix", "keepalive", "protocol-version",
	"username", "pw", "password-file", "password-command", "no-clean",
	"session-expiry", "qos", "timeout", "debug", "max-inflight",
	"reconnect-min", "reconnect-max", "reconnect-tries", "no-reconnect",
	"state-dir", "tls", "cafile", "capath", "insecure", "cert", "key",
	"key-password-file", "psk", "psk-identity", "tls-version", "ciphers",
	"alpn", "pin-sha256", "tls-servername", "tls-resume", NULL
};

#define MAX_ENTRIES 1024
#define MAX_PROFILES 256

typedef struct entry {
	char *section, *key, *value;   /* section: "" or the profile name */
	int line;
} entry;

typedef struct cfg_file {
	const char *prog, *path;
	entry e[MAX_ENTRIES];
	size_t n;
	char *profiles[MAX_PROFILES];
	size_t nprofiles;
	int line;                      /* of the line inih is handling */
	int long_line, max_line;       /* the first line inih cannot hold */
	bool at_line_start, failed, holds_password;
	FILE *f;
} cfg_file;

static bool allowed_key(const char *key)
{
	for (size_t i = 0; config_keys[i]; i++)
		if (!strcmp(config_keys[i], key))
			return true;
	return false;
}

/* fgets for inih that counts lines. */
static char *read_line(char *str, int num, void *stream)
{
	cfg_file *c = stream;
	char *s = fgets(str, num, c->f);
	if (s && c->at_line_start)
		c->line++;
	if (s)
		c->at_line_start = *s && s[strlen(s) - 1] == '\n';
	if (s && !c->at_line_start && !feof(c->f) && !c->long_line) {
		c->long_line = c->line;
		c->max_line = num - 2;
	}
	return s;
}

static void note_profile(cfg_file *c, const char *name)
{
	for (size_t i = 0; i < c->nprofiles; i++)
		if (!strcmp(c->profiles[i], name))
			return;
	if (c->nprofiles < MAX_PROFILES)
		c->profiles[c->nprofiles++] = strdup(name);
}

/* "" and "default" are the default section; "profile NAME" a profile. */
static const char *section_name(const char *section)
{
	if (!*section || !strcmp(section, "default"))
		return "";
	if (!strncmp(section, "profile ", 8) && section[8])
		return section + 8;
	return NULL;
}

static int on_key(void *user, const char *section, const char *key, const char *value)
{
	cfg_file *c = user;
	const char *name = section_name(section);
	if (c->failed)
		return 1;
	if (!name)
		errorf(c->prog, "%s:%d: unknown section [%s] (use [profile NAME])",
		       c->path, c->line, section);
	else if (!allowed_key(key))
		errorf(c->prog, "%s:%d: unknown key '%s'", c->path, c->line, key);
	else if (c->n >= MAX_ENTRIES)
		errorf(c->prog, "%s:%d: too many keys (at most %d)", c->path, c->line, MAX_ENTRIES);
	else {
		if (*name)
			note_profile(c, name);
		if (!strcmp(key, "pw"))
			c->holds_password = true;
		c->e[c->n++] = (entry){ strdup(name), strdup(key), strdup(value), c->line };
		return 1;
	}
	c->failed = true;
	return 0;
}

/* Returns 0, 1 when the file does not exist, or -1 after the error. */
static int read_file(cfg_file *c)
{
	c->f = fopen(c->path, "r");
	if (!c->f)
		return 1;
	c->at_line_start = true;
	int rc = ini_parse_stream(read_line, c, on_key, c);
	struct stat st;
	if (fstat(fileno(c->f), &st) == 0 && c->holds_password &&
	    (st.st_mode & (S_IRGRP | S_IROTH)))
		errorf(c->prog, "warning: %s holds a password and others can read it (chmod 600 it)",
		       c->path);
	fclose(c->f);
	if (c->long_line && !c->failed) {
		errorf(c->prog, "%s:%d: line longer than %d bytes", c->path, c->long_line,
		       c->max_line);
		return -1;
	}
	if (rc != 0 && !c->failed)
		errorf(c->prog, "%s:%d: syntax error (expected [profile NAME] or key = value)",
		       c->path, rc);
	return rc != 0 || c->failed ? -1 : 0;
}

static bool truth(const char *v, bool *out)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };
	for (size_t i = 0; i < 4; i++) {
		if (!strcmp(v, yes[i]) || !strcmp(v, no[i])) {
			*out = !strcmp(v, yes[i]);
			return true;
		}
	}
	return false;
}

/* One key through the tool's handler, then the common one, exactly as
 * parse_command_line() does with an option. */
static int apply_entry(common_opts *o, const tool_cli *t, cfg_file *c, const entry *e)
{
	const struct option *lo = t->long_options;
	while (lo->name && strcmp(lo->name, e->key))
		lo++;
	if (!lo->name)
		return 0;   /* a key of the other tool: ignored */
	char where[4200];
	snprintf(where, sizeof where, "%s:%d: %s", c->path, e->line, e->key);
	errorf_where = where;
	char *arg = e->value;
	int r = 1;
	if (lo->has_arg == no_argument) {
		bool on;
		if (!truth(e->value, &on)) {
			errorf(o->prog, "bad value '%s' (use yes or no)", e->value);
			r = -1;
		} else if (!on)
			arg = NULL, r = 2;
		else
			arg = NULL;
	}
	if (r == 1) {
		r = t->option(t->tool, lo->val, arg);
		if (r == 0)
			r = common_option(o, lo->val, arg);
	}
	errorf_where = NULL;
	return r < 0 ? -1 : 0;
}

static int apply_section(common_opts *o, const tool_cli *t, cfg_file *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->e[i].section, name) && apply_entry(o, t, c, &c->e[i]) < 0)
			return -1;
	return 0;
}

static void warn_key_file(common_opts *o, const cfg_file *c)
{
	struct stat st;
	if (o->tls.keyfile && stat(o->tls.keyfile, &st) == 0 && (st.st_mode & S_IROTH))
		errorf(o->prog, "warning: %s names key file %s, which others can read (chmod 600 it)",
		       c->path, o->tls.keyfile);
}

char *config_url_profile(const char *url)
{
	const char *p = !strncmp(url, "mqtt://@", 8) ? url + 8
		      : !strncmp(url, "mqtts://@", 9) ? url + 9 : NULL;
	if (!p)
		return NULL;
	return strndup(p, strcspn(p, "/"));
}

typedef struct config_args {
	const char *file, *profile;
	bool no_config, list;
} config_args;

/* A first getopt pass for the options that choose the file. */
static void scan_args(const tool_cli *t, int argc, char **argv, config_args *a)
{
	char shorts[128];
	int opt;
	snprintf(shorts, sizeof shorts, ":%s%s", COMMON_SHORT_OPTIONS, t->short_options);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shorts, t->long_options, NULL)) != -1) {
		switch (opt) {
		case OPT_CONFIG: a->file = optarg; a->no_config = false; break;
		case OPT_NO_CONFIG: a->no_config = true; break;
		case OPT_PROFILE: a->profile = optarg; break;
		case OPT_LIST_PROFILES: a->list = true; break;
		case 'D':   /* its other words are no stray arguments */
			optind += dprop_words(argc, argv, optind);
			optind = optind < argc ? optind : argc;
			break;
		case 'L': {
			char *name = config_url_profile(optarg);
			if (name)
				a->profile = name;
			break;
		}
		default: break;
		}
	}
	optind = 0;   /* glibc: start afresh for the real pass */
}

static void default_path(char *buf, size_t cap)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	if (xdg && *xdg)
		snprintf(buf, cap, "%s/mq/config", xdg);
	else if (home && *home)
		snprintf(buf, cap, "%s/.config/mq/config", home);
	else
		buf[0] = '\0';
}

static void list_known(const cfg_file *c, char *buf, size_t cap)
{
	size_t n = (size_t)snprintf(buf, cap, "%s", c->nprofiles ? "" : "none");
	for (size_t i = 0; i < c->nprofiles && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? ", " : "", c->profiles[i]);
}

static bool known_profile(const cfg_file *c, const char *name)
{
	for (size_t i = 0; i < c->nprofiles; i++)
		if (!strcmp(c->profiles[i], name))
			return true;
	return false;
}

/* What the file gave as password is kept aside: MQTT_PASSWORD and the
 * command line come first (secret_resolve() settles it). */
static void set_password_aside(common_opts *o)
{
	o->cfg.has = o->has_password;
	o->cfg.password = o->password;
	o->cfg.command = o->password_command;
	o->cfg.from_stdin = o->password_stdin;
	o->has_password = o->password_stdin = false;
	o->password = o->password_command = NULL;
	o->host_given = false;   /* a -L on the command line replaces it */
}

static int apply_file(common_opts *o, const tool_cli *t, cfg_file *c, const char *profile)
{
	if (profile && !known_profile(c, profile)) {
		char known[2048];
		list_known(c, known, sizeof known);
		errorf(o->prog, "%s: unknown profile '%s' (known: %s)", c->path, profile, known);
		return -1;
	}
	o->in_config = true;
	int rc = apply_section(o, t, c, "");
	if (rc == 0 && profile)
		rc = apply_section(o, t, c, profile);
	o->in_config = false;
	if (rc < 0)
		return -1;
	warn_key_file(o, c);
	set_password_aside(o);
	return 0;
}

static void list_profiles(const cfg_file *c)
{
	for (size_t i = 0; i < c->nprofiles; i++)
		printf("%s\n", c->profiles[i]);
}

int config_load(common_opts *o, const tool_cli *t, int argc, char **argv)
{
	static cfg_file c;   /* 34 KB: cleared only when used before, so a
			      * run without a config file touches none of it */
	static char path[4096];
	config_args a = { 0 };
	scan_args(t, argc, argv, &a);
	if (!a.profile && getenv("MQ_PROFILE") && *getenv("MQ_PROFILE"))
		a.profile = getenv("MQ_PROFILE");
	if (a.file)
		snprintf(path, sizeof path, "%s", a.file);
	else
		default_path(path, sizeof path);
	int rc = 1;
	if (c.path)
		c = (cfg_file){ 0 };
	c.prog = o->prog;
	c.path = path;
	if (!a.no_config && path[0]) {
		rc = read_file(&c);
		if (rc < 0)
			return EXIT_USAGE + 1;
		if (rc > 0 && a.file) {
			errorf(o->prog, "cannot read config file '%s': not found or not readable", path);
			return EXIT_USAGE + 1;
		}
	}
	if (a.list) {
		list_profiles(&c);
		return 0 + 1;
	}
	if (rc > 0 && a.profile) {
		errorf(o->prog, "profile '%s' given but no config file (%s)", a.profile,
		       a.no_config ? "--no-config" : path[0] ? path : "HOME is unset");
		return EXIT_USAGE + 1;
	}
	if (rc == 0 && apply_file(o, t, &c, a.profile) < 0)
		return EXIT_USAGE + 1;
	return 0;
}
