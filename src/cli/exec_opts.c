/* exec_opts.c - mqsub's handler options (see exec_opts.h). */
#include <stdlib.h>
#include <string.h>

#include "exec_opts.h"

int exec_take_argv(exec_opts *eo, int *argc, char **argv)
{
	int out = 1;
	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--") == 0 || strcmp(argv[i], "--exec") != 0) {
			bool end = strcmp(argv[i], "--") == 0;   /* getopt's end of options */
			argv[out++] = argv[i];
			if (end) {
				while (++i < *argc)
					argv[out++] = argv[i];
				break;
			}
			continue;
		}
		if (eo->enabled) {
			errorf("mqsub", "--exec given twice");
			return -1;
		}
		/* options right after --exec ("--exec --reply CMD") stay mqsub's:
		 * a command does not start with '-' */
		int at = i + 1;
		while (at < *argc && argv[at][0] == '-' && strcmp(argv[at], "--") != 0)
			argv[out++] = argv[at++];
		const char *why;
		int used = exec_cmd_take(&eo->cmd, *argc, argv, at, &why);
		if (used < 0) {
			errorf("mqsub", "%s", why);
			return -1;
		}
		/* its own copy: the words after it move down over these */
		char **words = malloc((size_t)(eo->cmd.argc + 1) * sizeof *words);
		if (!words) {
			errorf("mqsub", "--exec: out of memory");
			return -1;
		}
		memcpy(words, eo->cmd.argv, (size_t)eo->cmd.argc * sizeof *words);
		words[eo->cmd.argc] = NULL;
		eo->cmd.argv = words;
		eo->enabled = true;
		i = at + used - 1;
	}
	argv[out] = NULL;
	*argc = out;
	return 0;
}

int exec_option(exec_opts *eo, common_opts *c, int opt, const char *arg)
{
	(void)c;
	switch (opt) {
	case 'j':
		return parse_number("mqsub", "--jobs", arg, 1, 1024, &eo->jobs) < 0 ? -1 : 1;
	case OPT_EXEC_TIMEOUT:
		return parse_number("mqsub", "--exec-timeout", arg, 1, 86400, &eo->timeout_s) < 0 ? -1 : 1;
	case OPT_EXEC_TRIES:
		return parse_number("mqsub", "--exec-tries", arg, 1, 1000, &eo->tries) < 0 ? -1 : 1;
	case OPT_ON_FAIL:
		if (!strcmp(arg, "retry")) {
			eo->on_fail = FAIL_RETRY;
		} else if (!strcmp(arg, "skip")) {
			eo->on_fail = FAIL_SKIP;
		} else if (!strncmp(arg, "publish:", 8) &&
			   mq_topic_check((const uint8_t *)arg + 8, strlen(arg + 8)) == 0) {
			eo->on_fail = FAIL_PUBLISH;
			eo->dead_topic = arg + 8;
		} else {
			errorf("mqsub", "bad value for --on-fail: '%s' (retry, skip or "
			       "publish:TOPIC)", arg);
			return -1;
		}
		eo->on_fail_given = true;
		return 1;
	case OPT_REPLY:
		eo->reply = true;
		return 1;
	default:
		return 0;
	}
}

int exec_finish(exec_opts *eo, common_opts *c)
{
	const char *alone = eo->jobs ? "-j" : eo->timeout_s ? "--exec-timeout"
		: eo->tries ? "--exec-tries" : eo->on_fail_given ? "--on-fail"
		: eo->reply ? "--reply" : NULL;
	if (!eo->enabled) {
		if (alone) {
			errorf("mqsub", "%s needs --exec CMD [ARG...] --", alone);
			return -1;
		}
		return 0;
	}
	if (eo->tries && eo->on_fail != FAIL_RETRY) {
		errorf("mqsub", "--exec-tries goes with --on-fail retry");
		return -1;
	}
	if (!eo->jobs)
		eo->jobs = 1;
	if (!eo->tries)
		eo->tries = 3;
	if (eo->reply)
		common_need_v5(c, "--reply");
	if (eo->on_fail == FAIL_PUBLISH)
		common_need_v5(c, "--on-fail publish:");
	if ((eo->reply || eo->on_fail == FAIL_PUBLISH) && c->version != MQ_V5) {
		errorf("mqsub", "%s needs MQTT 5 (not -V 311)",
		       eo->reply ? "--reply" : "--on-fail publish:");
		return -1;
	}
	return 0;
}

void exec_usage(FILE *f)
{
	fputs(
"Handlers (each message to a command; acknowledged when it succeeds):\n"
"      --exec CMD [ARG...] -- run CMD for each message, the payload on its\n"
"                             stdin; {topic} {payload} {qos} {id} in ARGs\n"
"  -j, --jobs N               handlers at once (default 1; one per topic)\n"
"      --exec-timeout SECS    kill a handler that runs longer\n"
"      --exec-tries N         runs of a failing handler (default 3)\n"
"      --on-fail ACTION       retry (default), skip, or publish:TOPIC\n"
"      --reply                publish the handler's stdout to the response\n"
"                             topic (MQTT 5)\n"
"\n", f);
}
