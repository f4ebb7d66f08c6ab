/* exec_output.c - what a handler writes (see exec_job.h): stdout a whole
 * line at a time to mqsub's stdout (or kept for --reply), stderr a line
 * at a time after the topic, its tail kept for a dead letter. */
#define _GNU_SOURCE   /* memrchr */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "exec_job.h"

static void keep_tail(exec_job *j, const char *b, size_t n)
{
	if (n >= TAIL_MAX) {
		memcpy(j->tail, b + n - TAIL_MAX, TAIL_MAX);
		j->tail_len = TAIL_MAX;
		return;
	}
	if (j->tail_len + n > TAIL_MAX) {
		size_t drop = j->tail_len + n - TAIL_MAX;
		memmove(j->tail, j->tail + drop, j->tail_len - drop);
		j->tail_len -= drop;
	}
	memcpy(j->tail + j->tail_len, b, n);
	j->tail_len += n;
}

/* stderr, a line at a time, each after the topic. */
static void err_line(const exec_job *j, const char *line, size_t n)
{
	fprintf(stderr, "%.*s: %.*s\n", (int)j->topic.len, (const char *)j->topic.ptr,
		(int)n, line);
}

static void err_bytes(exec_job *j, const char *b, size_t n, bool eof)
{
	keep_tail(j, b, n);
	for (size_t i = 0; i < n; i++) {
		if (b[i] == '\n' || j->elen == sizeof j->ebuf) {
			err_line(j, j->ebuf, j->elen);
			j->elen = 0;
			if (b[i] == '\n')
				continue;
		}
		j->ebuf[j->elen++] = b[i];
	}
	if (eof && j->elen) {
		err_line(j, j->ebuf, j->elen);
		j->elen = 0;
	}
}

static int grow(exec_job *j, size_t need)
{
	if (need <= j->ocap)
		return 0;
	size_t cap = j->ocap ? j->ocap : 4096;
	while (cap < need)
		cap *= 2;
	char *b = realloc(j->obuf, cap);
	if (!b)
		return -1;
	j->obuf = b;
	j->ocap = cap;
	return 0;
}

/* stdout: whole lines to mqsub's stdout (never half a line between two
 * handlers' lines), or all of it kept for --reply. */
static void out_bytes(sub_exec *x, exec_job *j, const char *b, size_t n, bool eof)
{
	if (n && (j->olen + n > REPLY_MAX || grow(j, j->olen + n) < 0))
		n = 0;   /* over the cap: the rest is dropped */
	if (n)
		memcpy(j->obuf + j->olen, b, n);
	j->olen += n;
	if (x->o->reply)
		return;
	char *nl = j->olen ? memrchr(j->obuf, '\n', j->olen) : NULL;
	size_t whole = eof ? j->olen : nl ? (size_t)(nl - j->obuf) + 1 : 0;
	if (!whole)
		return;
	outbuf_put(x->out, j->obuf, whole);
	memmove(j->obuf, j->obuf + whole, j->olen - whole);
	j->olen -= whole;
}

/* Read what a pipe holds; at EOF stop watching it. */
void exec_drain_fd(sub_exec *x, exec_job *j, int *fd)
{
	char b[65536];
	bool is_out = fd == &j->proc.out_fd;
	for (;;) {
		ssize_t n = read(*fd, b, sizeof b);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		bool eof = n <= 0;
		if (is_out)
			out_bytes(x, j, b, eof ? 0 : (size_t)n, eof);
		else
			err_bytes(j, b, eof ? 0 : (size_t)n, eof);
		if (eof) {
			epoll_ctl(x->epfd, EPOLL_CTL_DEL, *fd, NULL);
			close(*fd);
			*fd = -1;
			return;
		}
	}
}

void exec_output_end(sub_exec *x, exec_job *j)
{
	if (j->proc.out_fd >= 0)
		exec_drain_fd(x, j, &j->proc.out_fd);
	if (j->proc.err_fd >= 0)
		exec_drain_fd(x, j, &j->proc.err_fd);
	/* still open: a grandchild holds the pipe; it is not waited for */
	int *fds[2] = { &j->proc.out_fd, &j->proc.err_fd };
	for (int i = 0; i < 2; i++) {
		if (*fds[i] < 0)
			continue;
		if (i == 0)
			out_bytes(x, j, NULL, 0, true);
		else
			err_bytes(j, NULL, 0, true);
		epoll_ctl(x->epfd, EPOLL_CTL_DEL, *fds[i], NULL);
		close(*fds[i]);
		*fds[i] = -1;
	}
}
