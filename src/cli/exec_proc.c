/* exec_proc.c - spawn one handler (see exec_proc.h). */
#define _GNU_SOURCE   /* memfd_create, pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec_proc.h"

/* The payload in an anonymous file at offset 0: the child reads it at its
 * own pace and the loop never blocks on a pipe. */
static int payload_fd(const uint8_t *payload, size_t len)
{
	int fd = memfd_create("mqsub-payload", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	for (size_t off = 0; off < len; ) {
		ssize_t n = write(fd, payload + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = errno;
			close(fd);
			errno = e ? e : EIO;
			return -1;
		}
		off += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int spawn_with(exec_proc *p, char **argv, char **envp, int in,
		      int out[2], int err[2])
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t def, none;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	posix_spawnattr_init(&at);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);   /* mqsub ignores it; the handler must not */
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGCHLD);
	sigemptyset(&none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETPGROUP);
	int rc = posix_spawnp(&p->pid, argv[0], &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return rc;
}

int exec_proc_spawn(exec_proc *p, char **argv, char **envp,
		    const uint8_t *payload, size_t len)
{
	int out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int in = payload_fd(payload, len);
	if (in < 0)
		return errno;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		int e = errno;
		close(in);
		if (out[0] >= 0) {
			close(out[0]);
			close(out[1]);
		}
		return e;
	}
	int rc = spawn_with(p, argv, envp, in, out, err);
	close(in);
	close(out[1]);
	close(err[1]);
	if (rc) {
		close(out[0]);
		close(err[0]);
		p->pid = 0;
		return rc;
	}
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(err[0], F_SETFL, O_NONBLOCK);
	p->out_fd = out[0];
	p->err_fd = err[0];
	p->status = 0;
	return 0;
}

bool exec_proc_runnable(const char *cmd)
{
	if (strchr(cmd, '/'))
		return access(cmd, X_OK) == 0;
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	char full[PATH_MAX];
	for (const char *p = path; ; ) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		int k = snprintf(full, sizeof full, "%.*s/%s", (int)n, n ? p : ".", cmd);
		struct stat st;
		if (k > 0 && (size_t)k < sizeof full && stat(full, &st) == 0 &&
		    S_ISREG(st.st_mode) && access(full, X_OK) == 0)
			return true;
		if (!colon)
			return false;
		p = colon + 1;
	}
}

void exec_proc_kill(const exec_proc *p, int sig)
{
	if (p->pid > 0)
		kill(-p->pid, sig);
}
