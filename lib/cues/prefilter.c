/* Literal prefilter for the cue patterns (roles, CléA, soft skills): a small
 * reader of the PCRE2 syntax the cue files use turns each pattern into an
 * AND / OR query of literals; the n-grams of a text, noted by group of
 * clauses, then tell in one pass where each pattern may match: most patterns
 * nowhere, the others in a few clauses, and only there do they run.
 *
 * Soundness is the whole point: a pattern is kept off a group of clauses only
 * when no part of that text can be a match. Each node of the pattern is summed up as
 * an exact set (every string it can match, while there are few) or as a query
 * every string it matches satisfies; what is not understood is "any string"
 * (requires nothing) or, for syntax that could change how the rest reads,
 * makes the pattern run everywhere. Lookarounds consume nothing and require
 * nothing. Letters compare case-blind on ASCII; the two non-ASCII characters
 * that PCRE2's caseless UCP mode equates with ASCII letters (U+212A KELVIN
 * SIGN ~ k, U+017F LONG S ~ s) turn the filter off for that text. */
#include <stdlib.h>
#include <string.h>

#include "cues/prefilter.h"
#include "jalon/jalon.h"
#include "util/vec.h"

/* Exact sets grow by cross products: past this many strings one is closed
 * into an OR and a new one starts, so "(?:a|b|c) (?:d|e)" keeps both words. */
#define EXACT_MAX 64
#define Q_TRUE UINT32_MAX

/* OP_LIT exists only while a pattern is read; what is kept holds OP_LITS,
 * an OR of literals lit[a..a+n) checked in one tight loop (most literals of a
 * query sit in such ORs and most fail at their first n-gram). */
enum { OP_LIT = 1, OP_AND, OP_OR, OP_LITS };

typedef struct pf_node {
  uint8_t op;
  uint32_t a, n; /* OP_LITS: lit[a..a+n); OP_AND / OP_OR: kids[a..a+n) */
} pf_node;

typedef struct pf_lit {
  uint32_t gram; /* its n-grams: grams[gram..gram+n) */
  uint32_t n;
} pf_lit;

struct jq_pf {
  uint32_t *roots; /* per pattern: node index or Q_TRUE */
  size_t n_roots, roots_cap;
  pf_node *nodes;
  size_t n_nodes, nodes_cap;
  uint32_t *kids;
  size_t n_kids, kids_cap;
  pf_lit *lit;
  size_t n_lit, lit_cap;
  uint16_t *first; /* per literal: its first n-gram, packed for the scan */
  size_t first_cap;
  uint32_t *text;  /* per literal: its offset in lits, for jq_pf_describe */
  size_t text_cap;
  uint16_t *grams; /* table index of each n-gram of each literal */
  size_t n_grams, grams_cap;
  char *lits; /* literal text (NUL-terminated), for jq_pf_describe */
  size_t n_lits, lits_cap;
  size_t filtered;
};

/* ---- n-grams ------------------------------------------------------------ */

/* Literals are looked up by their 4-grams (a 3-letter literal by its one
 * 3-gram): table[hash] holds the groups where an n-gram of that hash occurs.
 * A collision only adds groups, so it costs time, never a match. */
#define TABLE_BITS 14
#define TABLE_SIZE (1u << TABLE_BITS)
#define MIN_LIT 3 /* shorter literals are too common to filter on: TRUE */
#define MAX_LIT 48   /* longer literals are closed (reading) or cut (keeping) */
#define MAX_DEPTH 64 /* nested groups read; deeper, the pattern always runs */

struct jq_pf_text {
  size_t len;
  int all;          /* filter off: one group, every pattern may match */
  unsigned n_groups;
  size_t start[64], end[64]; /* group g spans [start[g], end[g]) */
  /* Whether an n-gram of hash h occurs: 2 KiB that stay in the L1 cache,
   * for the test that rejects most literals at their first n-gram, and
   * cleared alone for each text: table[h] is only read when present. */
  uint64_t present[TABLE_SIZE / 64];
  uint64_t table[TABLE_SIZE];
  pcre2_match_context *mc; /* for the offset limit */
};

static inline unsigned char lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c; }

/* g holds the last k (3 or 4) bytes, the latest in the low byte.
 * Multiplicative hashing, a constant per length: enough for a filter. */
static inline uint16_t gram_hash(uint32_t g, unsigned k) {
  return (uint16_t)((g * (k == 4 ? 0x9E3779B1u : 0x85EBCA77u)) >> (32 - TABLE_BITS));
}

int jq_pf_text_new(jq_pf_text **out) {
  jq_pf_text *t = calloc(1, sizeof *t);
  if (!t || !(t->mc = pcre2_match_context_create(NULL))) {
    free(t);
    *out = NULL;
    return JALON_ENOMEM;
  }
  *out = t;
  return 0;
}

void jq_pf_text_free(jq_pf_text *t) {
  if (!t) return;
  pcre2_match_context_free(t->mc);
  free(t);
}

static inline void note(jq_pf_text *t, uint16_t h, uint64_t bit) {
  uint64_t p = (uint64_t)1 << (h & 63);
  if (t->present[h >> 6] & p) t->table[h] |= bit;
  else {
    t->present[h >> 6] |= p;
    t->table[h] = bit;
  }
}

void jq_pf_text_set(jq_pf_text *t, const char *text, size_t len) {
  memset(t->present, 0, sizeof t->present);
  t->len = len;
  t->all = 0;
  t->n_groups = 0;
  if (!len) return;
  const unsigned char *s = (const unsigned char *)text;
  size_t n_clauses = 1;
  for (size_t i = 0; i < len; i++) n_clauses += s[i] == '|';
  /* Clause c (from 0) is group c, or with more than 64 clauses group
   * c * 64 / n_clauses: whole clauses in order, no group left empty. A
   * clause ends with its "|". */
  size_t clause = 0;
  unsigned g = 0;
  t->n_groups = 1;
  t->start[0] = 0;
  uint32_t gram = 0;
  unsigned run = 0; /* bytes in gram since the clause began */
  for (size_t i = 0; i < len; i++) {
    unsigned char c = lower(s[i]);
    if (c >= 0x80 && ((c == 0xE2 && i + 2 < len && s[i + 1] == 0x84 && s[i + 2] == 0xAA) || /* U+212A */
                      (c == 0xC5 && i + 1 < len && s[i + 1] == 0xBF))) {                       /* U+017F */
      t->all = 1;
      t->n_groups = 1;
      t->end[0] = len;
      return;
    }
    if (c == '|') {
      run = 0;
      gram = 0;
      clause++;
      unsigned ng = (unsigned)(n_clauses <= 64 ? clause : clause * 64 / n_clauses);
      if (ng != g && i + 1 < len) {
        t->end[g] = i + 1;
        g = ng;
        t->start[g] = i + 1;
        t->n_groups = g + 1;
      }
      continue;
    }
    gram = gram << 8 | c;
    run++;
    uint64_t bit = (uint64_t)1 << g;
    if (run >= 3) note(t, gram_hash(gram & 0xffffffu, 3), bit);
    if (run >= 4) note(t, gram_hash(gram, 4), bit);
  }
  t->end[g] = len;
}

static inline int present(const jq_pf_text *t, uint16_t h) { return t->present[h >> 6] >> (h & 63) & 1; }

static uint64_t eval(const jq_pf *pf, uint32_t n, const jq_pf_text *t) {
  const pf_node *x = &pf->nodes[n];
  uint64_t m;
  if (x->op == OP_LITS) {
    m = 0;
    const uint16_t *first = pf->first + x->a;
    for (uint32_t i = 0; i < x->n; i++) {
      if (!present(t, first[i])) continue;
      const pf_lit *l = &pf->lit[x->a + i];
      const uint16_t *g = pf->grams + l->gram;
      uint32_t k = 1;
      while (k < l->n && present(t, g[k])) k++;
      if (k < l->n) continue;
      uint64_t lm = ~(uint64_t)0;
      for (k = 0; k < l->n && lm; k++) lm &= t->table[g[k]];
      m |= lm;
    }
    return m;
  }
  if (x->op == OP_AND) {
    m = ~(uint64_t)0;
    for (uint32_t k = 0; k < x->n && m; k++) m &= eval(pf, pf->kids[x->a + k], t);
    return m;
  }
  m = 0;
  for (uint32_t k = 0; k < x->n; k++) m |= eval(pf, pf->kids[x->a + k], t);
  return m;
}

uint64_t jq_pf_mask(const jq_pf *pf, size_t i, const jq_pf_text *t) {
  if (!t->n_groups) return 0;
  uint64_t groups = t->n_groups == 64 ? ~(uint64_t)0 : ((uint64_t)1 << t->n_groups) - 1;
  if (t->all || !pf || i >= pf->n_roots || pf->roots[i] == Q_TRUE) return groups;
  return eval(pf, pf->roots[i], t) & groups;
}

int jq_pf_match(const pcre2_code *code, jq_pf_text *t, uint64_t mask, const char *text, size_t len, size_t off,
                uint32_t options, pcre2_match_data *md) {
  if (len != t->len) return PCRE2_ERROR_BADOFFSET; /* not the text read: a bug */
  for (unsigned g = 0; g < t->n_groups && off < len; g++) {
    if (!(mask >> g & 1) || t->end[g] <= off) continue;
    size_t from = off > t->start[g] ? off : t->start[g];
    /* A match starting at end[g] (the next group's first byte) would be
     * the leftmost one too: nothing before it matched. */
    pcre2_set_offset_limit(t->mc, t->end[g]);
    int rc = pcre2_match(code, (PCRE2_SPTR)text, len, from, options, md, t->mc);
    if (rc != PCRE2_ERROR_NOMATCH) return rc;
  }
  return PCRE2_ERROR_NOMATCH;
}

/* ---- reading a pattern --------------------------------------------------- */

typedef struct span {
  uint32_t off, len; /* in an.chars */
} span;

typedef struct info {
  int exact;       /* 1: the node matches exactly the strings strs[first..first+n) */
  uint32_t first, n;
  uint32_t q;      /* otherwise: what every match contains (a tmp node or Q_TRUE) */
} info;

typedef struct tnode {
  uint8_t op;
  uint32_t a, n; /* OP_LIT: chars[a..a+n); else tkids[a..a+n) */
} tnode;

/* Scratch for one pattern; everything is an index, so arrays may move. */
typedef struct an {
  const char *p, *end;
  int fail;  /* syntax not understood: the pattern always runs */
  int nomem;
  int depth; /* of groups: a model file is untrusted, its patterns too */
  char *chars;
  size_t n_chars, chars_cap;
  span *strs;
  size_t n_strs, strs_cap;
  tnode *nodes;
  size_t n_nodes, nodes_cap;
  uint32_t *tkids;
  size_t n_tkids, tkids_cap;
} an;

static info set_of(an *a, const char *s, uint32_t len) {
  info r = {1, 0, 0, Q_TRUE};
  /* One spare byte: chars is never NULL, not even for memcpy of 0 bytes. */
  if (ju_reserve(&a->chars, &a->chars_cap, a->n_chars + len + 1, 1) ||
      ju_reserve(&a->strs, &a->strs_cap, a->n_strs + 1, sizeof *a->strs)) {
    a->nomem = 1;
    return r;
  }
  for (uint32_t i = 0; i < len; i++) a->chars[a->n_chars + i] = (char)lower((unsigned char)s[i]);
  a->strs[a->n_strs] = (span){(uint32_t)a->n_chars, len};
  a->n_chars += len;
  r.first = (uint32_t)a->n_strs++;
  r.n = 1;
  return r;
}

static info any(void) { return (info){0, 0, 0, Q_TRUE}; }

static uint32_t longest(const an *a, info x) {
  uint32_t m = 0;
  for (uint32_t i = 0; i < x.n; i++)
    if (a->strs[x.first + i].len > m) m = a->strs[x.first + i].len;
  return m;
}

static info cross(an *a, info x, info y) {
  info r = {1, (uint32_t)a->n_strs, 0, Q_TRUE};
  if (ju_reserve(&a->strs, &a->strs_cap, a->n_strs + (size_t)x.n * y.n, sizeof *a->strs)) {
    a->nomem = 1;
    return r;
  }
  for (uint32_t i = 0; i < x.n; i++)
    for (uint32_t j = 0; j < y.n; j++) {
      span sx = a->strs[x.first + i], sy = a->strs[y.first + j];
      if (ju_reserve(&a->chars, &a->chars_cap, a->n_chars + sx.len + sy.len + 1, 1)) {
        a->nomem = 1;
        return r;
      }
      memcpy(a->chars + a->n_chars, a->chars + sx.off, sx.len);
      memcpy(a->chars + a->n_chars + sx.len, a->chars + sy.off, sy.len);
      a->strs[a->n_strs++] = (span){(uint32_t)a->n_chars, sx.len + sy.len};
      a->n_chars += sx.len + sy.len;
      r.n++;
    }
  return r;
}

static info set_union(an *a, info x, info y) {
  info r = {1, (uint32_t)a->n_strs, x.n + y.n, Q_TRUE};
  if (ju_reserve(&a->strs, &a->strs_cap, a->n_strs + r.n, sizeof *a->strs)) {
    a->nomem = 1;
    return r;
  }
  memmove(a->strs + a->n_strs, a->strs + x.first, x.n * sizeof *a->strs);
  memmove(a->strs + a->n_strs + x.n, a->strs + y.first, y.n * sizeof *a->strs);
  a->n_strs += r.n;
  return r;
}

static uint32_t new_node(an *a, uint8_t op, uint32_t first, uint32_t n) {
  if (ju_reserve(&a->nodes, &a->nodes_cap, a->n_nodes + 1, sizeof *a->nodes)) {
    a->nomem = 1;
    return Q_TRUE;
  }
  a->nodes[a->n_nodes] = (tnode){op, first, n};
  return (uint32_t)a->n_nodes++;
}

static int push_kid(an *a, uint32_t k) {
  if (ju_reserve(&a->tkids, &a->tkids_cap, a->n_tkids + 1, sizeof *a->tkids)) return a->nomem = 1, -1;
  a->tkids[a->n_tkids++] = k;
  return 0;
}

/* Appends k, or k's kids when k is already an op node (flattening). */
static void push_flat(an *a, uint8_t op, uint32_t k) {
  if (a->nodes[k].op != op) {
    push_kid(a, k);
    return;
  }
  tnode c = a->nodes[k];
  for (uint32_t i = 0; i < c.n && !a->nomem; i++) push_kid(a, a->tkids[c.a + i]);
}

/* AND / OR of two queries; TRUE is the unit of AND and absorbs OR. */
static uint32_t q_join(an *a, uint8_t op, uint32_t x, uint32_t y) {
  if (x == Q_TRUE || y == Q_TRUE) return op == OP_AND ? (x == Q_TRUE ? y : x) : Q_TRUE;
  uint32_t first = (uint32_t)a->n_tkids;
  push_flat(a, op, x);
  push_flat(a, op, y);
  return a->nomem ? Q_TRUE : new_node(a, op, first, (uint32_t)a->n_tkids - first);
}

/* Whether small begins or ends big: the cases cross products make
 * ("client" / "clients", "gere " / "je gere "), found without a search. */
static int contains(const an *a, span big, span small) {
  const char *b = a->chars + big.off, *p = a->chars + small.off;
  return small.len <= big.len &&
         (memcmp(b, p, small.len) == 0 || memcmp(b + big.len - small.len, p, small.len) == 0);
}

/* OR of the strings of an exact set. A string that begins or ends with
 * another one is dropped ("clients" when "client" is there): the shorter is
 * implied. A
 * string shorter than MIN_LIT (the empty one too) makes the query TRUE. */
static uint32_t q_of_set(an *a, info x) {
  for (uint32_t i = 0; i < x.n; i++)
    if (a->strs[x.first + i].len < MIN_LIT) return Q_TRUE;
  uint32_t first = (uint32_t)a->n_tkids;
  for (uint32_t i = 0; i < x.n && !a->nomem; i++) {
    span si = a->strs[x.first + i];
    int drop = 0;
    for (uint32_t j = 0; j < x.n && !drop; j++) {
      span sj = a->strs[x.first + j];
      if (j == i || !contains(a, si, sj)) continue;
      /* Equal strings: keep the first. */
      drop = sj.len < si.len || j < i;
    }
    if (!drop) push_kid(a, new_node(a, OP_LIT, si.off, si.len));
  }
  uint32_t n = (uint32_t)a->n_tkids - first;
  if (a->nomem || !n) return Q_TRUE;
  return n == 1 ? a->tkids[first] : new_node(a, OP_OR, first, n);
}

static uint32_t q_of(an *a, info x) { return x.exact ? q_of_set(a, x) : x.q; }

static info parse_alt(an *a);

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static long read_num(an *a) {
  long v = 0;
  if (a->p >= a->end || !is_digit(*a->p)) return -1;
  while (a->p < a->end && is_digit(*a->p)) {
    v = v * 10 + (*a->p++ - '0');
    if (v > 65535) return -1;
  }
  return v;
}

/* A bracket class: a few plain characters become an exact set, anything
 * else (negation, ranges, escapes, POSIX names) one unknown character. */
static info parse_class(an *a) {
  const char *s = a->p; /* after '[' */
  int neg = s < a->end && *s == '^';
  if (neg) s++;
  const char *body = s;
  if (s < a->end && *s == ']') s++; /* a leading ']' is literal */
  while (s < a->end && *s != ']') {
    if (*s == '\\' || *s == '[') {
      a->fail = 1; /* nested syntax: not worth reading */
      return any();
    }
    s++;
  }
  if (s >= a->end) {
    a->fail = 1;
    return any();
  }
  a->p = s + 1;
  size_t n = (size_t)(s - body);
  int plain = !neg && n >= 1 && n <= 4;
  for (size_t i = 0; plain && i < n; i++) {
    unsigned char c = (unsigned char)body[i];
    if (c >= 0x80 || (c == '-' && i > 0 && i + 1 < n)) plain = 0; /* a range */
  }
  if (!plain) return any();
  info r = set_of(a, body, 1);
  for (size_t i = 1; i < n && !a->nomem; i++) r = set_union(a, r, set_of(a, body + i, 1));
  return r;
}

static info parse_escape(an *a) {
  if (a->p >= a->end) {
    a->fail = 1;
    return any();
  }
  char c = *a->p++;
  switch (c) {
  case 'b': case 'B': case 'A': case 'z': case 'Z': case 'G':
    return set_of(a, "", 0); /* assertions consume nothing */
  case 'w': case 'W': case 'd': case 'D': case 's': case 'S':
  case 'h': case 'H': case 'v': case 'V': case 'N': case 'R': case 'X':
    return any();
  default:
    if ((unsigned char)c < 0x80 && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !is_digit(c))
      return set_of(a, &c, 1); /* escaped punctuation is itself */
    a->fail = 1;                 /* back-references, \x, \p, \Q... */
    return any();
  }
}

static info parse_atom(an *a) {
  char c = *a->p;
  if (c == '(') {
    a->p++;
    if (++a->depth > MAX_DEPTH) {
      a->fail = 1;
      return any();
    }
    int look = 0;
    if (a->p < a->end && *a->p == '*') {
      a->fail = 1; /* verbs such as (*MARK) or (*UTF) */
      return any();
    }
    if (a->p < a->end && *a->p == '?') {
      const char *q = a->p + 1;
      if (q < a->end && (*q == ':' || *q == '>')) a->p = q + 1;
      else if (q < a->end && (*q == '=' || *q == '!')) a->p = q + 1, look = 1;
      else if (q + 1 < a->end && *q == '<' && (q[1] == '=' || q[1] == '!')) a->p = q + 2, look = 1;
      else {
        a->fail = 1; /* options, names, conditions, comments */
        return any();
      }
    }
    info r = parse_alt(a);
    a->depth--;
    if (a->fail || a->p >= a->end || *a->p != ')') {
      a->fail = 1;
      return any();
    }
    a->p++;
    /* A lookaround tests text around the match, not in it. */
    return look ? set_of(a, "", 0) : r;
  }
  a->p++;
  switch (c) {
  case '[': return parse_class(a);
  case '\\': return parse_escape(a);
  case '.': return any();
  case '^': case '$': return set_of(a, "", 0);
  case '*': case '+': case '?': case '{': case ')': case '|':
    a->fail = 1;
    return any();
  default:
    if ((unsigned char)c >= 0x80) {
      /* Non-ASCII letters have case partners of their own: not a literal. */
      while (a->p < a->end && ((unsigned char)*a->p & 0xC0) == 0x80) a->p++;
      return any();
    }
    return set_of(a, &c, 1);
  }
}

/* Applies a quantifier after an atom, if there is one. */
static info quantify(an *a, info x) {
  if (a->p >= a->end) return x;
  long lo, hi;
  char c = *a->p;
  if (c == '?') lo = 0, hi = 1;
  else if (c == '*') lo = 0, hi = -1;
  else if (c == '+') lo = 1, hi = -1;
  else if (c == '{') {
    a->p++;
    lo = hi = read_num(a);
    if (lo >= 0 && a->p < a->end && *a->p == ',') {
      a->p++;
      if (a->p < a->end && *a->p == '}') hi = -1;
      else if ((hi = read_num(a)) < 0) lo = -1;
    }
    /* PCRE2 reads a '{' that is no quantifier as a literal: not handled. */
    if (lo < 0 || a->p >= a->end || *a->p != '}' || (hi >= 0 && hi < lo)) {
      a->fail = 1;
      return any();
    }
  } else
    return x;
  a->p++; /* past '?', '*', '+' or '}' */
  if (a->p < a->end && (*a->p == '?' || *a->p == '+')) a->p++; /* lazy, possessive */
  if (lo == 1 && hi == 1) return x;
  if (lo == 0 && hi == 1 && x.exact && x.n + 1 <= EXACT_MAX) return set_union(a, x, set_of(a, "", 0));
  if (lo == 0) return any();
  /* At least once: a match holds what one repetition holds. */
  info r = any();
  r.q = q_of(a, x);
  return r;
}

/* A sequence: exact sets are multiplied while they stay small; a set that
 * would grow too large or too long, or an inexact item, closes what came
 * before into the AND of requirements. */
static info parse_concat(an *a) {
  info acc = set_of(a, "", 0);
  uint32_t q = Q_TRUE;
  int broken = 0;
  while (!a->fail && !a->nomem && a->p < a->end && *a->p != '|' && *a->p != ')') {
    info y = quantify(a, parse_atom(a));
    if (a->fail || a->nomem) break;
    if (y.exact && (size_t)acc.n * y.n <= EXACT_MAX && longest(a, acc) + longest(a, y) <= MAX_LIT) {
      acc = cross(a, acc, y);
      continue;
    }
    q = q_join(a, OP_AND, q, q_of_set(a, acc));
    broken = 1;
    if (y.exact) acc = y;
    else {
      q = q_join(a, OP_AND, q, y.q);
      acc = set_of(a, "", 0);
    }
  }
  if (!broken) return acc;
  info r = any();
  r.q = q_join(a, OP_AND, q, q_of_set(a, acc));
  return r;
}

static info parse_alt(an *a) {
  info x = parse_concat(a);
  while (!a->fail && !a->nomem && a->p < a->end && *a->p == '|') {
    a->p++;
    info y = parse_concat(a);
    if (a->fail || a->nomem) break;
    if (x.exact && y.exact && x.n + y.n <= EXACT_MAX) x = set_union(a, x, y);
    else {
      uint32_t q = q_join(a, OP_OR, q_of(a, x), q_of(a, y));
      x = any();
      x.q = q;
    }
  }
  return x;
}

/* ---- keeping the queries ------------------------------------------------- */

/* Literals under node n: what evaluating it may cost. */
static size_t cost(const jq_pf *pf, uint32_t n) {
  const pf_node *x = &pf->nodes[n];
  if (x->op == OP_LITS) return x->n;
  size_t c = 0;
  for (uint32_t k = 0; k < x->n; k++) c += cost(pf, pf->kids[x->a + k]);
  return c;
}

static uint32_t add_node(jq_pf *pf, uint8_t op, uint32_t a, uint32_t n, int *nomem) {
  if (ju_reserve(&pf->nodes, &pf->nodes_cap, pf->n_nodes + 1, sizeof *pf->nodes)) return *nomem = 1, 0;
  pf->nodes[pf->n_nodes] = (pf_node){op, a, n};
  return (uint32_t)pf->n_nodes++;
}

/* Appends tmp literal t of a to pf->lit. */
static void keep_lit(jq_pf *pf, const an *a, const tnode *x, int *nomem) {
  const char *s = a->chars + x->a;
  /* A part of a literal the match must contain must be there too: long
   * ones are cut, which bounds the cost of checking them. */
  uint32_t len = x->n < MAX_LIT ? x->n : MAX_LIT, ng = len <= 4 ? 1 : len - 3;
  if (ju_reserve(&pf->lit, &pf->lit_cap, pf->n_lit + 1, sizeof *pf->lit) ||
      ju_reserve(&pf->first, &pf->first_cap, pf->n_lit + 1, sizeof *pf->first) ||
      ju_reserve(&pf->text, &pf->text_cap, pf->n_lit + 1, sizeof *pf->text) ||
      ju_reserve(&pf->grams, &pf->grams_cap, pf->n_grams + ng, sizeof *pf->grams) ||
      ju_reserve(&pf->lits, &pf->lits_cap, pf->n_lits + len + 1, 1)) {
    *nomem = 1;
    return;
  }
  /* q_of_set keeps no literal shorter than MIN_LIT (3): one 3-gram or
   * the 4-grams. */
  pf_lit *l = &pf->lit[pf->n_lit];
  l->gram = (uint32_t)pf->n_grams;
  l->n = ng;
  for (uint32_t i = 0; i < ng; i++) {
    uint32_t k = len < 4 ? len : 4, g = 0;
    for (uint32_t j = 0; j < k; j++) g = g << 8 | (unsigned char)s[i + j];
    pf->grams[pf->n_grams++] = gram_hash(g, k);
  }
  pf->first[pf->n_lit] = pf->grams[l->gram];
  pf->text[pf->n_lit++] = (uint32_t)pf->n_lits;
  memcpy(pf->lits + pf->n_lits, s, len);
  pf->lits[pf->n_lits + len] = 0;
  pf->n_lits += len + 1;
}

/* Copies tmp node t of a into pf; returns its index there. The literals
 * among an OR's kids become one OP_LITS kid. */
static uint32_t keep(jq_pf *pf, const an *a, uint32_t t, int *nomem) {
  const tnode *x = &a->nodes[t];
  if (x->op == OP_LIT) {
    uint32_t first = (uint32_t)pf->n_lit;
    keep_lit(pf, a, x, nomem);
    return *nomem ? 0 : add_node(pf, OP_LITS, first, 1, nomem);
  }
  uint32_t *tmp = malloc((x->n + 1) * sizeof *tmp);
  if (!tmp) return *nomem = 1, 0;
  uint32_t n = 0;
  if (x->op == OP_OR) {
    uint32_t first = (uint32_t)pf->n_lit;
    for (uint32_t i = 0; i < x->n && !*nomem; i++)
      if (a->nodes[a->tkids[x->a + i]].op == OP_LIT) keep_lit(pf, a, &a->nodes[a->tkids[x->a + i]], nomem);
    if (!*nomem && pf->n_lit > first) tmp[n++] = add_node(pf, OP_LITS, first, (uint32_t)pf->n_lit - first, nomem);
  }
  for (uint32_t i = 0; i < x->n && !*nomem; i++)
    if (x->op != OP_OR || a->nodes[a->tkids[x->a + i]].op != OP_LIT) tmp[n++] = keep(pf, a, a->tkids[x->a + i], nomem);
  /* An AND stops at its first empty kid: try the cheaper kids first. */
  if (x->op == OP_AND && !*nomem)
    for (uint32_t i = 1; i < n; i++)
      for (uint32_t j = i; j > 0 && cost(pf, tmp[j]) < cost(pf, tmp[j - 1]); j--) {
        uint32_t v = tmp[j];
        tmp[j] = tmp[j - 1];
        tmp[j - 1] = v;
      }
  uint32_t me = 0;
  if (!*nomem && n == 1) me = tmp[0];
  else if (!*nomem && !ju_reserve(&pf->kids, &pf->kids_cap, pf->n_kids + n, sizeof *pf->kids)) {
    memcpy(pf->kids + pf->n_kids, tmp, n * sizeof *tmp);
    me = add_node(pf, x->op, (uint32_t)pf->n_kids, n, nomem);
    pf->n_kids += n;
  } else
    *nomem = 1;
  free(tmp);
  return me;
}

int jq_pf_new(jq_pf **out) {
  *out = calloc(1, sizeof **out);
  return *out ? 0 : JALON_ENOMEM;
}

void jq_pf_free(jq_pf *pf) {
  if (!pf) return;
  free(pf->roots);
  free(pf->nodes);
  free(pf->kids);
  free(pf->grams);
  free(pf->lits);
  free(pf->lit);
  free(pf->first);
  free(pf->text);
  free(pf);
}

size_t jq_pf_count(const jq_pf *pf) { return pf ? pf->n_roots : 0; }
size_t jq_pf_filtered(const jq_pf *pf) { return pf ? pf->filtered : 0; }

int jq_pf_add(jq_pf *pf, const char *pat, size_t len) {
  an a = {.p = pat, .end = pat + len};
  info r = parse_alt(&a);
  uint32_t root = Q_TRUE;
  int nomem = a.nomem;
  /* Trailing text after a stray ')' is syntax not read: run always. */
  if (!a.fail && !nomem && a.p == a.end) {
    uint32_t q = q_of(&a, r);
    nomem = a.nomem;
    if (!nomem && q != Q_TRUE) root = keep(pf, &a, q, &nomem);
  }
  free(a.chars);
  free(a.strs);
  free(a.nodes);
  free(a.tkids);
  if (nomem || ju_reserve(&pf->roots, &pf->roots_cap, pf->n_roots + 1, sizeof *pf->roots)) return JALON_ENOMEM;
  pf->roots[pf->n_roots++] = root;
  pf->filtered += root != Q_TRUE;
  return 0;
}

/* ---- describing, for tests ----------------------------------------------- */

typedef struct out {
  char *buf;
  size_t size, len;
} out;

static void put(out *o, const char *s) {
  for (; *s; s++) {
    if (o->len + 1 < o->size) o->buf[o->len] = *s;
    o->len++;
  }
  if (o->size) o->buf[o->len < o->size ? o->len : o->size - 1] = 0;
}

static void describe(const jq_pf *pf, uint32_t n, out *o) {
  const pf_node *x = &pf->nodes[n];
  int lits = x->op == OP_LITS;
  if (!lits || x->n > 1) put(o, x->op == OP_AND ? "AND(" : "OR(");
  for (uint32_t k = 0; k < x->n; k++) {
    if (k) put(o, ",");
    if (!lits) {
      describe(pf, pf->kids[x->a + k], o);
      continue;
    }
    put(o, "'");
    put(o, pf->lits + pf->text[x->a + k]);
    put(o, "'");
  }
  if (!lits || x->n > 1) put(o, ")");
}

void jq_pf_describe(const jq_pf *pf, size_t i, char *buf, size_t size) {
  out o = {buf, size, 0};
  if (size) buf[0] = 0;
  if (!pf || i >= pf->n_roots || pf->roots[i] == Q_TRUE) put(&o, "TRUE");
  else describe(pf, pf->roots[i], &o);
}
