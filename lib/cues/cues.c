/* Parsing and compiling the cue source, and running it on clauses. Patterns
 * are PCRE2 in UTF mode, caseless, JIT-compiled when the platform allows. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cues/cues.h"
#include "cues/prefilter.h"
#include "util/error.h"
#include "util/vec.h"

typedef struct jq_pattern {
  pcre2_code *code;
  int kind;
} jq_pattern;

struct jq_set {
  jq_pattern *p;
  size_t n;
  uint32_t max_groups;
  jq_pf *pf; /* where each pattern may match: most run on few clauses, or none */
};

static const struct { const char *name; int kind; } kinds[] = {
    {"experience", JQ_EXPERIENCE}, {"aspiration", JQ_ASPIRATION}, {"exclusion", JQ_EXCLUSION},
    {"duration", JQ_DURATION},     {"since", JQ_SINCE}};

void jq_set_free(jq_set *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n; i++) pcre2_code_free(s->p[i].code);
  jq_pf_free(s->pf);
  free(s->p);
  free(s);
}

size_t jq_set_count(const jq_set *s) { return s ? s->n : 0; }

int jq_set_compile(jq_set **out, const char *source, const char *name, jalon_error **err) {
  return jq_set_compile_mode(out, source, name, 1, err);
}

int jq_set_compile_mode(jq_set **out, const char *source, const char *name, int prefilter, jalon_error **err) {
  *out = NULL;
  jq_set *s = calloc(1, sizeof *s);
  if (!s || (prefilter && jq_pf_new(&s->pf))) {
    free(s);
    return ju_error(err, JALON_ENOMEM, "out of memory compiling cues");
  }
  size_t cap = 0, lineno = 0;
  int rc = 0;
  for (const char *line = source; !rc && *line;) {
    const char *eol = strchr(line, '\n');
    size_t len = eol ? (size_t)(eol - line) : strlen(line);
    lineno++;
    const char *p = line, *end = line + len;
    line = eol ? eol + 1 : end;
    while (p < end && (*p == ' ' || *p == '\t')) p++;
    if (p == end || *p == '#' || *p == '\r') continue;
    const char *kw = p;
    while (p < end && *p != ' ' && *p != '\t') p++;
    int kind = 0;
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
      if ((size_t)(p - kw) == strlen(kinds[k].name) && strncmp(kw, kinds[k].name, (size_t)(p - kw)) == 0)
        kind = kinds[k].kind;
    while (p < end && (*p == ' ' || *p == '\t')) p++;
    while (end > p && (end[-1] == '\r' || end[-1] == ' ')) end--;
    if (!kind || p == end) {
      rc = ju_error(err, JALON_EFORMAT, "%s:%zu: expected \"kind pattern\"", name, lineno);
      break;
    }
    int ec;
    PCRE2_SIZE off;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)p, (PCRE2_SIZE)(end - p),
                                     PCRE2_UTF | PCRE2_CASELESS | PCRE2_UCP | (s->pf ? JQ_PF_COMPILE_OPTIONS : 0), &ec,
                                     &off, NULL);
    if (!code) {
      PCRE2_UCHAR msg[160];
      pcre2_get_error_message(ec, msg, sizeof msg);
      /* PCRE2 reports a failed allocation as a compile error: keep it ENOMEM. */
      rc = ju_error(err, ec == PCRE2_ERROR_HEAP_FAILED ? JALON_ENOMEM : JALON_EFORMAT,
                    "%s:%zu: bad pattern at offset %zu: %s", name, lineno, (size_t)off,
                    (const char *)msg);
      break;
    }
    /* JIT is an optimisation: a platform without it still matches. */
    (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    /* Pattern i of the set is pattern i of the prefilter. */
    if (ju_reserve(&s->p, &cap, s->n + 1, sizeof *s->p) || (s->pf && jq_pf_add(s->pf, p, (size_t)(end - p)))) {
      pcre2_code_free(code);
      rc = ju_error(err, JALON_ENOMEM, "out of memory compiling cues");
      break;
    }
    uint32_t groups = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &groups);
    if (groups > s->max_groups) s->max_groups = groups;
    s->p[s->n++] = (jq_pattern){code, kind};
  }
  if (rc) {
    jq_set_free(s);
    return rc;
  }
  *out = s;
  return 0;
}

typedef struct jq_match {
  uint32_t tok;    /* first token of the match */
  int kind;        /* enum jq_kind */
  uint32_t months; /* durations */
} jq_match;

struct jq_ws {
  pcre2_match_data *md;
  jq_pf_text *pft;
  char *buf;
  size_t buf_cap;
  jq_clause *clauses;
  size_t clauses_cap;
  size_t buf_len;  /* folded text length of the last call */
  size_t *starts; /* offset of each clause in buf */
  size_t starts_cap;
  size_t *tok_off; /* offset of each token in buf */
  size_t tok_off_cap;
  jq_match *matches;
  size_t matches_cap;
  jq_clause *segs; /* clauses after splitting at cues */
  size_t segs_cap;
};

void jq_folded(const jq_ws *w, const char **buf, size_t *len, const size_t **tok_off) {
  *buf = w->buf;
  *len = w->buf_len;
  *tok_off = w->tok_off;
}

int jq_ws_new(jq_ws **out, const jq_set *set) {
  *out = NULL;
  jq_ws *w = calloc(1, sizeof *w);
  if (!w) return JALON_ENOMEM;
  w->md = pcre2_match_data_create(set ? set->max_groups + 1 : 1, NULL);
  if (!w->md || jq_pf_text_new(&w->pft)) {
    pcre2_match_data_free(w->md);
    free(w);
    return JALON_ENOMEM;
  }
  *out = w;
  return 0;
}

void jq_ws_free(jq_ws *w) {
  if (!w) return;
  pcre2_match_data_free(w->md);
  jq_pf_text_free(w->pft);
  free(w->buf);
  free(w->clauses);
  free(w->starts);
  free(w->tok_off);
  free(w->matches);
  free(w->segs);
  free(w);
}

/* Words that start a new clause when they join two of them. inherit says
 * whether the new clause carries on the previous one's role. */
static int conjunction(const char *w, int *inherit) {
  static const char *const carry[] = {"et", "ou", "puis", "ainsi", "ensuite", "aussi"};
  static const char *const reset[] = {"mais", "car", "donc", "alors", "sinon", "pourtant", "cependant"};
  for (size_t i = 0; i < sizeof carry / sizeof *carry; i++)
    if (strcmp(w, carry[i]) == 0) return *inherit = 1, 1;
  for (size_t i = 0; i < sizeof reset / sizeof *reset; i++)
    if (strcmp(w, reset[i]) == 0) return *inherit = 0, 1;
  return 0;
}

/* "gestes et postures", "hygiène et sécurité": the names of a field, whose
 * "et" joins no two clauses. Cut there, no cue could name the field. */
static int binomial(const jt_tokens *t, size_t j) {
  static const char *const pair[][2] = {{"gestes", "postures"}, {"hygiene", "securite"}, {"sante", "securite"},
                                        {"qualite", "securite"}, {"securite", "environnement"}};
  if (j == 0 || j + 1 >= t->n || strcmp(jt_fold(t, j), "et") || t->v[j + 1].sep >= JT_SEP_COMMA) return 0;
  for (size_t k = 0; k < sizeof pair / sizeof *pair; k++)
    if (!strcmp(jt_fold(t, j - 1), pair[k][0]) && !strcmp(jt_fold(t, j + 1), pair[k][1])) return 1;
  return 0;
}

static long number_word(const char *s, size_t n) {
  static const char *const words[] = {"zero", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit",
                                      "neuf", "dix", "onze", "douze"};
  if (n && s[0] >= '0' && s[0] <= '9') return strtol(s, NULL, 10);
  for (size_t i = 0; i < sizeof words / sizeof *words; i++)
    if (strlen(words[i]) == n && strncmp(words[i], s, n) == 0) return (long)i;
  if (n == 3 && strncmp(s, "une", 3) == 0) return 1;
  if (n == 6 && strncmp(s, "quinze", 6) == 0) return 15;
  if (n == 5 && strncmp(s, "vingt", 5) == 0) return 20;
  return 0;
}

/* Months read from a duration or "since" match, 0 if none. */
static uint32_t read_months(int kind, const char *s, const PCRE2_SIZE *ov, int groups, int now_year) {
  if (kind == JQ_DURATION && groups >= 3) {
    long num = number_word(s + ov[2], ov[3] - ov[2]);
    int in_months = s[ov[4]] == 'm';
    if (num > 0 && num < 80) return (uint32_t)(in_months ? num : num * 12);
  } else if (kind == JQ_SINCE && groups >= 2 && now_year > 0) {
    long year = strtol(s + ov[2], NULL, 10);
    if (year > 1950 && year <= now_year) return (uint32_t)((now_year - year) * 12 + 6);
  }
  return 0;
}

static int role_of(int kind) {
  switch (kind) {
  case JQ_EXCLUSION: return JQ_ROLE_EXCLUDED;
  case JQ_ASPIRATION: return JQ_ROLE_ASPIRATION;
  default: return JQ_ROLE_EXPERIENCE; /* experience cues, durations, years */
  }
}

static int cmp_match(const void *a, const void *b) {
  const jq_match *x = a, *y = b;
  if (x->tok != y->tok) return x->tok < y->tok ? -1 : 1;
  return role_of(x->kind) > role_of(y->kind) ? -1 : role_of(x->kind) < role_of(y->kind);
}

int jq_annotate(jq_ws *w, const jq_set *set, const jt_tokens *t, int now_year, const jq_clause **clauses,
                size_t *n_clauses) {
  /* 1. Clauses: a clause runs until a comma, a sentence end or a conjunction.
   * own_cue temporarily holds whether it may inherit the previous role. */
  size_t nc = 0, len = 0;
  int inherit_next = 0;
  for (size_t i = 0; i < t->n;) {
    size_t j = i + 1;
    int inherit = inherit_next;
    inherit_next = 0;
    while (j < t->n) {
      if (t->v[j].sep >= JT_SEP_COMMA) {
        inherit_next = t->v[j].sep == JT_SEP_COMMA;
        break;
      }
      int inh;
      if (conjunction(jt_fold(t, j), &inh) && !binomial(t, j)) {
        inherit_next = inh;
        break;
      }
      j++;
    }
    if (ju_reserve(&w->clauses, &w->clauses_cap, nc + 1, sizeof *w->clauses) ||
        ju_reserve(&w->starts, &w->starts_cap, nc + 1, sizeof *w->starts))
      return JALON_ENOMEM;
    jq_clause *c = &w->clauses[nc];
    memset(c, 0, sizeof *c);
    c->tok_first = (uint32_t)i;
    c->tok_end = (uint32_t)j;
    c->pad = (uint8_t)inherit;
    for (size_t k = i; k < j; k++) len += t->v[k].fold_len + 1;
    len += 2;
    nc++;
    i = j;
  }
  /* 2. One folded text for all clauses, separated by "|", so each pattern
   * runs once over the text instead of once per clause. */
  if (ju_reserve(&w->buf, &w->buf_cap, len + 1, 1) ||
      ju_reserve(&w->tok_off, &w->tok_off_cap, t->n + 1, sizeof *w->tok_off))
    return JALON_ENOMEM;
  size_t o = 0;
  for (size_t c = 0; c < nc; c++) {
    w->starts[c] = o;
    for (size_t k = w->clauses[c].tok_first; k < w->clauses[c].tok_end; k++) {
      w->tok_off[k] = o;
      memcpy(w->buf + o, jt_fold(t, k), t->v[k].fold_len);
      o += t->v[k].fold_len;
      w->buf[o++] = ' ';
    }
    w->buf[o++] = '|';
    w->buf[o++] = ' ';
  }
  /* PCRE2's JIT reads ahead in whole words: keep the spare end defined. */
  memset(w->buf + o, 0, w->buf_cap - o);
  w->buf_len = o;
  size_t nm = 0, bad;
  /* One UTF-8 check here instead of one per pcre2_match call (each checks
   * the rest of the text); the prefilter says where each pattern may match. */
  uint32_t opts = 0;
  if (set && set->pf) {
    opts = jt_check_utf8(w->buf, o, &bad) == 0 ? PCRE2_NO_UTF_CHECK : 0;
    jq_pf_text_set(w->pft, w->buf, o);
  }
  for (size_t i = 0; set && i < set->n; i++) {
    const jq_pattern *p = &set->p[i];
    uint64_t where = set->pf ? jq_pf_mask(set->pf, i, w->pft) : 0;
    for (size_t off = 0; off < o && (where || !set->pf);) {
      int r = set->pf ? jq_pf_match(p->code, w->pft, where, w->buf, o, off, opts, w->md)
                      : pcre2_match(p->code, (PCRE2_SPTR)w->buf, o, off, 0, w->md, NULL);
      if (r < 0) break;
      PCRE2_SIZE *ov = pcre2_get_ovector_pointer(w->md);
      size_t lo = 0, hi = t->n;
      while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (w->tok_off[mid] <= ov[0]) lo = mid;
        else hi = mid;
      }
      if (ju_reserve(&w->matches, &w->matches_cap, nm + 1, sizeof *w->matches)) return JALON_ENOMEM;
      w->matches[nm++] = (jq_match){(uint32_t)lo, p->kind, read_months(p->kind, w->buf, ov, r, now_year)};
      off = ov[1] > off ? ov[1] : off + 1;
    }
  }
  if (nm) qsort(w->matches, nm, sizeof *w->matches, cmp_match);
  /* 3. Run-on texts ("jai fait 8 ans de plonge jai le dos casse je veux plus
   * etre plongeur je cherche un poste") hold several cues in one clause:
   * split where a cue of another role starts. Durations mark experience but
   * never split. Exclusion > aspiration > experience within a segment. */
  size_t ns = 0, mi = 0;
  for (size_t c = 0; c < nc; c++) {
    const jq_clause *cl = &w->clauses[c];
    int inherit = cl->pad;
    uint32_t seg_start = cl->tok_first;
    int first_role = JQ_ROLE_NONE, role = JQ_ROLE_NONE, weak = 0;
    uint32_t months = 0, last_tok = UINT32_MAX;
    for (;; mi++) {
      int done = mi >= nm || w->matches[mi].tok >= cl->tok_end;
      const jq_match *m = done ? NULL : &w->matches[mi];
      int strong = m && m->kind != JQ_DURATION && m->kind != JQ_SINCE;
      int split = m && strong && first_role && role_of(m->kind) != first_role && m->tok > seg_start && m->tok != last_tok;
      if (done || split) {
        if (ju_reserve(&w->segs, &w->segs_cap, ns + 1, sizeof *w->segs)) return JALON_ENOMEM;
        jq_clause *sg = &w->segs[ns];
        memset(sg, 0, sizeof *sg);
        sg->tok_first = seg_start;
        sg->tok_end = done ? cl->tok_end : m->tok;
        sg->role = (uint8_t)(role ? role : weak ? JQ_ROLE_EXPERIENCE : JQ_ROLE_NONE);
        sg->own_cue = sg->role != JQ_ROLE_NONE;
        sg->months = months;
        if (!sg->own_cue && inherit && seg_start == cl->tok_first && ns > 0) sg->role = w->segs[ns - 1].role;
        ns++;
        if (done) break;
        seg_start = m->tok;
        first_role = role = weak = 0;
        months = 0;
      }
      if (strong) {
        int r = role_of(m->kind);
        if (!first_role) first_role = r;
        if (r > role) role = r;
      } else {
        weak = 1;
        if (!months) months = m->months;
      }
      last_tok = m->tok;
    }
  }
  *clauses = w->segs;
  *n_clauses = ns;
  return 0;
}
