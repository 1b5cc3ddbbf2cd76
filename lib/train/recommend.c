/* Training recommendation: certifications that lead to the target job, whose
 * training field (Formacode) covers missing competences, or that address the
 * CléA domains to develop; then the sessions near the person and after the
 * date asked, which decide the final order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/result.h"
#include "model/model.h"
#include "train/catalogue.h"

/* Missing competences looked at: the gap lists them by importance, and past
 * the first thirty they are minor ones that no training is chosen for. */
#define MAX_ITEMS 30
/* A Formacode covers a competence when its words carry at least this share
 * of the competence label's weight (idf) and, for labels of three content
 * words or more, at least two of them: a ROME label is a sentence ("Concevoir
 * et animer des activités de loisirs") where a Formacode is a few words
 * ("animation loisirs"), so half the label is more than a field ever says. */
#define COVER_SHARE 0.34f
/* A training met only through its field must cover this share of the
 * missing weight to be worth proposing for a job it does not lead to. */
#define GAP_ONLY_SHARE 0.25f
#define MAX_COVERS 8u

typedef struct cand {
  uint32_t cert;
  float link;     /* 1 leads to the target fiche, 0.9 to its parent, 0 none */
  float cover;    /* missing weight its fields cover */
  uint8_t clea;
  uint8_t n_items;
  uint32_t items[MAX_COVERS];
} cand;

typedef struct rec {
  const jalon_model *m;
  const jalon_catalogue *c;
  const jtr_query *q;
  cand *cands;
  size_t n, cap;
  int32_t *slot; /* per certification: index in cands + 1, 0 = none */
} rec;

const char *jr_train_reason_name(int reason) {
  switch (reason) {
  case JR_TRAIN_TARGET: return "target";
  case JR_TRAIN_GAP: return "gap";
  case JR_TRAIN_BASIC: return "basic_skills";
  default: return "other";
  }
}

double jtr_km(double lat1, double lon1, double lat2, double lon2) {
  const double r = 6371.0, rad = 3.14159265358979323846 / 180.0;
  double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
  double a = sin(dlat / 2) * sin(dlat / 2) + cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
  return 2 * r * atan2(sqrt(a), sqrt(1 - a));
}

static cand *cand_of(rec *x, uint32_t cert) {
  if (x->slot[cert]) return &x->cands[x->slot[cert] - 1];
  if (x->n == x->cap) {
    size_t ncap = x->cap ? x->cap * 2 : 64;
    cand *nc = realloc(x->cands, ncap * sizeof *nc);
    if (!nc) return NULL;
    x->cands = nc;
    x->cap = ncap;
  }
  cand *c = &x->cands[x->n++];
  memset(c, 0, sizeof *c);
  c->cert = cert;
  x->slot[cert] = (int32_t)x->n;
  return c;
}

static int usable(const jalon_catalogue *c, uint32_t cert) {
  return !(c->certs[cert].flags & 4u /* JTR_CERT_INACTIVE */);
}

static int add_links(rec *x, const char *code, float link) {
  size_t first, count;
  jca_rome_range(x->c, code, &first, &count);
  for (size_t i = first; i < first + count; i++) {
    uint32_t cert = x->c->rome_index[i].cert;
    if (!usable(x->c, cert)) continue;
    cand *k = cand_of(x, cert);
    if (!k) return JALON_ENOMEM;
    if (link > k->link) k->link = link;
  }
  return 0;
}

/* Formacode entries whose words cover item `it`: scores[f] gets the share
 * of the item's label weight found among f's words. */
static int cover_item(rec *x, uint32_t it, float weight, float *scores, uint8_t *hits, uint32_t *touched,
                      int admit_new) {
  const jalon_model *m = x->m;
  const jalon_catalogue *c = x->c;
  size_t n_touched = 0;
  float total = 0;
  unsigned n_stems = 0;
  for (uint32_t k = m->item_term_first[it]; k < m->item_term_first[it + 1]; k++) {
    const jm_stem *ms = &m->stems[m->terms[m->item_terms[k]].stem];
    const char *str = jm_str(m, ms->str);
    uint32_t st = jca_find_stem(c, str, strlen(str));
    /* A word no training field uses still counts in the label's weight. */
    float idf = st == UINT32_MAX ? ms->idf : c->stems[st].idf;
    total += idf;
    n_stems++;
    if (st == UINT32_MAX) continue;
    for (uint32_t p = 0; p < c->stems[st].post_count; p++) {
      uint32_t f = c->stem_post[c->stems[st].post_first + p];
      if (scores[f] == 0) touched[n_touched++] = f;
      scores[f] += idf;
      hits[f]++;
    }
  }
  int rc = 0;
  for (size_t t = 0; t < n_touched; t++) {
    uint32_t f = touched[t];
    int covers = total > 0 && scores[f] >= COVER_SHARE * total && (hits[f] >= 2 || n_stems <= 2);
    scores[f] = 0;
    hits[f] = 0;
    if (!covers || rc) continue;
    const jca_formacode *fc = &c->fcs[f];
    for (uint32_t k = 0; k < fc->cert_count; k++) {
      uint32_t cert = c->fc_certs[fc->cert_first + k];
      if (!usable(c, cert)) continue;
      if (!admit_new && !x->slot[cert]) continue;
      cand *cd = cand_of(x, cert);
      if (!cd) {
        rc = JALON_ENOMEM;
        break;
      }
      int seen = 0;
      for (unsigned i = 0; i < cd->n_items; i++) seen |= cd->items[i] == it;
      if (seen) continue;
      cd->cover += weight;
      if (cd->n_items < MAX_COVERS) cd->items[cd->n_items++] = it;
    }
  }
  return rc;
}

static int add_gap(rec *x, const jalon_result *r, float *missing_weight) {
  size_t n = r->gap.n_missing < MAX_ITEMS ? r->gap.n_missing : MAX_ITEMS;
  *missing_weight = 0;
  for (size_t i = 0; i < n; i++) *missing_weight += r->gap.missing[i].weight;
  if (!n || !x->c->n_fcs) return 0;
  float *scores = calloc(x->c->n_fcs, sizeof *scores);
  uint32_t *touched = calloc(x->c->n_fcs, sizeof *touched);
  uint8_t *hits = calloc(x->c->n_fcs, sizeof *hits);
  int rc = (!scores || !touched || !hits) ? JALON_ENOMEM : 0;
  for (size_t i = 0; i < n && !rc; i++) {
    const jr_gap_item *g = &r->gap.missing[i];
    if (g->item >= x->m->n_items) continue;
    rc = cover_item(x, g->item, g->weight, scores, hits, touched, 1);
  }
  free(hits);
  free(scores);
  free(touched);
  return rc;
}

static unsigned popcount8(unsigned v) {
  unsigned n = 0;
  for (; v; v &= v - 1) n++;
  return n;
}

static int add_basic(rec *x, unsigned todev) {
  if (!todev) return 0;
  for (uint32_t i = 0; i < x->c->n_certs; i++) {
    unsigned m = x->c->certs[i].clea & todev;
    if (!m || !usable(x->c, i)) continue;
    cand *k = cand_of(x, i);
    if (!k) return JALON_ENOMEM;
    k->clea = (uint8_t)m;
  }
  return 0;
}

/* ---- sessions ---- */

enum tier { T_LOCAL = 0, T_REGION = 1, T_DISTANCE = 2, T_ANY = 3, T_ELSEWHERE = 4 };

static int session_tier(const jalon_catalogue *c, const jalon_place *p, const jca_session *s, const char *p_region,
                        float *km) {
  *km = -1;
  if (p && p->has_coords && s->has_coords) *km = (float)jtr_km(p->lat, p->lon, s->lat, s->lon);
  if (!p || (!p->has_coords && !p->department && !p->region)) return T_ANY;
  double radius = p->radius_km > 0 ? p->radius_km : 50.0;
  if (*km >= 0) {
    if (*km <= radius) return T_LOCAL;
  } else if (p->department && s->department[0] && strcmp(p->department, s->department) == 0) {
    return T_LOCAL;
  }
  if (s->distance == 1) return T_DISTANCE;
  if (p_region && s->region[0] && strcmp(p_region, s->region) == 0) return T_REGION;
  (void)c;
  return T_ELSEWHERE;
}

typedef struct pick { uint32_t s; int tier; float km; } pick;

static int better(const jalon_catalogue *c, const pick *a, const pick *b) {
  if (a->tier != b->tier) return a->tier < b->tier;
  if (a->km >= 0 && b->km >= 0 && a->km != b->km) return a->km < b->km;
  uint32_t sa = c->sessions[a->s].start, sb = c->sessions[b->s].start;
  if (sa != sb) return sa && (!sb || sa < sb);
  return a->s < b->s;
}

/* Keeps the best sessions of a certification; returns the best tier kept,
 * T_ELSEWHERE + 1 when none is left after the date filter. */
static int pick_sessions(const rec *x, jr_training *t, const char *p_region) {
  const jalon_catalogue *c = x->c;
  const jca_cert *cert = &c->certs[t->cert];
  pick best[JALON_MAX_SESSIONS];
  unsigned n = 0;
  int any = 0;
  for (uint32_t i = cert->sess_first; i < cert->sess_first + cert->sess_count; i++) {
    const jca_session *s = &c->sessions[i];
    if (x->q->after && s->start && s->start < x->q->after) continue;
    pick pk = {i, 0, -1};
    pk.tier = session_tier(c, x->q->place, s, p_region, &pk.km);
    any = 1;
    /* A place was given: sessions far from it and not at a distance are
     * not proposed (they are counted by the caller through the tier). */
    if (pk.tier == T_ELSEWHERE) continue;
    unsigned at = n;
    while (at > 0 && better(c, &pk, &best[at - 1])) at--;
    if (at >= JALON_MAX_SESSIONS) continue;
    if (n < JALON_MAX_SESSIONS) n++;
    memmove(&best[at + 1], &best[at], (n - 1 - at) * sizeof *best);
    best[at] = pk;
  }
  t->n_sessions = (uint8_t)n;
  for (unsigned k = 0; k < n; k++) {
    t->sessions[k] = best[k].s;
    t->km[k] = best[k].km;
  }
  if (n) return best[0].tier;
  return any ? T_ELSEWHERE : T_ELSEWHERE + 1;
}

/* How much the sessions found weigh on the order: a training one can attend
 * near home comes before the same training offered only elsewhere, and a
 * certification with no session at all in the catalogue comes last. */
static float tier_factor(int tier) {
  switch (tier) {
  case T_LOCAL: case T_ANY: return 1.0f;
  case T_REGION: return 0.9f;
  case T_DISTANCE: return 0.85f;
  case T_ELSEWHERE: return 0.7f;
  default: return 0.6f;
  }
}

static int cmp_training(const void *a, const void *b) {
  const jr_training *x = a, *y = b;
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  return x->cert < y->cert ? -1 : x->cert > y->cert;
}

/* Base score before sessions: leading to the target job first, covering the
 * gap next; basic-skills trainings by the share of domains to develop. */
static void score(const cand *k, unsigned x_n_rome, int has_rs, float missing_weight, unsigned todev, jr_training *t) {
  float cover = missing_weight > 0 ? k->cover / missing_weight : 0;
  if (cover > 1) cover = 1;
  /* A certification filed under many jobs is less specific to this one:
   * the care-assistant diploma before a diploma shared by four fiches. */
  unsigned n_rome = x_n_rome;
  float specific = n_rome > 1 ? 1.0f - 0.04f * (float)(n_rome < 6 ? n_rome - 1 : 5) : 1.0f;
  float s_link = k->link > 0 ? k->link * specific * (0.55f + 0.45f * cover) : 0;
  float s_gap = cover >= GAP_ONLY_SHARE ? 0.5f * cover : 0;
  float s_basic = 0;
  /* Below the trainings for the job itself: the top-three rule (see
   * keep_basic_in_top3) already guarantees one of them is seen. Among them,
   * a registered certification (RS: CléA, Pix...) before a bare course. */
  if (k->clea && todev)
    s_basic = 0.25f + 0.25f * (float)popcount8(k->clea) / (float)popcount8(todev) + (has_rs ? 0.03f : 0.0f);
  t->score = s_link;
  t->reason = JR_TRAIN_TARGET;
  if (s_gap > t->score) {
    t->score = s_gap;
    t->reason = JR_TRAIN_GAP;
  }
  if (s_basic > t->score) {
    t->score = s_basic;
    t->reason = JR_TRAIN_BASIC;
  }
  t->clea = k->clea;
}

/* A person with CléA domains to develop sees a basic-skills training among
 * the first three, whatever the scores of the job trainings. */
static void keep_basic_in_top3(jr_training *v, size_t n) {
  size_t first = n;
  for (size_t i = 0; i < n && first == n; i++)
    if (v[i].reason == JR_TRAIN_BASIC) first = i;
  if (first == n || first < 3) return;
  jr_training t = v[first];
  memmove(&v[3], &v[2], (first - 2) * sizeof *v);
  v[2] = t;
}

/* Certif Info files the same diploma under several codes (one per awarding
 * ministry or revision): a person sees one line per title, the best scored.
 * And basic-skills trainings are a complement to the job's own: at most
 * MAX_BASIC of them while trainings of another kind remain. */
#define MAX_BASIC 2
static size_t dedupe_and_cap(const jalon_catalogue *c, jr_training *v, size_t n) {
  size_t others = 0;
  for (size_t i = 0; i < n; i++) others += v[i].reason != JR_TRAIN_BASIC;
  size_t w = 0, basic = 0;
  for (size_t i = 0; i < n; i++) {
    const char *title = jca_str(c, c->certs[v[i].cert].title);
    int seen = 0;
    /* Only the kept ones are compared: the list that reaches a person is
     * short, so this stays small in practice (max trainings x candidates). */
    for (size_t k = 0; k < w && !seen; k++) seen = strcmp(jca_str(c, c->certs[v[k].cert].title), title) == 0;
    if (seen) continue;
    if (v[i].reason == JR_TRAIN_BASIC && others && basic >= MAX_BASIC) continue;
    basic += v[i].reason == JR_TRAIN_BASIC;
    v[w++] = v[i];
  }
  return w;
}

static int finish(rec *x, jalon_result *r, float missing_weight, unsigned todev) {
  const char *p_region = NULL;
  if (x->q->place) p_region = x->q->place->region ? x->q->place->region : jca_region_of(x->c, x->q->place->department);
  jr_training *all = calloc(x->n ? x->n : 1, sizeof *all);
  if (!all) return JALON_ENOMEM;
  size_t n = 0;
  for (size_t i = 0; i < x->n; i++) {
    jr_training t;
    memset(&t, 0, sizeof t);
    t.cert = x->cands[i].cert;
    const jca_cert *xc = &x->c->certs[x->cands[i].cert];
    score(&x->cands[i], xc->n_rome, xc->rs != 0, missing_weight, todev, &t);
    if (t.score <= 0) continue;
    t.score *= tier_factor(pick_sessions(x, &t, p_region));
    t.cover_first = (uint32_t)i; /* the candidate, until covers are copied */
    all[n++] = t;
  }
  qsort(all, n, sizeof *all, cmp_training);
  n = dedupe_and_cap(x->c, all, n);
  keep_basic_in_top3(all, n);
  size_t keep = n < x->q->max ? n : x->q->max;
  size_t n_cov = 0;
  for (size_t i = 0; i < keep; i++) n_cov += x->cands[all[i].cover_first].n_items;
  r->trainings = calloc(keep ? keep : 1, sizeof *r->trainings);
  r->train_covers = calloc(n_cov ? n_cov : 1, sizeof *r->train_covers);
  if (!r->trainings || !r->train_covers) {
    free(all);
    return JALON_ENOMEM;
  }
  size_t used = 0;
  for (size_t i = 0; i < keep; i++) {
    const cand *k = &x->cands[all[i].cover_first];
    all[i].cover_first = (uint32_t)used;
    all[i].cover_count = k->n_items;
    for (unsigned j = 0; j < k->n_items; j++) r->train_covers[used++] = k->items[j];
    r->trainings[i] = all[i];
  }
  r->n_trainings = keep;
  r->n_train_covers = used;
  free(all);
  return 0;
}

static int run(jalon_result *r, const jalon_catalogue *c, const jtr_query *q, const char *rome, int use_result) {
  rec x;
  memset(&x, 0, sizeof x);
  x.m = r->model;
  x.c = c;
  x.q = q;
  r->catalogue = c;
  x.slot = calloc(c->n_certs ? c->n_certs : 1, sizeof *x.slot);
  if (!x.slot) return JALON_ENOMEM;
  int rc = 0;
  const char *code = rome, *parent = NULL;
  if (use_result && r->gap.target != JR_NONE) {
    const jm_fiche *f = &r->model->fiches[r->gap.target];
    code = jm_str(r->model, f->code);
    parent = jm_str(r->model, f->parent);
  } else if (rome && r->model) {
    long f = jalon_model_find_fiche(r->model, rome);
    if (f >= 0) parent = jm_str(r->model, r->model->fiches[f].parent);
  }
  if (code) rc = add_links(&x, code, 1.0f);
  if (!rc && parent && code && strcmp(parent, code) != 0) rc = add_links(&x, parent, 0.9f);
  float missing_weight = 0;
  unsigned todev = 0;
  if (use_result) {
    if (!rc && r->model) rc = add_gap(&x, r, &missing_weight);
    for (int d = 0; d < 7 && r->has_clea; d++)
      if (r->clea[d].status == JR_CLEA_TO_DEVELOP) todev |= 1u << d;
    if (!rc) rc = add_basic(&x, todev);
  }
  if (!rc) rc = finish(&x, r, missing_weight, todev);
  free(x.cands);
  free(x.slot);
  return rc;
}

int jtr_recommend(jalon_result *r, const jalon_catalogue *c, const jtr_query *q) {
  return run(r, c, q, NULL, 1);
}

int jtr_recommend_rome(jalon_result *r, const jalon_catalogue *c, const char *rome, const jtr_query *q) {
  return run(r, c, q, rome, 0);
}
