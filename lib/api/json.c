/* JSON in and out with cJSON: the request parser, the response and error
 * objects of jalon_diagnose_json, and the fiche description (DESIGN.md). */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json.h"
#include "api/json_util.h"
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

/* ---- small helpers ---- */

/* Codes OGR are numbers in the model; JSON carries them as strings (in the
 * response's appellation and in the fiche) since they are identifiers, not
 * amounts, and a reader must not round or reformat them. */
static int add_ogr(cJSON *o, const char *key, uint32_t code) {
  char buf[12];
  snprintf(buf, sizeof buf, "%" PRIu32, code);
  return add_str(o, key, buf);
}

/* Growable scratch buffer for NUL-terminated substrings of the text. */
typedef struct sbuf {
  char *p;
  size_t cap;
} sbuf;

static const char *substr(sbuf *b, const char *s, size_t n) {
  if (n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap < n + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) return NULL;
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p, s, n);
  b->p[n] = 0;
  return b->p;
}

/* ---- response ---- */

static const char *role_name(int role) {
  switch (role) {
  case JR_ROLE_EXPERIENCE: return "experience";
  case JR_ROLE_ASPIRATION: return "aspiration";
  case JR_ROLE_EXCLUDED: return "excluded";
  default: return "neutral";
  }
}

static int add_job(cJSON *arr, const jalon_result *r, const jr_job *j, sbuf *b) {
  const jalon_model *m = r->model;
  /* The matcher builds these indexes; a bad one is a bug, and an error
   * beats reading outside the model. */
  if (j->fiche >= m->n_fiches || (j->appel != JR_NONE && j->appel >= m->n_appels) ||
      (size_t)j->ev_first + j->ev_count > r->n_spans)
    return JALON_EINTERNAL;
  const jm_fiche *f = &m->fiches[j->fiche];
  cJSON *o = push_object(arr);
  if (!o) return JALON_ENOMEM;
  int rc = add_str(o, "rome", jm_str(m, f->code));
  if (!rc) rc = add_str(o, "parent", jm_str(m, f->parent));
  if (!rc) rc = add_str(o, "label", jm_str(m, f->label));
  if (!rc) rc = add_num(o, "score", round4(j->score));
  if (!rc && j->appel != JR_NONE) {
    cJSON *a = cJSON_AddObjectToObject(o, "appellation");
    rc = a ? 0 : JALON_ENOMEM;
    if (!rc) rc = add_ogr(a, "code", m->appels[j->appel].code_ogr);
    if (!rc) rc = add_str(a, "label", jm_str(m, m->appels[j->appel].label));
  }
  if (!rc) rc = add_str(o, "role", role_name(j->role));
  if (!rc && j->months) rc = add_num(o, "months", j->months);
  cJSON *ev = rc ? NULL : cJSON_AddArrayToObject(o, "evidence");
  if (!rc && !ev) rc = JALON_ENOMEM;
  for (uint32_t k = 0; !rc && k < j->ev_count; k++) {
    const jr_span *sp = &r->spans[j->ev_first + k];
    if (sp->start > sp->end || sp->end > r->text_len) return JALON_EINTERNAL;
    cJSON *e = push_object(ev);
    const char *t = e ? substr(b, r->text + sp->start, sp->end - sp->start) : NULL;
    rc = t ? 0 : JALON_ENOMEM;
    if (!rc) rc = add_num(e, "start", sp->start);
    if (!rc) rc = add_num(e, "end", sp->end);
    if (!rc) rc = add_str(e, "text", t);
  }
  return rc;
}

static int add_jobs(cJSON *root, const char *key, const jalon_result *r, const jr_job *v, size_t n, sbuf *b) {
  cJSON *arr = cJSON_AddArrayToObject(root, key);
  if (!arr) return JALON_ENOMEM;
  int rc = 0;
  for (size_t i = 0; !rc && i < n; i++) rc = add_job(arr, r, &v[i], b);
  return rc;
}

/* "Did you mean": misspelt words of the text and the model word read. */
static int add_corrections(cJSON *root, const jalon_result *r, sbuf *b) {
  cJSON *arr = cJSON_AddArrayToObject(root, "corrections");
  if (!arr) return JALON_ENOMEM;
  for (size_t k = 0; k < r->n_corrections; k++) {
    const jr_correction *c = &r->corrections[k];
    if (c->start > c->end || c->end > r->text_len || c->term >= r->model->n_terms) return JALON_EINTERNAL;
    cJSON *e = push_object(arr);
    const char *from = e ? substr(b, r->text + c->start, c->end - c->start) : NULL;
    int rc = from ? 0 : JALON_ENOMEM;
    if (!rc) rc = add_num(e, "start", c->start);
    if (!rc) rc = add_num(e, "end", c->end);
    if (!rc) rc = add_str(e, "from", from);
    if (!rc) rc = add_str(e, "to", jm_str(r->model, r->model->terms[c->term].str));
    if (rc) return rc;
  }
  return 0;
}

static int add_gap_items(cJSON *g, const char *key, const jalon_result *r, const jr_gap_item *v, size_t n,
                         sbuf *b) {
  const jalon_model *m = r->model;
  cJSON *arr = cJSON_AddArrayToObject(g, key);
  if (!arr) return JALON_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    const jr_gap_item *gi = &v[i];
    /* As for jobs: a bad index or span from the gap stage is a bug, reported
     * rather than read out of bounds (an item from a job must name the job;
     * an item from the text must hold a span of it). */
    if (gi->item >= m->n_items || (gi->from != JR_NONE && gi->from >= m->n_fiches) ||
        (gi->source == JR_GAP_FROM_JOB && gi->from == JR_NONE) ||
        (gi->source == JR_GAP_FROM_TEXT && (gi->ev_start > gi->ev_end || gi->ev_end > r->text_len)))
      return JALON_EINTERNAL;
    const jm_item *it = &m->items[gi->item];
    char code[16];
    snprintf(code, sizeof code, "%u", it->code_ogr);
    cJSON *o = push_object(arr);
    int rc = o ? 0 : JALON_ENOMEM;
    if (!rc) rc = add_str(o, "code", code);
    if (!rc) rc = add_str(o, "label", jm_str(m, it->label));
    if (!rc) rc = add_str(o, "kind", jr_item_kind_name(it->kind));
    if (!rc) rc = add_bool(o, "core", gi->core == JM_CORE_PRINCIPALE);
    if (!rc) rc = add_num(o, "weight", round4(gi->weight));
    if (!rc && gi->source == JR_GAP_FROM_JOB) {
      rc = add_str(o, "source", "experience");
      if (!rc) rc = add_str(o, "from", jm_str(m, m->fiches[gi->from].code));
    } else if (!rc && gi->source == JR_GAP_FROM_TEXT) {
      rc = add_str(o, "source", "text");
      cJSON *ev = rc ? NULL : cJSON_AddArrayToObject(o, "evidence");
      cJSON *e = ev ? push_object(ev) : NULL;
      const char *t = e ? substr(b, r->text + gi->ev_start, gi->ev_end - gi->ev_start) : NULL;
      if (!rc) rc = t ? 0 : JALON_ENOMEM;
      if (!rc) rc = add_num(e, "start", gi->ev_start);
      if (!rc) rc = add_num(e, "end", gi->ev_end);
      if (!rc) rc = add_str(e, "text", t);
    }
    if (rc) return rc;
  }
  return 0;
}

/* "soft_skills": ROME savoir-être the text shows, with where. */
static int add_soft(cJSON *root, const jalon_result *r, sbuf *b) {
  const jalon_model *m = r->model;
  cJSON *arr = cJSON_AddArrayToObject(root, "soft_skills");
  if (!arr) return JALON_ENOMEM;
  for (size_t i = 0; i < r->n_soft; i++) {
    const jr_soft *s = &r->soft[i];
    if (s->item >= m->n_items || s->start > s->end || s->end > r->text_len) return JALON_EINTERNAL;
    char code[16];
    snprintf(code, sizeof code, "%u", m->items[s->item].code_ogr);
    cJSON *o = push_object(arr);
    const char *t = o ? substr(b, r->text + s->start, s->end - s->start) : NULL;
    int rc = t ? 0 : JALON_ENOMEM;
    if (!rc) rc = add_str(o, "code", code);
    if (!rc) rc = add_str(o, "label", jm_str(m, m->items[s->item].label));
    cJSON *ev = rc ? NULL : cJSON_AddArrayToObject(o, "evidence");
    cJSON *e = ev ? push_object(ev) : NULL;
    if (!rc && !e) rc = JALON_ENOMEM;
    if (!rc) rc = add_num(e, "start", s->start);
    if (!rc) rc = add_num(e, "end", s->end);
    if (!rc) rc = add_str(e, "text", t);
    if (rc) return rc;
  }
  return 0;
}

static const char *clea_status(int s) {
  return s == JR_CLEA_ACQUIRED ? "acquired" : s == JR_CLEA_TO_DEVELOP ? "to_develop" : "unknown";
}

/* "clea": the seven domains, each with its status and the evidence. */
static int add_clea(cJSON *root, const jalon_result *r, sbuf *b) {
  const jalon_model *m = r->model;
  cJSON *arr = cJSON_AddArrayToObject(root, "clea");
  if (!arr) return JALON_ENOMEM;
  for (int d = 0; d < 7; d++) {
    const jr_clea_domain *cd = &r->clea[d];
    const char *label = NULL;
    for (size_t k = 0; k < m->n_clea_subs && !label; k++)
      if (m->clea_subs[k].domain == d + 1) label = jm_str(m, m->clea_subs[k].domain_label);
    if (!label) continue;
    cJSON *o = push_object(arr);
    int rc = o ? 0 : JALON_ENOMEM;
    if (!rc) rc = add_num(o, "domain", d + 1);
    if (!rc) rc = add_str(o, "label", label);
    if (!rc) rc = add_str(o, "status", clea_status(cd->status));
    if (!rc) rc = add_num(o, "score", round4(cd->score));
    cJSON *subs = rc ? NULL : cJSON_AddArrayToObject(o, "subdomains");
    if (!rc && !subs) rc = JALON_ENOMEM;
    for (size_t k = 0; !rc && k < m->n_clea_subs; k++) {
      if (!(cd->subs >> k & 1u)) continue;
      cJSON *so = push_object(subs);
      rc = so ? 0 : JALON_ENOMEM;
      if (!rc) rc = add_str(so, "code", jm_str(m, m->clea_subs[k].code));
      if (!rc) rc = add_str(so, "label", jm_str(m, m->clea_subs[k].label));
      if (!rc && m->clea_subs[k].unverified) rc = add_bool(so, "unverified", 1);
    }
    cJSON *ev = rc ? NULL : cJSON_AddArrayToObject(o, "evidence");
    if (!rc && !ev) rc = JALON_ENOMEM;
    for (uint32_t k = 0; !rc && k < cd->ev_count; k++) {
      if ((size_t)cd->ev_first + k >= r->n_clea_ev) return JALON_EINTERNAL;
      const jr_clea_ev *e = &r->clea_ev[cd->ev_first + k];
      if ((e->sub >= m->n_clea_subs && e->sub != JK_DOMAIN_ONLY) || (e->from_job && (e->fiche >= m->n_fiches || e->item >= m->n_items)) ||
          (!e->from_job && (e->start > e->end || e->end > r->text_len)))
        return JALON_EINTERNAL;
      cJSON *eo = push_object(ev);
      rc = eo ? 0 : JALON_ENOMEM;
      if (!rc) rc = add_str(eo, "source", e->from_job ? "experience" : "text");
      if (!rc) rc = add_str(eo, "kind", e->need ? "need" : "has");
      if (!rc && e->sub != JK_DOMAIN_ONLY) rc = add_str(eo, "subdomain", jm_str(m, m->clea_subs[e->sub].code));
      if (!rc && e->from_job) {
        char code[16];
        snprintf(code, sizeof code, "%u", m->items[e->item].code_ogr);
        rc = add_str(eo, "rome", jm_str(m, m->fiches[e->fiche].code));
        cJSON *c = rc ? NULL : cJSON_AddObjectToObject(eo, "competence");
        if (!rc && !c) rc = JALON_ENOMEM;
        if (!rc) rc = add_str(c, "code", code);
        if (!rc) rc = add_str(c, "label", jm_str(m, m->items[e->item].label));
      } else if (!rc) {
        const char *t = substr(b, r->text + e->start, e->end - e->start);
        rc = t ? 0 : JALON_ENOMEM;
        if (!rc) rc = add_num(eo, "start", e->start);
        if (!rc) rc = add_num(eo, "end", e->end);
        if (!rc) rc = add_str(eo, "text", t);
      }
    }
    if (rc) return rc;
  }
  return 0;
}

/* "gap": what the target job needs that the person holds or lacks. */
static int add_gap(cJSON *root, const jalon_result *r, sbuf *b) {
  const jalon_model *m = r->model;
  const jr_gap *g = &r->gap;
  if (g->target >= m->n_fiches) return JALON_EINTERNAL;
  cJSON *o = cJSON_AddObjectToObject(root, "gap");
  if (!o) return JALON_ENOMEM;
  int rc = add_str(o, "target", jm_str(m, m->fiches[g->target].code));
  if (!rc) rc = add_str(o, "label", jm_str(m, m->fiches[g->target].label));
  if (!rc) rc = add_str(o, "target_from", g->target_given ? "request" : "aspiration");
  if (!rc) rc = add_num(o, "score", round4(g->score));
  if (!rc) rc = add_gap_items(o, "held", r, g->held, g->n_held, b);
  if (!rc) rc = add_gap_items(o, "missing", r, g->missing, g->n_missing, b);
  cJSON *near = rc ? NULL : cJSON_AddArrayToObject(o, "nearby");
  if (!rc && !near) rc = JALON_ENOMEM;
  for (size_t i = 0; !rc && i < g->n_nearby; i++) {
    if (g->nearby[i] >= m->n_fiches) return JALON_EINTERNAL;
    cJSON *n = push_object(near);
    rc = n ? 0 : JALON_ENOMEM;
    if (!rc) rc = add_str(n, "rome", jm_str(m, m->fiches[g->nearby[i]].code));
    if (!rc) rc = add_str(n, "label", jm_str(m, m->fiches[g->nearby[i]].label));
    if (!rc) rc = add_num(n, "gap", round4(g->nearby_score[i]));
  }
  return rc;
}

/* Builds the response tree. Role lists are always present (empty when the
 * text held no cue) so readers need not test for them. CléA, gap and
 * trainings are left out until those stages exist: the contract only grows. */
static int build_response(cJSON **out, const jalon_result *r) {
  cJSON *root = cJSON_CreateObject();
  if (!root) return JALON_ENOMEM;
  sbuf b = {NULL, 0};
  int rc = r->id ? add_str(root, "id", r->id) : 0;
  if (!rc) rc = add_str(root, "jalon", jalon_version());
  cJSON *model = rc ? NULL : cJSON_AddObjectToObject(root, "model");
  if (!rc && !model) rc = JALON_ENOMEM;
  if (!rc) rc = add_str(model, "rome", jalon_model_rome_version(r->model));
  if (!rc) rc = add_str(model, "checksum", jalon_model_checksum(r->model));
  if (!rc) rc = add_jobs(root, "jobs", r, r->jobs, r->n_jobs, &b);
  if (!rc) rc = add_jobs(root, "experience", r, r->experience, r->n_experience, &b);
  if (!rc) rc = add_jobs(root, "aspirations", r, r->aspirations, r->n_aspirations, &b);
  if (!rc) rc = add_jobs(root, "excluded", r, r->excluded, r->n_excluded, &b);
  if (!rc) rc = add_corrections(root, r, &b);
  if (!rc && r->gap.target != JR_NONE) rc = add_gap(root, r, &b);
  if (!rc && r->has_clea) rc = add_clea(root, r, &b);
  if (!rc && r->model->soft) rc = add_soft(root, r, &b);
  if (!rc) rc = jj_add_trainings(root, r);
  cJSON *conf = rc ? NULL : cJSON_AddObjectToObject(root, "confidence");
  if (!rc && !conf) rc = JALON_ENOMEM;
  if (!rc) rc = add_num(conf, "margin", round4(r->margin));
  if (!rc) rc = add_bool(conf, "abstain", r->abstain);
  free(b.p);
  if (rc) {
    cJSON_Delete(root);
    return rc;
  }
  *out = root;
  return 0;
}

int jalon_result_to_json(char **out, const jalon_result *r, int pretty, jalon_error **err) {
  if (!out || !r) return ju_error(err, JALON_EINVAL, "jalon_result_to_json: NULL argument");
  *out = NULL;
  cJSON *doc = NULL;
  int rc = build_response(&doc, r);
  if (!rc) {
    rc = print_doc(out, doc, pretty);
    cJSON_Delete(doc);
  }
  if (rc == JALON_ENOMEM) return ju_error(err, rc, "out of memory writing the response JSON");
  if (rc) return ju_error(err, rc, "inconsistent result (bad index or span) while writing JSON");
  return 0;
}

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

/* ---- jalon_diagnose_json ---- */

/* {"id": id or null, "error": {"code","message","message_fr"}}. The id is
 * always present (null when unknown) so batch readers can rely on it. */
static int error_response(char **out, const char *id, int status, const jalon_error *e) {
  /* When even the jalon_error could not be allocated, fall back on the fixed
   * texts for the status; a stack error object reaches the French one. */
  jalon_error fallback = {status, NULL, NULL};
  const jalon_error *src = e ? e : &fallback;
  cJSON *root = cJSON_CreateObject();
  if (!root) return JALON_ENOMEM;
  int rc = id ? add_str(root, "id", id) : (cJSON_AddNullToObject(root, "id") ? 0 : JALON_ENOMEM);
  cJSON *eo = rc ? NULL : cJSON_AddObjectToObject(root, "error");
  if (!rc && !eo) rc = JALON_ENOMEM;
  if (!rc) rc = add_str(eo, "code", jj_status_code_name(status));
  if (!rc) rc = add_str(eo, "message", jalon_error_message(src));
  if (!rc) rc = add_str(eo, "message_fr", jalon_error_message_fr(src));
  if (!rc) rc = print_doc(out, root, 0);
  cJSON_Delete(root);
  return rc;
}

int jalon_diagnose_json(char **out, jalon_workspace *ws, const char *request, size_t len, jalon_error **err) {
  if (!out) return ju_error(err, JALON_EINVAL, "jalon_diagnose_json: NULL output pointer");
  *out = NULL;
  /* Errors are always collected, even when the caller passes no err: the
   * response needs their message. */
  jalon_error *e = NULL;
  jj_request req;
  memset(&req, 0, sizeof req);
  jalon_result *res = NULL;
  int rc;
  if (!ws) rc = ju_error(&e, JALON_EINVAL, "jalon_diagnose_json: NULL workspace");
  else rc = jj_parse_request(&req, request, len, &e);
  if (!rc) {
    jalon_diagnose_options opts = JALON_DIAGNOSE_OPTIONS_INIT;
    opts.title = req.title;
    opts.title_len = req.title_len;
    opts.max_jobs = req.max_jobs;
    opts.id = req.id;
    opts.target = req.target;
    jalon_place place = {req.place.department, req.place.region, req.place.has_coords, req.place.lat,
                         req.place.lon, req.place.radius_km};
    if (req.place.given) opts.place = &place;
    opts.after = req.after;
    if (req.has_max_trainings && req.max_trainings == 0) opts.flags |= JALON_DIAGNOSE_NO_TRAININGS;
    else if (req.has_max_trainings) opts.max_trainings = req.max_trainings;
    rc = jalon_diagnose(&res, ws, req.text, req.text_len, &opts, &e);
  }
  if (!rc) rc = jalon_result_to_json(out, res, 0, &e);
  if (rc && error_response(out, req.id, rc, e)) {
    *out = NULL;
    jalon_error_free(e);
    e = NULL;
    rc = ju_error(&e, JALON_ENOMEM, "out of memory writing the error response");
  }
  jalon_result_free(res);
  jj_request_free(&req);
  if (rc && err) *err = e;
  else jalon_error_free(e);
  return rc;
}

/* ---- the ROME fiche ---- */

static const char *kind_name(uint8_t kind) {
  switch (kind) {
  case JM_ITEM_SAVOIR_ETRE: return "savoir_etre";
  case JM_ITEM_SAVOIR: return "savoir";
  default: return "savoir_faire";
  }
}

static int add_code_label(cJSON *o, const char *key, const jalon_model *m, uint32_t code, uint32_t label) {
  cJSON *c = cJSON_AddObjectToObject(o, key);
  if (!c) return JALON_ENOMEM;
  int rc = add_str(c, "code", jm_str(m, code));
  if (!rc) rc = add_str(c, "label", jm_str(m, label));
  return rc;
}

static int build_fiche(cJSON *o, const jalon_model *m, const jm_fiche *f) {
  int rc = add_str(o, "rome", jm_str(m, f->code));
  if (!rc) rc = add_str(o, "parent", jm_str(m, f->parent));
  if (!rc) rc = add_str(o, "label", jm_str(m, f->label));
  if (!rc) rc = add_code_label(o, "grand_domaine", m, f->grand_domaine, f->grand_domaine_label);
  if (!rc) rc = add_code_label(o, "domaine_professionnel", m, f->domaine_pro, f->domaine_pro_label);
  if (!rc) rc = add_str(o, "definition", jm_str(m, f->definition));
  if (!rc) rc = add_str(o, "access", jm_str(m, f->access));

  cJSON *arr = rc ? NULL : cJSON_AddArrayToObject(o, "appellations");
  if (!rc && !arr) rc = JALON_ENOMEM;
  for (uint32_t k = 0; !rc && k < f->appel_count; k++) {
    const jm_appel *a = &m->appels[f->appel_first + k];
    cJSON *it = push_object(arr);
    rc = it ? 0 : JALON_ENOMEM;
    if (!rc) rc = add_ogr(it, "code", a->code_ogr);
    if (!rc) rc = add_str(it, "label", jm_str(m, a->label));
    if (!rc) rc = add_str(it, "label_short", jm_str(m, a->label_short));
    if (!rc) rc = add_bool(it, "peu_usite", a->peu_usite);
    if (!rc) rc = add_bool(it, "principale", a->principale);
  }

  arr = rc ? NULL : cJSON_AddArrayToObject(o, "competences");
  if (!rc && !arr) rc = JALON_ENOMEM;
  for (uint32_t k = 0; !rc && k < f->item_count; k++) {
    const jm_fiche_item *fi = &m->fiche_items[f->item_first + k];
    const jm_item *item = &m->items[fi->item];
    cJSON *it = push_object(arr);
    rc = it ? 0 : JALON_ENOMEM;
    if (!rc) rc = add_ogr(it, "code", item->code_ogr);
    if (!rc) rc = add_str(it, "label", jm_str(m, item->label));
    if (!rc) rc = add_str(it, "kind", kind_name(item->kind));
    if (!rc) {
      /* null, not absent, when the fiche does not rank it: the field is
       * always there for readers that index by key. */
      if (fi->core == JM_CORE_PRINCIPALE) rc = add_str(it, "core", "principale");
      else if (fi->core == JM_CORE_EMERGENTE) rc = add_str(it, "core", "emergente");
      else rc = cJSON_AddNullToObject(it, "core") ? 0 : JALON_ENOMEM;
    }
  }

  arr = rc ? NULL : cJSON_AddArrayToObject(o, "mobility");
  if (!rc && !arr) rc = JALON_ENOMEM;
  for (uint32_t k = 0; !rc && k < f->mob_count; k++) {
    const jm_mobility *mo = &m->mobility[f->mob_first + k];
    const jm_fiche *t = &m->fiches[mo->target];
    cJSON *it = push_object(arr);
    rc = it ? 0 : JALON_ENOMEM;
    if (!rc) rc = add_str(it, "rome", jm_str(m, t->code));
    if (!rc) rc = add_str(it, "label", jm_str(m, t->label));
    if (!rc) rc = add_num(it, "rank", mo->rank);
  }
  return rc;
}

int jalon_model_fiche_json(char **out, const jalon_model *m, const char *code, jalon_error **err) {
  if (!out || !m || !code) return ju_error(err, JALON_EINVAL, "jalon_model_fiche_json: NULL argument");
  *out = NULL;
  long i = jalon_model_find_fiche(m, code);
  if (i < 0) return ju_error(err, JALON_ENOTFOUND, "no fiche \"%s\" in this model", code);
  cJSON *o = cJSON_CreateObject();
  int rc = o ? build_fiche(o, m, &m->fiches[i]) : JALON_ENOMEM;
  if (!rc) rc = print_doc(out, o, 0);
  cJSON_Delete(o);
  if (rc) return ju_error(err, rc, "out of memory writing the fiche JSON");
  return 0;
}
