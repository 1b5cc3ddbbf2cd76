/* Shared pieces of the `jalon` command-line tool: exit codes, error reports,
 * line reading, and the ordered parallel line pipeline used by batch and eval. */
#ifndef JALON_TOOLS_CLI_H
#define JALON_TOOLS_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "jalon/jalon.h"

/* Exit codes: scripts tell a bad command line (2) from a failed run (1). */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* Batch and eval lines may hold a whole request around the text, so they are
 * allowed more than the text limit; longer lines are refused, not read whole. */
#define CLI_MAX_LINE_BYTES (4u * JALON_MAX_TEXT_BYTES)

/* ---- verbs: argv[0] is the verb name, options follow ---- */
int cli_diagnose(int argc, char **argv);
int cli_batch(const char *model_path, const char *catalogue_path, int no_trainings, unsigned jobs);
int cli_eval(int argc, char **argv);
int cli_model(int argc, char **argv);
int cli_rome(int argc, char **argv);
int cli_catalogue(int argc, char **argv);
int cli_trainings(int argc, char **argv);

/* ---- trainings options shared by diagnose and trainings (cli_catalogue.c) ---- */

/* getopt values of the long options that say where the person is. */
enum { CLI_OPT_DEPT = 1000, CLI_OPT_REGION, CLI_OPT_LAT, CLI_OPT_LON, CLI_OPT_RADIUS, CLI_OPT_AFTER,
       CLI_OPT_CATALOGUE, CLI_OPT_MAX_TRAININGS };

typedef struct cli_place {
  jalon_place place;
  int given;             /* any place option was given */
  int has_lat, has_lon;
  const char *after;
} cli_place;

/* Applies one of the CLI_OPT_DEPT..CLI_OPT_AFTER options; -1 for a bad value. */
int cli_place_option(int c, const char *arg, cli_place *p);
/* Opens the catalogue at path (NULL: search order); French report on failure. */
int cli_open_catalogue(jalon_catalogue **out, const char *path);
/* The catalogue a diagnosing verb uses: none with no_trainings; path when
 * given (a failure is an error: 1 returned after the report); otherwise the
 * search order, silently none when nothing is found. */
int cli_pick_catalogue(jalon_catalogue **out, const char *path, int no_trainings);

/* ---- reports (cli_util.c) ---- */

/* Prints "jalon : <what_fr> <French message>" for people, then the English
 * detail for developers. e may be NULL (then jalon_strerror(status) is used). */
void cli_report(const char *what_fr, int status, const jalon_error *e);
/* Same for errors found by the tool itself: French line plus English detail. */
void cli_fail(const char *fr, const char *en_fmt, ...) __attribute__((format(printf, 2, 3)));
/* Usage error for `verb`: French message, hint to --help; returns CLI_USAGE. */
int cli_usage(const char *verb, const char *fr_fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reports a getopt failure: c is what getopt returned, '?' (unknown option)
 * or ':' (missing value); opt is optopt; arg the argv word getopt last read
 * (argv[optind - 1]). Returns CLI_USAGE. */
int cli_bad_option(const char *verb, int c, int opt, const char *arg);

/* Opens the model at path (NULL: the library's search order); reports the
 * failure in French. Returns 0 or a JALON_E* status. */
int cli_open_model(jalon_model **out, const char *path);
/* Parses a decimal in [min, max]; 0 on success, -1 otherwise. */
int cli_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out);
/* Default worker count: online CPUs, capped (the model is shared; each worker
 * only adds a workspace, so more threads cost little memory). */
unsigned cli_default_jobs(void);
int cli_is_tty(FILE *f);
/* Monotonic seconds, for progress rates. */
double cli_now(void);
/* Upper-cases an ASCII ROME code in place ("d1214" -> "D1214"). */
void cli_upcase(char *s);

/* ---- reading ---- */

typedef struct cli_buf {
  char *data;
  size_t len, cap;
} cli_buf;

/* Grows b to hold at least need bytes; 0 or -1 (out of memory). */
int cli_buf_reserve(cli_buf *b, size_t need);
int cli_buf_append(cli_buf *b, const void *p, size_t n);
void cli_buf_free(cli_buf *b);

/* Buffered reader over a file descriptor. read(2) rather than stdio so a
 * reader thread can be cancelled while it waits for input, without leaving a
 * stdio lock held. */
typedef struct cli_reader {
  int fd;
  int eof;
  size_t pos, end;
  char buf[64 * 1024];
} cli_reader;

void cli_reader_init(cli_reader *r, int fd);
/* Reads one line without its '\n' into b (NUL-terminated, b->len bytes).
 * A line longer than max is consumed to its end but not kept: *too_long is
 * set and b->len is 0. Returns 1 (a line), 0 (end of input), -1 (read error,
 * errno set, or out of memory with errno ENOMEM). */
int cli_read_line(cli_reader *r, cli_buf *b, size_t max, int *too_long);
/* Reads all input, keeping at most max bytes (*truncated set if more came). */
int cli_read_all(cli_reader *r, cli_buf *b, size_t max, int *truncated);

/* ---- ordered parallel map over input lines (cli_pipeline.c) ---- */

typedef struct cli_item {
  uint64_t line_no; /* 1-based line number in the input */
  cli_buf line;     /* the line, without '\n'; empty when too_long */
  int too_long;     /* the line was longer than the pipeline's max */
  cli_buf out;      /* free for the callbacks: e.g. the response line */
  int status;       /* free for the callbacks */
  void *result;     /* free for the callbacks; one malloc block: the sink
                       frees it, or the pipeline does (free) for lines the
                       sink never saw after an early stop */
} cli_item;

/* Runs on a worker thread with that worker's own workspace. */
typedef void (*cli_work_fn)(void *ud, jalon_workspace *ws, cli_item *it);
/* Runs on the calling thread, once per line, in input order. Nonzero stops
 * the run (e.g. stdout is gone). */
typedef int (*cli_sink_fn)(void *ud, cli_item *it);

/* Reads lines from fd, hands them to `jobs` workers (each with its own
 * jalon_workspace on the shared model) and passes them to sink in input
 * order, so the output never depends on the number of threads.
 * Returns 0; the sink's nonzero value if it stopped the run; or a negative
 * JALON_E* status (workspace creation: detail in *err; read error: JALON_EIO
 * with errno kept in *read_errno). */
int cli_map_lines(int fd, const jalon_model *m, const jalon_catalogue *cat, unsigned jobs, size_t max_line,
                  cli_work_fn work, cli_sink_fn sink, void *ud, jalon_error **err,
                  int *read_errno);

#endif
