/* The one front of the response writers. Builders (json.c, trainings.c)
 * describe a document as events through a jj_emit, which forwards them to a
 * jalon_visitor: the public streaming API (jalon_result_visit), the JSON text
 * writer, or a cJSON tree for indented text. One description of each
 * document, whoever reads it.
 *
 * The first failure sticks: once e->rc is set every later call does nothing,
 * so a builder chains its calls and returns e->rc once at the end. */
#ifndef JALON_API_EMIT_H
#define JALON_API_EMIT_H

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "jalon/jalon.h"

typedef struct jj_emit {
  const jalon_visitor *v;
  void *user;
  int rc;
} jj_emit;

static inline void je_fail(jj_emit *e, int rc) {
  if (!e->rc) e->rc = rc;
}

/* A visitor's non-zero return stops the walk and is what the walk returns. */
static inline void je_call(jj_emit *e, int rc) {
  if (rc) e->rc = rc;
}

static inline void je_begin_object(jj_emit *e) {
  if (!e->rc) je_call(e, e->v->begin_object(e->user));
}
static inline void je_end_object(jj_emit *e) {
  if (!e->rc) je_call(e, e->v->end_object(e->user));
}
static inline void je_begin_array(jj_emit *e) {
  if (!e->rc) je_call(e, e->v->begin_array(e->user));
}
static inline void je_end_array(jj_emit *e) {
  if (!e->rc) je_call(e, e->v->end_array(e->user));
}
static inline void je_key(jj_emit *e, const char *k) {
  if (!e->rc) je_call(e, e->v->key(e->user, k, strlen(k)));
}
/* n bytes of s, not necessarily NUL-terminated. */
static inline void je_string_n(jj_emit *e, const char *s, size_t n) {
  if (!e->rc) je_call(e, e->v->string(e->user, s ? s : "", s ? n : 0));
}
/* NULL is written as "": a missing label is not worth a null to readers. */
static inline void je_string(jj_emit *e, const char *s) { je_string_n(e, s, s ? strlen(s) : 0); }
static inline void je_bool(jj_emit *e, int b) {
  if (!e->rc) je_call(e, e->v->boolean(e->user, b != 0));
}
static inline void je_null(jj_emit *e) {
  if (!e->rc) je_call(e, e->v->null(e->user));
}
/* Scores travel as 4 decimals: more digits are noise to a reader and make
 * golden files churn on harmless float changes. */
static inline double round4(double x) { return isfinite(x) ? round(x * 10000.0) / 10000.0 : 0.0; }

/* Numbers reach visitors as JSON text carries them (see emit.c). */
void je_number(jj_emit *e, double x);

static inline void je_kstr(jj_emit *e, const char *k, const char *s) {
  je_key(e, k);
  je_string(e, s);
}
/* Only when s is a non-empty string: optional fields are left out. */
static inline void je_kstr_opt(jj_emit *e, const char *k, const char *s) {
  if (s && *s) je_kstr(e, k, s);
}
static inline void je_knum(jj_emit *e, const char *k, double x) {
  je_key(e, k);
  je_number(e, x);
}
static inline void je_kbool(jj_emit *e, const char *k, int b) {
  je_key(e, k);
  je_bool(e, b);
}
static inline void je_knull(jj_emit *e, const char *k) {
  je_key(e, k);
  je_null(e);
}
static inline void je_kobject(jj_emit *e, const char *k) {
  je_key(e, k);
  je_begin_object(e);
}
static inline void je_karray(jj_emit *e, const char *k) {
  je_key(e, k);
  je_begin_array(e);
}
/* An identifier held as a number in the model (code OGR, Formacode) goes
 * out as a string: readers must not round or reformat it. */
void je_kcode(jj_emit *e, const char *k, unsigned long code);

/* A document builder: describes one document through e. */
typedef void (*jj_build_fn)(jj_emit *e, const void *ctx);

/* Runs build into JSON text: compact (the same bytes cJSON_PrintUnformatted
 * gives for the same document) or, pretty != 0, indented as cJSON_Print
 * does. *out is malloc'd (jalon_free); NULL on failure. Returns 0, the
 * builder's failure (JALON_EINTERNAL for an inconsistent result) or
 * JALON_ENOMEM. */
int jj_write_json(char **out, int pretty, jj_build_fn build, const void *ctx);

/* Checks that every callback of v is set: JALON_EINVAL otherwise. */
int jj_visitor_check(const jalon_visitor *v);

#endif
