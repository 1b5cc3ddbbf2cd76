/* Skill gap towards a target fiche. Held competences come from the fiches of
 * the jobs in r->experience (weighted by how long, when the text says) and
 * from competence labels whose words the text contains; missing ones are the
 * rest of the target's, core ones first. */
#include <stdlib.h>
#include <string.h>

#include "gap/gap.h"
#include "util/vec.h"

#define W_CORE 2.0f      /* coeur_metier "Principale" */
#define W_EMERGING 1.5f  /* "Émergente" */
#define W_PLAIN 1.0f
#define W_SAVOIR_ETRE 0.6f /* soft skills matter, but a job is learnt by its know-how */
#define HELD_MIN 0.5f    /* below this a competence counts as missing */
#define TEXT_COVER 0.75f /* share of a label's word mass the text must hold */
#define MAX_NEARBY 8
#define MAX_CANDIDATES 24 /* mobility links scored for "nearby", target's first */

static float item_weight(const jalon_model *m, const jm_fiche_item *fi) {
  float w = fi->core == JM_CORE_PRINCIPALE ? W_CORE : fi->core == JM_CORE_EMERGENTE ? W_EMERGING : W_PLAIN;
  if (m->items[fi->item].kind == JM_ITEM_SAVOIR_ETRE) w *= W_SAVOIR_ETRE;
  return w;
}

/* Experience counts more with time: half credit for a job named without a
 * duration or just started, full credit from two years on. */
static float experience_credit(uint32_t months) {
  if (!months) return 0.8f;
  float c = 0.5f + (float)months / 48.0f;
  return c > 1 ? 1 : c;
}

/* What the person brings, indexed once per call so that scoring a fiche
 * (the target and every nearby candidate) is a few binary searches per
 * competence rather than scans of the text and of every job's fiche. */
typedef struct held_job { uint32_t item, fiche; float credit; } held_job;
typedef struct text_stem { uint32_t stem, tok; } text_stem;

typedef struct gctx {
  const jalon_model *m;
  const jt_tokens *text;
  const jalon_result *r;
  held_job *jobs;   /* competences of the jobs held, sorted by item */
  size_t n_jobs;
  text_stem *stems; /* distinct stems of the text with their first token, sorted */
  size_t n_stems;
  /* The text's stems and the jobs' items as 1024-bit Bloom filters: most
   * competence labels share fewer than two words with a text and most items
   * are no job's, and a bit test shows it without a binary search (item_held
   * runs on every item of the target and of up to 24 nearby fiches). */
  uint64_t bloom[16], job_bloom[16];
} gctx;

static inline uint32_t bloom_bit(uint32_t x) { return (x * 0x9E3779B1u) >> 22; }
static inline void bloom_add(uint64_t *b, uint32_t x) { b[bloom_bit(x) >> 6] |= (uint64_t)1 << (bloom_bit(x) & 63); }
static inline int bloom_has(const uint64_t *b, uint32_t x) { return b[bloom_bit(x) >> 6] >> (bloom_bit(x) & 63) & 1; }

static int cmp_held(const void *a, const void *b) {
  const held_job *x = a, *y = b;
  if (x->item != y->item) return x->item < y->item ? -1 : 1;
  if (x->credit != y->credit) return x->credit > y->credit ? -1 : 1;
  return x->fiche < y->fiche ? -1 : x->fiche > y->fiche;
}

static int cmp_tstem(const void *a, const void *b) {
  const text_stem *x = a, *y = b;
  if (x->stem != y->stem) return x->stem < y->stem ? -1 : 1;
  return x->tok < y->tok ? -1 : x->tok > y->tok;
}

static int gctx_init(gctx *g, const jalon_model *m, const jt_tokens *text, const uint32_t *stems,
                     const jalon_result *r, uint32_t skip_fiche) {
  memset(g, 0, sizeof g[0]);
  g->m = m;
  g->text = text;
  g->r = r;
  size_t n = 0;
  for (size_t e = 0; e < r->n_experience; e++)
    if (r->experience[e].fiche != skip_fiche) n += m->fiches[r->experience[e].fiche].item_count;
  g->jobs = malloc((n ? n : 1) * sizeof *g->jobs);
  g->stems = malloc((text->n ? text->n : 1) * sizeof *g->stems);
  if (!g->jobs || !g->stems) return JALON_ENOMEM;
  for (size_t e = 0; e < r->n_experience; e++) {
    const jr_job *j = &r->experience[e];
    if (j->fiche == skip_fiche) continue;
    const jm_fiche *f = &m->fiches[j->fiche];
    for (uint32_t k = 0; k < f->item_count; k++) {
      g->jobs[g->n_jobs++] = (held_job){m->fiche_items[f->item_first + k].item, j->fiche, experience_credit(j->months)};
      bloom_add(g->job_bloom, m->fiche_items[f->item_first + k].item);
    }
  }
  if (g->n_jobs) qsort(g->jobs, g->n_jobs, sizeof *g->jobs, cmp_held);
  for (size_t i = 0; i < text->n; i++)
    if (stems[i] != UINT32_MAX) {
      g->stems[g->n_stems++] = (text_stem){stems[i], (uint32_t)i};
      bloom_add(g->bloom, stems[i]);
    }
  if (g->n_stems) qsort(g->stems, g->n_stems, sizeof *g->stems, cmp_tstem);
  return 0;
}

static void gctx_free(gctx *g) {
  free(g->jobs);
  free(g->stems);
}

/* Best credit for an item among the jobs held (the first of its run). */
static const held_job *job_for(const gctx *g, uint32_t item) {
  if (!bloom_has(g->job_bloom, item)) return NULL;
  size_t lo = 0, hi = g->n_jobs;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (g->jobs[mid].item < item) lo = mid + 1;
    else hi = mid;
  }
  return lo < g->n_jobs && g->jobs[lo].item == item ? &g->jobs[lo] : NULL;
}

/* First token of the text with this stem, or UINT32_MAX. */
static uint32_t text_tok(const gctx *g, uint32_t stem) {
  size_t lo = 0, hi = g->n_stems;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (g->stems[mid].stem < stem) lo = mid + 1;
    else hi = mid;
  }
  return lo < g->n_stems && g->stems[lo].stem == stem ? g->stems[lo].tok : UINT32_MAX;
}

/* How much of an item label's words (by idf) the text holds, and where. */
static float text_cover(const gctx *g, uint32_t item, uint32_t *start, uint32_t *end) {
  const jalon_model *m = g->m;
  /* Fewer than two words possibly in the text: the answer below is 0. */
  size_t maybe = 0;
  for (uint32_t k = m->item_term_first[item]; k < m->item_term_first[item + 1] && maybe < 2; k++)
    maybe += (size_t)bloom_has(g->bloom, m->terms[m->item_terms[k]].stem);
  if (maybe < 2) return 0;
  float total = 0, got = 0;
  uint32_t a = UINT32_MAX, b = 0;
  size_t words = 0;
  for (uint32_t k = m->item_term_first[item]; k < m->item_term_first[item + 1]; k++) {
    uint32_t stem = m->terms[m->item_terms[k]].stem;
    float idf = m->stems[stem].idf;
    total += idf;
    uint32_t i = text_tok(g, stem);
    if (i == UINT32_MAX) continue;
    got += idf;
    words++;
    if (g->text->v[i].start < a) a = g->text->v[i].start;
    if (g->text->v[i].end > b) b = g->text->v[i].end;
  }
  /* One shared word is a coincidence, not a competence. */
  if (total <= 0 || words < 2) return 0;
  *start = a;
  *end = b;
  return got / total;
}

static int cmp_gap(const void *x, const void *y) {
  const jr_gap_item *a = x, *b = y;
  if (a->weight != b->weight) return a->weight > b->weight ? -1 : 1;
  return a->item < b->item ? -1 : a->item > b->item;
}

/* How much of competence fi the person holds, and from where. */
static void item_held(const gctx *g, const jm_fiche_item *fi, jr_gap_item *gi) {
  const jalon_model *m = g->m;
  const jalon_result *r = g->r;
  memset(gi, 0, sizeof *gi);
  gi->item = fi->item;
  gi->core = fi->core;
  gi->from = JR_NONE;
  gi->weight = item_weight(m, fi);
  const held_job *hj = job_for(g, fi->item);
  if (hj) {
    gi->held = hj->credit;
    gi->source = JR_GAP_FROM_JOB;
    gi->from = hj->fiche;
  }
  uint32_t a = 0, b = 0;
  float tc = text_cover(g, fi->item, &a, &b);
  /* Soft skills are said in other words ("je suis patiente"): the cue
   * lexicon found them, with their span. */
  for (size_t k = 0; k < r->n_soft; k++)
    if (r->soft[k].item == fi->item) {
      tc = 1;
      a = r->soft[k].start;
      b = r->soft[k].end;
    }
  if (tc >= TEXT_COVER && tc >= gi->held) {
    gi->held = tc > 1 ? 1 : tc;
    gi->source = JR_GAP_FROM_TEXT;
    gi->from = JR_NONE;
    gi->ev_start = a;
    gi->ev_end = b;
  }
}

/* Gap score of one fiche: the weighted share of its competences missing. */
static double fiche_gap(const gctx *g, uint32_t fiche) {
  const jalon_model *m = g->m;
  const jm_fiche *f = &m->fiches[fiche];
  double need = 0, lack = 0;
  for (uint32_t k = 0; k < f->item_count; k++) {
    jr_gap_item gi;
    item_held(g, &m->fiche_items[f->item_first + k], &gi);
    need += gi.weight;
    lack += gi.weight * (1.0 - gi.held);
  }
  return need > 0 ? lack / need : 1;
}

static int listed(const uint32_t *v, size_t n, uint32_t x) {
  for (size_t i = 0; i < n; i++)
    if (v[i] == x) return 1;
  return 0;
}

/* Nearby jobs: the ROME mobility links of the target and of the jobs held,
 * ranked by their own gap — the closest jobs the person could aim at. */
static int nearby(const gctx *gc, uint32_t target, jalon_result *r) {
  const jalon_model *m = gc->m;
  jr_gap *g = &r->gap;
  uint32_t cand[MAX_CANDIDATES];
  size_t nc = 0;
  uint32_t from[1 + 5];
  size_t nf = 0;
  from[nf++] = target;
  for (size_t e = 0; e < r->n_experience && nf < 6; e++) from[nf++] = r->experience[e].fiche;
  for (size_t s = 0; s < nf; s++) {
    const jm_fiche *f = &m->fiches[from[s]];
    for (uint32_t k = 0; k < f->mob_count && nc < MAX_CANDIDATES; k++) {
      uint32_t c = m->mobility[f->mob_first + k].target;
      int excluded = 0;
      for (size_t x = 0; x < r->n_excluded; x++) excluded |= r->excluded[x].fiche == c;
      if (c == target || excluded || listed(cand, nc, c) || listed(from, nf, c)) continue;
      cand[nc++] = c;
    }
  }
  double score[MAX_CANDIDATES];
  for (size_t i = 0; i < nc; i++) score[i] = fiche_gap(gc, cand[i]);
  /* Selection of the smallest gaps; ties keep mobility order. */
  for (size_t k = 0; k < nc && g->n_nearby < MAX_NEARBY; k++) {
    size_t best = k;
    for (size_t i = k + 1; i < nc; i++)
      if (score[i] < score[best]) best = i;
    uint32_t tc = cand[k];
    double ts = score[k];
    cand[k] = cand[best];
    score[k] = score[best];
    cand[best] = tc;
    score[best] = ts;
    g->nearby[g->n_nearby] = cand[k];
    g->nearby_score[g->n_nearby++] = score[k];
  }
  return 0;
}

int jg_gap(const jalon_model *m, uint32_t target, const jt_tokens *text, const uint32_t *stems, jalon_result *r) {
  jr_gap *g = &r->gap;
  g->target = JR_NONE;
  g->score = 0;
  g->target_given = target != UINT32_MAX;
  if (target == UINT32_MAX) {
    if (!r->n_aspirations) return 0;
    target = r->aspirations[0].fiche;
  }
  g->target = target;
  const jm_fiche *f = &m->fiches[target];
  g->held = calloc(f->item_count ? f->item_count : 1, sizeof *g->held);
  g->missing = calloc(f->item_count ? f->item_count : 1, sizeof *g->missing);
  g->nearby = calloc(MAX_NEARBY, sizeof *g->nearby);
  g->nearby_score = calloc(MAX_NEARBY, sizeof *g->nearby_score);
  if (!g->held || !g->missing || !g->nearby || !g->nearby_score) return JALON_ENOMEM;
  /* A job the person both did and aims at does not fill its own gap unless
   * the target was given explicitly. */
  gctx gc;
  if (gctx_init(&gc, m, text, stems, r, g->target_given ? UINT32_MAX : target)) {
    gctx_free(&gc);
    return JALON_ENOMEM;
  }
  double need = 0, lack = 0;
  for (uint32_t k = 0; k < f->item_count; k++) {
    const jm_fiche_item *fi = &m->fiche_items[f->item_first + k];
    jr_gap_item gi;
    item_held(&gc, fi, &gi);
    need += gi.weight;
    lack += gi.weight * (1.0 - gi.held);
    if (gi.held >= HELD_MIN) g->held[g->n_held++] = gi;
    else {
      gi.held = 0;
      gi.source = JR_GAP_MISSING;
      g->missing[g->n_missing++] = gi;
    }
  }
  qsort(g->held, g->n_held, sizeof *g->held, cmp_gap);
  qsort(g->missing, g->n_missing, sizeof *g->missing, cmp_gap);
  g->score = need > 0 ? lack / need : 0;
  int rc = nearby(&gc, target, r);
  gctx_free(&gc);
  return rc;
}
