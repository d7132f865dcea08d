/*
 * growvrdctl routes - print the worker's route table, one route a line:
 * "METHOD PATTERN AUTH" (AUTH is none, bearer or admin), in table order.
 * tests/openapi-check compares it with docs/openapi.yaml.  Exit 0, or 2
 * on usage errors (it takes no arguments), 1 when stdout fails.
 */
#include <stdio.h>

#include "ctl/ctl.h"
#include "http/req.h"
#include "http/router.h"

static const char *const auth_names[AUTH__MAX] = {
	"none",     /* AUTH_NONE */
	"bearer",   /* AUTH_BEARER */
	"admin",    /* AUTH_ADMIN */
};

/*
 * cmd_routes - the subcommand; argv[0] is "routes".  Returns the exit
 * status.
 */
int
cmd_routes(int argc, char **argv)
{
	const struct route *r;
	size_t i, n;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: growvrdctl routes\n");
		return 2;
	}
	r = router_table(&n);
	for (i = 0; i < n; i++)
		printf("%s %s %s\n", req_method_name(r[i].method), r[i].pattern,
		    (unsigned)r[i].auth < AUTH__MAX ? auth_names[r[i].auth] :
		    "unknown");
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}
