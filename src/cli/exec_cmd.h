/* exec_cmd.h - mqsub --exec: the handler's command line with its
 * placeholders filled in, and the environment that describes the message.
 * Only argv and the environment carry the message: no shell is involved
 * unless the user runs one, and then a placeholder in its script is
 * quoted for that shell. */
#ifndef MQ_EXEC_CMD_H
#define MQ_EXEC_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"

#define EXEC_PAYLOAD_ARG_MAX 4096   /* {payload}: short text only */

typedef struct exec_cmd {
	char **argv;               /* the command as given, placeholders in it */
	int argc;
	int script_arg;            /* index of a shell's -c script, or -1 */
} exec_cmd;

/* The message a handler runs for (views into a copy the caller keeps). */
typedef struct exec_msg {
	mq_bytes topic, payload;
	uint8_t qos;
	bool retain;
	uint16_t packet_id;
	const mq_props *props;     /* 5.0 properties, or NULL */
} exec_msg;

/* Take CMD [ARG...] from argv[at..]: up to a "--" (dropped) or the end.
 * Returns the number of arguments used (the "--" included), or -1 with
 * *why set (no command). */
int exec_cmd_take(exec_cmd *c, int argc, char **argv, int at, const char **why);

/* The argv for one message: placeholders {topic}, {payload}, {qos}, {id}
 * replaced; in a shell's -c script, each value single-quoted for that
 * shell.  Returns a NULL-terminated array in one malloc'd block (free
 * it), or NULL with *why set. */
char **exec_cmd_argv(const exec_cmd *c, const exec_msg *m, const char **why);

/* environ plus MQTT_TOPIC, MQTT_QOS, MQTT_RETAIN, MQTT_MESSAGE_ID,
 * MQTT_CONTENT_TYPE, MQTT_RESPONSE_TOPIC, MQTT_CORRELATION_DATA (hex),
 * MQTT_PAYLOAD_FORMAT, MQTT_MESSAGE_EXPIRY and MQTT_PROP_<NAME> for each
 * user property whose name is letters, digits and '_' (the last of a
 * repeated name).  One malloc'd block, NULL-terminated; NULL when out of
 * memory. */
char **exec_env(const exec_msg *m);

#endif
