/*
 * growvrdctl - the operator's tool: the same code as the workers, driven
 * from the command line (signing, token checks, tables, catalog).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"

static const struct {
	const char *name;
	int       (*fn)(int, char **);
	const char *usage;
} cmds[] = {
	{ "sign",         cmd_sign,
	  "sign CASE_DIR                  print the SigV4 Authorization value" },
	{ "verify-token", cmd_verify_token,
	  "verify-token --jwks FILE|URL --issuer ISS --client-id CID\n"
	  "             --token-use access|id TOKEN   check a Cognito JWT" },
	{ "tables",       cmd_tables,
	  "tables create|describe|delete  manage the DynamoDB tables" },
	{ "plants",       cmd_plants,
	  "plants import|remove FILE.tsv|FILE.json | plants export   the catalog" },
	{ "catalog",      cmd_catalog,
	  "catalog build [--if-missing] | catalog info   the host's snapshot" },
	{ "deletions",    cmd_deletions,
	  "deletions list|finish          account deletions left to the "
	  "background" },
	{ "routes",       cmd_routes,
	  "routes                         print the route table" },
};

static int
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: growvrdctl COMMAND [ARGS]\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  growvrdctl %s\n", cmds[i].usage);
	return 2;
}

int
main(int argc, char **argv)
{
	size_t i;

	/* Operators read our output; the per-call log lines only on request. */
	setenv("GROWVRD_LOG_LEVEL", "warn", 0);
	if (argc < 2)
		return usage(stderr);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "growvrdctl: unknown command '%s'\n", argv[1]);
	return usage(stderr);
}
