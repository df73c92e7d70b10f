/*
 * main.c — entry point: picks the subcommand. All state lives in the structures each
 * command builds; there are no mutable globals.
 */
#include "daemon/commands.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#ifndef SMSHUB_VERSION
#define SMSHUB_VERSION "0.1.0"
#endif

static const char usage[] =
    "usage: smshub <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve [--listen HOST:PORT] [--db URL] [--master-key-file PATH] [--log-level LEVEL]\n"
    "        [--public-url URL]\n"
    "        [--http-threads N] [--db-sync full|normal] [--retry-backoff 30s,2m,8m]\n"
    "        [--port-file PATH] [--trusted-proxies CIDRS] [--rate-limit-rps N]\n"
    "        [--smpp-listen HOST:PORT] [--smpp-port-file PATH]\n"
    "        [--check-config]\n"
    "                      run the HTTP API and the dispatch engine\n"
    "  migrate [--db URL]  apply database migrations and exit\n"
    "  admin bootstrap [--db URL] [--email ADDRESS] [--json]\n"
    "                      create the first admin user, project and API key\n"
    "  admin export|import [--db URL] [--file PATH]\n"
    "                      copy the whole database out to / in from JSON lines\n"
    "  smsc-sim [--listen 127.0.0.1:PORT] [--port-file PATH] [--log FILE] [...]\n"
    "                      run an SMSC simulator for tests (smshub smsc-sim --help)\n"
    "  admin rotate-master-key [--db URL] [--master-key-file PATH] [--json]\n"
    "                      re-seal every secret under a new master key\n"
    "  admin create-project --name NAME [--db URL] [--json]\n"
    "                      create a project with an API key (all scopes) and a simulator\n"
    "  routes [--json]     print the route table (method, pattern, flags, scope, role)\n"
    "  version             print the version\n"
    "\n"
    "Every option also reads an environment variable: SMSHUB_LISTEN, SMSHUB_DB,\n"
    "SMSHUB_MASTER_KEY_FILE, SMSHUB_LOG_LEVEL, ... (see README.md).\n";

void cmd_error(const char *fmt, ...)
{
    va_list ap;
    fputs("smshub: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "serve") == 0)
        return cmd_serve(argc - 2, argv + 2);
    if (strcmp(cmd, "migrate") == 0)
        return cmd_migrate(argc - 2, argv + 2);
    if (strcmp(cmd, "smsc-sim") == 0)
        return cmd_smsc_sim(argc - 2, argv + 2);
    if (strcmp(cmd, "admin") == 0)
        return cmd_admin(argc - 2, argv + 2);
    if (strcmp(cmd, "routes") == 0)
        return cmd_routes(argc - 2, argv + 2);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("smshub %s\n", SMSHUB_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    cmd_error("unknown command \"%s\"", cmd);
    fputs(usage, stderr);
    return 2;
}
