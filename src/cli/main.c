/*
 * yagura: one command with subcommands, like git. Each subcommand lives in
 * its own file under src/cli/ and is listed here.
 */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{"sensor", yg_cmd_sensor, "decode traffic and match it against indicator sets"},
	{"hub", yg_cmd_hub, "the sharing hub: TAXII 2.1 server and its admin commands"},
	{"mail", yg_cmd_mail, "analyze suspicious e-mail: headers, URLs, attachments, spoofing"},
	{"intel", yg_cmd_intel, "export indicator sets: IDS rules, firewall, RPZ, lists, STIX"},
	{"level", yg_cmd_level, "the hub's alert level: show, history, set, confirm, reject"},
	{"devices", yg_cmd_devices, "the passive device inventory from a sensor's EVE output"},
	{"ics", yg_cmd_ics, "learn an ICS policy (--ics-policy) from a training capture"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: yagura <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\n'yagura <command> --help' describes a command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "yagura: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
