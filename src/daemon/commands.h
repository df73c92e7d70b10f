/*
 * commands.h — the subcommands of the smshub binary. Each returns the process exit code:
 * 0 success, 1 runtime failure, 2 usage or configuration error.
 */
#ifndef SH_DAEMON_COMMANDS_H
#define SH_DAEMON_COMMANDS_H

int cmd_serve(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_admin(int argc, char **argv);
int cmd_routes(int argc, char **argv);
/* `smshub admin export` (import = 0) and `smshub admin import` (dump.c). */
int cmd_admin_dump(int import, int argc, char **argv);
/* `smshub smsc-sim`: the SMSC simulator (smsc_sim.c). */
int cmd_smsc_sim(int argc, char **argv);
/* `smshub admin rotate-master-key` (daemon/rotate.c). */
int cmd_rotate_master_key(int argc, char **argv);

/* Prints "smshub: <msg>" on stderr. */
void cmd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
