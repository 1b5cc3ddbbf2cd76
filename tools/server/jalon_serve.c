/* `jalon-serve`: the HTTP server as its own program, for builds that do not
 * wire the `serve` verb into `jalon`. Same options as `jalon serve`. */
#include "serve.h"

int main(int argc, char **argv) {
  char verb[] = "serve";
  argv[0] = verb;
  return cli_serve(argc, argv);
}
