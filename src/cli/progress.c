/* progress.c - the updating progress line (see progress.h).  One per
 * process: errorf() must be able to hide it, so its state is here. */
#include <stdio.h>
#include <unistd.h>

#include "progress.h"

#define REDRAW_MS 200

static struct {
	bool on, shown, drawn;
	uint64_t start_ms, next_ms;
	unsigned long long total;
} pg;

void progress_start(uint64_t now_ms, unsigned long long total)
{
	pg.on = isatty(STDERR_FILENO);
	pg.start_ms = now_ms;
	pg.next_ms = now_ms + REDRAW_MS;
	pg.total = total;
}

/* "1.5 MB": bytes in a short human form. */
static void human_bytes(char *buf, size_t len, unsigned long long b)
{
	const char *unit[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)b;
	int u = 0;
	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

static void draw(uint64_t now_ms, const progress_counts *n)
{
	double secs = (double)(now_ms - pg.start_ms) / 1000.0;
	double rate = secs > 0 ? (double)n->sent / secs : 0;
	char bytes[32], tail[64] = "";
	human_bytes(bytes, sizeof bytes, n->bytes);
	if (pg.total && n->bytes <= pg.total) {
		double done = (double)n->bytes / (double)pg.total;
		double left = done > 0 ? secs * (1 - done) / done : 0;
		snprintf(tail, sizeof tail, ", %.0f%%, ETA %lu:%02lu", done * 100,
			 (unsigned long)left / 60, (unsigned long)left % 60);
	}
	fprintf(stderr, "\rmqpub: %llu sent, %llu acknowledged, %s, %.0f/s%s\033[K",
		n->sent, n->acked, bytes, rate, tail);
	fflush(stderr);
	pg.shown = pg.drawn = true;
}

void progress_tick(uint64_t now_ms, const progress_counts *n)
{
	if (!pg.on || now_ms < pg.next_ms)
		return;
	draw(now_ms, n);
	pg.next_ms = now_ms + REDRAW_MS;
}

uint64_t progress_due_ms(void)
{
	return pg.on ? pg.next_ms : UINT64_MAX;
}

void progress_hide(void)
{
	if (!pg.shown)
		return;
	fputs("\r\033[K", stderr);
	pg.shown = false;
	pg.next_ms = 0;   /* redraw at the next tick */
}

void progress_finish(uint64_t now_ms, const progress_counts *n)
{
	if (!pg.on || !pg.drawn)   /* a run too short to show */
		return;
	draw(now_ms, n);
	fputc('\n', stderr);
	pg.shown = false;
	pg.on = false;
}
