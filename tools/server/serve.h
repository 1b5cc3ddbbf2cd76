/* The `serve` verb of the `jalon` tool, for its dispatcher. Kept apart from
 * server.h so jalon.c needs no libmicrohttpd header. */
#ifndef JALON_TOOLS_SERVE_H
#define JALON_TOOLS_SERVE_H

/* `jalon serve [options]`: argv[0] is the verb. Runs until SIGTERM/SIGINT;
 * returns 0, 1 (runtime error) or 2 (usage error). */
int cli_serve(int argc, char **argv);

#endif
