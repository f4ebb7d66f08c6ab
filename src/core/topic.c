/* topic.c - MQTT strings, topic names and filters: validation, matching. */
#include "codec_internal.h"

/* Length of the well-formed UTF-8 sequence at s other than U+0000, or 0
 * (Unicode Table 3-7: no overlongs, no surrogates, nothing > U+10FFFF). */
static size_t utf8_seq(const uint8_t *s, size_t left)
{
	uint8_t b = s[0], lo = 0x80, hi = 0xBF;
	size_t n, i;

	if (b < 0x80)
		return b != 0;
	if (b < 0xC2 || b > 0xF4)
		return 0;
	if (b < 0xE0) {
		n = 2;
	} else if (b < 0xF0) {
		n = 3;
		lo = b == 0xE0 ? 0xA0 : 0x80;
		hi = b == 0xED ? 0x9F : 0xBF;
	} else {
		n = 4;
		lo = b == 0xF0 ? 0x90 : 0x80;
		hi = b == 0xF4 ? 0x8F : 0xBF;
	}
	if (left < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

#define ONES  UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)
#define LOW7  UINT64_C(0x7F7F7F7F7F7F7F7F)

/* Is every byte of w ASCII but NUL, and for a topic neither '+' nor '#'?
 * Exact per byte, no carries: the low seven bits m of a byte plus 0x7F
 * set its high bit iff m != 0; '+' (0x2B) and '#' (0x23) are the only
 * bytes that clearing bit 3 turns into 0x23. */
static inline bool word_plain(uint64_t w, bool topic)
{
	uint64_t m = w & LOW7, ok = (m + LOW7) & ~w;

	if (topic)
		ok &= ((m & ~(ONES * 0x08)) ^ (ONES * 0x23)) + LOW7;
	return (ok & HIGHS) == HIGHS;
}

static inline uint64_t word_at(const uint8_t *s)
{
	uint64_t w;

	memcpy(&w, s, 8);
	return w;
}

/* text_check() from byte i on, one character at a time (a plain word
 * still goes in one step); for what the word path cannot settle. */
static int text_check_slow(const uint8_t *s, size_t len, size_t i, bool topic)
{
	bool wildcard = false;

	while (i < len) {
		if (len - i >= 8 && word_plain(word_at(s + i), topic)) {
			i += 8;
			continue;
		}
		if (s[i] - 1u < 0x7Fu) {   /* ASCII but NUL */
			wildcard |= topic && (s[i] == '+' || s[i] == '#');
			i++;
			continue;
		}
		size_t n = utf8_seq(s + i, len - i);

		if (n == 0)
			return -MQ_E_BAD_UTF8;
		i += n;
	}
	return wildcard ? -MQ_E_BAD_TOPIC : 0;
}

/* MQTT 5.0 §1.5.4, 3.1.1 §1.5.3 [MQTT-1.5.4-1..2], and for a topic name
 * no wildcard (§4.7.3), in one pass.  Plain ASCII, the common case, goes
 * eight bytes at a time, the last (partial) word as the eight bytes that
 * end the string, overlapping ones already seen.  Anything else, from the
 * first word that is not plain, goes to text_check_slow().  Bad UTF-8
 * anywhere wins over a wildcard. */
static inline int text_check(const uint8_t *s, size_t len, bool topic)
{
	size_t i = 0;

	if (len > 65535)
		return -MQ_E_BAD_UTF8;
	while (len - i >= 8) {
		if (!word_plain(word_at(s + i), topic))
			return text_check_slow(s, len, i, topic);
		i += 8;
	}
	if (i == len || (len >= 8 && word_plain(word_at(s + len - 8), topic)))
		return 0;
	return text_check_slow(s, len, i, topic);
}

int mq_utf8_check(const uint8_t *s, size_t len)
{
	return text_check(s, len, false);
}

/* MQTT 5.0 §4.7.3: at least one character, no wildcards. */
int mq_topic_check(const uint8_t *s, size_t len)
{
	return len == 0 ? -MQ_E_BAD_TOPIC : text_check(s, len, true);
}

/* MQTT 5.0 §4.8.2: "$share/" ShareName "/" filter, the ShareName at
 * least one character without '/', '+' or '#', the filter not empty (the
 * caller checks it as part of the whole). */
static int shared_check(const uint8_t *s, size_t len)
{
	static const char prefix[] = "$share/";
	size_t i, n = sizeof prefix - 1;

	if (len < n || memcmp(s, prefix, n) != 0)
		return 0;
	for (i = n; i < len && s[i] != '/'; i++)
		if (s[i] == '+' || s[i] == '#')
			return -MQ_E_BAD_FILTER;
	return i == n || i + 1 >= len ? -MQ_E_BAD_FILTER : 0;
}

/* MQTT 5.0 §4.7.1: '+' fills a whole level, '#' a whole last level;
 * §4.8.2 for a shared subscription. */
int mq_filter_check(const uint8_t *s, size_t len)
{
	size_t i;
	int rc;

	if (len == 0)
		return -MQ_E_BAD_FILTER;
	rc = mq_utf8_check(s, len);
	if (rc < 0)
		return rc;
	for (i = 0; i < len; i++) {
		bool whole;

		if (s[i] != '+' && s[i] != '#')
			continue;
		whole = (i == 0 || s[i - 1] == '/') &&
			(i + 1 == len || s[i + 1] == '/');
		if (!whole || (s[i] == '#' && i + 1 != len))
			return -MQ_E_BAD_FILTER;
	}
	return shared_check(s, len);
}

/* End of the level starting at i: the next '/' or the end. */
static size_t level_end(mq_bytes s, size_t i)
{
	const uint8_t *slash = i < s.len ? memchr(s.ptr + i, '/', s.len - i)
		: NULL;

	return slash ? (size_t)(slash - s.ptr) : s.len;
}

static bool level_is(mq_bytes s, size_t from, size_t to, char c)
{
	return to - from == 1 && s.ptr[from] == (uint8_t)c;
}

/* MQTT 5.0 §4.7: level by level; "a/#" also matches "a" (§4.7.1.2) and
 * a leading wildcard does not match a topic starting with '$' (§4.7.2). */
bool mq_topic_matches(mq_bytes filter, mq_bytes topic)
{
	size_t f = 0, t = 0;
	bool fmore = true, tmore = true;

	if (filter.len == 0 || topic.len == 0)
		return false;
	if (topic.ptr[0] == '$' && (filter.ptr[0] == '+' || filter.ptr[0] == '#'))
		return false;
	while (fmore) {
		size_t fe = level_end(filter, f), te;

		if (level_is(filter, f, fe, '#'))
			return true;
		if (!tmore)
			return false;
		te = level_end(topic, t);
		if (!level_is(filter, f, fe, '+') && (fe - f != te - t ||
		    memcmp(filter.ptr + f, topic.ptr + t, fe - f) != 0))
			return false;
		fmore = fe < filter.len;
		tmore = te < topic.len;
		f = fe + 1;
		t = te + 1;
	}
	return !tmore;
}
