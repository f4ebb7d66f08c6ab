/* run.c - signals, debug output and exit codes shared by both tools. */
#define _GNU_SOURCE   /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"
#include "exitcodes.h"
#include "progress.h"
#include "run.h"
#include "trace.h"

static volatile sig_atomic_t stop_flag;
static int stop_pipe[2] = { -1, -1 };

static void on_stop_signal(int sig)
{
	int saved = errno;
	(void)sig;
	if (stop_flag < 2)   /* the count: a second signal may mean "now" */
		stop_flag = stop_flag + 1;
	if (stop_pipe[1] >= 0) {
		ssize_t r = write(stop_pipe[1], "x", 1);
		(void)r;
	}
	errno = saved;
}

/* Which of descriptors 0-2 are closed, as a mask: one poll() (POLLNVAL
 * marks a closed one) rather than three fcntl(); fcntl if poll fails. */
static int closed_std_fds(void)
{
	struct pollfd p[3] = { { .fd = 0 }, { .fd = 1 }, { .fd = 2 } };
	int closed = 0;
	bool polled = poll(p, 3, 0) >= 0;
	for (int fd = 0; fd <= 2; fd++) {
		if (polled ? (p[fd].revents & POLLNVAL) != 0
			   : fcntl(fd, F_GETFD) < 0 && errno == EBADF)
			closed |= 1 << fd;
	}
	return closed;
}

int run_std_streams(void)
{
	static char stderr_line[8192];   /* an escaped error line fits */
	setvbuf(stderr, stderr_line, _IOLBF, sizeof stderr_line);
	int closed = closed_std_fds();
	for (int fd = 0; fd <= 2; fd++) {
		if (!(closed & (1 << fd)))
			continue;
		int nul = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (nul != fd) {   /* the lowest free fd is this one */
			if (nul >= 0)
				close(nul);
			return -1;
		}
	}
	return closed;
}

int run_install_signals(mq_client_config *cc)
{
	if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	cc->stop_fd = stop_pipe[0];
	cc->stop_flag = &stop_flag;
	return 0;
}

static void debug_trace(void *ctx, bool outgoing, const mq_packet *p)
{
	const tool_base *b = ctx;
	progress_hide();
	trace_packet(stderr, b->prog, outgoing, b->version, p);
}

static void debug_log(void *ctx, const char *line)
{
	const tool_base *b = ctx;
	if (quiet_mode() && !b->debug)
		return;
	progress_hide();
	fprintf(stderr, "%s: ", b->prog);
	fput_escaped(stderr, line, strlen(line));
	fputc('\n', stderr);
}

void run_debug_events(tool_base *b, mq_session_events *ev,
		      mq_client_config *cc)
{
	if (b->debug) {
		ev->trace = debug_trace;
		ev->log = debug_log;
	}
	ev->warn = debug_log;
	cc->notice = debug_log;
	cc->notice_ctx = b;
}

int run_describe(const tool_base *b, const mq_client *c, int rc,
		 char *buf, size_t len)
{
	const char *why = c->err[0] ? c->err : mq_strerror(rc);
	(void)b;   /* the version is the session's: it may have fallen back */
	switch (-rc) {
	case MQ_E_REFUSED:
		snprintf(buf, len, "connection refused by broker: %s",
			 mq_reason_text(c->session.cfg.version, MQ_CONNACK,
					c->session.connack_reason));
		return EXIT_REFUSED;
	case MQ_E_NO_V5:
		snprintf(buf, len, "%s", why);
		return EXIT_REFUSED;
	case MQ_E_TIMEOUT:
		/* "timed out", or what it waited for when the client said */
		snprintf(buf, len, "%s", strncmp(why, "timed out", 9) ? "timed out" : why);
		return EXIT_TIMEOUT;
	case MQ_E_TLS:
		snprintf(buf, len, "%s", why);
		return EXIT_TLS;
	case MQ_E_AUTH:
		snprintf(buf, len, "%s", why);
		return EXIT_REFUSED;
	case MQ_E_MSG_REFUSED:
		snprintf(buf, len, "%s", why);
		return EXIT_INCOMPLETE;
	case MQ_E_INPUT_SHRANK:   /* a file changed under us: "bad file" */
		snprintf(buf, len, "%s", why);
		return EXIT_USAGE;
	default:
		snprintf(buf, len, "%s", why);
		return EXIT_NETWORK;
	}
}

int run_failure(const tool_base *b, const mq_client *c, int rc,
		const char *detail)
{
	char what[400];
	int code = run_describe(b, c, rc, what, sizeof what);
	if (quiet_mode())
		return code;
	progress_hide();
	fprintf(stderr, "%s: ", b->prog);
	fput_escaped(stderr, what, strlen(what));
	fprintf(stderr, "%s%s\n", detail ? "; " : "", detail ? detail : "");
	return code;
}
