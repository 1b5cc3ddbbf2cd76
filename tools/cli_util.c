/* Helpers shared by the verbs of the `jalon` tool: error reports in French
 * with an English detail, number parsing, growable buffers and line reading. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* French text for statuses the tool raises without a jalon_error. */
static const char *fallback_fr(int status) {
  switch (status) {
  case JALON_ENOMEM: return "Le programme manque de mémoire.";
  case JALON_EIO: return "Un fichier n'a pas pu être lu ou écrit.";
  default: return "Une erreur est survenue.";
  }
}

void cli_report(const char *what_fr, int status, const jalon_error *e) {
  const char *fr = e ? jalon_error_message_fr(e) : NULL;
  const char *en = e ? jalon_error_message(e) : NULL;
  if (!fr || !*fr) fr = fallback_fr(status);
  if (!en || !*en) en = jalon_strerror(status);
  fprintf(stderr, "jalon : %s%s%s\n", what_fr ? what_fr : "", what_fr ? " " : "", fr);
  fprintf(stderr, "  detail: %s (%s)\n", en, jalon_strerror(status));
}

void cli_fail(const char *fr, const char *en_fmt, ...) {
  fprintf(stderr, "jalon : %s\n", fr);
  if (en_fmt) {
    va_list ap;
    va_start(ap, en_fmt);
    fputs("  detail: ", stderr);
    vfprintf(stderr, en_fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
  }
}

int cli_usage(const char *verb, const char *fr_fmt, ...) {
  va_list ap;
  va_start(ap, fr_fmt);
  fputs("jalon : ", stderr);
  vfprintf(stderr, fr_fmt, ap);
  va_end(ap);
  if (verb)
    fprintf(stderr, "\nAide : jalon %s --help\n", verb);
  else
    fputs("\nAide : jalon --help\n", stderr);
  return CLI_USAGE;
}

int cli_bad_option(const char *verb, int c, int opt, const char *arg) {
  /* Verbs parse with opterr = 0 and a leading ':' in the option string, so
   * getopt prints nothing and people get one French line naming the option.
   * An unknown short option is named from optopt: in a cluster ("-jx") the
   * argv word getopt stopped on is not the culprit. A missing value is named
   * from the argv word, which is how the person wrote it (--model or -m). */
  if (c == ':') return cli_usage(verb, "il manque une valeur après %s.", arg ? arg : "l'option");
  if (opt > ' ' && opt < 127) return cli_usage(verb, "option inconnue : -%c.", opt);
  return cli_usage(verb, "option inconnue : %s.", arg ? arg : "?");
}

int cli_open_model(jalon_model **out, const char *path) {
  jalon_error *e = NULL;
  int rc = jalon_model_open(out, path, &e);
  if (rc != 0) {
    if (rc == JALON_ENOTFOUND && !path)
      cli_report("Aucun modèle trouvé. Donnez-le avec --model ou la variable JALON_MODEL.", rc,
                 e);
    else
      cli_report("Le modèle ne s'ouvre pas.", rc, e);
    jalon_error_free(e);
    *out = NULL;
  }
  return rc;
}

int cli_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out) {
  if (!s || *s < '0' || *s > '9') return -1; /* strtoul would accept "-1" and " 1" */
  errno = 0;
  char *end = NULL;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || *end || v < min || v > max) return -1;
  *out = (unsigned)v;
  return 0;
}

unsigned cli_default_jobs(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1) return 1;
  return n > 16 ? 16u : (unsigned)n;
}

int cli_is_tty(FILE *f) { return isatty(fileno(f)); }

double cli_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void cli_upcase(char *s) {
  for (; s && *s; s++)
    if (*s >= 'a' && *s <= 'z') *s = (char)(*s - 'a' + 'A');
}

int cli_buf_reserve(cli_buf *b, size_t need) {
  if (need <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need) {
    if (cap > SIZE_MAX / 2) return -1;
    cap *= 2;
  }
  char *p = realloc(b->data, cap);
  if (!p) return -1;
  b->data = p;
  b->cap = cap;
  return 0;
}

int cli_buf_append(cli_buf *b, const void *p, size_t n) {
  if (n > SIZE_MAX - b->len - 1 || cli_buf_reserve(b, b->len + n + 1)) return -1;
  memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

void cli_buf_free(cli_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

void cli_reader_init(cli_reader *r, int fd) {
  r->fd = fd;
  r->eof = 0;
  r->pos = r->end = 0;
}

/* Refills the buffer; returns bytes read, 0 at end, -1 on error. The read is
 * the only point where the pipeline's reader thread may be cancelled. */
static ssize_t refill(cli_reader *r) {
  if (r->eof) return 0;
  ssize_t n;
  for (;;) {
    int old;
    pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
    n = read(r->fd, r->buf, sizeof r->buf);
    pthread_setcancelstate(old, NULL);
    if (n >= 0 || errno != EINTR) break;
  }
  if (n <= 0) {
    if (n == 0) r->eof = 1;
    return n;
  }
  r->pos = 0;
  r->end = (size_t)n;
  return n;
}

int cli_read_line(cli_reader *r, cli_buf *b, size_t max, int *too_long) {
  b->len = 0;
  *too_long = 0;
  int any = 0; /* distinguishes an empty last line from the end of input */
  if (cli_buf_reserve(b, 1)) goto nomem;
  b->data[0] = '\0';
  for (;;) {
    if (r->pos == r->end) {
      ssize_t n = refill(r);
      if (n < 0) return -1;
      if (n == 0) return any ? 1 : 0;
    }
    any = 1;
    const char *start = r->buf + r->pos;
    size_t avail = r->end - r->pos;
    const char *nl = memchr(start, '\n', avail);
    size_t take = nl ? (size_t)(nl - start) : avail;
    r->pos += take + (nl ? 1 : 0);
    if (!*too_long) {
      if (b->len + take > max) {
        *too_long = 1; /* keep consuming to the newline, but drop the bytes */
        b->len = 0;
        b->data[0] = '\0';
      } else if (cli_buf_append(b, start, take)) {
        goto nomem;
      }
    }
    if (nl) return 1;
  }
nomem:
  errno = ENOMEM;
  return -1;
}

int cli_read_all(cli_reader *r, cli_buf *b, size_t max, int *truncated) {
  b->len = 0;
  *truncated = 0;
  if (cli_buf_reserve(b, 1)) goto nomem;
  b->data[0] = '\0';
  for (;;) {
    if (r->pos == r->end) {
      ssize_t n = refill(r);
      if (n < 0) return -1;
      if (n == 0) return 0;
    }
    size_t avail = r->end - r->pos;
    size_t room = max - b->len;
    if (avail > room) {
      *truncated = 1;
      avail = room;
    }
    if (avail && cli_buf_append(b, r->buf + r->pos, avail)) goto nomem;
    r->pos = r->end;
    if (*truncated) return 0; /* no need to read the rest: it is refused anyway */
  }
nomem:
  errno = ENOMEM;
  return -1;
}
