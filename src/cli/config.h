/* config.h - the config file: a default section and [profile NAME]
 * sections whose keys are long option names, applied before the command
 * line (which overrides them). */
#ifndef MQ_CONFIG_H
#define MQ_CONFIG_H

#include "options.h"

/* Find --config, --no-config, --profile and --list-profiles in argv, load
 * the file and apply the default section, then the chosen profile,
 * through the tool's option handler.  Returns 0 to go on, or the exit
 * code + 1 (so 1 means exit 0, after --list-profiles). */
int config_load(common_opts *o, const tool_cli *t, int argc, char **argv);

/* -L mqtt://@NAME[/topic] (or mqtts://@NAME...) names a profile: the
 * malloc'd NAME, or NULL for an ordinary URL. */
char *config_url_profile(const char *url);

/* The keys a config file may hold (long option names), NULL-terminated. */
extern const char *const config_keys[];

#endif
