/* The request handler of `jalon serve`: routing, body collection under limits,
 * the endpoints, JSON errors, and the access log (never a request body). */
#include <ctype.h>
#include <math.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/json.h"
#include "server.h"

enum route {
  R_NONE,
  R_DIAGNOSE,
  R_BATCH,
  R_ROME,
  R_TRAININGS,
  R_HEALTH,
  R_FILE, /* web page and OpenAPI document */
};

/* Per-request state, kept in MHD's con_cls from the first call of the
 * handler to the completion callback. */
typedef struct req {
  enum route route;
  int file;              /* index in srv.files for R_FILE */
  double started;        /* monotonic seconds, for the deadline and the log */
  char method[8];
  char path[128];        /* for the log: clipped, control bytes replaced */
  char *body;
  size_t len, cap, limit;
  int too_big;           /* more than limit bytes came; they were dropped */
  int timed_out;         /* the body came too slowly; it is being dropped */
  unsigned status;       /* status queued, for the log */
  size_t bytes;          /* response body bytes, for the log */
} req;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void srv_workspace_free(void *ws) { jalon_workspace_free(ws); }

/* This pool thread's workspace, made on its first request: each of the N
 * threads owns one for its whole life, and the key's destructor frees it
 * when MHD joins the thread at shutdown. NULL if it cannot be made. */
static jalon_workspace *thread_workspace(srv *s) {
  jalon_workspace *ws = pthread_getspecific(s->ws_key);
  if (ws) return ws;
  if (jalon_workspace_new(&ws, s->model, NULL) != 0) return NULL;
  /* Every worker recommends from the one shared catalogue (read-only, it
   * outlives the pool: serve.c frees it after MHD_stop_daemon). */
  if (s->catalogue && jalon_workspace_set_catalogue(ws, s->catalogue) != 0) {
    jalon_workspace_free(ws);
    return NULL;
  }
  if (pthread_setspecific(s->ws_key, ws) != 0) {
    jalon_workspace_free(ws);
    return NULL;
  }
  return ws;
}

/* ---- responses ---- */

static enum MHD_Result send_buffer(struct MHD_Connection *c, req *r, unsigned status, char *buf,
                                   size_t len, int owned, const char *content_type,
                                   int close_after) {
  struct MHD_Response *resp =
      owned ? MHD_create_response_from_buffer_with_free_callback(len, buf, free)
            : MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_PERSISTENT);
  if (!resp) {
    if (owned) free(buf);
    return MHD_NO;
  }
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  /* Responses hold what a person wrote about themselves: no cache keeps them. */
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
                          r->route == R_FILE && status == 200 ? "no-cache" : "no-store");
  if (r->route == R_FILE && status == 200)
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
  if (status == MHD_HTTP_METHOD_NOT_ALLOWED) {
    const char *allow = r->route == R_DIAGNOSE || r->route == R_BATCH ? "POST" : "GET, HEAD";
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
  }
  if (close_after) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
  r->status = status;
  r->bytes = len;
  enum MHD_Result ok = MHD_queue_response(c, status, resp);
  MHD_destroy_response(resp);
  return ok;
}

static enum MHD_Result send_json(struct MHD_Connection *c, req *r, unsigned status, char *json,
                                 int close_after) {
  return send_buffer(c, r, status, json, strlen(json), 1, "application/json; charset=utf-8",
                     close_after);
}

/* Copies a string into JSON, escaped: model strings are ours, but a strange
 * ROME version must not break the document, and error messages may quote
 * a parameter name. */
static void put_json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (; s && *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\')
      fprintf(f, "\\%c", ch);
    else if (ch < 0x20)
      fprintf(f, "\\u%04x", ch);
    else
      fputc(ch, f);
  }
  fputc('"', f);
}

/* The library's error shape, {"id": null, "error": {"code", "message",
 * "message_fr"}}, for errors the server finds itself. The arguments are
 * strings of this file, never request bytes; they are escaped all the same. */
static enum MHD_Result send_error(struct MHD_Connection *c, req *r, unsigned status,
                                  const char *code, const char *message, const char *message_fr,
                                  int close_after) {
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  if (!f) return MHD_NO;
  fputs("{\"id\":null,\"error\":{\"code\":", f);
  put_json_string(f, code);
  fputs(",\"message\":", f);
  put_json_string(f, message);
  fputs(",\"message_fr\":", f);
  put_json_string(f, message_fr);
  fputs("}}", f);
  if (fclose(f) != 0) {
    free(buf);
    return MHD_NO;
  }
  return send_json(c, r, status, buf, close_after);
}

static enum MHD_Result send_too_large(struct MHD_Connection *c, req *r, int close_after) {
  return send_error(c, r, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
                    "request body over the size limit",
                    "Le texte envoyé est trop long. Raccourcissez-le.", close_after);
}

/* HTTP status of a library status returned by jalon_diagnose_json or
 * jalon_model_fiche_json: a refused request is the client's (400), running
 * out of memory is temporary (503), anything else is ours (500). */
static unsigned http_status(int rc) {
  switch (rc) {
  case JALON_OK: return MHD_HTTP_OK;
  case JALON_EINVAL:
  case JALON_EUTF8:
  case JALON_ETOOBIG:
  case JALON_EEMPTY:
  case JALON_EJSON:
  case JALON_ENOTFOUND: return MHD_HTTP_BAD_REQUEST;
  case JALON_ENOMEM: return MHD_HTTP_SERVICE_UNAVAILABLE;
  default: return MHD_HTTP_INTERNAL_SERVER_ERROR;
  }
}

/* ---- endpoints ---- */

static enum MHD_Result do_diagnose(struct MHD_Connection *c, srv *s, req *r) {
  jalon_workspace *ws = thread_workspace(s);
  if (!ws)
    return send_error(c, r, MHD_HTTP_SERVICE_UNAVAILABLE, "out_of_memory",
                      "no workspace for this thread", "Le service est saturé. Réessayez.", 0);
  char *out = NULL;
  int rc = jalon_diagnose_json(&out, ws, r->body ? r->body : "", r->len, NULL);
  if (!out)
    return send_error(c, r, MHD_HTTP_SERVICE_UNAVAILABLE, "out_of_memory", "out of memory",
                      "Le service est saturé. Réessayez.", 0);
  return send_json(c, r, http_status(rc), out, 0);
}

static enum MHD_Result do_batch(struct MHD_Connection *c, srv *s, req *r) {
  jalon_workspace *ws = thread_workspace(s);
  srv_span *items = calloc(s->max_batch ? s->max_batch : 1, sizeof *items);
  if (!ws || !items) {
    free(items);
    return send_error(c, r, MHD_HTTP_SERVICE_UNAVAILABLE, "out_of_memory",
                      "no workspace for this thread", "Le service est saturé. Réessayez.", 0);
  }
  size_t count = 0;
  const char *why = NULL;
  int split = srv_split_batch(r->body ? r->body : "", r->len, items, s->max_batch, &count, &why);
  if (split == SRV_BATCH_TOO_MANY) {
    free(items);
    return send_error(c, r, MHD_HTTP_CONTENT_TOO_LARGE, "batch_too_large",
                      "more requests in the batch than the server accepts",
                      "Trop de demandes à la fois. Envoyez-les en plusieurs fois.", 0);
  }
  if (split != SRV_BATCH_OK) {
    free(items);
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f) return MHD_NO;
    fprintf(f,
            "{\"id\":null,\"error\":{\"code\":\"invalid_json\",\"message\":\"%s\","
            "\"message_fr\":\"La demande est mal écrite.\"}}",
            why);
    if (fclose(f) != 0) {
      free(buf);
      return MHD_NO;
    }
    return send_json(c, r, MHD_HTTP_BAD_REQUEST, buf, 0);
  }
  /* One response per request, in order; a bad request gets its error object
   * in its place and the batch still answers 200. */
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  int failed = !f;
  if (f) fputc('[', f);
  for (size_t i = 0; i < count && !failed; i++) {
    char *out = NULL;
    jalon_diagnose_json(&out, ws, items[i].p, items[i].n, NULL);
    if (!out) {
      failed = 1;
      break;
    }
    if (i) fputc(',', f);
    fputs(out, f);
    jalon_free(out);
  }
  free(items);
  if (f) {
    fputc(']', f);
    if (fclose(f) != 0) failed = 1;
  }
  if (failed) {
    free(buf);
    return send_error(c, r, MHD_HTTP_SERVICE_UNAVAILABLE, "out_of_memory", "out of memory",
                      "Le service est saturé. Réessayez.", 0);
  }
  return send_json(c, r, MHD_HTTP_OK, buf, 0);
}

/* Copies a ROME code upper-cased into code (SRV_MAX_ROME_CODE + 1 bytes);
 * 0, or -1 when it cannot be a code (empty, too long, not ASCII letters and
 * digits): such a code is unknown, not malformed, for the caller. */
static int rome_code(const char *in, char *code) {
  size_t n = strlen(in);
  if (n == 0 || n > SRV_MAX_ROME_CODE) return -1;
  for (size_t i = 0; i < n; i++) {
    char ch = in[i];
    if (ch >= 'a' && ch <= 'z') ch = (char)(ch - 'a' + 'A');
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))) return -1;
    code[i] = ch;
  }
  code[n] = '\0';
  return 0;
}

static enum MHD_Result do_rome(struct MHD_Connection *c, srv *s, req *r, const char *code_in) {
  char code[SRV_MAX_ROME_CODE + 1];
  int ok = rome_code(code_in, code) == 0;
  char *out = NULL;
  int rc = ok ? jalon_model_fiche_json(&out, s->model, code, NULL) : JALON_ENOTFOUND;
  if (rc == JALON_ENOTFOUND || (rc == JALON_EINVAL && !out)) {
    jalon_free(out);
    return send_error(c, r, MHD_HTTP_NOT_FOUND, "not_found", "no ROME fiche with this code",
                      "Ce code métier n'existe pas.", 0);
  }
  if (rc != 0 || !out) {
    jalon_free(out);
    return send_error(c, r, http_status(rc == 0 ? JALON_ENOMEM : rc), jj_status_code_name(rc),
                      "the fiche could not be written", "Une erreur est survenue. Réessayez.", 0);
  }
  return send_json(c, r, MHD_HTTP_OK, out, 0);
}

/* ---- GET /v1/trainings ---- */

/* The query parameters of /v1/trainings, URL-decoded by libmicrohttpd. The
 * strings belong to the connection and live as long as the request. */
enum { TP_ROME, TP_DEPARTMENT, TP_REGION, TP_LAT, TP_LON, TP_RADIUS, TP_AFTER, TP_LIMIT, TP_COUNT };
static const char *const TP_NAMES[TP_COUNT] = {"rome", "department", "region", "lat",
                                               "lon",  "radius_km",  "after",  "limit"};

typedef struct tparams {
  const char *v[TP_COUNT];
  int bad; /* index + 1 of a parameter given twice or with no value */
} tparams;

static int tp_index(const char *key) {
  for (int i = 0; i < TP_COUNT; i++)
    if (strcmp(key, TP_NAMES[i]) == 0) return i;
  return -1;
}

/* MHD_get_connection_values callback. Unknown parameters are ignored, as
 * unknown fields of a JSON request are; a known one given twice is refused
 * rather than one of them silently chosen, and so is "lat=" or a bare "lat". */
static enum MHD_Result collect_param(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value) {
  (void)kind;
  tparams *p = cls;
  int i = key ? tp_index(key) : -1;
  if (i < 0 || p->bad) return MHD_YES;
  if (p->v[i] || !value || !*value)
    p->bad = i + 1;
  else
    p->v[i] = value;
  return MHD_YES;
}

/* A decimal number written plainly ("43.3", "-1.5", "30"), in [min, max]:
 * strtod alone would also take "nan", "inf", hex and leading blanks. */
static int parse_number(const char *s, double min, double max, double *out) {
  size_t n = strlen(s);
  if (n == 0 || n > SRV_MAX_PARAM) return -1;
  for (size_t i = 0; i < n; i++)
    if (!isdigit((unsigned char)s[i]) && !strchr("+-.eE", s[i])) return -1;
  char *end = NULL;
  double v = strtod(s, &end);
  if (!end || *end || !isfinite(v) || v < min || v > max) return -1;
  *out = v;
  return 0;
}

/* "YYYY-MM-DD", a day that exists: checked here so a bad date gets its own
 * message rather than the library's generic refusal. */
static int valid_date(const char *s) {
  if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') return 0;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !isdigit((unsigned char)s[i])) return 0;
  int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
  static const int days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1900 || m < 1 || m > 12 || d < 1 || d > days[m - 1]) return 0;
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

/* Département codes as INSEE writes them: "13", "2A", "974". Upper-cased
 * into out (4 bytes) because the catalogue compares them as written. */
static int department_code(const char *in, char *out) {
  size_t n = strlen(in);
  if (n < 2 || n > 3) return -1;
  for (size_t i = 0; i < n; i++) out[i] = (char)toupper((unsigned char)in[i]);
  out[n] = '\0';
  if (strcmp(out, "2A") == 0 || strcmp(out, "2B") == 0) return 0;
  for (size_t i = 0; i < n; i++)
    if (!isdigit((unsigned char)out[i])) return -1;
  return 0;
}

static int region_code(const char *in) {
  return strlen(in) == 2 && isdigit((unsigned char)in[0]) && isdigit((unsigned char)in[1]) ? 0 : -1;
}

static enum MHD_Result bad_param(struct MHD_Connection *c, req *r, const char *message,
                                 const char *message_fr) {
  return send_error(c, r, MHD_HTTP_BAD_REQUEST, "invalid_argument", message, message_fr, 0);
}

static enum MHD_Result do_trainings(struct MHD_Connection *c, srv *s, req *r) {
  if (!s->catalogue)
    return send_error(c, r, MHD_HTTP_NOT_FOUND, "not_found",
                      "this server has no training catalogue",
                      "Les formations ne sont pas disponibles sur ce service.", 0);
  tparams p = {{NULL}, 0};
  MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_param, &p);
  if (p.bad) {
    char msg[96];
    snprintf(msg, sizeof msg, "parameter \"%s\" is given twice or without a value",
             TP_NAMES[p.bad - 1]);
    return bad_param(c, r, msg, "La demande est mal écrite : un paramètre est vide ou répété.");
  }
  if (!p.v[TP_ROME])
    return bad_param(c, r, "parameter \"rome\" is required",
                     "Précisez le code du métier visé (paramètre rome).");

  jalon_place place = {NULL, NULL, 0, 0, 0, 0};
  int given = 0;
  char dept[4];
  if (p.v[TP_DEPARTMENT]) {
    if (department_code(p.v[TP_DEPARTMENT], dept) != 0)
      return bad_param(c, r, "\"department\" must be a département code: 13, 2A, 974",
                       "Le département n'est pas valide (par exemple 13, 2A ou 974).");
    place.department = dept;
    given = 1;
  }
  if (p.v[TP_REGION]) {
    if (region_code(p.v[TP_REGION]) != 0)
      return bad_param(c, r, "\"region\" must be an INSEE region code of two digits: 93",
                       "La région n'est pas valide (un code à deux chiffres, par exemple 93).");
    place.region = p.v[TP_REGION];
    given = 1;
  }
  if (!p.v[TP_LAT] != !p.v[TP_LON])
    return bad_param(c, r, "\"lat\" and \"lon\" must be given together",
                     "Donnez la latitude et la longitude ensemble.");
  if (p.v[TP_LAT]) {
    if (parse_number(p.v[TP_LAT], -90, 90, &place.lat) != 0)
      return bad_param(c, r, "\"lat\" must be a number from -90 to 90",
                       "La latitude n'est pas valide.");
    if (parse_number(p.v[TP_LON], -180, 180, &place.lon) != 0)
      return bad_param(c, r, "\"lon\" must be a number from -180 to 180",
                       "La longitude n'est pas valide.");
    place.has_coords = 1;
    given = 1;
  }
  if (p.v[TP_RADIUS]) {
    /* Same bounds as place.radius_km in a diagnose request; without lat and
     * lon it is accepted and unused, as there. */
    if (parse_number(p.v[TP_RADIUS], 0, 20000, &place.radius_km) != 0 || place.radius_km <= 0)
      return bad_param(c, r, "\"radius_km\" must be a number of kilometres above 0, at most 20000",
                       "La distance n'est pas valide.");
    given = 1;
  }
  if (p.v[TP_AFTER] && !valid_date(p.v[TP_AFTER]))
    return bad_param(c, r, "\"after\" must be a date written YYYY-MM-DD",
                     "La date n'est pas valide (écrivez-la AAAA-MM-JJ, par exemple 2026-12-01).");
  unsigned limit = 0;
  if (p.v[TP_LIMIT]) {
    double v = 0;
    if (parse_number(p.v[TP_LIMIT], 1, JALON_MAX_TRAININGS, &v) != 0 || v != floor(v))
      return bad_param(c, r, "\"limit\" must be a whole number from 1 to 50",
                       "Le nombre de formations demandé n'est pas valide (de 1 à 50).");
    limit = (unsigned)v;
  }
  /* A code that cannot be one is unknown, as on /v1/rome/{code}. */
  char code[SRV_MAX_ROME_CODE + 1];
  int rc = rome_code(p.v[TP_ROME], code) == 0 ? JALON_OK : JALON_ENOTFOUND;
  char *out = NULL;
  if (rc == JALON_OK)
    rc = jalon_catalogue_lookup_json(&out, s->catalogue, s->model, code, given ? &place : NULL,
                                     p.v[TP_AFTER], limit, NULL);
  if (rc == JALON_ENOTFOUND) {
    jalon_free(out);
    return send_error(c, r, MHD_HTTP_NOT_FOUND, "not_found", "no ROME fiche with this code",
                      "Ce code métier n'existe pas.", 0);
  }
  if (rc != 0 || !out) {
    jalon_free(out);
    /* Every parameter was checked above: a refusal now is ours to explain. */
    return send_error(c, r, rc == JALON_EINVAL ? MHD_HTTP_BAD_REQUEST : http_status(rc == 0 ? JALON_ENOMEM : rc),
                      jj_status_code_name(rc == 0 ? JALON_ENOMEM : rc),
                      "the trainings could not be listed", "Une erreur est survenue. Réessayez.", 0);
  }
  /* send_json frees with free(): jalon_free is free(), as for diagnoses. */
  return send_json(c, r, MHD_HTTP_OK, out, 0);
}

static enum MHD_Result do_health(struct MHD_Connection *c, srv *s, req *r) {
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  if (!f) return MHD_NO;
  fputs("{\"status\":\"ok\",\"jalon\":", f);
  put_json_string(f, jalon_version());
  fputs(",\"model\":{\"rome\":", f);
  put_json_string(f, jalon_model_rome_version(s->model));
  fputs(",\"checksum\":", f);
  put_json_string(f, jalon_model_checksum(s->model));
  fprintf(f, ",\"fiches\":%zu}", jalon_model_fiche_count(s->model));
  /* Only when one is loaded: a client tells "no trainings here" by its absence,
   * as a diagnosis without a catalogue has no "trainings" key. */
  if (s->catalogue) {
    fputs(",\"catalogue\":{\"checksum\":", f);
    put_json_string(f, jalon_catalogue_checksum(s->catalogue));
    fprintf(f, ",\"certifications\":%zu,\"sessions\":%zu}",
            jalon_catalogue_certification_count(s->catalogue),
            jalon_catalogue_session_count(s->catalogue));
  }
  fprintf(f, ",\"uptime_s\":%.0f,\"threads\":%u,\"served\":%lu}", now_s() - s->started,
          s->threads, (unsigned long)atomic_load(&s->served));
  if (fclose(f) != 0) {
    free(buf);
    return MHD_NO;
  }
  return send_json(c, r, MHD_HTTP_OK, buf, 0);
}

static enum MHD_Result do_file(struct MHD_Connection *c, srv *s, req *r) {
  const srv_file *fl = &s->files[r->file];
  if (!fl->data)
    return send_error(c, r, MHD_HTTP_NOT_FOUND, "not_found", "file not installed",
                      "Cette page n'existe pas.", 0);
  return send_buffer(c, r, MHD_HTTP_OK, fl->data, fl->len, 0, fl->content_type, 0);
}

/* ---- routing ---- */

/* Finds the route of a path; *get is set when the route answers GET/HEAD,
 * cleared when it answers POST. R_NONE: unknown path. */
static enum route find_route(const srv *s, const char *url, int *get, int *file,
                             const char **rome_code) {
  *get = 1;
  if (strcmp(url, "/v1/diagnose") == 0) {
    *get = 0;
    return R_DIAGNOSE;
  }
  if (strcmp(url, "/v1/diagnose/batch") == 0) {
    *get = 0;
    return R_BATCH;
  }
  if (strcmp(url, "/v1/health") == 0) return R_HEALTH;
  if (strcmp(url, "/v1/trainings") == 0) return R_TRAININGS;
  if (strncmp(url, "/v1/rome/", 9) == 0 && url[9] && !strchr(url + 9, '/')) {
    *rome_code = url + 9;
    return R_ROME;
  }
  for (int i = 0; i < SRV_FILE_COUNT; i++)
    if (strcmp(url, s->files[i].route) == 0 ||
        (i == SRV_FILE_INDEX && strcmp(url, "/index.html") == 0)) {
      *file = i;
      return R_FILE;
    }
  return R_NONE;
}

static void clip_path(char *dst, size_t cap, const char *url) {
  size_t i = 0;
  for (; url[i] && i + 1 < cap; i++) {
    unsigned char ch = (unsigned char)url[i];
    dst[i] = ch < 0x20 || ch == 0x7f || ch == ' ' ? '?' : (char)ch;
  }
  dst[i] = '\0';
}

static enum MHD_Result first_call(srv *s, struct MHD_Connection *c, const char *url,
                                  const char *method, void **con_cls) {
  req *r = calloc(1, sizeof *r);
  if (!r) return MHD_NO;
  *con_cls = r;
  atomic_fetch_add(&s->in_flight, 1);
  r->started = now_s();
  snprintf(r->method, sizeof r->method, "%s", method);
  clip_path(r->path, sizeof r->path, url);

  int get = 1, file = 0;
  const char *code = NULL;
  r->route = find_route(s, url, &get, &file, &code);
  r->file = file;
  if (r->route == R_NONE)
    return send_error(c, r, MHD_HTTP_NOT_FOUND, "not_found", "no such route",
                      "Cette page n'existe pas.", 0);
  int is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
  int is_post = strcmp(method, "POST") == 0;
  if ((get && !is_get) || (!get && !is_post))
    return send_error(c, r, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                      "method not allowed on this route", "Cette action n'est pas permise ici.",
                      0);
  switch (r->route) {
  case R_HEALTH: return do_health(c, s, r);
  case R_ROME: return do_rome(c, s, r, code);
  case R_TRAININGS: return do_trainings(c, s, r);
  case R_FILE: return do_file(c, s, r);
  default: break;
  }
  /* A POST: refuse an announced oversized body before reading a byte of it;
   * the connection is closed after the answer since the body stays unread. */
  r->limit = r->route == R_BATCH ? s->max_batch_body : s->max_body;
  const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
  if (cl) {
    char *end = NULL;
    unsigned long long v = strtoull(cl, &end, 10);
    if (end != cl && v > r->limit) return send_too_large(c, r, 1);
  }
  return MHD_YES;
}

enum MHD_Result srv_handle(void *cls, struct MHD_Connection *c, const char *url,
                           const char *method, const char *version, const char *upload_data,
                           size_t *upload_data_size, void **con_cls) {
  (void)version;
  srv *s = cls;
  req *r = *con_cls;
  if (!r) return first_call(s, c, url, method, con_cls);

  if (*upload_data_size) {
    size_t n = *upload_data_size;
    *upload_data_size = 0;
    /* A whole-body deadline: MHD's idle timeout alone never ends a client
     * that sends one byte every few seconds. MHD 0.9 cannot queue an answer
     * in the middle of a body, so a late body is read to its end and
     * dropped, then answered 408 (below); one still coming at four times
     * the deadline (an endless chunked trickle) loses its connection. */
    double late = now_s() - r->started - (double)s->timeout_s;
    if (late > 3.0 * (double)s->timeout_s) {
      r->status = MHD_HTTP_REQUEST_TIMEOUT;
      return MHD_NO;
    }
    if (late > 0 && !r->timed_out) {
      r->timed_out = 1;
      free(r->body);
      r->body = NULL;
      r->len = r->cap = 0;
    }
    if (r->timed_out) return MHD_YES;
    if (r->too_big || n > r->limit - r->len) {
      r->too_big = 1; /* keep reading to the end, keep nothing */
      free(r->body);
      r->body = NULL;
      r->len = r->cap = 0;
      return MHD_YES;
    }
    if (r->len + n + 1 > r->cap) {
      size_t cap = r->cap ? r->cap : 4096;
      while (cap < r->len + n + 1) cap *= 2;
      char *p = realloc(r->body, cap);
      if (!p) return MHD_NO;
      r->body = p;
      r->cap = cap;
    }
    memcpy(r->body + r->len, upload_data, n);
    r->len += n;
    r->body[r->len] = '\0';
    return MHD_YES;
  }

  /* The whole body is in. */
  if (r->status) return MHD_YES; /* answered already */
  if (r->too_big) return send_too_large(c, r, 1);
  if (r->timed_out || now_s() - r->started > (double)s->timeout_s)
    return send_error(c, r, MHD_HTTP_REQUEST_TIMEOUT, "timeout",
                      "the request body took too long to arrive",
                      "La demande a mis trop de temps à arriver. Réessayez.", 1);
  return r->route == R_BATCH ? do_batch(c, s, r) : do_diagnose(c, s, r);
}

/* Access log: one line per request, never a body or a query string (MHD
 * hands the handler the path alone; the query may say where someone lives). */
void srv_completed(void *cls, struct MHD_Connection *c, void **con_cls, int toe) {
  (void)c;
  srv *s = cls;
  req *r = *con_cls;
  if (!r) return;
  *con_cls = NULL;
  double ms = (now_s() - r->started) * 1000.0;
  atomic_fetch_add(&s->served, 1);
  if (!s->quiet) {
    char when[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    const char *end = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? ""
                      : toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? " (timeout)"
                                                                       : " (aborted)";
    /* One write per line, so lines of the pool threads do not interleave. */
    char line[320];
    int n = snprintf(line, sizeof line, "%s %s %s %u %zu %.2fms%s\n", when, r->method, r->path,
                     r->status, r->bytes, ms, end);
    if (n > 0) fwrite(line, 1, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1, stderr);
  }
  free(r->body);
  free(r);
  atomic_fetch_sub(&s->in_flight, 1);
}
