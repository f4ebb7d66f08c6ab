/* exitcodes.h - the process exit codes, one table for both tools (the
 * same table is in README.md and both man pages).  Never reuse a code for
 * a second meaning: scripts depend on them. */
#ifndef MQ_EXITCODES_H
#define MQ_EXITCODES_H

enum mq_exit {
	EXIT_OK = 0,          /* success */
	EXIT_NETWORK = 1,     /* network or protocol error */
	EXIT_USAGE = 2,       /* bad flag, value, topic, file or URL */
	EXIT_REFUSED = 3,     /* broker refused the connection */
	EXIT_TLS = 4,         /* TLS failure */
	EXIT_TIMEOUT = 5,     /* -W expired */
	EXIT_INCOMPLETE = 6,  /* a QoS 1/2 message not acknowledged, or a
	                         subscription refused */
	EXIT_QUEUED = 7       /* mqpub --spool: kept in the spool, not yet
	                         delivered */
};

#endif
