/* errors.c - message strings for the core's error list. */
#include "errors.h"

static const char *const mq_error_text[] = {
#define MQ_ERR_TEXT(name, text) text,
	MQ_ERROR_LIST(MQ_ERR_TEXT)
#undef MQ_ERR_TEXT
};

const char *mq_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= MQ_E_COUNT)
		return "unknown error";
	return mq_error_text[err];
}
