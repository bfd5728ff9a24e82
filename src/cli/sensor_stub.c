#include <stdio.h>

#include "cli/commands.h"

int yg_cmd_sensor(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "yagura sensor: the engine is being assembled in this change\n");
	return 2;
}
