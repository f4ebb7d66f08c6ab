/* url.h - mqtt://[user[:pass]@]host[:port][/topic] for -L. */
#ifndef MQ_URL_H
#define MQ_URL_H

typedef struct mq_url {
	char *user, *pass;     /* NULL when absent; %XX-decoded */
	char *host, *port;     /* port NULL when absent; [v6] brackets removed */
	char *topic;           /* NULL when absent; %XX-decoded */
	int tls;               /* 1 for mqtts:// */
	char *unix_path;       /* unix:///path: a Unix socket, nothing else set */
	int ws;                /* 1 for ws:// and wss:// (tls set for wss) */
	char *ws_path;         /* their path, "/..." (topic stays NULL) */
	size_t pass_at, pass_len;  /* the password's bytes in the URL as
	                              given (before %XX decoding); len 0: none */
} mq_url;

/* 0..15 for a hex digit, -1 otherwise. */
int hex_digit_value(char c);

/* Split "host[:port]", "[v6]:port" or a bare IPv6 address in place;
 * *port is NULL when absent.  Returns 0, or -1 with *why set. */
int mq_hostport_parse(char *s, char **host, char **port, const char **why);

/* Split a writable copy of the URL in place.  Returns 0, or -1 with *why
 * set to a static reason. */
int mq_url_parse(char *s, mq_url *out, const char **why);

/* socks5://, socks5h:// or http://[user[:pass]@]host[:port] for --proxy,
 * split in place: out->host, port (NULL when absent), user, pass,
 * pass_at/pass_len; *kind is MQ_PROXY_*.  Returns 0 or -1 with *why. */
int mq_proxy_url_parse(char *s, mq_url *out, int *kind, const char **why);

#endif
