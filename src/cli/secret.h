/* secret.h - where the password and the key passphrase come from:
 * MQTT_PASSWORD (wiped from our environment), standard input or a
 * prompt without echo (-P -), a password-command. */
#ifndef MQ_SECRET_H
#define MQ_SECRET_H

#include "options.h"

/* Settle the password by precedence (command line > MQTT_PASSWORD >
 * profile > default section), then read it from standard input, the
 * terminal or the password-command when that is its source; same for
 * the key passphrase.  Returns 0 or -1 after printing the error. */
int secret_resolve(common_opts *o);

/* Read MQTT_PASSWORD once, then overwrite its bytes in the initial
 * environment block (what /proc/PID/environ shows) and unset it. */
const char *secret_env_password(void);

#endif
