/* `jalon`: the command-line tool. Dispatches the verbs (diagnose, eval, model,
 * rome) and answers --version and --help; each verb lives in a cli_*.c file. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#ifdef JALON_HAVE_SERVE
#include "server/serve.h"
#endif

static const char USAGE[] =
    "Usage: jalon <verb> [options]\n"
    "\n"
    "Reads a job seeker's French text and ranks the nearest ROME jobs.\n"
    "\n"
    "Verbs:\n"
    "  diagnose [TEXT...]   readable summary of the nearest jobs (--json: response JSON);\n"
    "                       text from the arguments or stdin\n"
    "  diagnose --batch     JSON requests on stdin, one JSON response per line\n"
    "  eval --data FILE     accuracy on a labelled JSONL file (top-k, MRR, parent,\n"
    "                       domain levels, abstention)\n"
    "  model build          compile a model from the ROME release and models/\n"
    "  model info           path, ROME version, checksum, number of fiches\n"
    "  rome CODE            one ROME fiche as JSON\n"
    "  catalogue build      compile a training catalogue (Certif Info, LHÉO, RCO, JSON)\n"
    "  catalogue info       path, checksum and size of the catalogue found\n"
    "  trainings --rome C   trainings leading to a ROME job, with sessions, as JSON\n"
    "  serve                HTTP API and web page on 127.0.0.1:8080 (--help for options)\n"
    "  help [VERB]          this help, or the help of VERB\n"
    "\n"
    "Options:\n"
    "  --version            jalon version, and the model found (if any)\n"
    "  --help               this help\n"
    "\n"
    "The model is looked for in --model FILE, then $JALON_MODEL, then the build\n"
    "directory, then the install datadir.\n"
    "Exit status: 0 ok, 1 runtime error, 2 usage error.\n";

typedef int (*verb_fn)(int argc, char **argv);

static const struct {
  const char *name;
  verb_fn fn;
} VERBS[] = {
    {"diagnose", cli_diagnose},
    {"eval", cli_eval},
    {"model", cli_model},
    {"rome", cli_rome},
    {"catalogue", cli_catalogue},
    {"trainings", cli_trainings},
#ifdef JALON_HAVE_SERVE
    {"serve", cli_serve},
#endif
};

static verb_fn find_verb(const char *name) {
  for (size_t i = 0; i < sizeof VERBS / sizeof VERBS[0]; i++)
    if (strcmp(VERBS[i].name, name) == 0) return VERBS[i].fn;
  return NULL;
}

static int print_version(void) {
  printf("jalon %s\n", jalon_version());
  /* The model is optional here: --version must work before one is built. */
  jalon_model *m = NULL;
  jalon_error *e = NULL;
  if (jalon_model_open(&m, NULL, &e) == 0) {
    printf("model: %s (ROME %s, checksum %s)\n", jalon_model_path(m),
           jalon_model_rome_version(m), jalon_model_checksum(m));
  } else {
    printf("model: none found (%s)\n", e && jalon_error_message(e) ? jalon_error_message(e)
                                                                   : "set JALON_MODEL or use --model");
  }
  jalon_error_free(e);
  jalon_model_free(m);
  return fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(USAGE, stderr);
    return CLI_USAGE;
  }
  const char *first = argv[1];
  if (strcmp(first, "--version") == 0 || strcmp(first, "-V") == 0) return print_version();
  if (strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0) {
    fputs(USAGE, stdout);
    return CLI_OK;
  }
  if (strcmp(first, "help") == 0) {
    if (argc < 3) {
      fputs(USAGE, stdout);
      return CLI_OK;
    }
    verb_fn fn = find_verb(argv[2]);
    if (!fn) return cli_usage(NULL, "verbe inconnu : « %s ».", argv[2]);
    char help[] = "--help";
    char *args[] = {argv[2], help, NULL};
    return fn(2, args);
  }
  if (first[0] == '-') return cli_usage(NULL, "option inconnue : %s.", first);
  verb_fn fn = find_verb(first);
  if (!fn) return cli_usage(NULL, "verbe inconnu : « %s ».", first);
  /* The verb becomes argv[0], so each verb parses its options with getopt
   * from the start of its own argument list. */
  return fn(argc - 1, argv + 1);
}
