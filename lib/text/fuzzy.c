/* French phonetic key and edit distance for misspelt words. The key is
 * deliberately loose (c/k/q, s/z, ai/e, doubled letters, silent endings,
 * -ment/-man): it proposes candidates, the edit distance and the model's
 * vocabulary decide. */
#include <string.h>

#include "text/fuzzy.h"

static int is_vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y'; }

size_t jt_phonetic_key(const char *w, size_t n, char *out, size_t cap) {
  if (n == 0 || n > JT_FUZZY_MAX_WORD || cap < 2 * n + 2) return 0;
  for (size_t i = 0; i < n; i++)
    if (w[i] < 'a' || w[i] > 'z') return 0;
  char t[2 * JT_FUZZY_MAX_WORD + 2];
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    char c = w[i], nx = i + 1 < n ? w[i + 1] : 0, n2 = i + 2 < n ? w[i + 2] : 0;
    if (c == 'e' && nx == 'a' && n2 == 'u') { t[k++] = 'o'; i += 2; continue; }
    if (c == 'a' && nx == 'u') { t[k++] = 'o'; i++; continue; }
    if ((c == 'a' || c == 'e') && nx == 'i') { t[k++] = 'e'; i++; continue; }
    if (c == 'p' && nx == 'h') { t[k++] = 'f'; i++; continue; }
    if (c == 'q' && nx == 'u') { t[k++] = 'k'; i++; continue; }
    if (c == 'g' && nx == 'u' && (n2 == 'e' || n2 == 'i')) { t[k++] = 'g'; i++; continue; }
    if ((c == 'e' || c == 'a') && (nx == 'n' || nx == 'm') && n2 && !is_vowel(n2) && n2 != 'n' && n2 != 'm') {
      t[k++] = 'a'; t[k++] = 'n'; i++; continue; /* en/an/em/am before a consonant */
    }
    if (c == 'h' && (i == 0 || (w[i - 1] != 'c' && w[i - 1] != 's'))) continue; /* silent h, not ch/sh */
    if (c == 'c' && nx == 'h') { t[k++] = 's'; t[k++] = 'h'; i++; continue; }
    if (c == 'c' || c == 'q') c = 'k';
    if (c == 'z') c = 's';
    if (c == 'y') c = 'i';
    if (c == 'x' && i + 1 == n) continue;
    if (k > 0 && t[k - 1] == c && !is_vowel(c)) continue; /* doubled consonant */
    t[k++] = c;
  }
  /* Silent endings: -e, -s, -t, -d, -x, -er/-ez/-et said "é". */
  while (k > 3 && (t[k - 1] == 's' || t[k - 1] == 't' || t[k - 1] == 'd' || t[k - 1] == 'p')) k--;
  if (k > 3 && t[k - 2] == 'e' && t[k - 1] == 'r') k--;
  while (k > 2 && t[k - 1] == 'e') k--;
  memcpy(out, t, k);
  out[k] = 0;
  return k;
}

unsigned jt_edit_distance(const char *a, size_t an, const char *b, size_t bn, unsigned max) {
  if (an > JT_FUZZY_MAX_WORD || bn > JT_FUZZY_MAX_WORD) return max + 1;
  size_t diff = an > bn ? an - bn : bn - an;
  if (diff > max) return max + 1;
  unsigned rows[3][JT_FUZZY_MAX_WORD + 1];
  unsigned *pp = rows[0], *p = rows[1], *c = rows[2];
  for (size_t j = 0; j <= bn; j++) p[j] = (unsigned)j;
  for (size_t i = 1; i <= an; i++) {
    c[0] = (unsigned)i;
    unsigned best = c[0];
    for (size_t j = 1; j <= bn; j++) {
      unsigned cost = a[i - 1] != b[j - 1];
      unsigned v = p[j - 1] + cost;
      if (p[j] + 1 < v) v = p[j] + 1;
      if (c[j - 1] + 1 < v) v = c[j - 1] + 1;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v) v = pp[j - 2] + 1;
      c[j] = v;
      if (v < best) best = v;
    }
    if (best > max) return max + 1;
    unsigned *tmp = pp;
    pp = p;
    p = c;
    c = tmp;
  }
  return p[bn] > max ? max + 1 : p[bn];
}

unsigned jt_fuzzy_budget(size_t n) { return n < JT_FUZZY_MIN_WORD ? 0 : n < 8 ? 1 : 2; }

uint32_t jt_fuzzy_hash(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 16777619u;
  }
  return h;
}
