/* `jalon diagnose --batch`: JSON requests on stdin, one per line, to JSON
 * responses on stdout, one per line, in the same order whatever the threads. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

typedef struct batch {
  FILE *out;
  int progress;       /* stderr is a terminal */
  uint64_t done, bad;
  double t0, last_shown;
} batch;

/* Written by the tool itself when the line never reaches the library; same
 * shape as the library's error objects (English message, French message_fr).
 * The id is unknown: the line was not read whole, so it is null. */
static const char TOO_LARGE[] =
    "{\"id\":null,\"error\":{\"code\":\"text_too_large\","
    "\"message\":\"request line longer than 262144 bytes\","
    "\"message_fr\":\"La demande est trop longue.\"}}\n";
_Static_assert(CLI_MAX_LINE_BYTES == 262144u, "update the byte count in TOO_LARGE");
static const char NO_MEMORY[] =
    "{\"id\":null,\"error\":{\"code\":\"out_of_memory\",\"message\":\"out of memory\","
    "\"message_fr\":\"Le service manque de mémoire. Réessayez plus tard.\"}}\n";

static void set_out(cli_item *it, const char *s, size_t n) {
  it->out.len = 0;
  if (cli_buf_append(&it->out, s, n)) it->out.len = 0; /* the sink sees an empty line */
}

static void batch_work(void *ud, jalon_workspace *ws, cli_item *it) {
  (void)ud;
  if (it->too_long) {
    it->status = JALON_ETOOBIG;
    set_out(it, TOO_LARGE, sizeof TOO_LARGE - 1);
    return;
  }
  char *json = NULL;
  /* Blank and malformed lines go to the library too: it answers with an error
   * object, so every input line gets exactly one output line. */
  it->status = jalon_diagnose_json(&json, ws, it->line.data, it->line.len, NULL);
  if (!json) {
    it->status = it->status ? it->status : JALON_ENOMEM;
    set_out(it, NO_MEMORY, sizeof NO_MEMORY - 1);
    return;
  }
  size_t n = strlen(json);
  it->out.len = 0;
  if (cli_buf_reserve(&it->out, n + 2)) {
    jalon_free(json);
    it->status = JALON_ENOMEM;
    set_out(it, NO_MEMORY, sizeof NO_MEMORY - 1);
    return;
  }
  /* The response must stay on one line. Raw newlines can only be white space
   * between JSON tokens (inside strings they are escaped), so replacing them
   * keeps the JSON valid even if the writer ever indents. */
  for (size_t i = 0; i < n; i++) {
    char c = json[i];
    it->out.data[i] = (c == '\n' || c == '\r') ? ' ' : c;
  }
  it->out.data[n] = '\n';
  it->out.data[n + 1] = '\0';
  it->out.len = n + 1;
  jalon_free(json);
}

static void show_progress(batch *b, int final) {
  double now = cli_now();
  if (!final && now - b->last_shown < 0.25) return;
  b->last_shown = now;
  double dt = now - b->t0;
  double rate = dt > 0 ? (double)b->done / dt : 0.0;
  fprintf(stderr, "\r\033[K%" PRIu64 " lignes traitées (%.0f lignes/s)", b->done, rate);
  if (final) fputc('\n', stderr);
  fflush(stderr);
}

static int batch_sink(void *ud, cli_item *it) {
  batch *b = ud;
  if (it->out.len == 0) {
    /* Only reached when even the error object could not be built. */
    if (fwrite(NO_MEMORY, 1, sizeof NO_MEMORY - 1, b->out) != sizeof NO_MEMORY - 1) return 1;
  } else if (fwrite(it->out.data, 1, it->out.len, b->out) != it->out.len) {
    return 1;
  }
  b->done++;
  if (it->status != 0) b->bad++;
  if (b->progress) show_progress(b, 0);
  return 0;
}

int cli_batch(const char *model_path, const char *catalogue_path, int no_trainings, unsigned jobs) {
  jalon_model *m = NULL;
  jalon_catalogue *cat = NULL;
  if (cli_open_model(&m, model_path) != 0) return CLI_FAIL;
  if (cli_pick_catalogue(&cat, catalogue_path, no_trainings)) {
    jalon_model_free(m);
    return CLI_FAIL;
  }

  batch b = {.out = stdout, .progress = cli_is_tty(stderr)};
  b.t0 = b.last_shown = cli_now();
  /* Full buffering even on a terminal: the output is for programs. */
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);

  jalon_error *e = NULL;
  int read_errno = 0;
  int rc = cli_map_lines(STDIN_FILENO, m, cat, jobs, CLI_MAX_LINE_BYTES, batch_work, batch_sink, &b,
                         &e, &read_errno);
  int flush_failed = fflush(stdout) != 0 || ferror(stdout);
  if (b.progress && b.done) show_progress(&b, 1);

  int status = CLI_OK;
  if (rc > 0 || flush_failed) {
    cli_fail("Impossible d'écrire les réponses.", "write to stdout failed");
    status = CLI_FAIL;
  } else if (rc == JALON_EIO || (rc == JALON_ENOMEM && read_errno)) {
    cli_fail("Impossible de lire les demandes.", "read from stdin failed: %s",
             strerror(read_errno));
    status = CLI_FAIL;
  } else if (rc < 0) {
    cli_report("Le traitement n'a pas pu démarrer.", rc, e);
    status = CLI_FAIL;
  }
  if (status == CLI_OK && b.progress)
    fprintf(stderr, "%" PRIu64 " ligne%s en erreur sur %" PRIu64 ".\n", b.bad,
            b.bad > 1 ? "s" : "", b.done);
  jalon_error_free(e);
  jalon_catalogue_free(cat);
  jalon_model_free(m);
  return status;
}
