/* Ranked retrieval of ROME fiches. Three signals, each from the structure of
 * the data (see ROME-NOTES.md): how well a typed title covers an appellation
 * form, job titles found as whole phrases in the text (leftmost-longest in a
 * trie, so "agent de nettoyage industriel" beats "agent"), and BM25 over the
 * fiche documents for the words around them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/match.h"
#include "util/vec.h"

/* Mixing weights and saturation constants, tuned on the eval-dev sets only. */
#define W_TITLE 0.50f
#define W_PHRASE_T 0.22f /* phrase weight when a title is given */
#define W_BM25_T 0.28f
#define W_PHRASE 0.55f   /* without a title */
#define W_BM25 0.45f
#define K_PHRASE 9.0f    /* phrase idf mass giving 63% of the phrase signal */
#define BM25_K1 1.2f
#define BM25_B 0.75f
#define PEU_USITE 0.85f  /* rarely used appellations count a little less */
#define EXACT_BONUS 0.15f
/* Snowball merges unrelated words ("cuisine" / "cuisiniste", "développeuse"
 * / "développement"): a word matched only through its stem counts less than
 * the word itself. Both genders are indexed, so gender needs no stem. */
#define STEM_ONLY 0.6f
#define ABSTAIN_BELOW 0.12f
#define FAMILY 0.1f /* share of the gap to the family's best fiche closed */
#define SHORT_TEXT_AS_TITLE 6 /* content words: a bare job title typed as text */
#define ROLE_JOBS 5          /* jobs kept per role */
#define ROLE_MIN_SCORE 0.25f /* below this a clause does not really name the job */

int jx_scratch_init(jx_scratch *s, const jalon_model *m) {
  memset(s, 0, sizeof *s);
  s->n_forms = m->n_forms;
  s->n_fiches = m->n_fiches;
  size_t nf = m->n_fiches;
  s->form_acc = calloc(m->n_forms ? m->n_forms : 1, sizeof *s->form_acc);
  s->touched = malloc((m->n_forms ? m->n_forms : 1) * sizeof *s->touched);
  s->title_score = malloc(nf * sizeof(float));
  s->phrase_score = malloc(nf * sizeof(float));
  s->bm25 = malloc(nf * sizeof(float));
  s->raw = malloc(nf * sizeof(float));
  s->title_form = malloc(nf * sizeof(uint32_t));
  s->phrase_form = malloc(nf * sizeof(uint32_t));
  s->cand = malloc(nf * sizeof(uint32_t));
  s->parent = malloc(nf * sizeof(uint32_t));
  if (!s->form_acc || !s->touched || !s->title_score || !s->phrase_score || !s->bm25 || !s->raw ||
      !s->title_form || !s->phrase_form || !s->cand || !s->parent) {
    jx_scratch_free(s);
    return JALON_ENOMEM;
  }
  for (size_t i = 0; i < nf; i++) s->parent[i] = m->fiches[i].parent_fiche;
  return 0;
}

void jx_scratch_free(jx_scratch *s) {
  free(s->form_acc);
  free(s->touched);
  free(s->title_score);
  free(s->phrase_score);
  free(s->bm25);
  free(s->raw);
  free(s->title_form);
  free(s->phrase_form);
  free(s->cand);
  free(s->parent);
  free(s->q);
  free(s->qt);
  free(s->phrases);
  free(s->ustems);
  free(s->uqtf);
  free(s->uterm);
  free(s->view);
  free(s->read_text.v);
  free(s->read_title.v);
  free(s->q_spare);
  free(s->qt_spare);
  free(s->kept);
  memset(s, 0, sizeof *s);
}

/* Misspelling correction is for words written in lower case or at the start
 * of a sentence: a capitalised word inside a sentence is most often a name
 * (a town, a company) that must not be read as a job word. */
static int may_correct(const jt_token *tk) {
  if (tk->flags & JT_UPPER) return 1;
  if (!(tk->flags & JT_CAPITAL)) return 1;
  return tk->sep == JT_SEP_NONE || tk->sep == JT_SEP_STOP;
}

static int resolve(const jalon_model *m, const jt_tokens *t, jx_qtok **q, size_t *cap, jalon_result *r,
                   int is_title) {
  if (ju_reserve(q, cap, t->n ? t->n : 1, sizeof **q)) return JALON_ENOMEM;
  for (size_t i = 0; i < t->n; i++) {
    const jt_token *tk = &t->v[i];
    jx_qtok *x = &(*q)[i];
    x->term = x->stem = UINT32_MAX;
    x->content = 0;
    if (tk->flags & (JT_ELIDED | JT_NUMBER)) continue;
    x->term = jm_find_term(m, jt_fold(t, i), tk->fold_len);
    if (x->term == UINT32_MAX) {
      /* Unknown word: its stem may still be known ("vendeuses"). */
      x->stem = jm_find_stem(m, jt_stem(t, i), tk->stem_len);
      /* Titles are Title Cased ("Secrétaire Médicale"): correct them all. */
      if (x->stem == UINT32_MAX && (is_title || may_correct(tk))) {
        x->term = jx_correct(m, jt_fold(t, i), tk->fold_len);
        if (x->term != UINT32_MAX && r) {
          if (ju_reserve(&r->corrections, &r->corrections_cap, r->n_corrections + 1, sizeof *r->corrections))
            return JALON_ENOMEM;
          r->corrections[r->n_corrections++] = (jr_correction){tk->start, tk->end, x->term};
        }
      }
    }
    if (x->term != UINT32_MAX) {
      x->stem = m->terms[x->term].stem;
      x->content = !jm_is_stopword(m, x->term);
    } else {
      x->content = x->stem != UINT32_MAX;
    }
  }
  return 0;
}

static uint32_t trie_step(const jalon_model *m, uint32_t node, uint32_t stem) {
  const jm_trie_node *n = &m->trie_nodes[node];
  size_t lo = n->edge_first, hi = (size_t)n->edge_first + n->edge_count;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    uint32_t s = m->trie_edges[mid].stem;
    if (s == stem) return m->trie_edges[mid].node;
    if (s < stem) lo = mid + 1;
    else hi = mid;
  }
  return UINT32_MAX;
}

/* Leftmost-longest phrase matches of title forms in the token stream. A
 * phrase may cross spaces, hyphens, slashes and skipped stop-words, never a
 * comma or a sentence end. */
static int find_phrases(const jalon_model *m, jx_scratch *s, const jt_tokens *t, const jx_qtok *q) {
  s->n_phrases = 0;
  for (size_t i = 0; i < t->n;) {
    if (!q[i].content) {
      i++;
      continue;
    }
    uint32_t node = 0, best_node = UINT32_MAX;
    size_t best_end = i;
    for (size_t j = i; j < t->n; j++) {
      if (j > i && t->v[j].sep >= JT_SEP_COMMA) break;
      if (!q[j].content) {
        if (q[j].term == UINT32_MAX && !(t->v[j].flags & JT_ELIDED)) break; /* unknown word */
        continue;
      }
      node = trie_step(m, node, q[j].stem);
      if (node == UINT32_MAX) break;
      if (m->trie_nodes[node].form_count) {
        best_node = node;
        best_end = j;
      }
    }
    if (best_node == UINT32_MAX) {
      i++;
      continue;
    }
    if (ju_reserve(&s->phrases, &s->phrases_cap, s->n_phrases + 1, sizeof *s->phrases)) return JALON_ENOMEM;
    s->phrases[s->n_phrases++] = (jx_phrase){(uint32_t)i, (uint32_t)best_end, best_node};
    i = best_end + 1;
  }
  return 0;
}

static const jm_reading *reading_of(const jalon_model *m, const jx_qtok *q) {
  return q->term != UINT32_MAX && m->n_readings ? jm_find_reading(m, q->term) : NULL;
}

static int any_reading(const jalon_model *m, const jt_tokens *t, const jx_qtok *q) {
  for (size_t i = 0; i < t->n; i++)
    if (reading_of(m, &q[i])) return 1;
  return 0;
}

/* Whether form f writes term right after prev or right before next. */
static int form_has_pair(const jalon_model *m, uint32_t f, uint32_t term, uint32_t prev, uint32_t next) {
  const jm_form *fm = &m->forms[f];
  const uint32_t *ft = m->form_terms + fm->term_first;
  for (uint32_t k = 0; k < fm->n_terms; k++) {
    if (ft[k] != term) continue;
    if ((k > 0 && ft[k - 1] == prev) || (k + 1 < fm->n_terms && ft[k + 1] == next)) return 1;
  }
  return 0;
}

/* A word with a reading keeps its own sense next to a word it stands beside
 * in some ROME title: "Business developer", "Data engineer", "Consultant
 * IT" are ROME titles (whole, or inside a longer appellation). */
static int keeps_sense(const jalon_model *m, const jt_tokens *t, const jx_qtok *q, size_t i) {
  uint32_t prev = UINT32_MAX, next = UINT32_MAX;
  for (size_t j = i; j > 0 && t->v[j].sep < JT_SEP_COMMA; j--)
    if (q[j - 1].content) {
      prev = q[j - 1].term;
      break;
    }
  for (size_t j = i + 1; j < t->n && t->v[j].sep < JT_SEP_COMMA; j++)
    if (q[j].content) {
      next = q[j].term;
      break;
    }
  if (prev == UINT32_MAX && next == UINT32_MAX) return 0;
  const jm_stem *st = &m->stems[q[i].stem];
  for (uint32_t p = st->fpost_first; p < st->fpost_first + st->fpost_count; p++)
    if (form_has_pair(m, m->form_post[p], q[i].term, prev, next)) return 1;
  return 0;
}

static int mark_kept(const jalon_model *m, jx_scratch *s, const jt_tokens *t, const jx_qtok *q) {
  if (ju_reserve(&s->kept, &s->kept_cap, t->n ? t->n : 1, 1)) return JALON_ENOMEM;
  for (size_t i = 0; i < t->n; i++) s->kept[i] = reading_of(m, &q[i]) && keeps_sense(m, t, q, i);
  return 0;
}

/* Rewrites a resolved stream with the readings of its words into out and
 * *qout ("sql" -> "bases données"). Read words keep the offsets of the word
 * written, so evidence points at what the person wrote. */
static int read_stream(const jalon_model *m, jx_scratch *s, const jt_tokens *t, const jx_qtok *q, jt_tokens *out,
                       jx_qtok **qout, size_t *qout_cap) {
  if (mark_kept(m, s, t, q)) return JALON_ENOMEM;
  size_t n = 0;
  for (size_t i = 0; i < t->n; i++) {
    const jm_reading *rd = s->kept[i] ? NULL : reading_of(m, &q[i]);
    n += rd ? rd->count : 1;
  }
  if (ju_reserve(&out->v, &out->cap, n ? n : 1, sizeof *out->v) || ju_reserve(qout, qout_cap, n ? n : 1, sizeof **qout))
    return JALON_ENOMEM;
  size_t o = 0;
  for (size_t i = 0; i < t->n; i++) {
    const jm_reading *rd = s->kept[i] ? NULL : reading_of(m, &q[i]);
    if (!rd) {
      out->v[o] = t->v[i];
      (*qout)[o++] = q[i];
      continue;
    }
    for (uint32_t k = 0; k < rd->count; k++) {
      uint32_t term = m->reading_terms[rd->first + k];
      out->v[o] = t->v[i];
      if (k) out->v[o].sep = JT_SEP_SPACE;
      (*qout)[o++] = (jx_qtok){term, m->terms[term].stem, 1};
    }
  }
  out->n = o;
  out->buf = t->buf;
  out->buf_len = t->buf_len;
  out->n_sentences = t->n_sentences;
  return 0;
}

/* Replaces *t and *q by their reading when a word has one. */
static int apply_readings(const jalon_model *m, jx_scratch *s, const jt_tokens **t, jt_tokens *out, jx_qtok **q,
                          size_t *q_cap, jx_qtok **spare, size_t *spare_cap) {
  if (!any_reading(m, *t, *q)) return 0;
  if (read_stream(m, s, *t, *q, out, spare, spare_cap)) return JALON_ENOMEM;
  jx_qtok *tmp = *q;
  size_t tmp_cap = *q_cap;
  *q = *spare;
  *q_cap = *spare_cap;
  *spare = tmp;
  *spare_cap = tmp_cap;
  *t = out;
  return 0;
}

/* The stem a query word has in the fiche documents (jm_term.bm25). */
static uint32_t doc_stem(const jalon_model *m, const jx_qtok *q) {
  return q->term != UINT32_MAX ? m->terms[q->term].bm25 : q->stem;
}

/* Distinct stems of a query with their counts: title stems, or with docs
 * set the stems of the fiche documents. */
static int distinct_stems(const jalon_model *m, jx_scratch *s, const jx_qtok *q, size_t n, int docs,
                          size_t *out_n) {
  if (ju_reserve(&s->ustems, &s->ustems_cap, n ? n : 1, sizeof *s->ustems)) return JALON_ENOMEM;
  float *tf = realloc(s->uqtf, s->ustems_cap * sizeof *tf);
  if (!tf) return JALON_ENOMEM;
  s->uqtf = tf;
  uint32_t *ut = realloc(s->uterm, s->ustems_cap * sizeof *ut);
  if (!ut) return JALON_ENOMEM;
  s->uterm = ut;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (!q[i].content) continue;
    uint32_t stem = docs ? doc_stem(m, &q[i]) : q[i].stem;
    size_t j = 0;
    while (j < k && s->ustems[j] != stem) j++;
    if (j == k) {
      s->ustems[k] = stem;
      s->uterm[k] = q[i].term;
      s->uqtf[k++] = 0;
    }
    s->uqtf[j] += 1;
  }
  *out_n = k;
  return 0;
}

static int form_has_term(const jalon_model *m, uint32_t form, uint32_t term) {
  const jm_form *f = &m->forms[form];
  for (uint32_t k = 0; k < f->n_terms; k++)
    if (m->form_terms[f->term_first + k] == term) return 1;
  return 0;
}

/* Title signal: for every form sharing a stem with the title, how much of
 * the form is covered (precision, weighted high: a title names one job) and
 * how much of the title the form explains (recall). */
static int score_title(const jalon_model *m, jx_scratch *s, const jt_tokens *t, const jx_qtok *q) {
  size_t nu;
  if (distinct_stems(m, s, q, t->n, 0, &nu)) return JALON_ENOMEM;
  float qsum = 0;
  s->n_touched = 0;
  for (size_t k = 0; k < nu; k++) {
    const jm_stem *st = &m->stems[s->ustems[k]];
    if (!st->fpost_count) continue;
    qsum += st->form_idf;
    for (uint32_t p = st->fpost_first; p < st->fpost_first + st->fpost_count; p++) {
      uint32_t f = m->form_post[p];
      if (s->form_acc[f] == 0) s->touched[s->n_touched++] = f;
      s->form_acc[f] += st->form_idf * (form_has_term(m, f, s->uterm[k]) ? 1.0f : STEM_ONLY);
    }
  }
  /* Exact phrases inside the title earn a bonus over bags of words. */
  if (find_phrases(m, s, t, q)) return JALON_ENOMEM;
  for (size_t k = 0; k < s->n_phrases; k++) {
    const jm_trie_node *n = &m->trie_nodes[s->phrases[k].node];
    for (uint32_t x = n->form_first; x < n->form_first + n->form_count; x++) {
      uint32_t f = m->trie_forms[x];
      if (s->form_acc[f] > 0) s->form_acc[f] += EXACT_BONUS * m->forms[f].idf_sum;
    }
  }
  for (size_t k = 0; k < s->n_touched; k++) {
    uint32_t f = s->touched[k];
    const jm_form *fm = &m->forms[f];
    float acc = s->form_acc[f];
    s->form_acc[f] = 0;
    if (qsum <= 0 || fm->idf_sum <= 0) continue;
    float prec = acc / fm->idf_sum, rec = acc / qsum;
    if (prec > 1 + EXACT_BONUS) prec = 1 + EXACT_BONUS;
    if (rec > 1) rec = 1;
    float sim = prec * (0.35f + 0.65f * rec);
    if (fm->peu_usite) sim *= PEU_USITE;
    if (sim > s->title_score[fm->fiche]) {
      s->title_score[fm->fiche] = sim;
      s->title_form[fm->fiche] = f;
    }
  }
  s->n_touched = 0;
  return 0;
}

/* Whether the phrase's words are the form's words, not just their stems. */
static int phrase_exact(const jalon_model *m, const jx_scratch *s, const jx_phrase *ph, uint32_t f) {
  const jm_form *fm = &m->forms[f];
  uint32_t k = 0;
  for (uint32_t i = ph->tok_first; i <= ph->tok_last; i++) {
    if (!s->q[i].content) continue;
    if (k >= fm->n_terms || m->form_terms[fm->term_first + k] != s->q[i].term) return 0;
    k++;
  }
  return 1;
}

static void score_phrases(const jalon_model *m, jx_scratch *s, float *phrase_sum) {
  for (size_t k = 0; k < s->n_phrases; k++) {
    const jm_trie_node *n = &m->trie_nodes[s->phrases[k].node];
    for (uint32_t x = n->form_first; x < n->form_first + n->form_count; x++) {
      uint32_t f = m->trie_forms[x];
      const jm_form *fm = &m->forms[f];
      float w = fm->idf_sum * (fm->peu_usite ? PEU_USITE : 1.0f);
      if (!phrase_exact(m, s, &s->phrases[k], f)) w *= STEM_ONLY;
      uint32_t fi = fm->fiche;
      /* Repeats add less than a first mention. */
      if (w > s->phrase_score[fi]) {
        phrase_sum[fi] += s->phrase_score[fi] * 0.25f;
        s->phrase_score[fi] = w;
        s->phrase_form[fi] = f;
      } else {
        phrase_sum[fi] += w * 0.25f;
      }
    }
  }
}

static float bm25_qweight(float qtf) { return qtf * 2.2f / (qtf + 1.2f); }

static void score_bm25(const jalon_model *m, jx_scratch *s, size_t nu) {
  for (size_t k = 0; k < nu; k++) {
    const jm_stem *st = &m->stems[s->ustems[k]];
    float qw = st->idf * bm25_qweight(s->uqtf[k]);
    for (uint32_t p = st->post_first; p < st->post_first + st->post_count; p++) {
      const jm_posting *po = &m->fiche_post[p];
      float dl = m->fiches[po->fiche].doc_len / m->avg_doc_len;
      s->bm25[po->fiche] += qw * po->tf * (BM25_K1 + 1) / (po->tf + BM25_K1 * (1 - BM25_B + BM25_B * dl));
    }
  }
}

static int better(const float *raw, uint32_t a, uint32_t b) {
  return raw[a] > raw[b] || (raw[a] == raw[b] && a < b);
}

/* Best k fiches by raw score, kept sorted by insertion: k <= JALON_MAX_JOBS
 * and most fiches fall below the k-th at once, so this beats a full sort. */
static size_t top_k(const float *raw, size_t nf, uint32_t *out, size_t k) {
  size_t n = 0;
  for (size_t i = 0; i < nf; i++) {
    if (raw[i] <= 0) continue;
    uint32_t f = (uint32_t)i;
    if (n == k && !better(raw, f, out[n - 1])) continue;
    size_t j = n < k ? n++ : k - 1;
    while (j > 0 && better(raw, f, out[j - 1])) {
      out[j] = out[j - 1];
      j--;
    }
    out[j] = f;
  }
  return n;
}

/* Whether the fiche's document holds a stem: postings are sorted by fiche. */
static float fiche_has_stem(const jalon_model *m, uint32_t stem, uint32_t fiche) {
  const jm_stem *st = &m->stems[stem];
  size_t lo = st->post_first, hi = (size_t)st->post_first + st->post_count;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (m->fiche_post[mid].fiche == fiche) return m->fiche_post[mid].tf;
    if (m->fiche_post[mid].fiche < fiche) lo = mid + 1;
    else hi = mid;
  }
  return 0;
}

static int form_has_stem(const jalon_model *m, uint32_t form, uint32_t stem) {
  if (form == UINT32_MAX) return 0;
  const jm_form *f = &m->forms[form];
  for (uint32_t k = 0; k < f->n_terms; k++)
    if (m->terms[m->form_terms[f->term_first + k]].stem == stem) return 1;
  return 0;
}

typedef struct ev { uint32_t start, end; float w; } ev;

static int cmp_ev_w(const void *a, const void *b) {
  const ev *x = a, *y = b;
  if (x->w != y->w) return x->w > y->w ? -1 : 1;
  return x->start < y->start ? -1 : x->start > y->start;
}
static int cmp_ev_pos(const void *a, const void *b) {
  const ev *x = a, *y = b;
  return x->start < y->start ? -1 : x->start > y->start;
}

/* Evidence for one job: its phrases in the text first, then the words of
 * the text that weigh most for it. */
static int add_evidence(const jalon_model *m, jx_scratch *s, const jt_tokens *t, uint32_t fiche,
                        jalon_result *r, jr_job *job) {
  ev cands[64];
  size_t nc = 0;
  for (size_t k = 0; k < s->n_phrases && nc < 64; k++) {
    const jm_trie_node *n = &m->trie_nodes[s->phrases[k].node];
    for (uint32_t x = n->form_first; x < n->form_first + n->form_count; x++) {
      if (m->forms[m->trie_forms[x]].fiche != fiche) continue;
      cands[nc++] = (ev){t->v[s->phrases[k].tok_first].start, t->v[s->phrases[k].tok_last].end,
                         1000 + m->forms[m->trie_forms[x]].idf_sum};
      break;
    }
  }
  for (size_t i = 0; i < t->n && nc < 64; i++) {
    const jx_qtok *q = &s->q[i];
    if (!q->content || m->stems[doc_stem(m, q)].idf < 2.0f) continue;
    int covered = 0;
    for (size_t k = 0; k < nc && !covered; k++)
      covered = t->v[i].start >= cands[k].start && t->v[i].end <= cands[k].end;
    if (covered) continue;
    float w = 0;
    float idf = m->stems[doc_stem(m, q)].idf;
    if (form_has_stem(m, s->title_form[fiche], q->stem) || form_has_stem(m, s->phrase_form[fiche], q->stem))
      w = 100 + idf;
    else if (fiche_has_stem(m, doc_stem(m, q), fiche) > 0)
      w = idf;
    if (w < 2.0f) continue; /* very common words are no evidence */
    int dup = 0;
    for (size_t k = 0; k < nc && !dup; k++) dup = cands[k].start == t->v[i].start;
    if (!dup) cands[nc++] = (ev){t->v[i].start, t->v[i].end, w};
  }
  qsort(cands, nc, sizeof *cands, cmp_ev_w);
  if (nc > JALON_MAX_EVIDENCE) nc = JALON_MAX_EVIDENCE;
  qsort(cands, nc, sizeof *cands, cmp_ev_pos);
  if (ju_reserve(&r->spans, &r->spans_cap, r->n_spans + nc, sizeof *r->spans)) return JALON_ENOMEM;
  job->ev_first = (uint32_t)r->n_spans;
  job->ev_count = (uint32_t)nc;
  for (size_t k = 0; k < nc; k++) r->spans[r->n_spans++] = (jr_span){cands[k].start, cands[k].end};
  return 0;
}

static size_t count_content(const jx_qtok *q, size_t n) {
  size_t c = 0;
  for (size_t i = 0; i < n; i++) c += q[i].content;
  return c;
}

/* Lifts each fiche part of the way towards the best fiche of its family
 * (same parent fiche). Labels are a choice among close fiches (ROME-NOTES:
 * confusions are mostly between neighbours of one domain), so the list
 * after the first should hold the first's siblings before fiches of other
 * trades that share a stray word. No fiche passes its family's best, so the
 * first stays first. Uses s->bm25 as scratch (read before). */
static void family_smooth(const jalon_model *m, jx_scratch *s) {
  size_t nf = m->n_fiches;
  float *best = s->bm25;
  memset(best, 0, nf * sizeof *best);
  for (size_t i = 0; i < nf; i++)
    if (s->raw[i] > best[s->parent[i]]) best[s->parent[i]] = s->raw[i];
  for (size_t i = 0; i < nf; i++) {
    float b = best[s->parent[i]];
    if (s->raw[i] > 0 && b > s->raw[i]) s->raw[i] += FAMILY * (b - s->raw[i]);
  }
}

/* Ranks fiches for one token stream into a new job list. corrections, when
 * not NULL, receives the misspellings read (only for the whole text). */
static int rank(const jalon_model *m, jx_scratch *s, const jt_tokens *text, const jt_tokens *title,
                unsigned max_jobs, jalon_result *r, jalon_result *corrections, jr_job **out, size_t *n_out) {
  size_t nf = m->n_fiches;
  memset(s->title_score, 0, nf * sizeof(float));
  memset(s->phrase_score, 0, nf * sizeof(float));
  memset(s->bm25, 0, nf * sizeof(float));
  memset(s->raw, 0, nf * sizeof(float));
  for (size_t i = 0; i < nf; i++) s->title_form[i] = s->phrase_form[i] = UINT32_MAX;

  if (resolve(m, text, &s->q, &s->q_cap, corrections, 0)) return JALON_ENOMEM;
  if (apply_readings(m, s, &text, &s->read_text, &s->q, &s->q_cap, &s->q_spare, &s->q_spare_cap))
    return JALON_ENOMEM;
  int has_title = title && title->n > 0;
  if (has_title && resolve(m, title, &s->qt, &s->qt_cap, NULL, 1)) return JALON_ENOMEM;
  if (has_title &&
      apply_readings(m, s, &title, &s->read_title, &s->qt, &s->qt_cap, &s->qt_spare, &s->qt_spare_cap))
    return JALON_ENOMEM;
  if (has_title && count_content(s->qt, title->n) == 0) has_title = 0;
  const jt_tokens *tt = title;
  const jx_qtok *tq = s->qt;
  if (!has_title && count_content(s->q, text->n) <= SHORT_TEXT_AS_TITLE) {
    /* A few words typed in the text box are a job title. */
    has_title = 1;
    tt = text;
    tq = s->q;
  }
  if (has_title && score_title(m, s, tt, tq)) return JALON_ENOMEM;

  /* phrase_sum reuses raw[] as scratch until the final mix. */
  float *phrase_sum = s->raw;
  if (find_phrases(m, s, text, s->q)) return JALON_ENOMEM;
  score_phrases(m, s, phrase_sum);

  size_t nu;
  if (distinct_stems(m, s, s->q, text->n, 1, &nu)) return JALON_ENOMEM;
  score_bm25(m, s, nu);
  float bmax = 0;
  for (size_t i = 0; i < nf; i++)
    if (s->bm25[i] > bmax) bmax = s->bm25[i];

  for (size_t i = 0; i < nf; i++) {
    float p = s->phrase_score[i] + phrase_sum[i];
    float pn = p > 0 ? 1.0f - expf(-p / K_PHRASE) : 0;
    /* BM25 is relative to the best fiche for this text, damped when the
     * text is thin so a lone common word cannot look certain. */
    float bn = bmax > 0 ? s->bm25[i] / bmax : 0;
    bn *= 1.0f - expf(-bmax / 12.0f);
    float ts = s->title_score[i] > 1 ? 1 : s->title_score[i];
    float raw = has_title ? W_TITLE * ts + W_PHRASE_T * pn + W_BM25_T * bn : W_PHRASE * pn + W_BM25 * bn;
    s->raw[i] = raw > 1 ? 1 : raw;
  }
  family_smooth(m, s);
  if (max_jobs == 0) max_jobs = JALON_DEFAULT_JOBS;
  if (max_jobs > JALON_MAX_JOBS) max_jobs = JALON_MAX_JOBS;
  size_t nj = top_k(s->raw, nf, s->cand, max_jobs);
  jr_job *jobs = calloc(nj ? nj : 1, sizeof *jobs);
  if (!jobs) return JALON_ENOMEM;
  *out = jobs;
  *n_out = 0;
  for (size_t k = 0; k < nj; k++) {
    uint32_t fi = s->cand[k];
    jr_job *j = &jobs[k];
    j->fiche = fi;
    j->score = s->raw[fi];
    j->role = JR_ROLE_NEUTRAL;
    uint32_t form = s->title_form[fi] != UINT32_MAX && s->title_score[fi] > 0.3f ? s->title_form[fi] : s->phrase_form[fi];
    if (form == UINT32_MAX) form = s->title_form[fi];
    j->appel = form != UINT32_MAX ? m->forms[form].appel : JR_NONE;
    if (j->appel == UINT32_MAX) j->appel = JR_NONE;
    else snprintf(j->appel_code, sizeof j->appel_code, "%u", m->appels[j->appel].code_ogr);
    *n_out = k + 1;
    if (add_evidence(m, s, text, fi, r, j)) return JALON_ENOMEM;
  }
  return 0;
}

/* The tokens of the clauses of one role, as a stream of their own: each
 * clause starts after a hard separator so no phrase spans two of them. */
static size_t role_view(jx_scratch *s, const jt_tokens *text, const jq_clause *cl, size_t ncl, int role,
                        jt_tokens *view) {
  size_t n = 0;
  for (size_t c = 0; c < ncl; c++) {
    if (cl[c].role != role) continue;
    for (uint32_t k = cl[c].tok_first; k < cl[c].tok_end; k++) {
      s->view[n] = text->v[k];
      if (k == cl[c].tok_first) s->view[n].sep = JT_SEP_STOP;
      n++;
    }
  }
  memset(view, 0, sizeof *view);
  view->v = s->view;
  view->n = n;
  view->buf = text->buf;
  view->buf_len = text->buf_len;
  return n;
}

/* Months of the experience clauses holding one of the job's evidence spans. */
static uint32_t job_months(const jalon_result *r, const jr_job *j, const jt_tokens *text, const jq_clause *cl,
                           size_t ncl) {
  uint32_t months = 0;
  for (uint32_t e = 0; e < j->ev_count; e++) {
    uint32_t start = r->spans[j->ev_first + e].start;
    for (size_t c = 0; c < ncl; c++) {
      if (cl[c].role != JQ_ROLE_EXPERIENCE || !cl[c].months) continue;
      if (start >= text->v[cl[c].tok_first].start && start < text->v[cl[c].tok_end - 1].end && cl[c].months > months)
        months = cl[c].months;
    }
  }
  return months;
}

static int has_fiche(const jr_job *v, size_t n, uint32_t fiche) {
  for (size_t i = 0; i < n; i++)
    if (v[i].fiche == fiche) return 1;
  return 0;
}

int jx_match(const jalon_model *m, jx_scratch *s, const jt_tokens *text, const jt_tokens *title,
             const jq_clause *cl, size_t ncl, unsigned max_jobs, jalon_result *r) {
  int rc = rank(m, s, text, title, max_jobs, r, r, &r->jobs, &r->n_jobs);
  if (rc) return rc;
  r->margin = r->n_jobs >= 2 ? r->jobs[0].score - r->jobs[1].score : r->n_jobs == 1 ? r->jobs[0].score : 0;
  r->abstain = r->n_jobs == 0 || r->jobs[0].score < ABSTAIN_BELOW;

  int any_role = 0;
  for (size_t c = 0; c < ncl; c++) any_role |= cl[c].role != JQ_ROLE_NONE;
  if (!any_role) return 0;
  if (ju_reserve(&s->view, &s->view_cap, text->n ? text->n : 1, sizeof *s->view)) return JALON_ENOMEM;
  static const int roles[] = {JQ_ROLE_EXCLUDED, JQ_ROLE_ASPIRATION, JQ_ROLE_EXPERIENCE};
  for (size_t k = 0; k < 3; k++) {
    jt_tokens view;
    if (!role_view(s, text, cl, ncl, roles[k], &view)) continue;
    jr_job **list = roles[k] == JQ_ROLE_EXCLUDED ? &r->excluded : roles[k] == JQ_ROLE_ASPIRATION ? &r->aspirations : &r->experience;
    size_t *n = roles[k] == JQ_ROLE_EXCLUDED ? &r->n_excluded : roles[k] == JQ_ROLE_ASPIRATION ? &r->n_aspirations : &r->n_experience;
    if ((rc = rank(m, s, &view, NULL, ROLE_JOBS, r, NULL, list, n))) return rc;
    /* Keep jobs the clauses really name, and never propose as a wish what
     * the person excluded. */
    size_t w = 0;
    for (size_t i = 0; i < *n; i++) {
      jr_job j = (*list)[i];
      if (j.score < ROLE_MIN_SCORE) continue;
      if (roles[k] == JQ_ROLE_ASPIRATION && has_fiche(r->excluded, r->n_excluded, j.fiche)) continue;
      j.role = roles[k] == JQ_ROLE_EXCLUDED ? JR_ROLE_EXCLUDED : roles[k] == JQ_ROLE_ASPIRATION ? JR_ROLE_ASPIRATION : JR_ROLE_EXPERIENCE;
      if (roles[k] == JQ_ROLE_EXPERIENCE) j.months = job_months(r, &j, text, cl, ncl);
      (*list)[w++] = j;
    }
    *n = w;
  }
  for (size_t i = 0; i < r->n_jobs; i++) {
    jr_job *j = &r->jobs[i];
    if (has_fiche(r->excluded, r->n_excluded, j->fiche)) j->role = JR_ROLE_EXCLUDED;
    else if (has_fiche(r->aspirations, r->n_aspirations, j->fiche)) j->role = JR_ROLE_ASPIRATION;
    else if (has_fiche(r->experience, r->n_experience, j->fiche)) {
      j->role = JR_ROLE_EXPERIENCE;
      for (size_t e = 0; e < r->n_experience; e++)
        if (r->experience[e].fiche == j->fiche) j->months = r->experience[e].months;
    }
  }
  return 0;
}
