/* input_file.c - the -f / -s payload held once: a regular file is mapped
 * (its pages stay the page cache's, and a plain TCP link sends them with
 * sendfile(2) without this process touching them); anything else is read
 * into one buffer. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"

/* Files smaller than this are read: a mapping costs more than it saves. */
#define MAP_MIN (64u * 1024u)

/* A mapped file cut short while it is sent (its pages gone): say so and
 * end, as reading it would have failed (exit 2, "bad ... file"). */
static char shrank_line[600];
static size_t shrank_len;

static void on_sigbus(int sig)
{
	(void)sig;
	ssize_t w = write(STDERR_FILENO, shrank_line, shrank_len);
	(void)w;
	_exit(2);
}

static void catch_shrink(const char *prog, const char *name)
{
	int n = snprintf(shrank_line, sizeof shrank_line,
			 "%s: cannot read '%.400s': it shrank while being sent\n", prog, name);
	shrank_len = n > 0 && (size_t)n < sizeof shrank_line ? (size_t)n : 0;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

/* Map the rest of a regular file from its offset.  1 mapped, 0 not (read
 * it instead), -1 with errno (EFBIG: larger than max). */
static int map_rest(whole_input *w, int fd, size_t max)
{
	struct stat st;
	off_t at = lseek(fd, 0, SEEK_CUR);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || at < 0 || st.st_size <= at)
		return 0;
	uint64_t len = (uint64_t)(st.st_size - at);
	if (len > max) {
		errno = EFBIG;
		return -1;
	}
	if (len < MAP_MIN)
		return 0;
	long page = sysconf(_SC_PAGESIZE);
	off_t base = page > 0 ? at - at % page : 0;
	size_t map_len = (size_t)len + (size_t)(at - base);
	void *m = mmap(NULL, map_len, PROT_READ, MAP_PRIVATE, fd, base);
	if (m == MAP_FAILED)
		return 0;
	(void)posix_madvise(m, map_len, POSIX_MADV_SEQUENTIAL);
	*w = (whole_input){ .ptr = (uint8_t *)m + (at - base), .len = (size_t)len,
			    .map = m, .map_len = map_len, .in_file = true,
			    .fd = fd, .off = (uint64_t)at };
	lseek(fd, st.st_size, SEEK_SET);   /* taken, as a read to EOF would */
	return 1;
}

int whole_input_load(whole_input *w, int fd, size_t max, const char *prog,
		     const char *name)
{
	memset(w, 0, sizeof *w);
	w->fd = -1;
	int r = map_rest(w, fd, max);
	if (r < 0)
		return -1;
	if (r > 0) {
		catch_shrink(prog, name);
		return 0;
	}
	return read_whole_fd(fd, max, &w->ptr, &w->len);
}

void whole_input_free(whole_input *w)
{
	if (w->map)
		munmap(w->map, w->map_len);
	else
		free(w->ptr);
	memset(w, 0, sizeof *w);
	w->fd = -1;
}
