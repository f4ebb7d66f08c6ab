/* client_internal.h - what client.c shares with client_failure.c.  Not
 * an interface: see client.h. */
#ifndef MQ_CLIENT_INTERNAL_H
#define MQ_CLIENT_INTERNAL_H

#include "client.h"

/* c->err = "what: why" (why NULL: rc's text). */
void cl_set_err(mq_client *c, const char *what, int rc, const char *why);
/* Close the transport; the session forgets what it had queued. */
void cl_link_down(mq_client *c);
/* Are there tries left (--reconnect-tries)? */
bool cl_may_retry(const mq_client *c);
/* The next broker of the list, for the next attempt. */
void cl_next_endpoint(mq_client *c);
/* A line for the user ("connection lost ...; reconnecting"). */
void cl_notice(mq_client *c, const char *line);
/* The link failed with rc: 0 to reconnect, else the run's result. */
int cl_on_link_failure(mq_client *c, int rc);

#endif
