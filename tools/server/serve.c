/* `jalon serve`: options, the shared model and training catalogue, the files
 * served as they are, the libmicrohttpd daemon with its thread pool, and a
 * graceful stop on a signal. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../cli.h"
#include "api/json.h"
#include "server.h"

/* Where the web page and the OpenAPI document are read from unless told:
 * the source tree, set by the build (tools/server/meson.build). */
#ifndef JALON_SERVER_WEB_DIR
#define JALON_SERVER_WEB_DIR "web"
#endif
#ifndef JALON_SERVER_OPENAPI
#define JALON_SERVER_OPENAPI "api/openapi.json"
#endif

static const char USAGE[] =
    "Usage: jalon serve [options]\n"
    "\n"
    "HTTP/1.1 JSON API and a web page for people, on one shared model.\n"
    "  POST /v1/diagnose        request JSON -> response JSON (DESIGN.md)\n"
    "  POST /v1/diagnose/batch  JSON array or JSON lines -> JSON array, same order\n"
    "  GET  /v1/rome/{code}     one ROME fiche\n"
    "  GET  /v1/trainings?rome=CODE[&department=D&region=R&lat=X&lon=Y&radius_km=K\n"
    "                           &after=YYYY-MM-DD&limit=N]  trainings leading to a job\n"
    "  GET  /v1/health          version, model, catalogue, uptime\n"
    "  GET  /v1/openapi.json    OpenAPI 3 description of the API\n"
    "  GET  /                   the web page\n"
    "\n"
    "Options:\n"
    "  -p, --port N          TCP port (default 8080; 0 picks a free one, printed)\n"
    "  -b, --bind ADDR       address to listen on (default 127.0.0.1; IPv4 or IPv6)\n"
    "  -t, --threads N       worker threads, each with its own workspace\n"
    "                        (default: number of CPUs)\n"
    "  -m, --model FILE      compiled model (default: $JALON_MODEL, build dir, datadir)\n"
    "      --catalogue FILE  training catalogue (default: $JALON_CATALOGUE, build dir,\n"
    "                        datadir; none found: no trainings, /v1/trainings answers 404)\n"
    "      --no-trainings    no catalogue: diagnoses carry no \"trainings\"\n"
    "      --timeout S       seconds a client may stay idle, and may take to send a\n"
    "                        whole request body (default 10)\n"
    "      --max-batch N     requests in one batch, 1..1000 (default 100)\n"
    "      --web DIR         folder of index.html, app.js, style.css\n"
    "      --openapi FILE    OpenAPI document served at /v1/openapi.json\n"
    "  -q, --quiet           no access log on stderr\n"
    "  -h, --help            show this help\n"
    "\n"
    "The access log (stderr) has one line per request: time, method, path, status,\n"
    "response bytes, milliseconds. Request bodies are never logged.\n"
    "SIGTERM or SIGINT stops the server after the requests under way (5 s at most).\n"
    "Exit status: 0 stopped by a signal, 1 runtime error, 2 usage error.\n";

enum { OPT_TIMEOUT = 256, OPT_MAX_BATCH, OPT_WEB, OPT_OPENAPI, OPT_CATALOGUE, OPT_NO_TRAININGS };

/* Reads a whole small file; 0, or -1 with errno. */
static int read_file(const char *path, char **out, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  char *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n + 65536 > cap) {
      cap = cap ? cap * 2 : 65536;
      if (cap > 16u * 1024u * 1024u) {
        errno = EFBIG;
        break;
      }
      char *p = realloc(buf, cap);
      if (!p) break;
      buf = p;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) {
      if (ferror(f)) break;
      fclose(f);
      *out = buf;
      *len = n;
      return 0;
    }
  }
  int saved = errno;
  free(buf);
  fclose(f);
  errno = saved;
  return -1;
}

static void load_files(srv *s, const char *web_dir, const char *openapi) {
  static const srv_file defs[SRV_FILE_COUNT] = {
      [SRV_FILE_INDEX] = {"/", "index.html", "text/html; charset=utf-8", NULL, 0},
      [SRV_FILE_APP] = {"/app.js", "app.js", "text/javascript; charset=utf-8", NULL, 0},
      [SRV_FILE_STYLE] = {"/style.css", "style.css", "text/css; charset=utf-8", NULL, 0},
      [SRV_FILE_OPENAPI] = {"/v1/openapi.json", NULL, "application/json; charset=utf-8", NULL,
                            0},
  };
  for (int i = 0; i < SRV_FILE_COUNT; i++) {
    s->files[i] = defs[i];
    char path[4096];
    if (i == SRV_FILE_OPENAPI)
      snprintf(path, sizeof path, "%s", openapi);
    else
      snprintf(path, sizeof path, "%s/%s", web_dir, defs[i].name);
    if (read_file(path, &s->files[i].data, &s->files[i].len) != 0)
      fprintf(stderr, "jalon serve: warning: %s not served (%s: %s)\n", defs[i].route, path,
              strerror(errno));
  }
}

static void free_files(srv *s) {
  for (int i = 0; i < SRV_FILE_COUNT; i++) free(s->files[i].data);
}

/* MHD's own messages (a socket error, a connection refused for lack of
 * memory): they never hold request bodies. */
static void mhd_log(void *cls, const char *fmt, va_list ap) {
  const srv *s = cls;
  if (s->quiet) return;
  char line[512];
  vsnprintf(line, sizeof line, fmt, ap);
  size_t n = strlen(line);
  while (n && line[n - 1] == '\n') line[--n] = '\0';
  fprintf(stderr, "jalon serve: mhd: %s\n", line);
}

static int parse_bind(const char *addr, unsigned port, struct sockaddr_storage *ss, int *v6) {
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    *v6 = 0;
    return 0;
  }
  /* "[::1]" as in a URL, or "::1". */
  char buf[64];
  size_t n = strlen(addr);
  if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']' && n - 2 < sizeof buf) {
    memcpy(buf, addr + 1, n - 2);
    buf[n - 2] = '\0';
    addr = buf;
  }
  if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    *v6 = 1;
    return 0;
  }
  return -1;
}

/* Waits for the requests under way to finish, at most `grace` seconds;
 * idle keep-alive connections do not count. */
static void drain(srv *s, double grace) {
  double end = cli_now() + grace;
  while (atomic_load(&s->in_flight) > 0 && cli_now() < end) {
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
}

int cli_serve(int argc, char **argv) {
  static const struct option LONG[] = {
      {"port", required_argument, NULL, 'p'},
      {"bind", required_argument, NULL, 'b'},
      {"threads", required_argument, NULL, 't'},
      {"model", required_argument, NULL, 'm'},
      {"timeout", required_argument, NULL, OPT_TIMEOUT},
      {"max-batch", required_argument, NULL, OPT_MAX_BATCH},
      {"web", required_argument, NULL, OPT_WEB},
      {"openapi", required_argument, NULL, OPT_OPENAPI},
      {"catalogue", required_argument, NULL, OPT_CATALOGUE},
      {"no-trainings", no_argument, NULL, OPT_NO_TRAININGS},
      {"quiet", no_argument, NULL, 'q'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  unsigned port = 8080, threads = cli_default_jobs(), timeout_s = SRV_DEFAULT_TIMEOUT_S;
  unsigned max_batch = SRV_DEFAULT_MAX_BATCH;
  const char *bind_addr = "127.0.0.1", *model_path = NULL, *catalogue_path = NULL;
  const char *web_dir = JALON_SERVER_WEB_DIR, *openapi = JALON_SERVER_OPENAPI;
  int quiet = 0, no_trainings = 0, c;
  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":p:b:t:m:qh", LONG, NULL)) != -1) {
    switch (c) {
    case 'p':
      if (cli_parse_uint(optarg, 0, 65535, &port))
        return cli_usage("serve", "port invalide : « %s » (0 à 65535).", optarg);
      break;
    case 'b': bind_addr = optarg; break;
    case 't':
      if (cli_parse_uint(optarg, 1, SRV_MAX_THREADS, &threads))
        return cli_usage("serve", "nombre de threads invalide : « %s » (1 à %u).", optarg,
                         SRV_MAX_THREADS);
      break;
    case 'm': model_path = optarg; break;
    case OPT_TIMEOUT:
      if (cli_parse_uint(optarg, 1, 3600, &timeout_s))
        return cli_usage("serve", "délai invalide : « %s » (1 à 3600 secondes).", optarg);
      break;
    case OPT_MAX_BATCH:
      if (cli_parse_uint(optarg, 1, SRV_HARD_MAX_BATCH, &max_batch))
        return cli_usage("serve", "taille de lot invalide : « %s » (1 à %u).", optarg,
                         SRV_HARD_MAX_BATCH);
      break;
    case OPT_WEB: web_dir = optarg; break;
    case OPT_OPENAPI: openapi = optarg; break;
    case OPT_CATALOGUE: catalogue_path = optarg; break;
    case OPT_NO_TRAININGS: no_trainings = 1; break;
    case 'q': quiet = 1; break;
    case 'h': fputs(USAGE, stdout); return CLI_OK;
    default: return cli_bad_option("serve", c, optopt, argv[optind - 1]);
    }
  }
  if (optind < argc) return cli_usage("serve", "argument en trop : « %s ».", argv[optind]);

  struct sockaddr_storage ss;
  int v6 = 0;
  if (parse_bind(bind_addr, port, &ss, &v6) != 0)
    return cli_usage("serve", "adresse invalide : « %s » (une adresse IP, pas un nom).",
                     bind_addr);

  static srv s; /* the daemon's threads read it until MHD_stop_daemon returns */
  memset(&s, 0, sizeof s);
  s.threads = threads;
  s.timeout_s = timeout_s;
  s.max_batch = max_batch;
  s.max_body = JJ_MAX_REQUEST_BYTES;
  s.max_batch_body = SRV_DEFAULT_BATCH_BYTES;
  s.quiet = quiet;
  atomic_init(&s.in_flight, 0);
  atomic_init(&s.served, 0);
  if (cli_open_model(&s.model, model_path) != 0) return CLI_FAIL;
  /* A catalogue named with --catalogue must open; the default search finding
   * none is not an error: the server then answers without trainings. */
  if (cli_pick_catalogue(&s.catalogue, catalogue_path, no_trainings) != 0) {
    jalon_model_free(s.model);
    return CLI_FAIL;
  }
  if (pthread_key_create(&s.ws_key, srv_workspace_free) != 0) {
    cli_fail("Le serveur ne démarre pas.", "pthread_key_create failed");
    jalon_catalogue_free(s.catalogue);
    jalon_model_free(s.model);
    return CLI_FAIL;
  }
  load_files(&s, web_dir, openapi);

  /* The stop signals are taken by sigwait below, never by a handler: they
   * are blocked before the pool threads start, which inherit the mask. */
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  signal(SIGPIPE, SIG_IGN);

  s.started = cli_now();
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC |
                   MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
  struct MHD_Daemon *d = MHD_start_daemon(
      flags, (uint16_t)port, NULL, NULL, srv_handle, &s,
      MHD_OPTION_EXTERNAL_LOGGER, mhd_log, &s,
      MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
      MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads,
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)timeout_s,
      MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1024,
      MHD_OPTION_NOTIFY_COMPLETED, srv_completed, &s,
      MHD_OPTION_END);
  int rc = CLI_FAIL;
  if (!d) {
    cli_fail("Le serveur ne démarre pas (le port est-il déjà pris ?).",
             "MHD_start_daemon failed on %s port %u", bind_addr, port);
    goto done;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  unsigned bound = info ? info->port : port;
  char cat_note[96] = ", no training catalogue";
  if (s.catalogue)
    snprintf(cat_note, sizeof cat_note, ", catalogue %s: %zu certifications",
             jalon_catalogue_checksum(s.catalogue), jalon_catalogue_certification_count(s.catalogue));
  fprintf(stderr, "jalon serve: listening on http://%s%s%s:%u/ (%u threads, model ROME %s %s%s)\n",
          v6 ? "[" : "", bind_addr, v6 ? "]" : "", bound, threads,
          jalon_model_rome_version(s.model), jalon_model_checksum(s.model), cat_note);

  int sig = 0;
  while (sigwait(&stop, &sig) != 0) {
  }
  fprintf(stderr, "jalon serve: %s received, stopping\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  /* Stop accepting, let the requests under way end, then close the rest. */
  MHD_socket listener = MHD_quiesce_daemon(d);
  drain(&s, 5.0);
  MHD_stop_daemon(d); /* joins the pool threads: their workspaces are freed */
  if (listener != MHD_INVALID_SOCKET) close(listener); /* quiesce handed it to us */
  fprintf(stderr, "jalon serve: stopped after %lu requests\n",
          (unsigned long)atomic_load(&s.served));
  rc = CLI_OK;
done:
  free_files(&s);
  pthread_key_delete(s.ws_key);
  /* After MHD_stop_daemon: the workspaces that borrowed the catalogue are
   * gone with their threads (on a failed start none was made). */
  jalon_catalogue_free(s.catalogue);
  jalon_model_free(s.model);
  return rc;
}
