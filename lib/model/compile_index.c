/* Model compiler, index side: vocabulary (folded terms and their stems),
 * weighted fiche postings for BM25, title forms with their postings, and a
 * trie of title stem sequences for phrase matching. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/compile_int.h"
#include "util/error.h"
#include "util/hash.h"
#include "text/fuzzy.h"

static uint32_t intern_stem(jc *c, const char *s) {
  size_t n = strlen(s);
  uint32_t id = ju_strmap_get(&c->stem_map, s, n);
  if (id != UINT32_MAX) return id;
  jm_stem st;
  memset(&st, 0, sizeof st);
  st.str = jc_strn(c, s, n);
  if (st.str == UINT32_MAX) return UINT32_MAX;
  id = (uint32_t)c->stems.n;
  if (JU_PUSH(c->stems, st)) return UINT32_MAX;
  if (ju_strmap_put(&c->stem_map, s, n, id, NULL) == UINT32_MAX) return UINT32_MAX;
  return id;
}

/* Term id of token i of c->toks, interned with its stem. */
static uint32_t intern_token(jc *c, size_t i) {
  const char *f = jt_fold(&c->toks, i);
  size_t n = c->toks.v[i].fold_len;
  uint32_t id = ju_strmap_get(&c->term_map, f, n);
  if (id != UINT32_MAX) return id;
  jm_term t;
  t.str = jc_strn(c, f, n);
  t.stem = t.bm25 = intern_stem(c, jt_stem(&c->toks, i));
  if (t.str == UINT32_MAX || t.stem == UINT32_MAX) return UINT32_MAX;
  id = (uint32_t)c->terms.n;
  uint8_t stop = ju_strmap_get(&c->stop, f, n) != UINT32_MAX;
  if (JU_PUSH(c->terms, t) || JU_PUSH(c->term_stop, stop)) return UINT32_MAX;
  if (ju_strmap_put(&c->term_map, f, n, id, NULL) == UINT32_MAX) return UINT32_MAX;
  return id;
}

int jc_index_text(jc *c, const char *text, uint32_t fiche, float w, void *out_terms_vec) {
  JU_VEC(uint32_t) *out = out_terms_vec;
  int rc = jt_tokenize(c->tok, text, strlen(text), &c->toks);
  if (rc == JALON_ENOMEM) return jc_nomem(c);
  if (rc) {
    /* A label the tokenizer rejects is reported, not fatal. */
    jc_warn(c, "text not indexed (%s): %.60s", jalon_strerror(rc), text);
    return 0;
  }
  for (size_t i = 0; i < c->toks.n; i++) {
    if (c->toks.v[i].flags & JT_ELIDED) continue;
    uint32_t t = intern_token(c, i);
    if (t == UINT32_MAX) return jc_nomem(c);
    if (c->term_stop.v[t]) continue;
    if (fiche != UINT32_MAX) {
      jc_post p = {t, fiche, w, 0};
      if (JU_PUSH(c->posts, p)) return jc_nomem(c);
    }
    if (out && JU_PUSH(*out, t)) return jc_nomem(c);
  }
  return 0;
}

int jc_add_synonym(jc *c, const char *word, const char *target) {
  int rc = jt_tokenize(c->tok, target, strlen(target), &c->toks);
  if (rc == JALON_ENOMEM) return jc_nomem(c);
  if (rc || c->toks.n != 1) return 1;
  uint32_t tt = ju_strmap_get(&c->term_map, jt_fold(&c->toks, 0), c->toks.v[0].fold_len);
  if (tt == UINT32_MAX) return 1;
  rc = jt_tokenize(c->tok, word, strlen(word), &c->toks);
  if (rc == JALON_ENOMEM) return jc_nomem(c);
  if (rc || c->toks.n != 1) return 1;
  const char *f = jt_fold(&c->toks, 0);
  size_t n = c->toks.v[0].fold_len;
  if (ju_strmap_get(&c->term_map, f, n) != UINT32_MAX) return 1;
  jm_term t = {jc_strn(c, f, n), c->terms.v[tt].stem, c->terms.v[tt].stem};
  uint32_t id = (uint32_t)c->terms.n;
  if (t.str == UINT32_MAX || JU_PUSH(c->terms, t) || JU_PUSH(c->term_stop, c->term_stop.v[tt]) ||
      ju_strmap_put(&c->term_map, f, n, id, NULL) == UINT32_MAX)
    return jc_nomem(c);
  return 0;
}

/* The target's content words must all be words of the ROME (or they could
 * vote for nothing); the word itself is interned if the ROME lacks it, so
 * the matcher finds it and no misspelling rule reads it as something else. */
int jc_add_reading(jc *c, const char *word, const char *target) {
  int rc = jt_tokenize(c->tok, target, strlen(target), &c->toks);
  if (rc == JALON_ENOMEM) return jc_nomem(c);
  if (rc) return 1;
  size_t first = c->reading_terms.n;
  for (size_t i = 0; i < c->toks.n; i++) {
    if (c->toks.v[i].flags & JT_ELIDED) continue;
    uint32_t t = ju_strmap_get(&c->term_map, jt_fold(&c->toks, i), c->toks.v[i].fold_len);
    if (t == UINT32_MAX) {
      c->reading_terms.n = first;
      return 1;
    }
    if (!c->term_stop.v[t] && JU_PUSH(c->reading_terms, t)) return jc_nomem(c);
  }
  size_t count = c->reading_terms.n - first;
  rc = jt_tokenize(c->tok, word, strlen(word), &c->toks);
  if (rc == JALON_ENOMEM) return jc_nomem(c);
  if (rc || c->toks.n != 1 || !count) {
    c->reading_terms.n = first;
    return 1;
  }
  JU_VEC(uint32_t) got = {0};
  rc = jc_index_text(c, word, UINT32_MAX, 0, &got);
  uint32_t term = got.n == 1 ? got.v[0] : UINT32_MAX;
  JU_FREE(got);
  if (rc) return rc;
  for (size_t i = 0; i < c->readings.n && term != UINT32_MAX; i++)
    if (c->readings.v[i].term == term) term = UINT32_MAX;
  if (term == UINT32_MAX) { /* a stop-word, or read twice */
    c->reading_terms.n = first;
    return 1;
  }
  jm_reading r = {term, (uint32_t)first, (uint32_t)count};
  return JU_PUSH(c->readings, r) ? jc_nomem(c) : 0;
}

#define JC_MAX_FORM_TERMS 24

int jc_add_form(jc *c, const char *text, uint32_t fiche, uint32_t appel, int kind, int peu_usite, size_t min_words) {
  int rc = jt_tokenize(c->tok, text, strlen(text), &c->toks);
  if (rc == JALON_ENOMEM) return jc_nomem(c);
  if (rc) {
    jc_warn(c, "title not indexed (%s): %.60s", jalon_strerror(rc), text);
    return 0;
  }
  uint32_t key[JC_MAX_FORM_TERMS + 1];
  size_t n = 0;
  key[n++] = fiche;
  for (size_t i = 0; i < c->toks.n && n <= JC_MAX_FORM_TERMS; i++) {
    if (c->toks.v[i].flags & JT_ELIDED) continue;
    uint32_t t = intern_token(c, i);
    if (t == UINT32_MAX) return jc_nomem(c);
    /* A capital letter in a title is an acronym part ("Technicien R&D"),
     * not a stray "H/F", and a word in capitals is an acronym ("Architecte
     * DE", diplômé d'État, not "de"): keep it so the form is not mistaken
     * for a bare "technicien" or "architecte". Queries skip it, which
     * lowers such forms' coverage. */
    int acronym = (c->toks.v[i].fold_len == 1 && (c->toks.v[i].flags & JT_CAPITAL)) ||
                  (c->toks.v[i].flags & JT_UPPER);
    if (!c->term_stop.v[t] || acronym) key[n++] = t;
  }
  if (n == 1 || n - 1 < min_words) return 0;
  /* Short and long labels, or a fiche title and its principal appellation,
   * often give the same words: keep one form per fiche and word sequence. */
  int found = 0;
  if (ju_strmap_put(&c->form_dedupe, (const char *)key, n * sizeof *key, 1, &found) == UINT32_MAX)
    return jc_nomem(c);
  if (found) return 0;
  jm_form f;
  memset(&f, 0, sizeof f);
  f.fiche = fiche;
  f.appel = appel;
  f.term_first = (uint32_t)c->form_terms.n;
  f.n_terms = (uint16_t)(n - 1);
  f.kind = (uint8_t)kind;
  f.peu_usite = (uint8_t)peu_usite;
  for (size_t i = 1; i < n; i++)
    if (JU_PUSH(c->form_terms, key[i])) return jc_nomem(c);
  if (JU_PUSH(c->forms, f)) return jc_nomem(c);
  return 0;
}

static int cmp_post(const void *a, const void *b) {
  const jc_post *x = a, *y = b;
  if (x->stem != y->stem) return x->stem < y->stem ? -1 : 1;
  return x->fiche < y->fiche ? -1 : x->fiche > y->fiche;
}

static int cmp_pair(const void *a, const void *b) {
  const jc_pair *x = a, *y = b;
  if (x->a != y->a) return x->a < y->a ? -1 : 1;
  return x->b < y->b ? -1 : x->b > y->b;
}

static float bm25_idf(size_t n, size_t df) {
  return (float)log(1.0 + ((double)n - (double)df + 0.5) / ((double)df + 0.5));
}

/* Agent nouns: "développeur", "formatrice", "installateurs". */
static int is_agent_noun(const char *w) {
  static const char *const ends[] = {"eur", "eurs", "euse", "euses", "rice", "rices"};
  size_t n = strlen(w);
  for (size_t k = 0; k < sizeof ends / sizeof *ends; k++) {
    size_t e = strlen(ends[k]);
    if (n > e + 2 && strcmp(w + n - e, ends[k]) == 0) return 1;
  }
  return 0;
}

/* Snowball gives the person and the activity one stem: "développeur" and
 * "développement", "formateur" and "formation", "animateur" and
 * "animation". In titles that is wanted (the activity names the job), but
 * in the fiche documents every "développement des compétences" of an offer
 * then votes for the fiche whose appellations say "Développeur économique"
 * ten times. So where a stem holds both an agent noun and another word, the
 * agent nouns get a document stem of their own ("développ~"). */
static int split_agent_stems(jc *c) {
  JU_VEC(uint8_t) has_agent = {0}, has_other = {0};
  int rc = 0;
  if (ju_reserve(&has_agent.v, &has_agent.cap, c->stems.n + 1, 1) ||
      ju_reserve(&has_other.v, &has_other.cap, c->stems.n + 1, 1)) rc = jc_nomem(c);
  if (!rc) {
    memset(has_agent.v, 0, c->stems.n);
    memset(has_other.v, 0, c->stems.n);
    for (size_t t = 0; t < c->terms.n; t++) {
      if (c->term_stop.v[t]) continue;
      const jm_term *tm = &c->terms.v[t];
      if (is_agent_noun(c->strings.v + tm->str)) has_agent.v[tm->stem] = 1;
      else has_other.v[tm->stem] = 1;
    }
  }
  size_t n_stems = c->stems.n;
  for (size_t t = 0; !rc && t < c->terms.n; t++) {
    jm_term *tm = &c->terms.v[t];
    if (tm->stem >= n_stems || !has_agent.v[tm->stem] || !has_other.v[tm->stem] ||
        !is_agent_noun(c->strings.v + tm->str))
      continue;
    char buf[256];
    snprintf(buf, sizeof buf, "%s~", c->strings.v + c->stems.v[tm->stem].str);
    uint32_t s = intern_stem(c, buf);
    if (s == UINT32_MAX) rc = jc_nomem(c);
    else tm->bm25 = s;
  }
  JU_FREE(has_agent);
  JU_FREE(has_other);
  for (size_t i = 0; !rc && i < c->posts.n; i++) c->posts.v[i].stem = c->terms.v[c->posts.v[i].term].bm25;
  return rc;
}

static int build_fiche_postings(jc *c) {
  int rc = split_agent_stems(c);
  if (rc) return rc;
  qsort(c->posts.v, c->posts.n, sizeof *c->posts.v, cmp_post);
  for (size_t i = 0; i < c->posts.n;) {
    size_t j = i;
    float w = 0;
    while (j < c->posts.n && c->posts.v[j].stem == c->posts.v[i].stem && c->posts.v[j].fiche == c->posts.v[i].fiche)
      w += c->posts.v[j++].w;
    jm_stem *s = &c->stems.v[c->posts.v[i].stem];
    if (!s->post_count) s->post_first = (uint32_t)c->fiche_post.n;
    s->post_count++;
    jm_posting p = {c->posts.v[i].fiche, w};
    if (JU_PUSH(c->fiche_post, p)) return jc_nomem(c);
    c->fiches.v[p.fiche].doc_len += w;
    i = j;
  }
  for (size_t s = 0; s < c->stems.n; s++) c->stems.v[s].idf = bm25_idf(c->fiches.n, c->stems.v[s].post_count);
  return 0;
}

static int build_form_postings(jc *c) {
  for (size_t f = 0; f < c->forms.n; f++) {
    const jm_form *fm = &c->forms.v[f];
    for (uint32_t k = 0; k < fm->n_terms; k++) {
      jc_pair p = {c->terms.v[c->form_terms.v[fm->term_first + k]].stem, (uint32_t)f};
      if (JU_PUSH(c->form_posts, p)) return jc_nomem(c);
    }
  }
  qsort(c->form_posts.v, c->form_posts.n, sizeof *c->form_posts.v, cmp_pair);
  for (size_t i = 0; i < c->form_posts.n; i++) {
    if (i && c->form_posts.v[i].a == c->form_posts.v[i - 1].a && c->form_posts.v[i].b == c->form_posts.v[i - 1].b)
      continue;
    jm_stem *s = &c->stems.v[c->form_posts.v[i].a];
    if (!s->fpost_count) s->fpost_first = (uint32_t)c->form_post.n;
    s->fpost_count++;
    if (JU_PUSH(c->form_post, c->form_posts.v[i].b)) return jc_nomem(c);
  }
  for (size_t s = 0; s < c->stems.n; s++) c->stems.v[s].form_idf = bm25_idf(c->forms.n, c->stems.v[s].fpost_count);
  for (size_t f = 0; f < c->forms.n; f++) {
    jm_form *fm = &c->forms.v[f];
    float sum = 0;
    for (uint32_t k = 0; k < fm->n_terms; k++) sum += c->stems.v[c->terms.v[c->form_terms.v[fm->term_first + k]].stem].form_idf;
    fm->idf_sum = sum;
  }
  return 0;
}

/* The trie is built with a (node, stem) -> child map, then flattened with
 * each node's edges sorted by stem so the matcher can binary-search them. */
typedef struct tnode { JU_VEC(jm_trie_edge) kids; JU_VEC(uint32_t) forms; } tnode;

static int build_trie(jc *c) {
  JU_VEC(tnode) nodes = {0};
  ju_strmap child;
  ju_strmap_init(&child);
  int rc = 0;
  tnode root;
  memset(&root, 0, sizeof root);
  if (JU_PUSH(nodes, root)) rc = jc_nomem(c);
  for (size_t f = 0; !rc && f < c->forms.n; f++) {
    const jm_form *fm = &c->forms.v[f];
    uint32_t node = 0;
    for (uint32_t k = 0; !rc && k < fm->n_terms; k++) {
      uint32_t stem = c->terms.v[c->form_terms.v[fm->term_first + k]].stem;
      uint32_t key[2] = {node, stem};
      uint32_t next = (uint32_t)nodes.n;
      int found = 0;
      uint32_t got = ju_strmap_put(&child, (const char *)key, sizeof key, next, &found);
      if (got == UINT32_MAX) { rc = jc_nomem(c); break; }
      if (!found) {
        tnode nn;
        memset(&nn, 0, sizeof nn);
        jm_trie_edge e = {stem, next};
        if (JU_PUSH(nodes, nn) || JU_PUSH(nodes.v[node].kids, e)) { rc = jc_nomem(c); break; }
      }
      node = got;
    }
    if (!rc && JU_PUSH(nodes.v[node].forms, (uint32_t)f)) rc = jc_nomem(c);
  }
  for (size_t i = 0; !rc && i < nodes.n; i++) {
    tnode *t = &nodes.v[i];
    /* Stems are interned in first-seen order; sort edges for binary search. */
    for (size_t a = 1; a < t->kids.n; a++) {
      jm_trie_edge e = t->kids.v[a];
      size_t b = a;
      while (b > 0 && t->kids.v[b - 1].stem > e.stem) { t->kids.v[b] = t->kids.v[b - 1]; b--; }
      t->kids.v[b] = e;
    }
    jm_trie_node out = {(uint32_t)c->trie_edges.n, (uint32_t)t->kids.n, (uint32_t)c->trie_forms.n, (uint32_t)t->forms.n};
    if (JU_PUSH(c->trie_nodes, out)) { rc = jc_nomem(c); break; }
    for (size_t k = 0; !rc && k < t->kids.n; k++)
      if (JU_PUSH(c->trie_edges, t->kids.v[k])) rc = jc_nomem(c);
    for (size_t k = 0; !rc && k < t->forms.n; k++)
      if (JU_PUSH(c->trie_forms, t->forms.v[k])) rc = jc_nomem(c);
  }
  for (size_t i = 0; i < nodes.n; i++) {
    JU_FREE(nodes.v[i].kids);
    JU_FREE(nodes.v[i].forms);
  }
  JU_FREE(nodes);
  ju_strmap_free(&child);
  return rc;
}

static int build_hash(jc *c, void *vecp, size_t n, const void *recs, size_t rec_size) {
  JU_VEC(uint32_t) *h = vecp;
  size_t cap = 1;
  while (cap < n * 2) cap <<= 1;
  if (ju_reserve(&h->v, &h->cap, cap, sizeof *h->v)) return jc_nomem(c);
  memset(h->v, 0, cap * sizeof *h->v);
  h->n = cap;
  for (size_t i = 0; i < n; i++) {
    uint32_t str;
    /* Both jm_term and jm_stem start with their string reference. */
    memcpy(&str, (const char *)recs + i * rec_size, sizeof str);
    const char *s = c->strings.v + str;
    size_t j = ju_hash_bytes(s, strlen(s)) & (cap - 1);
    while (h->v[j]) j = (j + 1) & (cap - 1);
    h->v[j] = (uint32_t)i + 1;
  }
  return 0;
}

static int cmp_fiche_code(const void *a, const void *b, void *ctx) {
  const jc *c = ctx;
  return strcmp(c->strings.v + c->fiches.v[*(const uint32_t *)a].code, c->strings.v + c->fiches.v[*(const uint32_t *)b].code);
}

static int cmp_key(const void *a, const void *b) {
  const jm_key *x = a, *y = b;
  if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
  return x->term < y->term ? -1 : x->term > y->term;
}

static void sort_unique(void *vecp) {
  JU_VEC(jm_key) *v = vecp;
  qsort(v->v, v->n, sizeof *v->v, cmp_key);
  size_t w = 0;
  for (size_t i = 0; i < v->n; i++)
    if (!w || cmp_key(&v->v[w - 1], &v->v[i]) != 0) v->v[w++] = v->v[i];
  v->n = w;
}

/* Indexes the words a misspelling may be corrected to: content words that
 * vote for some fiche, by phonetic key and by one-letter deletions (a query
 * and a vocabulary word one deletion apart each are within two edits). */
static int build_fuzzy(jc *c) {
  for (size_t t = 0; t < c->terms.n; t++) {
    if (c->term_stop.v[t]) continue;
    const jm_stem *st = &c->stems.v[c->terms.v[t].stem];
    if (!st->post_count && !st->fpost_count) continue;
    const char *w = c->strings.v + c->terms.v[t].str;
    size_t n = strlen(w);
    char key[2 * JT_FUZZY_MAX_WORD + 2];
    size_t kn = n >= 3 ? jt_phonetic_key(w, n, key, sizeof key) : 0;
    if (!kn) continue; /* not all letters, too short or too long */
    jm_key k = {jt_fuzzy_hash(key, kn), (uint32_t)t};
    if (JU_PUSH(c->fuzzy_phon, k)) return jc_nomem(c);
    if (n < JT_FUZZY_MIN_WORD) continue;
    k.hash = jt_fuzzy_hash(w, n);
    if (JU_PUSH(c->fuzzy_del, k)) return jc_nomem(c);
    char d[JT_FUZZY_MAX_WORD];
    for (size_t i = 0; i < n; i++) {
      memcpy(d, w, i);
      memcpy(d + i, w + i + 1, n - i - 1);
      k.hash = jt_fuzzy_hash(d, n - 1);
      if (JU_PUSH(c->fuzzy_del, k)) return jc_nomem(c);
    }
  }
  sort_unique(&c->fuzzy_phon);
  sort_unique(&c->fuzzy_del);
  return 0;
}

static int cmp_reading(const void *a, const void *b) {
  const jm_reading *x = a, *y = b;
  return x->term < y->term ? -1 : x->term > y->term;
}

int jc_build_index(jc *c) {
  jc_progress(c, "index", 0, 4);
  qsort(c->readings.v, c->readings.n, sizeof *c->readings.v, cmp_reading);
  int rc = build_fiche_postings(c);
  if (!rc) rc = build_form_postings(c);
  jc_progress(c, "index", 2, 4);
  if (!rc) rc = build_trie(c);
  if (!rc) rc = build_fuzzy(c);
  for (size_t t = 0; !rc && t < c->terms.n; t++)
    if (c->term_stop.v[t] && JU_PUSH(c->stopwords, (uint32_t)t)) rc = jc_nomem(c);
  for (size_t f = 0; !rc && f < c->fiches.n; f++)
    if (JU_PUSH(c->fiche_order, (uint32_t)f)) rc = jc_nomem(c);
  if (!rc) {
    /* glibc's qsort_r: C11 qsort has no context and we keep no globals. */
    qsort_r(c->fiche_order.v, c->fiche_order.n, sizeof(uint32_t), cmp_fiche_code, c);
  }
  if (!rc) rc = build_hash(c, &c->term_hash, c->terms.n, c->terms.v, sizeof *c->terms.v);
  if (!rc) rc = build_hash(c, &c->stem_hash, c->stems.n, c->stems.v, sizeof *c->stems.v);
  jc_progress(c, "index", 4, 4);
  return rc;
}
