/* CléA profile: text cues (has / need, flipped by a nearby negation), job
 * evidence from the rule masks of the competences of jobs held, and one
 * status per domain where the text beats what jobs imply. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clea/clea.h"
#include "model/model.h"
#include "util/error.h"
#include "util/vec.h"

typedef struct jk_pattern {
  pcre2_code *code;
  int kind;
  int sub;    /* sub-domain index, or JK_DOMAIN_ONLY */
  int domain; /* 1..7 for JK_DOMAIN_ONLY patterns */
} jk_pattern;

struct jk_set {
  jk_pattern *p;
  size_t n;
  /* All has/need patterns as one alternation, each branch opened by
   * (*MARK:index): one pass over the text finds them all, instead of one
   * pass per pattern (hundreds of passes cost milliseconds). */
  pcre2_code **combined; /* chunks: one regex may not exceed 64 KiB compiled */
  size_t n_combined;
};

#define CHUNK 24 /* patterns per combined alternation */

void jk_set_free(jk_set *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n; i++) pcre2_code_free(s->p[i].code);
  for (size_t i = 0; i < s->n_combined; i++) pcre2_code_free(s->combined[i]);
  free(s->combined);
  free(s->p);
  free(s);
}

size_t jk_set_count(const jk_set *s, int kind) {
  size_t n = 0;
  for (size_t i = 0; s && i < s->n; i++) n += s->p[i].kind == kind;
  return n;
}

/* Next TAB-separated field of [p, end); returns its end. */
static const char *field(const char *p, const char *end) {
  while (p < end && *p != '\t') p++;
  return p;
}

/* Compiles the alternation written so far as one more chunk. */
static int flush_alt(jk_set *s, char *alt, size_t *alt_len, size_t *in_alt, size_t *cap, const char *name,
                     jalon_error **err) {
  int ec;
  PCRE2_SIZE off;
  if (ju_reserve(&s->combined, cap, s->n_combined + 1, sizeof *s->combined))
    return ju_error(err, JALON_ENOMEM, "out of memory compiling cues");
  pcre2_code *c = pcre2_compile((PCRE2_SPTR)alt, *alt_len, PCRE2_UTF | PCRE2_CASELESS | PCRE2_UCP, &ec, &off, NULL);
  if (!c) {
    PCRE2_UCHAR msg[160];
    pcre2_get_error_message(ec, msg, sizeof msg);
    /* A failed allocation is ENOMEM: jm_compile_lazy retries those, but keeps any other error for good. */
    return ju_error(err, ec == PCRE2_ERROR_HEAP_FAILED ? JALON_ENOMEM : JALON_EFORMAT,
                    "%s: cue patterns do not combine: %s", name, (const char *)msg);
  }
  (void)pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
  s->combined[s->n_combined++] = c;
  *alt_len = 0;
  *in_alt = 0;
  return 0;
}

int jk_set_compile(jk_set **out, const char *source, const char *name, int (*find_sub)(void *, const char *),
                   void *ud, int at_open, jalon_error **err) {
  *out = NULL;
  jk_set *s = calloc(1, sizeof *s);
  if (!s) return ju_error(err, JALON_ENOMEM, "out of memory compiling CléA cues");
  size_t cap = 0, lineno = 0;
  int rc = 0;
  /* Signs of holding and of need go to separate alternations: in one pass a
   * match hides any other starting inside it, and a need must never be
   * hidden by the skill it contains ("écrire un mail c'est dur"). */
  char *alts[2] = {NULL, NULL};
  size_t alt_lens[2] = {0, 0}, alt_caps[2] = {0, 0}, in_alts[2] = {0, 0}, comb_cap = 0;
  for (const char *line = source; !rc && *line;) {
    const char *eol = strchr(line, '\n');
    const char *end = eol ? eol : line + strlen(line);
    lineno++;
    const char *p = line;
    line = eol ? eol + 1 : end;
    while (end > p && (end[-1] == '\r' || end[-1] == ' ')) end--;
    if (p == end || *p == '#') continue;
    const char *f1 = field(p, end);
    size_t kl = (size_t)(f1 - p);
    int kind = kl == 3 && !strncmp(p, "has", 3) ? JK_HAS : kl == 4 && !strncmp(p, "need", 4) ? JK_NEED
               : kl == 4 && !strncmp(p, "rule", 4) ? JK_RULE : kl == 3 && !strncmp(p, "sub", 3) ? 0 : -1;
    if (kind < 0 || f1 == end) {
      rc = ju_error(err, JALON_EFORMAT, "%s:%zu: expected \"has|need|rule|sub<TAB>CODE<TAB>…\"", name, lineno);
      break;
    }
    const char *c0 = f1 + 1, *c1 = field(c0, end);
    char code[16];
    if ((size_t)(c1 - c0) >= sizeof code) {
      rc = ju_error(err, JALON_EFORMAT, "%s:%zu: bad sub-domain code", name, lineno);
      break;
    }
    memcpy(code, c0, (size_t)(c1 - c0));
    code[c1 - c0] = 0;
    /* A bare domain number ("1") marks a sign that concerns the whole domain
     * ("mon français est moyen"); rules must name a sub-domain. */
    int domain = code[0] >= '1' && code[0] <= '7' && !code[1] ? code[0] - '0' : 0;
    int sub = domain && kind != JK_RULE ? JK_DOMAIN_ONLY : find_sub(ud, code);
    if (sub < 0) {
      rc = ju_error(err, JALON_EFORMAT, "%s:%zu: unknown CléA sub-domain \"%s\"", name, lineno, code);
      break;
    }
    if (kind == 0) continue; /* "sub" lines document the sub-domains */
    if (c1 == end) {
      rc = ju_error(err, JALON_EFORMAT, "%s:%zu: pattern missing", name, lineno);
      break;
    }
    const char *pat = c1 + 1;
    /* Opening a model needs only the text patterns, and only combined: each
     * line was compiled on its own when the model was built. */
    if (at_open && kind == JK_RULE) continue;
    int ec;
    PCRE2_SIZE off;
    pcre2_code *re = at_open ? NULL : pcre2_compile((PCRE2_SPTR)pat, (PCRE2_SIZE)(end - pat), PCRE2_UTF | PCRE2_CASELESS | PCRE2_UCP,
                                   &ec, &off, NULL);
    if (!re && !at_open) {
      PCRE2_UCHAR msg[160];
      pcre2_get_error_message(ec, msg, sizeof msg);
      /* PCRE2 reports a failed allocation as a compile error: keep it ENOMEM. */
      rc = ju_error(err, ec == PCRE2_ERROR_HEAP_FAILED ? JALON_ENOMEM : JALON_EFORMAT,
                    "%s:%zu: bad pattern at offset %zu: %s", name, lineno, (size_t)off,
                    (const char *)msg);
      break;
    }
    /* Rules run on thousands of labels at build time: JIT them. Text
     * patterns run through the combined alternation instead. */
    if (kind == JK_RULE) (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    else {
      size_t plen = (size_t)(end - pat);
      int w = kind == JK_NEED;
      char **alt = &alts[w];
      size_t *alt_len = &alt_lens[w];
      if (ju_reserve(alt, &alt_caps[w], *alt_len + plen + 40, 1)) {
        pcre2_code_free(re);
        rc = ju_error(err, JALON_ENOMEM, "out of memory compiling CléA cues");
        break;
      }
      *alt_len += (size_t)sprintf(*alt + *alt_len, "%s(*MARK:%zu)(?:", *alt_len ? "|" : "", s->n);
      memcpy(*alt + *alt_len, pat, plen);
      *alt_len += plen;
      (*alt)[(*alt_len)++] = ')';
      (*alt)[*alt_len] = 0;
      in_alts[w]++;
    }
    if (ju_reserve(&s->p, &cap, s->n + 1, sizeof *s->p)) {
      pcre2_code_free(re);
      rc = ju_error(err, JALON_ENOMEM, "out of memory compiling CléA cues");
      break;
    }
    s->p[s->n++] = (jk_pattern){re, kind, sub, domain};
    for (int w = 0; w < 2 && !rc; w++)
      if (in_alts[w] == CHUNK) rc = flush_alt(s, alts[w], &alt_lens[w], &in_alts[w], &comb_cap, name, err);
    if (rc) break;
  }
  for (int w = 0; w < 2; w++) {
    if (!rc && in_alts[w]) rc = flush_alt(s, alts[w], &alt_lens[w], &in_alts[w], &comb_cap, name, err);
    free(alts[w]);
  }
  if (rc) {
    jk_set_free(s);
    return rc;
  }
  *out = s;
  return 0;
}

/* Next match of the combined text patterns at or after *off: the pattern
 * that matched, its span, or NULL when there is none. */
static const jk_pattern *next_match(const jk_set *s, const pcre2_code *code, void *md, const char *buf, size_t len,
                                    size_t *off, size_t *start, size_t *end) {
  if (*off >= len) return NULL;
  int rc = pcre2_match(code, (PCRE2_SPTR)buf, len, *off, 0, md, NULL);
  if (rc < 0) return NULL;
  PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
  PCRE2_SPTR mark = pcre2_get_mark(md);
  *start = ov[0];
  *end = ov[1];
  *off = ov[1] > *off ? ov[1] : *off + 1;
  size_t i = mark ? (size_t)strtoul((const char *)mark, NULL, 10) : s->n;
  return i < s->n ? &s->p[i] : NULL;
}

void *jk_match_data_new(const jk_set *s) {
  (void)s;
  return pcre2_match_data_create(4, NULL);
}

void jk_match_data_free(void *md) { pcre2_match_data_free(md); }

uint32_t jk_rules_mask(const jk_set *s, const char *folded, size_t len, void *md) {
  uint32_t mask = 0;
  for (size_t i = 0; s && i < s->n; i++) {
    if (s->p[i].kind != JK_RULE || (mask >> s->p[i].sub & 1u)) continue;
    if (pcre2_match(s->p[i].code, (PCRE2_SPTR)folded, len, 0, 0, md, NULL) >= 0) mask |= 1u << s->p[i].sub;
  }
  return mask;
}

/* "je ne sais pas utiliser excel": a negation just before a sign that the
 * person holds a skill turns it into a need. The look-back stops at the
 * clause: "l'écrit c'est pas mon fort et l'informatique…" negates nothing
 * after "et". Need patterns carry their own negations and are not flipped. */
static int negated(const jt_tokens *t, size_t tok) {
  static const char *const neg[] = {"ne", "n'", "pas", "jamais", "aucun", "aucune", "sans", "nul", "nulle"};
  static const char *const stop[] = {"et", "mais", "ou", "puis", "car", "donc"};
  for (size_t back = 1; back <= 4 && back <= tok; back++) {
    size_t i = tok - back;
    if (t->v[i + 1].sep >= JT_SEP_COMMA) return 0;
    for (size_t k = 0; k < sizeof stop / sizeof *stop; k++)
      if (strcmp(jt_fold(t, i), stop[k]) == 0) return 0;
    for (size_t k = 0; k < sizeof neg / sizeof *neg; k++)
      if (strcmp(jt_fold(t, i), neg[k]) == 0) {
        /* "je ne gère plus la caisse": no longer, not unable. */
        if (i + 1 < tok && strcmp(jt_fold(t, i + 1), "plus") == 0) return 0;
        return 1;
      }
  }
  return 0;
}

static int push_ev(jalon_result *r, jr_clea_ev ev) {
  if (ju_reserve(&r->clea_ev, &r->clea_ev_cap, r->n_clea_ev + 1, sizeof *r->clea_ev)) return JALON_ENOMEM;
  r->clea_ev[r->n_clea_ev++] = ev;
  return 0;
}

/* pad holds the domain; the rest makes the order independent of qsort. */
static int cmp_ev(const void *a, const void *b) {
  const jr_clea_ev *x = a, *y = b;
  if (x->pad != y->pad) return x->pad < y->pad ? -1 : 1;
  if (x->from_job != y->from_job) return x->from_job < y->from_job ? -1 : 1;
  if (x->start != y->start) return x->start < y->start ? -1 : 1;
  if (x->fiche != y->fiche) return x->fiche < y->fiche ? -1 : 1;
  if (x->item != y->item) return x->item < y->item ? -1 : 1;
  return x->sub < y->sub ? -1 : x->sub > y->sub;
}

/* Token holding byte ov0 of the folded text. */
static size_t token_at(const size_t *tok_off, size_t n, size_t ov0) {
  size_t lo = 0, hi = n;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (tok_off[mid] <= ov0) lo = mid;
    else hi = mid;
  }
  return lo;
}

int jk_soft_skills(const jalon_model *m, void *md, const jt_tokens *t, const char *buf, size_t len,
                   const size_t *tok_off, jalon_result *r) {
  const jk_set *s = m->soft;
  if (!s || !t->n) return 0;
  size_t cap = 0, a, b;
  for (size_t c = 0; c < s->n_combined; c++) {
    size_t off = 0;
    const jk_pattern *p;
    while ((p = next_match(s, s->combined[c], md, buf, len, &off, &a, &b)) != NULL) {
      size_t lo = token_at(tok_off, t->n, a), last = lo;
      while (last + 1 < t->n && tok_off[last + 1] < b) last++;
      if (negated(t, lo)) continue;
      int seen = 0;
      for (size_t k = 0; k < r->n_soft && !seen; k++) seen = r->soft[k].item == (uint32_t)p->sub;
      if (seen) continue;
      if (ju_reserve(&r->soft, &cap, r->n_soft + 1, sizeof *r->soft)) return JALON_ENOMEM;
      r->soft[r->n_soft++] = (jr_soft){(uint32_t)p->sub, t->v[lo].start, t->v[last].end};
    }
  }
  return 0;
}

#define MAX_TEXT_EV 4
#define MAX_JOB_EV 3

int jk_profile(const jalon_model *m, void *md, const jt_tokens *t, const char *buf, size_t len,
               const size_t *tok_off, jalon_result *r) {
  const jk_set *s = m->clea;
  if (!s || !m->n_clea_subs) return 0;
  r->has_clea = 1;
  unsigned text_has[JK_DOMAINS] = {0}, text_need[JK_DOMAINS] = {0}, jobs[JK_DOMAINS] = {0};
  /* 1. Text: the has/need patterns, one pass per chunk of alternatives. */
  size_t a, b;
  for (size_t c = 0; c < s->n_combined; c++) {
   size_t off = 0;
   const jk_pattern *p;
   while ((p = next_match(s, s->combined[c], md, buf, len, &off, &a, &b)) != NULL) {
    size_t lo = token_at(tok_off, t->n, a), last = lo;
    while (last + 1 < t->n && tok_off[last + 1] < b) last++;
    int need = p->kind == JK_NEED || negated(t, lo);
    int d = p->sub == JK_DOMAIN_ONLY ? p->domain - 1 : m->clea_subs[p->sub].domain - 1;
    if (d >= 0 && d < JK_DOMAINS && t->n) {
      jr_clea_ev ev = {(uint8_t)p->sub, (uint8_t)need, 0, (uint8_t)d, t->v[lo].start, t->v[last].end, 0, 0};
      if (push_ev(r, ev)) return JALON_ENOMEM;
    }
   }
  }
  /* A sign of need that contains a sign of holding ("rendre la monnaie c'est
   * dur pour moi") is a need only; then count and cap per domain. */
  size_t w = 0;
  for (size_t i = 0; i < r->n_clea_ev; i++) {
    const jr_clea_ev *e = &r->clea_ev[i];
    int drop = 0;
    for (size_t k = 0; k < r->n_clea_ev && !e->need && !drop; k++) {
      const jr_clea_ev *o = &r->clea_ev[k];
      drop = o->need && o->pad == e->pad && o->start < e->end && e->start < o->end;
    }
    unsigned *count = e->need ? &text_need[e->pad] : &text_has[e->pad];
    if (drop || ++*count > MAX_TEXT_EV) continue;
    r->clea_ev[w++] = *e;
  }
  r->n_clea_ev = w;
  /* 2. Jobs held: competences of the experience fiches, through the rules. */
  for (size_t e = 0; e < r->n_experience; e++) {
    const jm_fiche *f = &m->fiches[r->experience[e].fiche];
    for (uint32_t k = 0; k < f->item_count; k++) {
      uint32_t item = m->fiche_items[f->item_first + k].item;
      uint32_t mask = m->item_clea[item];
      for (uint32_t sub = 0; mask && sub < m->n_clea_subs; sub++) {
        if (!(mask >> sub & 1u)) continue;
        int d = m->clea_subs[sub].domain - 1;
        if (d < 0 || d >= JK_DOMAINS || ++jobs[d] > MAX_JOB_EV) continue;
        jr_clea_ev ev = {(uint8_t)sub, 0, 1, (uint8_t)d, 0, 0, r->experience[e].fiche, item};
        if (push_ev(r, ev)) return JALON_ENOMEM;
      }
    }
  }
  /* 3. Group evidence by domain; the text beats what jobs imply. */
  /* qsort's base must not be NULL, even for 0 elements (C11 7.22.5; UBSan). */
  if (r->n_clea_ev) qsort(r->clea_ev, r->n_clea_ev, sizeof *r->clea_ev, cmp_ev);
  for (size_t i = 0; i < r->n_clea_ev; i++) {
    jr_clea_domain *cd = &r->clea[r->clea_ev[i].pad];
    if (!cd->ev_count) cd->ev_first = (uint32_t)i;
    cd->ev_count++;
    if (r->clea_ev[i].sub != JK_DOMAIN_ONLY) cd->subs |= 1u << r->clea_ev[i].sub;
  }
  for (int d = 0; d < JK_DOMAINS; d++) {
    jr_clea_domain *cd = &r->clea[d];
    if (text_need[d] && text_need[d] >= text_has[d]) {
      cd->status = JR_CLEA_TO_DEVELOP;
      cd->score = text_has[d] ? 0.35f : 0.2f;
    } else if (text_has[d]) {
      cd->status = JR_CLEA_ACQUIRED;
      cd->score = jobs[d] ? 0.9f : 0.8f;
    } else if (jobs[d]) {
      cd->status = JR_CLEA_ACQUIRED;
      cd->score = 0.6f;
    } else {
      cd->status = JR_CLEA_UNKNOWN;
      cd->score = 0.5f;
    }
  }
  return 0;
}
