/* Shared helpers of the catalogue importers (see import_util.h): file
 * reading, the JSON parse, typed field access with one rejection per record. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/tokenize.h"
#include "api/json.h"
#include "train/import_util.h"
#include "util/error.h"

int jti_read_file(const char *path, char **data, size_t *len, jalon_error **err) {
  *data = NULL;
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return ju_error(err, JALON_EIO, "cannot open %s: %s", path, strerror(errno));
  char *buf = NULL;
  size_t n = 0, cap = 0;
  int rc = 0;
  for (;;) {
    if (cap - n < 65536) {
      size_t ncap = cap ? cap * 2 : 1u << 16;
      if (ncap > (size_t)JTI_MAX_FILE_BYTES + 65536) ncap = (size_t)JTI_MAX_FILE_BYTES + 65536;
      char *nb = realloc(buf, ncap + 1);
      if (!nb) {
        rc = ju_error(err, JALON_ENOMEM, "out of memory reading %s", path);
        break;
      }
      buf = nb;
      cap = ncap;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (n > JTI_MAX_FILE_BYTES) {
      rc = ju_error(err, JALON_ETOOBIG, "%s is larger than %u bytes", path, JTI_MAX_FILE_BYTES);
      break;
    }
    if (got == 0) {
      /* A directory opens but fails on read (EISDIR): report that, not an
       * empty file. */
      if (ferror(f)) rc = ju_error(err, JALON_EIO, "cannot read %s: %s", path, strerror(errno));
      break;
    }
  }
  fclose(f);
  if (rc) {
    free(buf);
    return rc;
  }
  buf[n] = 0;
  *data = buf;
  *len = n;
  return 0;
}

static size_t line_of(const char *s, size_t at) {
  size_t line = 1;
  for (size_t i = 0; i < at; i++) line += s[i] == '\n';
  return line;
}

/* Parsed under the library's one cJSON lock (jj_parse_locked, json.c): cJSON
 * records every failed parse in a process-wide variable, so an import must
 * not race a request parse on another thread. */
int jti_parse_json(cJSON **out, const char *data, size_t len, const char *name, jalon_error **err) {
  *out = NULL;
  if (len > JTI_MAX_FILE_BYTES)
    return ju_error(err, JALON_ETOOBIG, "%s is larger than %u bytes", name, JTI_MAX_FILE_BYTES);
  size_t bad = 0;
  if (jt_check_utf8(data, len, &bad))
    return ju_error(err, JALON_EDATA, "%s:%zu: not valid UTF-8 (byte %zu)", name, line_of(data, bad), bad);
  /* cJSON may read one byte past the given length (cJSON issue #804) and the
   * caller's buffer need not be terminated. */
  char *buf = malloc(len + 1);
  if (!buf) return ju_error(err, JALON_ENOMEM, "out of memory parsing %s", name);
  if (len) memcpy(buf, data, len);
  buf[len] = 0;
  const char *end = NULL;
  cJSON *doc = jj_parse_locked(buf, len, &end);
  size_t at = end && end >= buf ? (size_t)(end - buf) : 0;
  int rc = 0;
  if (!doc) {
    rc = len == 0 ? ju_error(err, JALON_EDATA, "%s: empty file, no JSON value", name)
                  : ju_error(err, JALON_EDATA, "%s:%zu: malformed JSON (byte %zu)", name,
                             line_of(buf, at), at);
  } else {
    while (at < len && (buf[at] == ' ' || buf[at] == '\t' || buf[at] == '\n' || buf[at] == '\r')) at++;
    if (at < len)
      rc = ju_error(err, JALON_EDATA, "%s:%zu: unexpected data after the JSON value (byte %zu)", name,
                    line_of(buf, at), at);
  }
  free(buf);
  if (rc) {
    cJSON_Delete(doc);
    return rc;
  }
  *out = doc;
  return 0;
}

void jti_rec_init(jti_rec *r, jtr_builder *b, const char *name, const char *section, size_t index) {
  *r = (jti_rec){.b = b, .name = name, .section = section, .index = index};
}

void jti_rec_line(jti_rec *r, jtr_builder *b, const char *name, size_t line) {
  *r = (jti_rec){.b = b, .name = name, .index = line, .line_based = 1};
}

void jti_reject(jti_rec *r, const char *fmt, ...) {
  if (r->bad) return;
  r->bad = 1;
  char where[4096], why[1024];
  if (r->line_based) snprintf(where, sizeof where, "%s:%zu", r->name, r->index);
  else if (r->section) snprintf(where, sizeof where, "%s#%s.%zu", r->name, r->section, r->index);
  else snprintf(where, sizeof where, "%s#%zu", r->name, r->index);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  jtr_builder_reject(r->b, where, "%s", why);
}

int jti_add_cert(jti_rec *r, const jtr_cert_in *c, uint32_t *index) {
  int rc = jtr_builder_add_cert(r->b, c, index);
  if (rc == JALON_ENOMEM) return rc;
  if (rc) jti_reject(r, "certification not added (%s)", jalon_strerror(rc));
  return 0;
}

int jti_add_session(jti_rec *r, const jtr_session_in *s) {
  int rc = jtr_builder_add_session(r->b, s);
  if (rc == JALON_ENOMEM) return rc;
  if (rc) jti_reject(r, "session not added (%s)", jalon_strerror(rc));
  return 0;
}

int jti_is_object(jti_rec *r, const cJSON *o) {
  if (cJSON_IsObject(o)) return 1;
  jti_reject(r, "not an object");
  return 0;
}

/* The item at a dotted path, NULL when it or a parent is absent or null. */
static const cJSON *walk(jti_rec *r, const cJSON *o, const char *path) {
  const cJSON *cur = o;
  const char *seg = path;
  for (;;) {
    const char *dot = strchr(seg, '.');
    size_t n = dot ? (size_t)(dot - seg) : strlen(seg);
    char key[128];
    if (n >= sizeof key) return NULL;
    memcpy(key, seg, n);
    key[n] = 0;
    cur = cJSON_GetObjectItemCaseSensitive(cur, key);
    if (!cur || cJSON_IsNull(cur)) return NULL;
    if (!dot) return cur;
    if (!cJSON_IsObject(cur)) {
      jti_reject(r, "field \"%.*s\" must be an object", (int)(dot - path), path);
      return NULL;
    }
    seg = dot + 1;
  }
}

static const cJSON *typed(jti_rec *r, const cJSON *o, const char *path,
                          cJSON_bool (*is)(const cJSON *), const char *what) {
  const cJSON *it = walk(r, o, path);
  if (it && !is(it)) {
    jti_reject(r, "field \"%s\" must be %s", path, what);
    return NULL;
  }
  return it;
}

const cJSON *jti_object(jti_rec *r, const cJSON *o, const char *path) {
  return typed(r, o, path, cJSON_IsObject, "an object");
}

const cJSON *jti_array(jti_rec *r, const cJSON *o, const char *path) {
  return typed(r, o, path, cJSON_IsArray, "an array");
}

const char *jti_str(jti_rec *r, const cJSON *o, const char *path) {
  const cJSON *it = walk(r, o, path);
  if (!it) return NULL;
  if (!cJSON_IsString(it) || !it->valuestring) {
    jti_reject(r, "field \"%s\" must be a string", path);
    return NULL;
  }
  return it->valuestring[0] ? it->valuestring : NULL;
}

int jti_num(jti_rec *r, const cJSON *o, const char *path, int lenient, double *out) {
  const cJSON *it = walk(r, o, path);
  if (!it) return 0;
  if (cJSON_IsNumber(it)) {
    *out = it->valuedouble;
    return 1;
  }
  if (lenient && cJSON_IsString(it) && it->valuestring) {
    if (!it->valuestring[0]) return 0;
    if (jti_decimal(it->valuestring, strlen(it->valuestring), out) == 0) return 1;
    jti_reject(r, "field \"%s\" must be a number (\"%.40s\")", path, it->valuestring);
    return 0;
  }
  jti_reject(r, "field \"%s\" must be a number", path);
  return 0;
}

int jti_int(jti_rec *r, const cJSON *o, const char *path, int lenient, long lo, long hi, long *out) {
  double v;
  if (!jti_num(r, o, path, lenient, &v)) return 0;
  if (!(v >= (double)lo && v <= (double)hi) || v != floor(v)) {
    jti_reject(r, "field \"%s\" must be a whole number from %ld to %ld", path, lo, hi);
    return 0;
  }
  *out = (long)v;
  return 1;
}

int jti_bool(jti_rec *r, const cJSON *o, const char *path) {
  const cJSON *it = walk(r, o, path);
  if (!it) return -1;
  if (!cJSON_IsBool(it)) {
    jti_reject(r, "field \"%s\" must be true, false or null", path);
    return -1;
  }
  return cJSON_IsTrue(it) ? 1 : 0;
}

size_t jti_codes(jti_rec *r, const cJSON *o, const char *path, const char **out, size_t max,
                 int strict) {
  size_t n = 0;
  const cJSON *a = jti_array(r, o, path), *it;
  cJSON_ArrayForEach(it, a) {
    if (!cJSON_IsString(it) || !it->valuestring) {
      jti_reject(r, "field \"%s\" must hold strings only", path);
      break;
    }
    if (!it->valuestring[0]) continue;
    if (n == max) {
      if (strict) jti_reject(r, "field \"%s\" holds more than %zu codes", path, max);
      break;
    }
    out[n++] = it->valuestring;
  }
  if (n < max) out[n] = NULL;
  return n;
}

int jti_decimal(const char *s, size_t len, double *out) {
  size_t i = 0;
  while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
  while (len > i && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r'))
    len--;
  int neg = 0;
  if (i < len && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  double v = 0, scale = 1;
  size_t digits = 0;
  int frac = 0;
  for (; i < len; i++) {
    if (s[i] >= '0' && s[i] <= '9') {
      /* Past 17 significant digits the value no longer changes in a double;
       * capping keeps a digit flood from reaching infinity. */
      if (digits < 17) {
        v = v * 10 + (s[i] - '0');
        if (frac) scale *= 10;
      } else if (!frac) {
        v *= 10;
      }
      digits++;
    } else if (s[i] == '.' && !frac) {
      frac = 1;
    } else {
      return -1;
    }
  }
  if (!digits || !isfinite(v)) return -1;
  *out = (neg ? -v : v) / scale;
  return 0;
}

int jti_coords_ok(double lat, double lon) {
  return lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180;
}

int jti_latlon(const char *s, double *lat, double *lon) {
  const char *comma = strchr(s, ',');
  if (!comma) return -1;
  double a, o;
  if (jti_decimal(s, (size_t)(comma - s), &a) || jti_decimal(comma + 1, strlen(comma + 1), &o)) return -1;
  if (!jti_coords_ok(a, o)) return -1;
  *lat = a;
  *lon = o;
  return 0;
}

int jti_lheo_level(long code) {
  /* 4..8 are the French levels V..I of the 1969 nomenclature (CAP = V =
   * European 3; I, "above the maîtrise", is taken as 7); 11..18 are the
   * European levels 1..8 added in LHÉO 2.3. 0..3 (unknown, none, VI, V bis)
   * have no European equivalent. */
  if (code >= 4 && code <= 8) return (int)code - 1;
  if (code >= 11 && code <= 18) return (int)code - 10;
  return 0;
}

int jti_lheo_distance(long code) {
  switch (code) {
  case 0: return 0; /* entirely on site */
  case 1: return 0; /* mixed: jtr_session_in counts it as on site */
  case 2: return 1; /* entirely at a distance */
  default: return -1;
  }
}

unsigned jti_lheo_funder(long code) {
  switch (code) {
  case 2: return JTR_FUND_REGION;          /* Collectivité territoriale - Conseil régional */
  case 4: return JTR_FUND_FRANCE_TRAVAIL;  /* Pôle emploi, now France Travail */
  default: return 0;
  }
}
