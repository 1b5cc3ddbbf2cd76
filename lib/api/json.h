/* JSON front end: the request parser (DESIGN.md "Request") and the status
 * names used in error responses. The writers are public (jalon.h). */
#ifndef JALON_API_JSON_H
#define JALON_API_JSON_H

#include <stddef.h>

#include "jalon/jalon.h"

struct cJSON; /* the parsed document; kept opaque so users need not include cJSON */

/* Limits on the raw request, checked before cJSON sees a byte: a request
 * carries a text and a few small fields, so four times the text limit is
 * plenty; 32 levels is far more nesting than the contract uses (2) while
 * keeping cJSON's recursive parser shallow. */
#define JJ_MAX_REQUEST_BYTES (4u * JALON_MAX_TEXT_BYTES)
#define JJ_MAX_DEPTH 32u
#define JJ_MAX_TRAININGS JALON_MAX_TRAININGS

/* A parsed request. Every string is borrowed from `doc` and stays valid until
 * jj_request_free. Optional fields not given are NULL / 0. */
typedef struct jj_request {
  struct cJSON *doc;
  const char *id;          /* "id", NULL when absent or null */
  const char *text;        /* "text" (required), never holds a NUL */
  size_t text_len;
  const char *title;       /* "title" */
  size_t title_len;
  const char *target;      /* "target" ROME code; accepted, not used yet */
  const char *after;       /* "after", checked to be YYYY-MM-DD */
  unsigned max_jobs;       /* "limit.jobs" 1..JALON_MAX_JOBS, 0 = not given */
  int has_max_trainings;
  unsigned max_trainings;  /* "limit.trainings" 0..JJ_MAX_TRAININGS */
  struct {
    int given;             /* "place" was an object */
    const char *department, *region;
    int has_coords;        /* both lat and lon given */
    double lat, lon;
    double radius_km;      /* 0 = not given */
  } place;
} jj_request;

/* The checks of a request without its fields: parses `len` bytes (need not
 * be NUL-terminated) into a JSON object, with the same limits and refusals
 * as jj_parse_request below (size, UTF-8, escaped NUL, depth, trailing data,
 * not an object). For the tools reading JSON lines (eval, batch): it also
 * serialises cJSON's global error record with the library's own parses.
 * *out is the caller's (cJSON_Delete); NULL on failure. Thread-safe. */
int jj_parse_json(struct cJSON **out, const char *json, size_t len, jalon_error **err);

/* Parses `len` bytes of request JSON (need not be NUL-terminated) into req.
 * Returns 0, or JALON_ETOOBIG (request over JJ_MAX_REQUEST_BYTES),
 * JALON_EUTF8 (invalid UTF-8 anywhere, or an escaped NUL "\u0000" in any
 * string), JALON_EJSON (malformed, trailing data, control bytes between
 * tokens, nesting over JJ_MAX_DEPTH, wrong shape; the message names the
 * field), JALON_ENOMEM, JALON_EINVAL.
 * req is always initialised: on failure req->id holds the request id when it
 * could be read, so an error response can echo it. Call jj_request_free in
 * every case. Thread-safe: the one cJSON call that writes a cJSON global is
 * serialised (see json.c). */
int jj_parse_request(jj_request *req, const char *request, size_t len, jalon_error **err);
/* NULL-safe; leaves req zeroed. */
void jj_request_free(jj_request *req);

struct jalon_result;
/* Checks a jalon_place given through the C API (the JSON parser checks its
 * own): coordinates and radius in range, codes of at most 3 characters.
 * NULL is fine. 0 or JALON_EINVAL. */
int jj_check_place(const jalon_place *p, jalon_error **err);
struct jj_emit;
/* The "trainings" member of a result that used a catalogue (nothing
 * otherwise). */
void jj_emit_trainings(struct jj_emit *e, const struct jalon_result *r);

/* cJSON_ParseWithLengthOpts(buf, len, end, 0) under the library's one cJSON
 * lock (see json.c): every parse in the library goes through it, so no two
 * threads write cJSON's global error record at once. buf must be
 * NUL-terminated at len. */
struct cJSON *jj_parse_locked(const char *buf, size_t len, const char **end);

/* Machine name of a status for the "code" of an error response, e.g.
 * "invalid_utf8". Static storage; never NULL ("internal" for unknown codes). */
const char *jj_status_code_name(int status);

#endif
