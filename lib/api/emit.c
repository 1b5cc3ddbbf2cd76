/* Numbers as JSON carries them, the compact JSON text writer, and the cJSON
 * tree behind indented text (see emit.h). */
#include "api/emit.h"

#include <cJSON.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>


/* ---- numbers ----
 * The text used to come from cJSON and golden files, bindings and readers
 * compare against it, so numbers follow cJSON's printing: whole values as
 * integers, others with 15 significant digits, 17 when 15 do not read back.
 * Visitors get the value that text denotes, so a binding building objects
 * from events holds exactly what a JSON reader of the text would. */

/* Scores and coordinates are rounded to 4 decimals: k / 10^4 with k whole.
 * Such a value prints as its decimal digits under %1.15g whenever k has at
 * most 15 digits, which integer arithmetic writes far faster than printf. */
static int four_decimals(double x, long long *k) {
  if (!(fabs(x) < 1e11)) return 0;
  long long v = llround(x * 1e4);
  if ((double)v / 1e4 != x || v == 0) return 0;
  *k = v;
  return 1;
}

static int is_whole(double x) { return fabs(x) < 1e15 && x == trunc(x); }

/* cJSON's test of whether 15 digits read back. */
static int close_enough(double a, double b) {
  double m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
  return fabs(a - b) <= m * DBL_EPSILON;
}

/* printf and strtod follow LC_NUMERIC; JSON does not. Both run in the same
 * locale here, so the round trip is exact, and the writer rewrites the
 * separator. */
static int print_general(char *buf, size_t cap, double x) {
  int n = snprintf(buf, cap, "%1.15g", x);
  if (!close_enough(strtod(buf, NULL), x)) n = snprintf(buf, cap, "%1.17g", x);
  return n;
}

void je_number(jj_emit *e, double x) {
  if (e->rc) return;
  if (!isfinite(x)) { /* cJSON writes null for these */
    je_null(e);
    return;
  }
  if (is_whole(x)) {
    je_call(e, e->v->integer(e->user, (long long)x));
    return;
  }
  long long k;
  double y = x;
  if (!four_decimals(x, &k)) {
    char buf[40];
    print_general(buf, sizeof buf, x);
    y = strtod(buf, NULL);
  }
  je_call(e, e->v->number(e->user, y));
}

void je_kcode(jj_emit *e, const char *k, unsigned long code) {
  char buf[24];
  snprintf(buf, sizeof buf, "%lu", code);
  je_kstr(e, k, buf);
}

int jj_visitor_check(const jalon_visitor *v) {
  return v && v->begin_object && v->end_object && v->begin_array && v->end_array && v->key && v->string &&
                 v->integer && v->number && v->boolean && v->null
             ? 0
             : JALON_EINVAL;
}

/* ---- compact text ---- */

/* Far deeper than any document here (the response nests 6 levels). */
#define TW_MAX_DEPTH 64

typedef struct tw {
  char *p;
  size_t len, cap;
  unsigned depth;
  uint64_t nonempty; /* bit d-1: the container at depth d holds a member */
  int after_key;
} tw;

static int tw_reserve(tw *w, size_t n) {
  if (w->cap - w->len > n) return 0; /* keeps room for the final NUL */
  size_t cap = w->cap ? w->cap : 4096;
  while (cap - w->len <= n) {
    if (cap > SIZE_MAX / 2) return JALON_ENOMEM;
    cap *= 2;
  }
  char *p = realloc(w->p, cap);
  if (!p) return JALON_ENOMEM;
  w->p = p;
  w->cap = cap;
  return 0;
}

/* Room for n more bytes plus the comma that may precede a member. */
static int tw_member(tw *w, size_t n) {
  if (tw_reserve(w, n + 1)) return JALON_ENOMEM;
  if (w->after_key) {
    w->after_key = 0;
  } else if (w->depth) {
    uint64_t bit = 1ull << (w->depth - 1);
    if (w->nonempty & bit) w->p[w->len++] = ',';
    w->nonempty |= bit;
  }
  return 0;
}

static int tw_open(void *u, char c) {
  tw *w = u;
  if (w->depth >= TW_MAX_DEPTH) return JALON_EINTERNAL;
  if (tw_member(w, 1)) return JALON_ENOMEM;
  w->p[w->len++] = c;
  w->depth++;
  w->nonempty &= ~(1ull << (w->depth - 1));
  return 0;
}

static int tw_close(void *u, char c) {
  tw *w = u;
  if (!w->depth || w->after_key) return JALON_EINTERNAL;
  if (tw_reserve(w, 1)) return JALON_ENOMEM;
  w->p[w->len++] = c;
  w->depth--;
  return 0;
}

static int tw_begin_object(void *u) { return tw_open(u, '{'); }
static int tw_end_object(void *u) { return tw_close(u, '}'); }
static int tw_begin_array(void *u) { return tw_open(u, '['); }
static int tw_end_array(void *u) { return tw_close(u, ']'); }

/* A JSON string, escaped as cJSON does: quote, backslash and the control
 * bytes; everything else, UTF-8 included, as is. Needs room for 6n + 2. */
static void tw_quote(tw *w, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  char *o = w->p + w->len;
  *o++ = '"';
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    memcpy(o, s + run, i - run);
    o += i - run;
    run = i + 1;
    *o++ = '\\';
    switch (c) {
    case '"': *o++ = '"'; break;
    case '\\': *o++ = '\\'; break;
    case '\b': *o++ = 'b'; break;
    case '\f': *o++ = 'f'; break;
    case '\n': *o++ = 'n'; break;
    case '\r': *o++ = 'r'; break;
    case '\t': *o++ = 't'; break;
    default:
      *o++ = 'u';
      *o++ = '0';
      *o++ = '0';
      *o++ = hex[c >> 4];
      *o++ = hex[c & 15];
    }
  }
  memcpy(o, s + run, n - run);
  o += n - run;
  *o++ = '"';
  w->len = (size_t)(o - w->p);
}

static int tw_room_for_string(size_t n, size_t *need) {
  if (n > (SIZE_MAX - 8) / 6) return JALON_ENOMEM;
  *need = 6 * n + 3;
  return 0;
}

static int tw_key(void *u, const char *k, size_t n) {
  tw *w = u;
  size_t need;
  if (!w->depth || w->after_key || tw_room_for_string(n, &need)) return JALON_EINTERNAL;
  if (tw_member(w, need)) return JALON_ENOMEM;
  tw_quote(w, k, n);
  w->p[w->len++] = ':';
  w->after_key = 1;
  return 0;
}

static int tw_string(void *u, const char *s, size_t n) {
  tw *w = u;
  size_t need;
  if (tw_room_for_string(n, &need) || tw_member(w, need)) return JALON_ENOMEM;
  tw_quote(w, s, n);
  return 0;
}

static size_t put_digits(char *o, unsigned long long v) {
  char tmp[24];
  size_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (size_t i = 0; i < n; i++) o[i] = tmp[n - 1 - i];
  return n;
}

static int tw_integer(void *u, long long v) {
  tw *w = u;
  if (tw_member(w, 24)) return JALON_ENOMEM;
  char *o = w->p + w->len;
  unsigned long long mag = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
  if (v < 0) *o++ = '-';
  o += put_digits(o, mag);
  w->len = (size_t)(o - w->p);
  return 0;
}

static int tw_number(void *u, double x) {
  tw *w = u;
  if (tw_member(w, 40)) return JALON_ENOMEM;
  char *o = w->p + w->len;
  long long k;
  if (four_decimals(x, &k)) {
    unsigned long long mag = k < 0 ? 0ull - (unsigned long long)k : (unsigned long long)k;
    if (k < 0) *o++ = '-';
    o += put_digits(o, mag / 10000);
    unsigned frac = (unsigned)(mag % 10000);
    if (frac) {
      char d[4] = {(char)('0' + frac / 1000), (char)('0' + frac / 100 % 10), (char)('0' + frac / 10 % 10),
                   (char)('0' + frac % 10)};
      int n = 4;
      while (d[n - 1] == '0') n--;
      *o++ = '.';
      memcpy(o, d, (size_t)n);
      o += n;
    }
  } else {
    char buf[40];
    int n = print_general(buf, sizeof buf, x);
    if (n <= 0 || n >= (int)sizeof buf) return JALON_EINTERNAL;
    /* Whatever the locale's decimal separator (',' or several bytes), it is
     * the one run of bytes that is neither a digit, a sign nor an exponent
     * mark. localeconv() is not used: it is not thread-safe. */
    int in_point = 0;
    for (int i = 0; i < n; i++) {
      char c = buf[i];
      int plain = (c >= '0' && c <= '9') || c == '-' || c == '+' || c == 'e' || c == 'E';
      if (plain) *o++ = c;
      else if (!in_point) *o++ = '.';
      in_point = !plain;
    }
  }
  w->len = (size_t)(o - w->p);
  return 0;
}

static int tw_literal(tw *w, const char *lit, size_t n) {
  if (tw_member(w, n)) return JALON_ENOMEM;
  memcpy(w->p + w->len, lit, n);
  w->len += n;
  return 0;
}

static int tw_boolean(void *u, int b) { return b ? tw_literal(u, "true", 4) : tw_literal(u, "false", 5); }
static int tw_null(void *u) { return tw_literal(u, "null", 4); }

static const jalon_visitor text_writer = {tw_begin_object, tw_end_object, tw_begin_array, tw_end_array,
                                          tw_key,          tw_string,     tw_integer,     tw_number,
                                          tw_boolean,      tw_null};

/* ---- cJSON tree (indented text keeps cJSON's layout) ---- */

typedef struct ct {
  cJSON *root;
  cJSON *stack[TW_MAX_DEPTH];
  unsigned depth;
  char *key;  /* pending key, NUL-terminated */
  char *tmp;  /* NUL-terminated copy of a string value */
  size_t key_cap, tmp_cap;
  int has_key;
} ct;

static int ct_copy(char **buf, size_t *cap, const char *s, size_t n) {
  if (n + 1 > *cap) {
    size_t c = *cap ? *cap : 64;
    while (c < n + 1) c *= 2;
    char *p = realloc(*buf, c);
    if (!p) return JALON_ENOMEM;
    *buf = p;
    *cap = c;
  }
  memcpy(*buf, s, n);
  (*buf)[n] = 0;
  return 0;
}

/* Attaches item (owned from here on) where the document is. */
static int ct_add(ct *c, cJSON *item) {
  if (!item) return JALON_ENOMEM;
  int rc = 0;
  if (!c->depth) {
    if (c->root) rc = JALON_EINTERNAL;
    else c->root = item;
  } else if (cJSON_IsObject(c->stack[c->depth - 1])) {
    if (!c->has_key) rc = JALON_EINTERNAL;
    else if (!cJSON_AddItemToObject(c->stack[c->depth - 1], c->key, item)) rc = JALON_ENOMEM;
    c->has_key = 0;
  } else if (!cJSON_AddItemToArray(c->stack[c->depth - 1], item)) {
    rc = JALON_ENOMEM;
  }
  if (rc) cJSON_Delete(item);
  return rc;
}

static int ct_open(ct *c, cJSON *item) {
  if (c->depth >= TW_MAX_DEPTH) {
    cJSON_Delete(item);
    return JALON_EINTERNAL;
  }
  int rc = ct_add(c, item);
  if (!rc) c->stack[c->depth++] = item;
  return rc;
}

static int ct_close(void *u) {
  ct *c = u;
  if (!c->depth || c->has_key) return JALON_EINTERNAL;
  c->depth--;
  return 0;
}

static int ct_begin_object(void *u) { return ct_open(u, cJSON_CreateObject()); }
static int ct_begin_array(void *u) { return ct_open(u, cJSON_CreateArray()); }

static int ct_key(void *u, const char *k, size_t n) {
  ct *c = u;
  if (!c->depth || c->has_key || !cJSON_IsObject(c->stack[c->depth - 1])) return JALON_EINTERNAL;
  if (ct_copy(&c->key, &c->key_cap, k, n)) return JALON_ENOMEM;
  c->has_key = 1;
  return 0;
}

static int ct_string(void *u, const char *s, size_t n) {
  ct *c = u;
  if (ct_copy(&c->tmp, &c->tmp_cap, s, n)) return JALON_ENOMEM;
  return ct_add(c, cJSON_CreateString(c->tmp));
}

static int ct_integer(void *u, long long v) { return ct_add(u, cJSON_CreateNumber((double)v)); }
static int ct_number(void *u, double x) { return ct_add(u, cJSON_CreateNumber(x)); }
static int ct_boolean(void *u, int b) { return ct_add(u, cJSON_CreateBool(b)); }
static int ct_null(void *u) { return ct_add(u, cJSON_CreateNull()); }

static const jalon_visitor tree_writer = {ct_begin_object, ct_close,  ct_begin_array, ct_close,
                                          ct_key,          ct_string, ct_integer,     ct_number,
                                          ct_boolean,      ct_null};

/* jalon_free() is free(), but cJSON allocates through process-wide hooks that
 * the application may have replaced (cJSON_InitHooks). Copying the printed
 * text into a malloc'd buffer keeps jalon_free right whatever the hooks. */
static int print_pretty(char **out, const cJSON *doc) {
  char *s = cJSON_Print(doc);
  if (!s) return JALON_ENOMEM;
  size_t n = strlen(s);
  char *copy = malloc(n + 1);
  if (copy) memcpy(copy, s, n + 1);
  cJSON_free(s);
  if (!copy) return JALON_ENOMEM;
  *out = copy;
  return 0;
}

int jj_write_json(char **out, int pretty, jj_build_fn build, const void *ctx) {
  *out = NULL;
  if (!pretty) {
    tw w = {0};
    jj_emit e = {&text_writer, &w, 0};
    build(&e, ctx);
    if (!e.rc && (w.depth || !w.len)) e.rc = JALON_EINTERNAL;
    if (!e.rc && tw_reserve(&w, 1)) e.rc = JALON_ENOMEM;
    if (e.rc) {
      free(w.p);
      return e.rc;
    }
    w.p[w.len] = 0;
    *out = w.p;
    return 0;
  }
  ct c = {0};
  jj_emit e = {&tree_writer, &c, 0};
  build(&e, ctx);
  if (!e.rc && (c.depth || !c.root)) e.rc = JALON_EINTERNAL;
  if (!e.rc) e.rc = print_pretty(out, c.root);
  cJSON_Delete(c.root);
  free(c.key);
  free(c.tmp);
  return e.rc;
}
