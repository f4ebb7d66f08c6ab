/* secret.c - where the password and the key passphrase come from.  No
 * secret is left in /proc/PID/cmdline (common_wipe_argv) or
 * /proc/PID/environ (secret_env_password). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "secret.h"

#define MAX_SECRET 65536

extern char **environ;

const char *secret_env_password(void)
{
	static bool done;
	static char *value;
	if (done)
		return value;
	done = true;
	char *env = getenv("MQTT_PASSWORD");
	if (!env)
		return NULL;
	value = strdup(env);
	memset(env, '*', strlen(env));   /* the bytes /proc/PID/environ shows */
	unsetenv("MQTT_PASSWORD");
	return value;
}

/* One line from fd, byte by byte so nothing after it is consumed.
 * Returns the length or -1. */
static long read_fd_line(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	for (;;) {
		char ch;
		ssize_t r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0 || ch == '\n')
			break;
		if (n + 1 >= cap)
			return -1;
		buf[n++] = ch;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return (long)n;
}

/* The terminal as it was, restored on every way out of the prompt. */
static struct termios saved_tty;
static volatile sig_atomic_t tty_fd = -1;
static const int prompt_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define NSIG_PROMPT (sizeof prompt_signals / sizeof prompt_signals[0])

static void restore_and_die(int sig)
{
	if (tty_fd >= 0)
		tcsetattr(tty_fd, TCSANOW, &saved_tty);
	raise(sig);   /* SA_RESETHAND: the default action, once we return */
}

static void catch_signals(struct sigaction *old)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = restore_and_die;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NSIG_PROMPT; i++)
		sigaction(prompt_signals[i], &sa, &old[i]);
}

/* Prompt on /dev/tty without echo. */
static long prompt_tty(const char *prog, const char *what, char *buf, size_t cap)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd < 0 || tcgetattr(fd, &saved_tty) < 0) {
		errorf(prog, "cannot prompt for the %s: no terminal", what);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct sigaction old[NSIG_PROMPT];
	struct termios quiet = saved_tty;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	catch_signals(old);
	tty_fd = fd;
	tcsetattr(fd, TCSAFLUSH, &quiet);   /* echo off before the prompt shows */
	dprintf(fd, "%s for %s: ", what, prog);
	long n = read_fd_line(fd, buf, cap);
	tcsetattr(fd, TCSANOW, &saved_tty);   /* keep what was typed ahead */
	tty_fd = -1;
	for (size_t i = 0; i < NSIG_PROMPT; i++)
		sigaction(prompt_signals[i], &old[i], NULL);
	dprintf(fd, "\n");
	close(fd);
	if (n < 0)
		errorf(prog, "cannot read the %s from the terminal", what);
	return n;
}

/* "-": standard input's first line, or a prompt when it is a terminal. */
static int read_stdin_secret(common_opts *o, const char *what, const char *opt, char **out)
{
	static char buf[MAX_SECRET];
	long n;
	if (isatty(0))
		n = prompt_tty(o->prog, what, buf, sizeof buf);
	else if (o->stdin_busy) {
		errorf(o->prog, "%s - reads standard input, which -s and -l read too "
		       "(give the %s another way)", opt, what);
		return -1;
	} else if ((n = read_fd_line(0, buf, sizeof buf)) < 0)
		errorf(o->prog, "cannot read the %s from standard input", what);
	if (n < 0 || !(*out = strdup(buf)))
		return -1;
	memset(buf, 0, sizeof buf);
	return 0;
}

/* Run password-command once: /bin/sh -c CMD; the first line it prints. */
static int run_password_command(common_opts *o, const char *cmd)
{
	int p[2];
	pid_t pid;
	posix_spawn_file_actions_t fa;
	char *args[] = { "sh", "-c", (char *)cmd, NULL };
	if (pipe(p) < 0) {
		errorf(o->prog, "password-command: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	int err = posix_spawn(&pid, "/bin/sh", &fa, NULL, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (err) {
		close(p[0]);
		errorf(o->prog, "password-command: cannot run /bin/sh: %s", strerror(err));
		return -1;
	}
	static char buf[MAX_SECRET];
	long n = read_fd_line(p[0], buf, sizeof buf);
	char drain[512];
	while (read(p[0], drain, sizeof drain) > 0)
		;
	close(p[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || n < 0) {
		errorf(o->prog, "password-command '%s' failed (%s %d)", cmd,
		       WIFEXITED(status) ? "exit status" : "signal",
		       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return -1;
	}
	o->password = strdup(buf);
	memset(buf, 0, sizeof buf);
	return o->password ? 0 : -1;
}

/* Command line > MQTT_PASSWORD (with a user name) > the config file. */
static void settle_password(common_opts *o)
{
	const char *env = secret_env_password();
	if (o->has_password)
		return;
	if (env && o->has_username) {
		o->password = (char *)env;
		o->has_password = true;
	} else if (o->cfg.has) {
		o->has_password = true;
		o->password = o->cfg.password;
		o->password_command = o->cfg.command;
		o->password_stdin = o->cfg.from_stdin;
	}
}

int secret_resolve(common_opts *o)
{
	settle_password(o);
	if (o->has_password && o->password_stdin &&
	    read_stdin_secret(o, "password", "-P", &o->password) < 0)
		return -1;
	if (o->has_password && o->password_command &&
	    run_password_command(o, o->password_command) < 0)
		return -1;
	if (o->key_password_stdin) {
		char *kp;
		if (read_stdin_secret(o, "key password", "--key-password", &kp) < 0)
			return -1;
		o->tls.key_password = kp;
	}
	return 0;
}
