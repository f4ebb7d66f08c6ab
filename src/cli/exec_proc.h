/* exec_proc.h - one handler process for mqsub --exec: spawned with the
 * payload as its standard input and pipes for its stdout and stderr, in
 * its own process group (a terminal's ^C reaches mqsub, which decides
 * what the handlers get). */
#ifndef MQ_EXEC_PROC_H
#define MQ_EXEC_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct exec_proc {
	pid_t pid;                   /* 0: not running (exited and reaped) */
	int out_fd, err_fd;          /* -1 once at EOF */
	int status;                  /* wait status once reaped */
} exec_proc;

/* Start argv[0] (looked up in PATH) with envp; payload on its stdin.
 * Returns 0, or an errno. */
int exec_proc_spawn(exec_proc *p, char **argv, char **envp,
		    const uint8_t *payload, size_t len);
/* Is cmd a program that can be run (found in PATH, executable)? */
bool exec_proc_runnable(const char *cmd);
/* Signal the handler's whole process group. */
void exec_proc_kill(const exec_proc *p, int sig);

#endif
