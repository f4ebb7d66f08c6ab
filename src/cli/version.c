/* version.c - --version: what a bug report needs, one fact per line, as
 * curl -V does. */
#include <stdio.h>
#include <string.h>

#include "options.h"
#include "transport_tls.h"

void print_version(FILE *f, const char *prog)
{
	fprintf(f, "%s %s\n", prog, MQ_VERSION);
	fputs("MQTT: 3.1.1, 5.0 (default 5.0)\n", f);
	fprintf(f, "TLS: %s, linked statically; TLS %s\n", mq_tls_library(),
		mq_tls_versions());
	fputs("Transports: tcp, tls, unix, ws, wss, socks5, socks5h, http-connect\n", f);
	fprintf(f, "Features: %s\n", strcmp(prog, "mqpub") == 0
		? "state-dir spool topic-lines json-lines replay topic-aliases rate repeat progress mqtt5-properties request"
		: "state-dir format json-lines hex base64 color mqtt5-properties");
#if defined(__VERSION__)
	fprintf(f, "Built with: %s%s\n",
#if defined(__clang__)
		"clang ",
#else
		"gcc ",
#endif
		__VERSION__);
#endif
}
