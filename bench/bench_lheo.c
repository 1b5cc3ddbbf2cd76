/* Memory and speed of the streamed LHÉO importer on one file, against the
 * whole-DOM load (xmlReadFile) a simpler importer would do: prints figures. */
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jalon/jalon.h"
#include "train/build.h"

/* What one phase measured, sent from its child process to the parent. */
typedef struct phase_result {
  int ok;
  double seconds;
  long maxrss_kib;          /* getrusage ru_maxrss of the child */
  long hwm_kib, rss_kib;    /* VmHWM, and VmRSS at the end of the work */
  long long heap_bytes;     /* malloc'd bytes still in use at the end (mallinfo2) */
  size_t formations, sessions, certs, kept_sessions, rejected;
  char error[200];
} phase_result;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static long status_kib(const char *key) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long v = -1;
  size_t n = strlen(key);
  while (fgets(line, sizeof line, f))
    if (strncmp(line, key, n) == 0 && line[n] == ':') {
      v = strtol(line + n + 1, NULL, 10);
      break;
    }
  fclose(f);
  return v;
}

static void finish(phase_result *r, double t0) {
  r->seconds = now() - t0;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  r->maxrss_kib = ru.ru_maxrss;
  r->hwm_kib = status_kib("VmHWM");
  r->rss_kib = status_kib("VmRSS");
  r->heap_bytes = (long long)mallinfo2().uordblks;
}

/* The xmlTextReader loop alone, with no work per node: the parser's share.
 * Counts the formations and sessions the import is measured against. */
static void phase_reader(const char *path, phase_result *r) {
  double t0 = now();
  xmlTextReaderPtr rd = xmlReaderForFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_COMPACT);
  if (!rd) {
    snprintf(r->error, sizeof r->error, "cannot open %s", path);
    return;
  }
  int ret;
  while ((ret = xmlTextReaderRead(rd)) == 1) {
    if (xmlTextReaderNodeType(rd) != XML_READER_TYPE_ELEMENT) continue;
    const char *name = (const char *)xmlTextReaderConstLocalName(rd);
    if (strcmp(name, "formation") == 0) r->formations++;
    else if (strcmp(name, "session") == 0) r->sessions++;
  }
  xmlFreeTextReader(rd);
  r->ok = ret == 0;
  if (!r->ok) snprintf(r->error, sizeof r->error, "XML error while reading %s", path);
  finish(r, t0);
}

/* The real import: reader, importer and builder (kept alive to the end, so
 * VmRSS and the heap in use show what the builder holds). */
static void phase_import(const char *path, const char *model_path, phase_result *r) {
  jalon_model *m = NULL;
  jalon_error *err = NULL;
  if (model_path && jalon_model_open(&m, model_path, &err)) {
    snprintf(r->error, sizeof r->error, "model: %s", jalon_error_message(err));
    return;
  }
  long long heap0 = (long long)mallinfo2().uordblks;
  jtr_builder *b = NULL;
  if (jtr_builder_new(&b, m, &err)) {
    snprintf(r->error, sizeof r->error, "builder: %s", jalon_error_message(err));
    return;
  }
  double t0 = now();
  int rc = jtr_import_lheo(b, path, &err);
  finish(r, t0);
  r->heap_bytes -= heap0;
  r->ok = rc == 0;
  if (rc) snprintf(r->error, sizeof r->error, "%s", jalon_error_message(err));
  jtr_build_stats st;
  jtr_builder_stats(b, &st);
  r->certs = st.certs;
  r->kept_sessions = st.sessions;
  r->rejected = st.rejected;
  jtr_builder_free(b);
  jalon_model_free(m);
  jalon_error_free(err);
}

/* The peer: the whole document as a tree, then freed. */
static void phase_dom(const char *path, phase_result *r) {
  double t0 = now();
  xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_COMPACT | XML_PARSE_HUGE);
  finish(r, t0); /* peak with the tree held: the figure that matters */
  r->ok = doc != NULL;
  if (!doc) snprintf(r->error, sizeof r->error, "xmlReadFile failed on %s", path);
  xmlFreeDoc(doc);
}

/* Each phase runs in its own child, so each peak RSS is its own. */
static int run_phase(int which, const char *path, const char *model, phase_result *out) {
  int fd[2];
  if (pipe(fd)) return -1;
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    close(fd[0]);
    phase_result r;
    memset(&r, 0, sizeof r);
    if (which == 0) phase_reader(path, &r);
    else if (which == 1) phase_import(path, model, &r);
    else phase_dom(path, &r);
    ssize_t w = write(fd[1], &r, sizeof r);
    _exit(w == (ssize_t)sizeof r ? 0 : 1);
  }
  close(fd[1]);
  memset(out, 0, sizeof *out);
  ssize_t got = read(fd[0], out, sizeof *out);
  close(fd[0]);
  int status;
  waitpid(pid, &status, 0);
  return got == (ssize_t)sizeof *out && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static double mib(long kib) { return kib / 1024.0; }

int main(int argc, char **argv) {
  const char *path = NULL, *model = NULL;
  int dom = 1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--model") == 0 && i + 1 < argc) model = argv[++i];
    else if (strcmp(argv[i], "--no-dom") == 0) dom = 0;
    else if (argv[i][0] != '-' && !path) path = argv[i];
    else {
      fprintf(stderr, "usage: %s FILE.xml [--model FILE] [--no-dom]\n", argv[0]);
      return 2;
    }
  }
  if (!path) {
    fprintf(stderr, "usage: %s FILE.xml [--model FILE] [--no-dom]\n", argv[0]);
    return 2;
  }
  struct stat st;
  if (stat(path, &st)) {
    perror(path);
    return 1;
  }
  printf("file: %s, %.1f MiB%s\n", path, st.st_size / 1048576.0, model ? "" : " (builder without model)");
  printf("baseline RSS of this program: %.1f MiB\n", mib(status_kib("VmRSS")));

  phase_result rd, im, dm;
  if (run_phase(0, path, model, &rd) || !rd.ok) {
    fprintf(stderr, "reader pass failed: %s\n", rd.error);
    return 1;
  }
  if (run_phase(1, path, model, &im) || !im.ok) {
    fprintf(stderr, "import failed: %s\n", im.error);
    return 1;
  }
  size_t records = rd.formations + rd.sessions;
  printf("\n%-28s %9s %12s %12s %12s\n", "phase", "seconds", "records/s", "peak RSS", "VmHWM");
  printf("%-28s %9.2f %12.0f %9.1f MiB %9.1f MiB\n", "xmlTextReader loop alone", rd.seconds,
         records / rd.seconds, mib(rd.maxrss_kib), mib(rd.hwm_kib));
  printf("%-28s %9.2f %12.0f %9.1f MiB %9.1f MiB\n", "jtr_import_lheo (streamed)", im.seconds,
         records / im.seconds, mib(im.maxrss_kib), mib(im.hwm_kib));
  if (dom) {
    if (run_phase(2, path, model, &dm) || !dm.ok) {
      fprintf(stderr, "DOM load failed: %s\n", dm.error);
      return 1;
    }
    printf("%-28s %9.2f %12s %9.1f MiB %9.1f MiB\n", "xmlReadFile (whole DOM)", dm.seconds, "-",
           mib(dm.maxrss_kib), mib(dm.hwm_kib));
  }
  printf("\nread: %zu formations, %zu sessions; builder: %zu certifications, %zu sessions, %zu rejected\n",
         rd.formations, rd.sessions, im.certs, im.kept_sessions, im.rejected);
  printf("builder heap in use after the import: %.1f MiB (%.0f bytes per session kept)\n",
         im.heap_bytes / 1048576.0, im.kept_sessions ? (double)im.heap_bytes / (double)im.kept_sessions : 0.0);
  if (dom)
    printf("peak RSS streamed / DOM: %.1f / %.1f MiB = %.3f\n", mib(im.maxrss_kib), mib(dm.maxrss_kib),
           (double)im.maxrss_kib / (double)dm.maxrss_kib);
  return 0;
}
