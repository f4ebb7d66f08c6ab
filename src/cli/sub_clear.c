/* sub_clear.c - mqsub --remove-retained (see sub_clear.h). */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "options.h"
#include "sub_clear.h"

void sub_clear_free(sub_clear *sc)
{
	free(sc->buf);
	sc->buf = NULL;
	sc->head = sc->len = sc->cap = 0;
}

int sub_clear_add(sub_clear *sc, mq_bytes topic)
{
	if (sc->head == sc->len)
		sc->head = sc->len = 0;   /* all sent: start over */
	size_t need = sc->len + 2 + topic.len;
	if (need > SUB_CLEAR_MAX_QUEUED)
		return -MQ_E_NOMEM;
	if (need > sc->cap) {
		size_t cap = sc->cap ? sc->cap : 4096;
		while (cap < need)
			cap *= 2;
		uint8_t *n = realloc(sc->buf, cap);
		if (!n)
			return -MQ_E_NOMEM;
		sc->buf = n;
		sc->cap = cap;
	}
	sc->buf[sc->len] = (uint8_t)(topic.len >> 8);   /* topics are <= 65535 */
	sc->buf[sc->len + 1] = (uint8_t)topic.len;
	memcpy(sc->buf + sc->len + 2, topic.ptr, topic.len);
	sc->len = need;
	sc->seen++;
	return 0;
}

int sub_clear_pump(sub_clear *sc, mq_session *s)
{
	uint8_t qos = sc->qos < s->broker_max_qos ? sc->qos : s->broker_max_qos;
	while (sc->head < sc->len && mq_session_can_publish(s, qos)) {
		size_t n = (size_t)sc->buf[sc->head] << 8 | sc->buf[sc->head + 1];
		mq_message m = {
			.topic = { sc->buf + sc->head + 2, n },
			.payload = { NULL, 0 },
			.qos = qos,
			.retain = true,
			.topic_checked = true,   /* it came in a PUBLISH */
		};
		long long tag = mq_session_publish(s, &m, mq_now_ms());
		if (tag < 0)
			return (int)tag;
		sc->head += 2 + n;
		if (qos)
			sc->in_flight++;
		else
			sc->cleared++;
	}
	return 0;
}

void sub_clear_delivered(sub_clear *sc, uint8_t reason)
{
	if (sc->in_flight)
		sc->in_flight--;
	if (reason >= 0x80)
		sc->refused++;
	else
		sc->cleared++;
}

bool sub_clear_busy(const sub_clear *sc)
{
	return sc->head < sc->len || sc->in_flight;
}

bool sub_clear_report(const sub_clear *sc)
{
	if (sc->cleared == sc->seen) {
		errorf("mqsub", "cleared %lu retained %s", sc->cleared,
		       messages_word(sc->cleared));
		return true;
	}
	if (sc->refused)
		errorf("mqsub", "cleared %lu of %lu retained %s; the broker refused %lu",
		       sc->cleared, sc->seen, messages_word(sc->seen), sc->refused);
	else
		errorf("mqsub", "cleared %lu of %lu retained %s", sc->cleared,
		       sc->seen, messages_word(sc->seen));
	return false;
}
