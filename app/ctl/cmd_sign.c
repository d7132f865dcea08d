#include <stdio.h>

#include "ctl/ctl.h"

int
cmd_sign(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "growvrdctl: %s: not implemented yet\n", argv[0]);
	return 1;
}
