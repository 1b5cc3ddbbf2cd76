/* Corrects an out-of-vocabulary word to a model word: candidates come from
 * the phonetic and deletion indexes built at compile time (a few binary
 * searches, microseconds), the edit distance decides, and a word the model
 * knows is never touched (the caller only asks for unknown words). */
#include <string.h>

#include "match/match.h"
#include "text/fuzzy.h"

typedef struct best {
  uint32_t term;
  unsigned dist;
  int phonetic;
  uint32_t weight;
} best;

static size_t lower_bound(const jm_key *k, size_t n, uint32_t h) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (k[mid].hash < h) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

static void consider(const jalon_model *m, const char *w, size_t n, uint32_t term, int phonetic, best *b) {
  const char *s = jm_str(m, m->terms[term].str);
  size_t sn = strlen(s);
  /* A word that sounds the same may be two edits away even when short:
   * "ede" -> "aide", "cesse" -> "caisse". */
  unsigned budget = phonetic ? (n >= 6 ? 3 : 2) : jt_fuzzy_budget(n);
  if (budget == 0) return;
  unsigned d = jt_edit_distance(w, n, s, sn, budget);
  if (d == 0 || d > budget) return;
  const jm_stem *st = &m->stems[m->terms[term].stem];
  uint32_t weight = st->post_count + st->fpost_count;
  /* Sounding alike outranks being a letter closer: people write by ear. */
  int better = b->term == UINT32_MAX || phonetic > b->phonetic || (phonetic == b->phonetic && d < b->dist) ||
               (phonetic == b->phonetic && d == b->dist && weight > b->weight);
  if (better) *b = (best){term, d, phonetic, weight};
}

static void probe(const jalon_model *m, const jm_key *keys, size_t nk, uint32_t h, const char *w, size_t n,
                  int phonetic, best *b) {
  for (size_t i = lower_bound(keys, nk, h); i < nk && keys[i].hash == h; i++)
    consider(m, w, n, keys[i].term, phonetic, b);
}

uint32_t jx_correct(const jalon_model *m, const char *w, size_t n) {
  if (n < 3 || n > JT_FUZZY_MAX_WORD) return UINT32_MAX;
  char key[2 * JT_FUZZY_MAX_WORD + 2];
  size_t kn = jt_phonetic_key(w, n, key, sizeof key);
  if (!kn) return UINT32_MAX;
  best b = {UINT32_MAX, 99, 0, 0};
  probe(m, m->fuzzy_phon, m->n_fuzzy_phon, jt_fuzzy_hash(key, kn), w, n, 1, &b);
  if (n >= JT_FUZZY_MIN_WORD) {
    probe(m, m->fuzzy_del, m->n_fuzzy_del, jt_fuzzy_hash(w, n), w, n, 0, &b);
    char d[JT_FUZZY_MAX_WORD];
    for (size_t i = 0; i < n; i++) {
      if (i && w[i] == w[i - 1]) continue; /* same deletion as the previous letter */
      memcpy(d, w, i);
      memcpy(d + i, w + i + 1, n - i - 1);
      probe(m, m->fuzzy_del, m->n_fuzzy_del, jt_fuzzy_hash(d, n - 1), w, n, 0, &b);
    }
  }
  return b.term;
}
