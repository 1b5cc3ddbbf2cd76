/* Catalogue builder: collects certifications, sessions and the Formacode
 * thesaurus from the importers, normalises codes, dates and places, and
 * merges certifications met in several sources by their Certif Info code. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/tokenize.h"
#include "train/builder_int.h"
#include "util/error.h"

#define MAX_KEPT_REJECTIONS 50

uint32_t jtr_intern(jtr_builder *b, const char *s) {
  if (!s || !*s) return 0;
  size_t len = strlen(s);
  if (len > UINT32_MAX / 2) return JCA_NONE;
  uint32_t found = ju_strmap_get(&b->interned, s, len);
  if (found != UINT32_MAX) return found;
  if (b->strings.n + len + 1 > UINT32_MAX / 2) return JCA_NONE;
  uint32_t ref = (uint32_t)b->strings.n;
  if (ju_reserve(&b->strings.v, &b->strings.cap, b->strings.n + len + 1, 1)) return JCA_NONE;
  memcpy(b->strings.v + b->strings.n, s, len + 1);
  b->strings.n += len + 1;
  if (ju_strmap_put(&b->interned, s, len, ref, NULL) == UINT32_MAX) return JCA_NONE;
  return ref;
}

const char *jtr_str(const jtr_builder *b, uint32_t ref) { return ref ? b->strings.v + ref : NULL; }

int jtr_builder_new(jtr_builder **out, const jalon_model *m, jalon_error **err) {
  if (!out) return ju_error(err, JALON_EINVAL, "jtr_builder_new: NULL output");
  *out = NULL;
  jtr_builder *b = calloc(1, sizeof *b);
  if (!b) return ju_error(err, JALON_ENOMEM, "out of memory creating the catalogue builder");
  b->model = m;
  ju_strmap_init(&b->interned);
  ju_strmap_init(&b->by_certifinfo);
  ju_strmap_init(&b->stem_ids);
  /* Ref 0 is the empty string, read as "absent". */
  if (JU_PUSH(b->strings, '\0')) {
    jtr_builder_free(b);
    return ju_error(err, JALON_ENOMEM, "out of memory creating the catalogue builder");
  }
  *out = b;
  return 0;
}

void jtr_builder_free(jtr_builder *b) {
  if (!b) return;
  JU_FREE(b->strings);
  ju_strmap_free(&b->interned);
  ju_strmap_free(&b->by_certifinfo);
  ju_strmap_free(&b->stem_ids);
  JU_FREE(b->certs);
  JU_FREE(b->sessions);
  JU_FREE(b->formacodes);
  JU_FREE(b->fc_words);
  JU_FREE(b->stems);
  JU_FREE(b->rules);
  JU_FREE(b->depts);
  for (size_t i = 0; i < b->n_kept; i++) free(b->kept[i]);
  free(b->kept);
  jt_tokens_free(&b->tokens);
  jt_ctx_free(b->tok);
  free(b);
}

void jtr_builder_reject(jtr_builder *b, const char *where, const char *fmt, ...) {
  if (!b) return;
  b->rejected++;
  if (b->n_kept >= MAX_KEPT_REJECTIONS) return;
  char msg[512];
  int n = snprintf(msg, sizeof msg, "%s: ", where ? where : "?");
  va_list ap;
  va_start(ap, fmt);
  if (n > 0 && (size_t)n < sizeof msg) vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
  va_end(ap);
  if (!b->kept) {
    b->kept = calloc(MAX_KEPT_REJECTIONS, sizeof *b->kept);
    if (!b->kept) return;
  }
  /* A message that cannot be stored is still counted. */
  char *copy = strdup(msg);
  if (copy) b->kept[b->n_kept++] = copy;
}

const char *jtr_builder_rejection(const jtr_builder *b, size_t i) {
  return b && i < b->n_kept ? b->kept[i] : NULL;
}

void jtr_builder_stats(const jtr_builder *b, jtr_build_stats *out) {
  memset(out, 0, sizeof *out);
  if (!b) return;
  out->certs = b->certs.n;
  out->sessions = b->sessions.n;
  out->formacodes = b->formacodes.n;
  out->rome_links = b->rome_links;
  out->rome_unknown = b->rome_unknown;
  out->rejected = b->rejected;
}

/* ---- codes ---- */

/* "34001" or "rncp34001" -> "RNCP34001"; NULL when it holds no digits. */
static uint32_t intern_prefixed(jtr_builder *b, const char *s, const char *prefix) {
  if (!s) return 0;
  while (*s == ' ') s++;
  size_t plen = strlen(prefix);
  if (strncasecmp(s, prefix, plen) == 0) s += plen;
  char buf[32];
  size_t n = 0;
  for (; *s && n + plen + 1 < sizeof buf; s++) {
    if (*s >= '0' && *s <= '9') buf[n++] = *s;
    else if (*s != ' ') return 0;
  }
  if (!n) return 0;
  char full[48];
  snprintf(full, sizeof full, "%s%.*s", prefix, (int)n, buf);
  return jtr_intern(b, full);
}

/* Normalises a ROME code to "A1234"; 0 when it is not one. */
static int rome_code(const char *s, char out[8]) {
  memset(out, 0, 8);
  if (!s) return 0;
  while (*s == ' ') s++;
  char c = *s;
  if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
  if (c < 'A' || c > 'N') return 0;
  out[0] = c;
  for (int i = 1; i < 5; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    out[i] = s[i];
  }
  for (const char *t = s + 5; *t; t++)
    if (*t != ' ') return 0;
  return 1;
}

static uint32_t formacode_num(const char *s) {
  if (!s) return 0;
  while (*s == ' ') s++;
  uint32_t v = 0;
  int n = 0;
  for (; *s >= '0' && *s <= '9' && n < 6; s++, n++) v = v * 10 + (uint32_t)(*s - '0');
  while (*s == ' ') s++;
  return (*s || n < 3) ? 0 : v;
}

/* ---- certifications ---- */

static void add_rome(jtr_builder *b, jtr_bcert *c, const char *code) {
  char rc[8];
  if (!rome_code(code, rc)) {
    if (code && *code) b->rome_unknown++;
    return;
  }
  for (unsigned i = 0; i < c->n_rome; i++)
    if (memcmp(c->rome[i].code, rc, 8) == 0) return;
  /* ROME v3 codes with no v4 fiche of the same code cannot be followed. */
  if (b->model && jalon_model_find_fiche(b->model, rc) < 0) {
    b->rome_unknown++;
    return;
  }
  if (c->n_rome >= JTR_MAX_ROME) return;
  memcpy(c->rome[c->n_rome++].code, rc, 8);
  b->rome_links++;
}

static void add_formacode(jtr_bcert *c, uint32_t code) {
  if (!code) return;
  for (unsigned i = 0; i < c->n_fc; i++)
    if (c->fc[i] == code) return;
  if (c->n_fc < JTR_MAX_FORMACODE) c->fc[c->n_fc++] = code;
}

static uint32_t fill(uint32_t have, uint32_t ref) { return have ? have : ref; }

int jtr_builder_add_cert(jtr_builder *b, const jtr_cert_in *in, uint32_t *index) {
  if (!b || !in) return JALON_EINVAL;
  if (!in->title || !*in->title) return JALON_EINVAL;
  uint32_t at = UINT32_MAX;
  size_t ci_len = in->certifinfo ? strlen(in->certifinfo) : 0;
  if (ci_len) at = ju_strmap_get(&b->by_certifinfo, in->certifinfo, ci_len);
  if (at == UINT32_MAX) {
    if (b->certs.n >= UINT32_MAX - 1) return JALON_ENOMEM;
    jtr_bcert fresh;
    memset(&fresh, 0, sizeof fresh);
    if (JU_PUSH(b->certs, fresh)) return JALON_ENOMEM;
    at = (uint32_t)(b->certs.n - 1);
    if (ci_len && ju_strmap_put(&b->by_certifinfo, in->certifinfo, ci_len, at, NULL) == UINT32_MAX)
      return JALON_ENOMEM;
  }
  jtr_bcert *c = &b->certs.v[at];
  uint32_t refs[] = {jtr_intern(b, in->certifinfo), jtr_intern(b, in->title), jtr_intern(b, in->type),
                     intern_prefixed(b, in->rncp, "RNCP"), intern_prefixed(b, in->rs, "RS"),
                     jtr_intern(b, in->certifier)};
  for (size_t i = 0; i < sizeof refs / sizeof *refs; i++)
    if (refs[i] == JCA_NONE) return JALON_ENOMEM;
  c->certifinfo = fill(c->certifinfo, refs[0]);
  c->title = fill(c->title, refs[1]);
  c->type = fill(c->type, refs[2]);
  c->rncp = fill(c->rncp, refs[3]);
  c->rs = fill(c->rs, refs[4]);
  c->certifier = fill(c->certifier, refs[5]);
  if (!c->level && in->level >= 1 && in->level <= 8) c->level = (uint8_t)in->level;
  c->flags |= (uint8_t)(in->flags & (JTR_CERT_PREPARATORY | JTR_CERT_INACTIVE | JTR_CERT_BASIC_SKILLS));
  for (int i = 0; i < JTR_MAX_FORMACODE && in->formacode[i]; i++) add_formacode(c, formacode_num(in->formacode[i]));
  for (int i = 0; i < JTR_MAX_ROME && in->rome[i]; i++) add_rome(b, c, in->rome[i]);
  if (index) *index = at;
  return 0;
}

uint32_t jtr_builder_find_cert(const jtr_builder *b, const char *certifinfo) {
  if (!b || !certifinfo || !*certifinfo) return UINT32_MAX;
  return ju_strmap_get(&b->by_certifinfo, certifinfo, strlen(certifinfo));
}

/* ---- dates and places ---- */

static int digits(const char *s, int n, int *v) {
  *v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    *v = *v * 10 + (s[i] - '0');
  }
  return 0;
}

static int valid_ymd(int y, int m, int d) {
  static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1]) return 0;
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

int jtr_date_parse(const char *s, uint32_t *ymd) {
  *ymd = 0;
  if (!s) return -1;
  size_t n = strlen(s);
  int y = 0, m = 0, d = 1;
  /* ISO dates may carry a time ("2019-02-04T00:00:00"): the day is enough. */
  if (n >= 10 && s[4] == '-' && s[7] == '-' && (n == 10 || s[10] == 'T' || s[10] == ' ')) {
    if (digits(s, 4, &y) || digits(s + 5, 2, &m) || digits(s + 8, 2, &d)) return -1;
  } else if (n == 8) {
    if (digits(s, 4, &y) || digits(s + 4, 2, &m) || digits(s + 6, 2, &d)) return -1;
  } else if (n == 7 && s[4] == '-') {
    if (digits(s, 4, &y) || digits(s + 5, 2, &m)) return -1;
  } else if (n == 10 && s[2] == '/' && s[5] == '/') {
    if (digits(s, 2, &d) || digits(s + 3, 2, &m) || digits(s + 6, 4, &y)) return -1;
  } else {
    return -1;
  }
  if (!valid_ymd(y, m, d)) return -1;
  *ymd = (uint32_t)(y * 10000 + m * 100 + d);
  return 0;
}

/* Département of a French postcode: 2 digits, Corsica split at 20200, and
 * 3 digits overseas (971..976). */
static void dept_of_postcode(const char *pc, char out[4]) {
  memset(out, 0, 4);
  if (!pc || strlen(pc) != 5) return;
  for (int i = 0; i < 5; i++)
    if (pc[i] < '0' || pc[i] > '9') return;
  if (pc[0] == '9' && pc[1] == '7') {
    memcpy(out, pc, 3);
  } else if (pc[0] == '2' && pc[1] == '0') {
    memcpy(out, pc[2] < '2' ? "2A" : "2B", 2);
  } else {
    memcpy(out, pc, 2);
  }
}

static void copy_code(char out[4], const char *s) {
  memset(out, 0, 4);
  if (!s) return;
  size_t n = strlen(s);
  if (n == 0 || n > 3) return;
  memcpy(out, s, n);
}

const char *jtr_region_of(const jtr_builder *b, const char dept[4]) {
  for (size_t i = 0; i < b->depts.n; i++)
    if (memcmp(b->depts.v[i].code, dept, 4) == 0) return b->depts.v[i].region;
  return NULL;
}

int jtr_builder_add_session(jtr_builder *b, const jtr_session_in *in) {
  if (!b || !in || in->cert >= b->certs.n) return JALON_EINVAL;
  jca_session s;
  memset(&s, 0, sizeof s);
  s.cert = in->cert;
  uint32_t refs[] = {jtr_intern(b, in->id), jtr_intern(b, in->organisation), jtr_intern(b, in->siret),
                     jtr_intern(b, in->city), jtr_intern(b, in->postcode), jtr_intern(b, in->insee),
                     jtr_intern(b, in->url)};
  for (size_t i = 0; i < sizeof refs / sizeof *refs; i++)
    if (refs[i] == JCA_NONE) return JALON_ENOMEM;
  s.id = refs[0];
  s.organisation = refs[1];
  s.siret = refs[2];
  s.city = refs[3];
  s.postcode = refs[4];
  s.insee = refs[5];
  s.url = refs[6];
  copy_code(s.department, in->department);
  if (!s.department[0]) dept_of_postcode(in->postcode, s.department);
  /* The département decides the region when both are known: sources differ
   * in the region numbering they use (INSEE, Carif), the table does not. */
  const char *reg = s.department[0] ? jtr_region_of(b, s.department) : NULL;
  copy_code(s.region, reg ? reg : in->region);
  if (in->has_coords && in->lat >= -90 && in->lat <= 90 && in->lon >= -180 && in->lon <= 180 &&
      !(in->lat == 0 && in->lon == 0)) {
    s.has_coords = 1;
    s.lat = (float)in->lat;
    s.lon = (float)in->lon;
  }
  jtr_date_parse(in->start, &s.start);
  jtr_date_parse(in->end, &s.end);
  s.hours = in->hours;
  s.distance = (int8_t)(in->distance > 0 ? 1 : in->distance == 0 ? 0 : -1);
  s.funding = in->funding;
  if (JU_PUSH(b->sessions, s)) return JALON_ENOMEM;
  return 0;
}

/* ---- read-back views ---- */

static void fc_text(uint32_t code, char out[8]) { snprintf(out, 8, "%05u", code % 100000u); }

const jtr_cert_in *jtr_builder_cert(const jtr_builder *b, uint32_t i, jtr_cert_in *view) {
  if (!b || !view || i >= b->certs.n) return NULL;
  jtr_bcert *c = &((jtr_builder *)b)->certs.v[i];
  memset(view, 0, sizeof *view);
  view->certifinfo = jtr_str(b, c->certifinfo);
  view->title = jtr_str(b, c->title);
  view->type = jtr_str(b, c->type);
  view->level = c->level;
  view->rncp = jtr_str(b, c->rncp);
  view->rs = jtr_str(b, c->rs);
  view->certifier = jtr_str(b, c->certifier);
  view->flags = c->flags | (c->clea ? JTR_CERT_BASIC_SKILLS : 0);
  for (unsigned k = 0; k < c->n_fc; k++) {
    fc_text(c->fc[k], c->fc_text[k]);
    view->formacode[k] = c->fc_text[k];
  }
  for (unsigned k = 0; k < c->n_rome; k++) view->rome[k] = c->rome[k].code;
  return view;
}

static void ymd_text(uint32_t ymd, char out[11]) {
  if (!ymd) {
    out[0] = 0;
    return;
  }
  snprintf(out, 11, "%04u-%02u-%02u", ymd / 10000 % 10000, ymd / 100 % 100, ymd % 100);
}

const jtr_session_in *jtr_builder_session(const jtr_builder *b, size_t i, jtr_session_in *view) {
  if (!b || !view || i >= b->sessions.n) return NULL;
  jtr_builder *w = (jtr_builder *)b;
  const jca_session *s = &b->sessions.v[i];
  memset(view, 0, sizeof *view);
  view->cert = s->cert;
  view->id = jtr_str(b, s->id);
  view->organisation = jtr_str(b, s->organisation);
  view->siret = jtr_str(b, s->siret);
  view->city = jtr_str(b, s->city);
  view->postcode = jtr_str(b, s->postcode);
  view->insee = jtr_str(b, s->insee);
  view->url = jtr_str(b, s->url);
  view->department = s->department[0] ? s->department : NULL;
  view->region = s->region[0] ? s->region : NULL;
  view->has_coords = s->has_coords;
  view->lat = s->lat;
  view->lon = s->lon;
  ymd_text(s->start, w->view_start);
  ymd_text(s->end, w->view_end);
  view->start = s->start ? w->view_start : NULL;
  view->end = s->end ? w->view_end : NULL;
  view->hours = s->hours;
  view->distance = s->distance;
  view->funding = s->funding;
  return view;
}

/* ---- Formacode thesaurus ---- */

int jtr_builder_add_formacode(jtr_builder *b, const char *code, const char *label, const char *words) {
  if (!b || !label) return JALON_EINVAL;
  uint32_t num = formacode_num(code);
  if (!num) return JALON_EINVAL;
  uint32_t lref = jtr_intern(b, label);
  if (lref == JCA_NONE) return JALON_ENOMEM;
  jtr_bfc fc = {num, lref};
  if (JU_PUSH(b->formacodes, fc)) return JALON_ENOMEM;
  uint32_t fc_index = (uint32_t)(b->formacodes.n - 1);
  if (!b->tok) {
    int rc = jt_ctx_new(&b->tok);
    if (rc) return rc;
    jt_tokens_init(&b->tokens);
  }
  /* The label and the describing words, stemmed the way the matcher stems
   * competence labels, so both sides meet on the same stems. */
  const char *texts[2] = {label, words};
  for (int t = 0; t < 2; t++) {
    if (!texts[t] || !*texts[t]) continue;
    if (jt_check_utf8(texts[t], strlen(texts[t]), NULL)) continue;
    int rc = jt_tokenize(b->tok, texts[t], strlen(texts[t]), &b->tokens);
    if (rc) return rc;
    for (size_t k = 0; k < b->tokens.n; k++) {
      const jt_token *tk = &b->tokens.v[k];
      if (tk->flags & (JT_NUMBER | JT_ELIDED) || tk->stem_len < 3) continue;
      if (b->model) {
        /* A model stop-word ("de", "pour") says nothing about a field. */
        uint32_t term = jm_find_term(b->model, b->tokens.buf + tk->fold, tk->fold_len);
        if (term != UINT32_MAX && jm_is_stopword(b->model, term)) continue;
      }
      const char *stem = b->tokens.buf + tk->stem;
      uint32_t id = ju_strmap_get(&b->stem_ids, stem, tk->stem_len);
      if (id == UINT32_MAX) {
        char tmp[128];
        if (tk->stem_len >= sizeof tmp) continue;
        memcpy(tmp, stem, tk->stem_len);
        tmp[tk->stem_len] = 0;
        uint32_t sref = jtr_intern(b, tmp);
        if (sref == JCA_NONE || JU_PUSH(b->stems, sref)) return JALON_ENOMEM;
        id = (uint32_t)(b->stems.n - 1);
        if (ju_strmap_put(&b->stem_ids, stem, tk->stem_len, id, NULL) == UINT32_MAX) return JALON_ENOMEM;
      }
      jtr_word w = {id, fc_index};
      if (JU_PUSH(b->fc_words, w)) return JALON_ENOMEM;
    }
  }
  return 0;
}
