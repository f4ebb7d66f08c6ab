/* exec_job.h - one message of mqsub --exec on its way through a handler,
 * shared by sub_exec.c (taking, running, acknowledging), exec_output.c
 * (what the handler writes) and exec_outcome.c (what its end leads to).
 * Not an interface: see sub_exec.h. */
#ifndef MQ_EXEC_JOB_H
#define MQ_EXEC_JOB_H

#include "exec_proc.h"
#include "sub_exec.h"

#define QOS0_QUEUE_MAX 256          /* QoS 0 messages waiting at most */
#define KILL_GRACE_MS 2000          /* SIGTERM, then SIGKILL */
#define RETRY_MAX_MS 30000
#define TAIL_MAX 1000               /* stderr kept for a dead letter */
#define REPLY_MAX (256u << 20)

enum { J_QUEUED, J_RUNNING, J_RETRY, J_PUBLISH, J_DONE };

struct exec_job {
	exec_job *next;
	uint64_t seq;
	int st;
	bool ack;                    /* J_DONE: acknowledge it */
	bool orphan;                 /* its session is gone: never acknowledge */
	bool dup;                    /* the broker sent it again meanwhile */
	uint16_t packet_id;
	uint8_t qos;
	bool retain;
	mq_props props;              /* byte fields point into data */
	uint8_t *data;
	mq_bytes topic, payload;
	unsigned long tries;
	exec_proc proc;
	uint64_t deadline_ms, kill_ms, retry_ms;
	bool timed_out;
	char *obuf;                  /* stdout: a partial line, or the reply */
	size_t olen, ocap;
	char ebuf[512];              /* stderr: a partial line */
	size_t elen;
	char tail[TAIL_MAX];         /* the last stderr bytes, for a dead letter */
	size_t tail_len;
	bool dead;                   /* J_PUBLISH: a dead letter, not a reply */
	char why[64];                /* how the handler failed */
	uint8_t *pubbuf;             /* dead letter user properties */
	uint64_t pub_tag;            /* the reply or dead letter, once queued */
	bool pub_sent;
};

void exec_job_free(exec_job *j);
/* exec_output.c: read what the pipe *fd holds, forward it; at EOF stop
 * watching it.  exec_output_end: the process is gone, flush and close. */
void exec_drain_fd(sub_exec *x, exec_job *j, int *fd);
void exec_output_end(sub_exec *x, exec_job *j);
/* exec_outcome.c */
void exec_job_done(sub_exec *x, exec_job *j, bool ack);
/* A handler failed (why NULL: its exit status says how), or its process
 * was reaped (exec_exited). */
void exec_job_failed(sub_exec *x, exec_job *j, const char *why);
void exec_exited(sub_exec *x, exec_job *j);
/* Queue the reply or dead letter of a J_PUBLISH job when there is room. */
int exec_publish_for(sub_exec *x, mq_client *c, exec_job *j);

#endif
