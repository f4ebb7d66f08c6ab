/* run.h - what both tools do around mq_client_run(): signals, -d traces,
 * and turning a result into one stderr line and an exit code. */
#ifndef MQ_RUN_H
#define MQ_RUN_H

#include "client.h"
#include "options.h"

/* First member of each tool's context, so the shared callbacks can find
 * the program name and flags from the session's ctx pointer. */
typedef struct tool_base {
	const char *prog;
	uint8_t version;
	bool debug;
} tool_base;

/* Make the standard streams safe to use, first thing in main.  Opens
 * /dev/null on whichever of fds 0, 1 and 2 is closed, before anything
 * else creates a descriptor: a closed stdin would otherwise be handed to
 * the next open() or pipe() and read as input.  Makes stderr line
 * buffered, so each message goes out in one write() and never mixes,
 * inside a line, with what other processes write to the same place.
 * Returns a mask of the fds that were closed (1 << fd), or -1 if one
 * cannot be opened. */
int run_std_streams(void);

/* SIGINT/SIGTERM ask the loop to stop (through a self-pipe); SIGPIPE is
 * ignored so a closed stdout is an EPIPE we can handle.  *cc->stop_flag
 * counts the signals, up to 2. */
int run_install_signals(mq_client_config *cc);

/* Fill the trace/log callbacks when -d is on, and the notice printer. */
void run_debug_events(tool_base *b, mq_session_events *ev,
		      mq_client_config *cc);

/* Describe a failed run (rc < 0) in buf, without the program name, and
 * return its exit code. */
int run_describe(const tool_base *b, const mq_client *c, int rc,
		 char *buf, size_t len);
/* Print the error for a failed run (rc < 0), with an optional detail
 * after "; ", on one line, and return its exit code. */
int run_failure(const tool_base *b, const mq_client *c, int rc,
		const char *detail);

#endif
