/* JSON in with cJSON: the request parser (DESIGN.md "Request") and the
 * status names of error objects. The documents written are in response.c. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json.h"
#include "clea/clea.h"
#include "api/result.h"
#include "model/model.h"
#include "text/tokenize.h"
#include "util/error.h"

/* ---- status names ---- */

const char *jj_status_code_name(int status) {
  switch (status) {
  case JALON_OK: return "ok";
  case JALON_EINVAL: return "invalid_argument";
  case JALON_ENOMEM: return "out_of_memory";
  case JALON_EIO: return "io_error";
  case JALON_EFORMAT: return "bad_model";
  case JALON_EVERSION: return "model_version";
  case JALON_EUTF8: return "invalid_utf8";
  case JALON_ETOOBIG: return "text_too_large";
  case JALON_EEMPTY: return "empty_text";
  case JALON_EJSON: return "invalid_json";
  case JALON_ENOTFOUND: return "not_found";
  case JALON_EDATA: return "bad_data";
  case JALON_EICU: return "icu_error";
  default: return "internal";
  }
}

const char *jalon_status_name(int status) { return jj_status_code_name(status); }

/* ---- request ---- */

/* One pass over the raw bytes, before cJSON parses them:
 *  - nesting depth, counting [ and { outside strings, so a hostile request
 *    cannot drive cJSON's recursive descent deep (stops once over the limit);
 *  - the first control byte outside strings other than JSON's four white
 *    space bytes: cJSON skips every byte <= 0x20 between tokens, which would
 *    let "\x01{...}" through as if it were JSON;
 *  - the first escaped NUL "\u0000" inside a string. cJSON decodes it into a
 *    real NUL byte and the C string silently ends there; since cJSON cannot
 *    report a string's decoded length, it is caught here instead. A string
 *    starts at a '"' outside strings and ends at the next '"' not consumed by
 *    a backslash escape, which is exactly how cJSON's parse_string delimits
 *    it; the four hex digits of \uXXXX hold neither quotes nor backslashes.
 *    So for any document cJSON accepts this tracks strings exactly and the
 *    NUL finding is sound ("\\u0000", an escaped backslash then "u0000",
 *    is correctly not a NUL); it is only acted on after a successful parse.
 *    It covers keys too: "text\u0000x" would otherwise be read as the key
 *    "text". Raw NUL bytes never get here: jt_check_utf8 refuses them.
 * For input cJSON rejects, the tracking may drift, but only past the point
 * where cJSON fails, so the depth bound still holds for what cJSON parses. */
typedef struct raw_scan {
  int too_deep;
  size_t stray_at; /* control byte outside strings, or SIZE_MAX */
  size_t nul_at;   /* backslash of the first \u0000, or SIZE_MAX */
} raw_scan;

static void scan_raw(const char *s, size_t n, raw_scan *out) {
  unsigned depth = 0;
  int in_str = 0;
  out->too_deep = 0;
  out->stray_at = out->nul_at = SIZE_MAX;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (in_str) {
      if (c == '"') {
        in_str = 0;
      } else if (c == '\\' && i + 1 < n) {
        if (s[i + 1] == 'u' && i + 5 < n && memcmp(s + i + 2, "0000", 4) == 0 && out->nul_at == SIZE_MAX)
          out->nul_at = i;
        i++; /* the escaped character cannot end the string */
      }
    } else if (c == '"') {
      in_str = 1;
    } else if (c == '[' || c == '{') {
      if (++depth > JJ_MAX_DEPTH) {
        out->too_deep = 1;
        return;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      depth--;
    } else if (c < 0x20 && c != ' ' && c != '\t' && c != '\n' && c != '\r' && out->stray_at == SIZE_MAX) {
      out->stray_at = i;
    }
  }
}

static int type_error(jalon_error **err, const char *field, const char *what) {
  return ju_error(err, JALON_EJSON, "field \"%s\" must be %s", field, what);
}

/* An optional string member: absent or null leaves *v NULL. */
static int get_string(jalon_error **err, const cJSON *obj, const char *key, const char *field, const char **v) {
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
  *v = NULL;
  if (!it || cJSON_IsNull(it)) return 0;
  if (!cJSON_IsString(it) || !it->valuestring) return type_error(err, field, "a string");
  *v = it->valuestring;
  return 0;
}

/* An optional number member in [lo, hi]; *given says whether it was there. */
static int get_number(jalon_error **err, const cJSON *obj, const char *key, const char *field, double lo,
                      double hi, int integer, double *v, int *given) {
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
  *given = 0;
  if (!it || cJSON_IsNull(it)) return 0;
  double x = cJSON_IsNumber(it) ? it->valuedouble : NAN;
  if (!isfinite(x) || x < lo || x > hi || (integer && x != floor(x))) {
    if (integer)
      return ju_error(err, JALON_EJSON, "field \"%s\" must be an integer from %.0f to %.0f", field, lo, hi);
    return ju_error(err, JALON_EJSON, "field \"%s\" must be a number from %g to %g", field, lo, hi);
  }
  *v = x;
  *given = 1;
  return 0;
}

/* An optional object member: absent or null leaves *v NULL. */
static int get_object(jalon_error **err, const cJSON *obj, const char *key, const cJSON **v) {
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
  *v = NULL;
  if (!it || cJSON_IsNull(it)) return 0;
  if (!cJSON_IsObject(it)) return type_error(err, key, "an object");
  *v = it;
  return 0;
}

/* "after" filters training sessions by date; a date the catalogue code would
 * misread later is refused now, while the caller can still be told. */
static int is_date(const char *s) {
  if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') return 0;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return 0;
  int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  int month = (s[5] - '0') * 10 + (s[6] - '0');
  int day = (s[8] - '0') * 10 + (s[9] - '0');
  static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > mdays[month - 1]) return 0;
  int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return !(month == 2 && day == 29 && !leap);
}

static int read_place(jj_request *q, const cJSON *place, jalon_error **err) {
  q->place.given = 1;
  int rc = get_string(err, place, "department", "place.department", &q->place.department);
  if (!rc) rc = get_string(err, place, "region", "place.region", &q->place.region);
  int has_lat = 0, has_lon = 0, has_radius = 0;
  if (!rc) rc = get_number(err, place, "lat", "place.lat", -90, 90, 0, &q->place.lat, &has_lat);
  if (!rc) rc = get_number(err, place, "lon", "place.lon", -180, 180, 0, &q->place.lon, &has_lon);
  if (!rc) rc = get_number(err, place, "radius_km", "place.radius_km", 0, 20000, 0, &q->place.radius_km, &has_radius);
  if (rc) return rc;
  /* A point needs both coordinates; one alone is a mistake worth reporting. */
  if (has_lat != has_lon)
    return ju_error(err, JALON_EJSON, "fields \"place.lat\" and \"place.lon\" must be given together");
  q->place.has_coords = has_lat;
  return 0;
}

static int read_fields(jj_request *q, jalon_error **err) {
  const cJSON *doc = q->doc;
  /* The id first, so that every later error can still echo it. */
  int rc = get_string(err, doc, "id", "id", &q->id);
  if (rc) return rc;
  const cJSON *text = cJSON_GetObjectItemCaseSensitive(doc, "text");
  if (!text || cJSON_IsNull(text)) return ju_error(err, JALON_EJSON, "field \"text\" is required");
  if (!cJSON_IsString(text) || !text->valuestring) return type_error(err, "text", "a string");
  q->text = text->valuestring;
  q->text_len = strlen(q->text); /* exact: scan_raw refused escaped NULs */
  rc = get_string(err, doc, "title", "title", &q->title);
  if (!rc && q->title) q->title_len = strlen(q->title);
  if (!rc) rc = get_string(err, doc, "target", "target", &q->target);
  if (!rc) rc = get_string(err, doc, "after", "after", &q->after);
  if (!rc && q->after && !is_date(q->after)) rc = type_error(err, "after", "a date written YYYY-MM-DD");
  const cJSON *place = NULL, *limit = NULL;
  if (!rc) rc = get_object(err, doc, "place", &place);
  if (!rc && place) rc = read_place(q, place, err);
  if (!rc) rc = get_object(err, doc, "limit", &limit);
  if (!rc && limit) {
    double v = 0;
    int given = 0;
    rc = get_number(err, limit, "jobs", "limit.jobs", 1, JALON_MAX_JOBS, 1, &v, &given);
    if (!rc && given) q->max_jobs = (unsigned)v;
    if (!rc) rc = get_number(err, limit, "trainings", "limit.trainings", 0, JJ_MAX_TRAININGS, 1, &v, &given);
    if (!rc && given) {
      q->has_max_trainings = 1;
      q->max_trainings = (unsigned)v;
    }
  }
  return rc;
}

void jj_request_free(jj_request *req) {
  if (!req) return;
  cJSON_Delete(req->doc);
  memset(req, 0, sizeof *req);
}

/* cJSON_ParseWithLengthOpts writes a process-wide error record on every call
 * (cJSON's global_error, read by cJSON_GetErrorPtr). Unguarded, two threads
 * parsing at once race on it: a data race in C11 terms, reported by TSan.
 * Jalon reads the error position from return_parse_end instead, but cannot
 * stop the write, so parses are serialised. The lock is held only while
 * cJSON builds the tree (microseconds for a typical request, well under a
 * millisecond at the size limit), never during the diagnosis itself. A
 * statically initialised mutex needs no init/teardown call; the library
 * links the threads dependency already. It only orders Jalon's own parses:
 * code that calls cJSON_Parse* directly on other threads still races with
 * them, which is why the tools should parse through jj_parse_json. */
static pthread_mutex_t parse_lock = PTHREAD_MUTEX_INITIALIZER;

cJSON *jj_parse_locked(const char *buf, size_t len, const char **end) {
  /* lock/unlock cannot fail on a default mutex used this way; a failed lock
   * would only bring back the benign race, so it is not an error. */
  int locked = pthread_mutex_lock(&parse_lock) == 0;
  cJSON *doc = cJSON_ParseWithLengthOpts(buf, len, end, 0);
  if (locked) pthread_mutex_unlock(&parse_lock);
  return doc;
}

int jj_parse_json(struct cJSON **out, const char *json, size_t len, jalon_error **err) {
  if (!out) return ju_error(err, JALON_EINVAL, "jj_parse_json: NULL output pointer");
  *out = NULL;
  if (!json && len) return ju_error(err, JALON_EINVAL, "jj_parse_json: NULL input with a length");
  /* Size first: nothing else is worth doing on a request this large. */
  if (len > JJ_MAX_REQUEST_BYTES)
    return ju_error(err, JALON_ETOOBIG, "the request is %zu bytes; the limit is %u bytes", len,
                    JJ_MAX_REQUEST_BYTES);
  size_t bad = 0;
  if (jt_check_utf8(json, len, &bad))
    return ju_error(err, JALON_EUTF8, "the request is not valid UTF-8 (byte %zu)", bad);
  raw_scan scan;
  scan_raw(json, len, &scan);
  if (scan.too_deep) return ju_error(err, JALON_EJSON, "the request nests deeper than %u levels", JJ_MAX_DEPTH);
  if (scan.stray_at != SIZE_MAX)
    return ju_error(err, JALON_EJSON, "malformed JSON: control character outside a string at byte %zu",
                    scan.stray_at);
  /* cJSON may read one byte past the given length (cJSON issue #804), and
   * the caller's buffer need not be NUL-terminated: parse a terminated copy. */
  char *buf = malloc(len + 1);
  if (!buf) return ju_error(err, JALON_ENOMEM, "out of memory reading the request");
  if (len) memcpy(buf, json, len);
  buf[len] = 0;
  const char *end = NULL;
  cJSON *doc = jj_parse_locked(buf, len, &end);
  size_t at = end && end >= buf ? (size_t)(end - buf) : 0;
  if (doc) {
    /* cJSON stops after the first value; anything but white space after it
     * ("{}x", two objects on one line) makes the request malformed. */
    while (at < len && (buf[at] == ' ' || buf[at] == '\t' || buf[at] == '\n' || buf[at] == '\r')) at++;
  }
  free(buf);
  if (!doc) {
    /* cJSON returns NULL both for bad syntax and for a failed allocation and
     * does not say which; syntax is by far the likelier. */
    if (len == 0) return ju_error(err, JALON_EJSON, "the request is empty");
    return ju_error(err, JALON_EJSON, "malformed JSON near byte %zu", at);
  }
  int rc = 0;
  if (at < len) rc = ju_error(err, JALON_EJSON, "unexpected data after the JSON value at byte %zu", at);
  else if (!cJSON_IsObject(doc)) rc = ju_error(err, JALON_EJSON, "the request must be a JSON object");
  /* Refused before any field is read: a truncated id or key is as wrong as
   * a truncated text, so no field of such a request is trusted. */
  else if (scan.nul_at != SIZE_MAX)
    rc = ju_error(err, JALON_EUTF8, "the request holds an escaped NUL character (\\u0000) at byte %zu",
                  scan.nul_at);
  if (rc) {
    cJSON_Delete(doc);
    return rc;
  }
  *out = doc;
  return 0;
}

int jj_parse_request(jj_request *req, const char *request, size_t len, jalon_error **err) {
  if (!req) return ju_error(err, JALON_EINVAL, "jj_parse_request: NULL request struct");
  memset(req, 0, sizeof *req);
  if (!request && len) return ju_error(err, JALON_EINVAL, "jj_parse_request: NULL request with a length");
  int rc = jj_parse_json(&req->doc, request, len, err);
  return rc ? rc : read_fields(req, err);
}
