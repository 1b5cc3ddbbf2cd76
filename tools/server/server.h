/* `jalon serve`: the HTTP/1.1 JSON API on libmicrohttpd. Shared pieces of the
 * server: its configuration and state, the request handler, the batch splitter. */
#ifndef JALON_TOOLS_SERVER_H
#define JALON_TOOLS_SERVER_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "jalon/jalon.h"
#include "serve.h"

/* Limits. One request carries one text plus a few small fields, so the
 * body limit of POST /v1/diagnose is the library's own request limit
 * (JJ_MAX_REQUEST_BYTES, 256 KiB); a batch is bounded by item count and by
 * its own body limit. */
#define SRV_DEFAULT_MAX_BATCH 100u
#define SRV_HARD_MAX_BATCH 1000u
#define SRV_DEFAULT_BATCH_BYTES (4u * 1024u * 1024u)
#define SRV_DEFAULT_TIMEOUT_S 10u
#define SRV_MAX_THREADS 64u
#define SRV_MAX_ROME_CODE 16u
/* Query parameters of GET /v1/trainings: longer values are refused, not cut. */
#define SRV_MAX_PARAM 32u

/* A file served as is (the web page, the OpenAPI document), read once at start. */
typedef struct srv_file {
  const char *route;        /* "/", "/app.js", "/v1/openapi.json" */
  const char *name;         /* file name inside its folder */
  const char *content_type;
  char *data;               /* NULL when the file could not be read */
  size_t len;
} srv_file;

enum { SRV_FILE_INDEX, SRV_FILE_APP, SRV_FILE_STYLE, SRV_FILE_OPENAPI, SRV_FILE_COUNT };

typedef struct srv {
  /* configuration */
  unsigned threads;
  unsigned timeout_s;       /* idle timeout and whole-body deadline, seconds */
  unsigned max_batch;       /* items in one batch */
  size_t max_body;          /* POST /v1/diagnose body bytes */
  size_t max_batch_body;    /* POST /v1/diagnose/batch body bytes */
  int quiet;                /* no access log */
  /* state shared by the pool threads: read-only after start, except the
   * atomics and the workspace key */
  jalon_model *model;
  jalon_catalogue *catalogue; /* NULL: no trainings; borrowed by every workspace */
  pthread_key_t ws_key;     /* this thread's jalon_workspace (freed at thread exit) */
  double started;           /* monotonic seconds */
  srv_file files[SRV_FILE_COUNT];
  atomic_uint in_flight;    /* requests begun and not yet completed */
  atomic_ulong served;
} srv;

/* ---- http.c ---- */

/* libmicrohttpd callbacks; cls is the srv. */
enum MHD_Result srv_handle(void *cls, struct MHD_Connection *c, const char *url,
                           const char *method, const char *version, const char *upload_data,
                           size_t *upload_data_size, void **con_cls);
void srv_completed(void *cls, struct MHD_Connection *c, void **con_cls, int toe);
/* Frees this thread's workspace: the destructor of srv.ws_key. */
void srv_workspace_free(void *ws);

/* ---- batch.c ---- */

typedef struct srv_span {
  const char *p;
  size_t n;
} srv_span;

enum { SRV_BATCH_OK = 0, SRV_BATCH_MALFORMED = -1, SRV_BATCH_TOO_MANY = -2 };

/* Splits a batch body into its requests, pointing into body: the elements of
 * a top-level JSON array when the body starts with '[' (after blanks), else
 * one request per line (JSON lines; blank lines are skipped, a final '\r' is
 * dropped). Elements are not validated here: each goes to the library, which
 * answers a bad one with an error object. items must hold max_items spans.
 * Returns SRV_BATCH_OK with *count set, SRV_BATCH_MALFORMED (the array
 * itself is broken; *why says where, in English) or SRV_BATCH_TOO_MANY. */
int srv_split_batch(const char *body, size_t len, srv_span *items, size_t max_items,
                    size_t *count, const char **why);

#endif
