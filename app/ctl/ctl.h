/*
 * ctl.h - growvrdctl subcommands.  Each lives in app/ctl/cmd_<name>.c
 * and takes the arguments after its name (argv[0] is the subcommand).
 * Exit status: 0 success, 1 failure of the operation, 2 usage error.
 */
#ifndef GROWVRD_CTL_H
#define GROWVRD_CTL_H

int cmd_sign(int argc, char **argv);
int cmd_verify_token(int argc, char **argv);
int cmd_tables(int argc, char **argv);
int cmd_plants(int argc, char **argv);
int cmd_routes(int argc, char **argv);
int cmd_catalog(int argc, char **argv);
int cmd_deletions(int argc, char **argv);

#endif
