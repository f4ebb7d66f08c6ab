/* tls_alert.h - names of TLS alerts, for error messages. */
#ifndef MQ_TLS_ALERT_H
#define MQ_TLS_ALERT_H

/* "handshake failure" for 40, ...; "unknown alert" for any other. */
const char *mq_tls_alert_name(int a);

#endif
