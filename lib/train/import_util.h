/* Pieces shared by the catalogue importers: reading a whole file, parsing
 * JSON under the library's limits, typed field access that rejects a record
 * once, and the LHÉO code tables the JSON and XML importers both need. */
#ifndef JALON_TRAIN_IMPORT_UTIL_H
#define JALON_TRAIN_IMPORT_UTIL_H

#include <stddef.h>

#include "jalon/jalon.h"
#include "train/build.h"

struct cJSON;

/* A source file is read whole: the largest real export we know (Certif Info,
 * 4 MB) is far below this, and cJSON's tree takes several times the text, so
 * a larger JSON file belongs in the streamed LHÉO importer instead. */
#define JTI_MAX_FILE_BYTES (256u * 1024u * 1024u)

/* Reads path into a NUL-terminated malloc'd buffer (*data, caller frees).
 * JALON_EIO (cannot open or read), JALON_ETOOBIG (over JTI_MAX_FILE_BYTES),
 * JALON_ENOMEM. */
int jti_read_file(const char *path, char **data, size_t *len, jalon_error **err);

/* Parses len bytes (need not be NUL-terminated) as one JSON value. Returns 0,
 * JALON_EDATA (not UTF-8, malformed, trailing data: message "name:line: ..."),
 * JALON_ETOOBIG, JALON_ENOMEM. *out is the caller's (cJSON_Delete). */
int jti_parse_json(struct cJSON **out, const char *data, size_t len, const char *name,
                   jalon_error **err);

/* One record being read: the first problem found rejects it through
 * jtr_builder_reject as "name#index" or "name#section.index" for JSON (index
 * counted from 0, as in a JSON path), "name:line" for CSV; later problems of
 * the same record are not reported again. */
typedef struct jti_rec {
  jtr_builder *b;
  const char *name;
  const char *section; /* NULL for a top-level array */
  size_t index;        /* or the line of a CSV record */
  int line_based;
  int bad;
} jti_rec;

void jti_rec_init(jti_rec *r, jtr_builder *b, const char *name, const char *section, size_t index);
void jti_rec_line(jti_rec *r, jtr_builder *b, const char *name, size_t line);
void jti_reject(jti_rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Adds the record's certification or session. Returns 0, the builder's
 * refusal having rejected the record (r->bad), or JALON_ENOMEM, which ends
 * the import. */
int jti_add_cert(jti_rec *r, const jtr_cert_in *c, uint32_t *index);
int jti_add_session(jti_rec *r, const jtr_session_in *s);
/* 1 when o is a JSON object, else 0 with the record rejected. */
int jti_is_object(jti_rec *r, const struct cJSON *o);

/* Field access by a dotted path ("localisation.formation.ville"). Absent and
 * null fields read as not given; a field of another type rejects the record
 * and also reads as not given, so a caller checks r->bad once at the end. */
const struct cJSON *jti_object(jti_rec *r, const struct cJSON *o, const char *path);
const struct cJSON *jti_array(jti_rec *r, const struct cJSON *o, const char *path);
/* A string; "" reads as not given (NULL). */
const char *jti_str(jti_rec *r, const struct cJSON *o, const char *path);
/* 1 and *out when a number is given (with `lenient`, a decimal string too:
 * Intercarif writes most numbers as strings), else 0. */
int jti_num(jti_rec *r, const struct cJSON *o, const char *path, int lenient, double *out);
/* A whole number in [lo, hi]: 1 and *out when given, else 0. */
int jti_int(jti_rec *r, const struct cJSON *o, const char *path, int lenient, long lo, long hi,
            long *out);
/* 1 or 0 for true / false, -1 when not given. */
int jti_bool(jti_rec *r, const struct cJSON *o, const char *path);
/* An array of code strings into out[0..max), NULL-terminated when shorter;
 * empty strings are skipped. More than max codes: dropped, or with `strict`
 * a rejection. Returns the number kept. */
size_t jti_codes(jti_rec *r, const struct cJSON *o, const char *path, const char **out, size_t max,
                 int strict);

/* Locale-independent decimal ("-12.5", " 697 "): no exponent, no hex; the
 * library must not read "43.56" differently in a French-locale process.
 * Returns 0, or -1 when s[0..len) is not such a number. */
int jti_decimal(const char *s, size_t len, double *out);
/* "lat,lon" with both in range. Returns 0 or -1. */
int jti_latlon(const char *s, double *lat, double *lon);
/* Both in range (latitude ±90, longitude ±180). */
int jti_coords_ok(double lat, double lon);

/* LHÉO dictionaries (lheo.gouv.fr 2.3): dict-niveaux code -> European level
 * (0 unknown), dict-modalites-enseignement code -> jtr_session_in.distance,
 * dict-financeurs code -> jtr_funding bits. */
int jti_lheo_level(long code);
int jti_lheo_distance(long code);
unsigned jti_lheo_funder(long code);

#endif
