/* errors.h - the one list of error codes used by the protocol core.
 *
 * Every core function that can fail returns a negative value from this
 * list (or a count of bytes, a packet, etc. when it succeeds).  The enum and
 * the message strings are generated from the same X-macro so they cannot
 * drift apart.  MQTT reason codes are a different type (see codec.h) and
 * process exit codes are a third table (see src/cli/exitcodes.h).
 */
#ifndef MQ_ERRORS_H
#define MQ_ERRORS_H

#define MQ_ERROR_LIST(X)                                                     \
	X(OK,               "success")                                         \
	X(NOMEM,            "out of memory")                                   \
	X(BUFFER_TOO_SMALL, "output buffer too small")                         \
	X(MALFORMED,        "malformed packet")                                \
	X(REMLEN_TOO_LONG,  "remaining length longer than 4 bytes")            \
	X(REMLEN_NOT_MINIMAL, "remaining length not minimally encoded")        \
	X(PACKET_TOO_LARGE, "packet larger than the maximum packet size")      \
	X(BAD_TYPE,         "reserved or unknown packet type")                 \
	X(BAD_FLAGS,        "reserved flag bits set")                          \
	X(BAD_UTF8,         "invalid UTF-8 string")                            \
	X(BAD_TOPIC,        "invalid topic name")                              \
	X(BAD_FILTER,       "invalid topic filter")                            \
	X(BAD_QOS,          "invalid QoS")                                     \
	X(BAD_PROPERTY,     "invalid, repeated or misplaced property")         \
	X(BAD_REASON,       "invalid reason code")                             \
	X(BAD_PACKET_ID,    "packet identifier 0 or unknown")                  \
	X(UNEXPECTED_PACKET, "packet not expected in this state")              \
	X(TOPIC_ALIAS,      "topic alias not set or out of range")             \
	X(PROTOCOL,         "protocol violation")                              \
	X(INFLIGHT_FULL,    "in-flight window full")                           \
	X(WOULD_BLOCK,      "operation would block")                           \
	X(CLOSED,           "connection closed by peer")                       \
	X(IO,               "input/output error")                              \
	X(RESOLVE,          "cannot resolve host")                             \
	X(CONNECT,          "cannot connect")                                  \
	X(TIMEOUT,          "timed out")                                       \
	X(KEEPALIVE,        "no reply from broker within the keepalive")       \
	X(REFUSED,          "broker refused the connection")                   \
	X(DISCONNECTED,     "broker sent DISCONNECT")                          \
	X(TLS,              "TLS failure")                                     \
	X(APP_STOP,         "stopped by the application")                     \
	X(APP_FAILED,       "the application could not take what arrived")    \
	X(STORE,            "cannot keep the session state on disk")             \
	X(MSG_REFUSED,      "the broker closed the connection twice on the same message") \
	X(AUTH,             "authentication refused")                          \
	X(NO_V5,            "the broker does not support MQTT 5")              \
	X(INPUT_SHRANK,     "the file being sent shrank while it was sent")

/* Codes are positive enum values; functions return them negated:
 * `return -MQ_E_MALFORMED;`, and 0 (MQ_OK) or a count on success. */
enum mq_err {
#define MQ_ERR_ENUM(name, text) MQ_E_##name,
	MQ_ERROR_LIST(MQ_ERR_ENUM)
#undef MQ_ERR_ENUM
	MQ_E_COUNT
};
#define MQ_OK 0

/* A static, never-NULL message for err or -err (unknown values included). */
const char *mq_strerror(int err);

#endif
