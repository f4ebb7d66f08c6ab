/* tls_alert.c - the names of TLS alert descriptions (RFC 5246 section
 * 7.2, RFC 8446 section 6), for error messages. */
#include "tls_alert.h"

const char *mq_tls_alert_name(int a)
{
	switch (a) {
	case 10: return "unexpected message";
	case 20: return "bad record MAC";
	case 40: return "handshake failure";
	case 42: return "bad certificate";
	case 43: return "unsupported certificate";
	case 44: return "certificate revoked";
	case 45: return "certificate expired";
	case 46: return "certificate unknown";
	case 47: return "illegal parameter";
	case 48: return "unknown CA";
	case 49: return "access denied";
	case 50: return "decode error";
	case 51: return "decrypt error";
	case 70: return "protocol version";
	case 71: return "insufficient security";
	case 80: return "internal error";
	case 112: return "unrecognized name";
	case 115: return "unknown PSK identity";
	case 116: return "certificate required";
	case 120: return "no application protocol";
	default: return "unknown alert";
	}
}
