/* CléA profile: text cues (has / need, flipped by a nearby negation), job
 * evidence from the rule masks of the competences of jobs held, and one
 * status per domain where the text beats what jobs imply. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clea/clea.h"
#include "cues/prefilter.h"
#include "model/model.h"
#include "util/error.h"
#include "util/vec.h"

typedef struct jk_pattern {
  pcre2_code *code;
  int kind;
  int sub;    /* sub-domain index, or JK_DOMAIN_ONLY */
  int domain; /* 1..7 for JK_DOMAIN_ONLY patterns */
} jk_pattern;

/* The text patterns have always been matched as alternations of CHUNK
 * patterns each, has and need apart, in file order: one pass per chunk, in
 * which a match hides any other of its chunk that starts inside it. Those
 * chunks define the results. The reference mode still runs them so, each
 * chunk one regex whose branches open with (*MARK:index). The fast mode finds
 * the same matches sooner: a literal prefilter (cues/prefilter.h) keeps the
 * few patterns of a chunk that may match the text, and the clauses where they
 * may; each runs on its own, there only (and with the start-of-match
 * optimisations that an alternation of (*MARK)-led branches loses), and
 * scan_next merges their matches the way the alternation would have found
 * them. */
struct jk_set {
  jk_pattern *p;
  size_t n;
  uint32_t *order;     /* text pattern indexes, chunk after chunk, in branch order */
  uint32_t *chunk_end; /* chunk c is order[c ? chunk_end[c - 1] : 0 .. chunk_end[c]) */
  size_t n_chunks, n_order;
  uint32_t *pf_index; /* per pattern: its number in pf */
  jq_pf *pf;          /* the fast mode only */
  pcre2_code **combined; /* the reference mode: one regex per chunk (none may exceed 64 KiB compiled) */
  size_t n_combined;
};

#define CHUNK 24 /* patterns per combined alternation */

/* Per-workspace state: PCRE2 match data and the prefilter's reading of the
 * last text, kept with a copy of that text: the soft-skill and CléA scans
 * get the same folded text one after the other, and read it once. */
typedef struct jk_md {
  pcre2_match_data *md;
  jq_pf_text *pft;
  char *last;
  size_t last_len, last_cap;
  int have_last;
  uint32_t last_opts;
} jk_md;

void jk_set_free(jk_set *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n; i++) pcre2_code_free(s->p[i].code);
  for (size_t i = 0; i < s->n_combined; i++) pcre2_code_free(s->combined[i]);
  free(s->combined);
  free(s->order);
  free(s->chunk_end);
  free(s->pf_index);
  jq_pf_free(s->pf);
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

/* The has (0) or need (1) patterns of the chunk being gathered. */
typedef struct pending {
  char *alt; /* their alternation, when it is compiled */
  size_t alt_len, alt_cap;
  uint32_t idx[CHUNK];
  size_t n;
} pending;

/* Closes a chunk: its patterns join the chunk order and, when asked for, its
 * alternation is compiled. */
static int flush_chunk(jk_set *s, pending *pd, int combine, size_t *comb_cap, const char *name, jalon_error **err) {
  uint32_t *order = realloc(s->order, (s->n_order + pd->n) * sizeof *order);
  if (order) s->order = order;
  uint32_t *ends = order ? realloc(s->chunk_end, (s->n_chunks + 1) * sizeof *ends) : NULL;
  if (ends) s->chunk_end = ends;
  if (!order || !ends) return ju_error(err, JALON_ENOMEM, "out of memory compiling cues");
  memcpy(s->order + s->n_order, pd->idx, pd->n * sizeof *pd->idx);
  s->n_order += pd->n;
  s->chunk_end[s->n_chunks++] = (uint32_t)s->n_order;
  pd->n = 0;
  if (!combine) return 0;
  int ec;
  PCRE2_SIZE off;
  if (ju_reserve(&s->combined, comb_cap, s->n_combined + 1, sizeof *s->combined))
    return ju_error(err, JALON_ENOMEM, "out of memory compiling cues");
  pcre2_code *c =
      pcre2_compile((PCRE2_SPTR)pd->alt, pd->alt_len, PCRE2_UTF | PCRE2_CASELESS | PCRE2_UCP, &ec, &off, NULL);
  pd->alt_len = 0;
  if (!c) {
    PCRE2_UCHAR msg[160];
    pcre2_get_error_message(ec, msg, sizeof msg);
    /* A failed allocation is ENOMEM: jm_compile_lazy retries those, but keeps any other error for good. */
    return ju_error(err, ec == PCRE2_ERROR_HEAP_FAILED ? JALON_ENOMEM : JALON_EFORMAT,
                    "%s: cue patterns do not combine: %s", name, (const char *)msg);
  }
  (void)pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
  s->combined[s->n_combined++] = c;
  return 0;
}

/* Adds text pattern s->n (about to be pushed) to its pending chunk. */
static int pend(jk_set *s, pending *pd, int combine, const char *pat, size_t plen) {
  if (combine) {
    if (ju_reserve(&pd->alt, &pd->alt_cap, pd->alt_len + plen + 40, 1)) return -1;
    pd->alt_len += (size_t)sprintf(pd->alt + pd->alt_len, "%s(*MARK:%zu)(?:", pd->alt_len ? "|" : "", s->n);
    memcpy(pd->alt + pd->alt_len, pat, plen);
    pd->alt_len += plen;
    pd->alt[pd->alt_len++] = ')';
    pd->alt[pd->alt_len] = 0;
  }
  pd->idx[pd->n++] = (uint32_t)s->n;
  return 0;
}

int jk_set_compile(jk_set **out, const char *source, const char *name, int (*find_sub)(void *, const char *),
                   void *ud, int at_open, jalon_error **err) {
  return jk_set_compile_mode(out, source, name, find_sub, ud, at_open, JK_MODE_FAST, err);
}

int jk_set_compile_mode(jk_set **out, const char *source, const char *name, int (*find_sub)(void *, const char *),
                        void *ud, int at_open, int mode, jalon_error **err) {
  *out = NULL;
  jk_set *s = calloc(1, sizeof *s);
  if (!s) return ju_error(err, JALON_ENOMEM, "out of memory compiling CléA cues");
  size_t cap = 0, lineno = 0, comb_cap = 0, pf_cap = 0;
  int rc = 0;
  /* Building a model (at_open = 0) compiles every line on its own, to name a
   * bad one by its line, and the chunks too, as it always did, so that
   * patterns that do not combine stay an error there. */
  int combine = mode == JK_MODE_REFERENCE || !at_open;
  int single = mode == JK_MODE_FAST || !at_open;
  if (mode == JK_MODE_FAST && at_open && jq_pf_new(&s->pf)) {
    free(s);
    return ju_error(err, JALON_ENOMEM, "out of memory compiling CléA cues");
  }
  /* Signs of holding and of need go to separate chunks: in one pass a match
   * hides any other starting inside it, and a need must never be hidden by
   * the skill it contains ("écrire un mail c'est dur"). */
  pending pd[4]; /* has, need, frame, topic */
  memset(pd, 0, sizeof pd);
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
               : kl == 4 && !strncmp(p, "rule", 4) ? JK_RULE : kl == 3 && !strncmp(p, "sub", 3) ? 0
               : kl == 5 && !strncmp(p, "frame", 5) ? JK_FRAME : kl == 5 && !strncmp(p, "topic", 5) ? JK_TOPIC : -1;
    if (kind < 0 || f1 == end) {
      rc = ju_error(err, JALON_EFORMAT, "%s:%zu: expected \"has|need|rule|sub|frame|topic<TAB>CODE<TAB>…\"", name,
                    lineno);
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
    /* A frame belongs to no domain: its CODE says where its topic lies, and
     * is kept in domain. */
    if (kind == JK_FRAME) {
      domain = !strcmp(code, ">")    ? JK_AFTER
               : !strcmp(code, "<")  ? JK_BEFORE
               : !strcmp(code, "<>") ? JK_AFTER | JK_BEFORE
                                     : 0;
      sub = domain ? JK_DOMAIN_ONLY : -1;
      if (!domain) {
        rc = ju_error(err, JALON_EFORMAT, "%s:%zu: a frame's CODE is \">\", \"<\" or \"<>\"", name, lineno);
        break;
      }
    }
    if (sub < 0) {
      rc = ju_error(err, JALON_EFORMAT, "%s:%zu: unknown CléA sub-domain \"%s\"", name, lineno, code);
      break;
    }
    if (kind == 0) continue; /* "sub" lines document the sub-domains */
    /* scan_next skips the topics when no frame came before them. */
    if (kind == JK_FRAME && jk_set_count(s, JK_TOPIC)) {
      rc = ju_error(err, JALON_EFORMAT, "%s:%zu: frame lines must come before the topic lines", name, lineno);
      break;
    }
    if (c1 == end) {
      rc = ju_error(err, JALON_EFORMAT, "%s:%zu: pattern missing", name, lineno);
      break;
    }
    const char *pat = c1 + 1;
    size_t plen = (size_t)(end - pat);
    /* Opening a model needs only the text patterns: the rules were run when
     * the model was built. */
    if (at_open && kind == JK_RULE) continue;
    int ec;
    PCRE2_SIZE off;
    pcre2_code *re = NULL;
    if (single || kind == JK_RULE) {
      uint32_t opts = PCRE2_UTF | PCRE2_CASELESS | PCRE2_UCP | (s->pf ? JQ_PF_COMPILE_OPTIONS : 0);
      re = pcre2_compile((PCRE2_SPTR)pat, (PCRE2_SIZE)plen, opts, &ec, &off, NULL);
      if (!re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(ec, msg, sizeof msg);
        /* PCRE2 reports a failed allocation as a compile error: keep it ENOMEM. */
        rc = ju_error(err, ec == PCRE2_ERROR_HEAP_FAILED ? JALON_ENOMEM : JALON_EFORMAT,
                      "%s:%zu: bad pattern at offset %zu: %s", name, lineno, (size_t)off, (const char *)msg);
        break;
      }
      /* Rules run on thousands of labels at build time, text patterns on
       * every text: JIT them (an optimisation; without it they still match). */
      if (kind == JK_RULE || at_open) (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    }
    int w = kind == JK_NEED ? 1 : kind == JK_FRAME ? 2 : kind == JK_TOPIC ? 3 : 0;
    int nomem = ju_reserve(&s->p, &cap, s->n + 1, sizeof *s->p);
    if (!nomem && kind != JK_RULE) nomem = pend(s, &pd[w], combine, pat, plen);
    if (!nomem && kind != JK_RULE && s->pf) {
      nomem = ju_reserve(&s->pf_index, &pf_cap, s->n + 1, sizeof *s->pf_index);
      if (!nomem) s->pf_index[s->n] = (uint32_t)jq_pf_count(s->pf);
      if (!nomem) nomem = jq_pf_add(s->pf, pat, plen);
    }
    if (nomem) {
      pcre2_code_free(re);
      rc = ju_error(err, JALON_ENOMEM, "out of memory compiling CléA cues");
      break;
    }
    s->p[s->n++] = (jk_pattern){re, kind, sub, domain};
    /* Each frame and topic line is a chunk of its own: a topic must not hide
     * another domain's topic inside it ("les mots" / "mots de passe"), nor a
     * frame read one way a frame read the other. */
    if (kind != JK_RULE && (pd[w].n == CHUNK || kind == JK_FRAME || kind == JK_TOPIC))
      rc = flush_chunk(s, &pd[w], combine, &comb_cap, name, err);
  }
  for (int w = 0; w < 4; w++) {
    if (!rc && pd[w].n) rc = flush_chunk(s, &pd[w], combine, &comb_cap, name, err);
    free(pd[w].alt);
  }
  if (rc) {
    jk_set_free(s);
    return rc;
  }
  *out = s;
  return 0;
}

/* Next match of a combined chunk at or after *off: the pattern that
 * matched (from its mark), its span, or NULL when there is none. */
static const jk_pattern *next_match(const jk_set *s, const pcre2_code *code, pcre2_match_data *md, const char *buf,
                                    size_t len, size_t *off, size_t *start, size_t *end) {
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

#define NONE ((size_t)-1)

/* Walks the matches of every chunk of a set, in chunk order, as the
 * reference mode finds them. */
typedef struct scan {
  const jk_set *s;
  jk_md *md;
  const char *buf;
  size_t len;
  uint32_t opts;  /* PCRE2_NO_UTF_CHECK once the text is checked */
  size_t c;       /* current chunk */
  int open;       /* chunk c set up */
  size_t off;     /* where the chunk's next match may start */
  size_t nc;      /* candidates of chunk c, in branch order */
  uint32_t cand[CHUNK];
  uint64_t where[CHUNK];       /* each one's groups of clauses (prefilter) */
  size_t at[CHUNK], to[CHUNK]; /* each one's next match at or after off, at = NONE if none */
  size_t frames;               /* frame matches returned so far */
} scan;

static void scan_init(scan *sc, const jk_set *s, jk_md *md, const char *buf, size_t len) {
  memset(sc, 0, sizeof *sc);
  sc->s = s;
  sc->md = md;
  sc->buf = buf;
  sc->len = len;
  if (!s->pf) return;
  if (md->have_last && md->last_len == len && memcmp(md->last, buf, len) == 0) {
    sc->opts = md->last_opts;
    return;
  }
  /* One UTF-8 check here instead of one per pcre2_match call (each checks
   * the rest of the text): the folded text is built from checked input, but
   * a check costs a single pass. */
  size_t bad;
  sc->opts = jt_check_utf8(buf, len, &bad) == 0 ? PCRE2_NO_UTF_CHECK : 0;
  jq_pf_text_set(md->pft, buf, len);
  md->have_last = 0;
  if (!ju_reserve(&md->last, &md->last_cap, len + 1, 1)) {
    memcpy(md->last, buf, len);
    md->last_len = len;
    md->last_opts = sc->opts;
    md->have_last = 1;
  }
}

/* Leftmost match of candidate k at or after sc->off. */
static void find(scan *sc, size_t k) {
  const jk_pattern *p = &sc->s->p[sc->cand[k]];
  sc->at[k] = NONE;
  int rc = jq_pf_match(p->code, sc->md->pft, sc->where[k], sc->buf, sc->len, sc->off, sc->opts, sc->md->md);
  if (rc < 0) return;
  PCRE2_SIZE *ov = pcre2_get_ovector_pointer(sc->md->md);
  sc->at[k] = ov[0];
  sc->to[k] = ov[1];
}

/* The next match: the pattern, its span [*start, *end), or NULL at the end. */
static const jk_pattern *scan_next(scan *sc, size_t *start, size_t *end) {
  const jk_set *s = sc->s;
  while (sc->c < s->n_chunks) {
    /* A topic is only read next to a frame, and the frames come first in
     * the file (so in chunk order): with none in the text, the topics,
     * whose words are common, need not run at all. */
    if (!sc->frames && s->p[s->order[sc->c ? s->chunk_end[sc->c - 1] : 0]].kind == JK_TOPIC) {
      sc->c++;
      sc->open = 0;
      sc->off = 0;
      continue;
    }
    if (!s->pf) {
      const jk_pattern *p = next_match(s, s->combined[sc->c], sc->md->md, sc->buf, sc->len, &sc->off, start, end);
      if (p) {
        sc->frames += p->kind == JK_FRAME;
        return p;
      }
      sc->c++;
      sc->off = 0;
      continue;
    }
    if (!sc->open) {
      sc->open = 1;
      sc->off = 0;
      sc->nc = 0;
      for (uint32_t i = sc->c ? s->chunk_end[sc->c - 1] : 0; i < s->chunk_end[sc->c]; i++) {
        uint32_t pi = s->order[i];
        uint64_t where = jq_pf_mask(s->pf, s->pf_index[pi], sc->md->pft);
        if (!where) continue;
        sc->cand[sc->nc] = pi;
        sc->where[sc->nc] = where;
        find(sc, sc->nc++);
      }
    }
    /* The alternation finds the leftmost start; at one start, the first
     * branch that matches. A pattern's match at a given start does not
     * depend on where the search began (lookbehinds and \b see the text
     * before it), so a cached next match stays valid while it lies ahead. */
    size_t best = NONE;
    for (size_t k = 0; k < sc->nc; k++)
      if (sc->at[k] != NONE && (best == NONE || sc->at[k] < sc->at[best])) best = k;
    if (best == NONE) {
      sc->c++;
      sc->open = 0;
      continue;
    }
    *start = sc->at[best];
    *end = sc->to[best];
    const jk_pattern *p = &s->p[sc->cand[best]];
    sc->off = *end > sc->off ? *end : sc->off + 1;
    for (size_t k = 0; k < sc->nc; k++)
      if (sc->at[k] != NONE && sc->at[k] < sc->off) find(sc, k);
    sc->frames += p->kind == JK_FRAME;
    return p;
  }
  return NULL;
}

void *jk_match_data_new(const jk_set *s) {
  (void)s;
  jk_md *md = calloc(1, sizeof *md);
  if (!md || !(md->md = pcre2_match_data_create(4, NULL)) || jq_pf_text_new(&md->pft)) {
    jk_match_data_free(md);
    return NULL;
  }
  return md;
}

void jk_match_data_free(void *p) {
  jk_md *md = p;
  if (!md) return;
  pcre2_match_data_free(md->md);
  jq_pf_text_free(md->pft);
  free(md->last);
  free(md);
}

uint32_t jk_rules_mask(const jk_set *s, const char *folded, size_t len, void *md) {
  uint32_t mask = 0;
  for (size_t i = 0; s && i < s->n; i++) {
    if (s->p[i].kind != JK_RULE || (mask >> s->p[i].sub & 1u)) continue;
    if (pcre2_match(s->p[i].code, (PCRE2_SPTR)folded, len, 0, 0, ((jk_md *)md)->md, NULL) >= 0)
      mask |= 1u << s->p[i].sub;
  }
  return mask;
}

/* Whether w is one of the words of a static list. */
static int in_list(const char *w, const char *const *list, size_t n) {
  for (size_t k = 0; k < n; k++)
    if (strcmp(w, list[k]) == 0) return 1;
  return 0;
}
#define in_words(w, list) in_list((w), (list), sizeof(list) / sizeof *(list))

/* "je ne sais pas utiliser excel": a negation just before a sign that the
 * person holds a skill turns it into a need. The look-back stops at the
 * clause: "l'écrit c'est pas mon fort et l'informatique…" negates nothing
 * after "et". Need patterns carry their own negations and are not flipped. */
static int negated(const jt_tokens *t, size_t tok) {
  static const char *const neg[] = {"ne", "n'", "pas", "jamais", "aucun", "aucune", "sans", "nul", "nulle"};
  static const char *const stop[] = {"et", "mais", "ou", "puis", "car", "donc"};
  /* "aucun souci avec excel", "pas de problème pour rendre la monnaie",
   * "jamais eu de mal à apprendre": the negation denies the difficulty, not
   * the skill after it. */
  static const char *const idiom[] = {"souci",  "soucis",     "probleme", "problemes", "difficulte",
                                      "difficultes", "mal", "peur",     "crainte",   "hesite"};
  for (size_t back = 1; back <= 4 && back <= tok; back++) {
    size_t i = tok - back;
    if (t->v[i + 1].sep >= JT_SEP_COMMA) return 0;
    if (in_words(jt_fold(t, i), stop)) return 0;
    if (in_words(jt_fold(t, i), idiom)) return 0;
    if (in_words(jt_fold(t, i), neg))
      /* "je ne gère plus la caisse": no longer, not unable. */
      return !(i + 1 < tok && strcmp(jt_fold(t, i + 1), "plus") == 0);
  }
  return 0;
}

/* "je voudrais passer le CACES", "il faudrait que je fasse l'HACCP", "je
 * cherche un travail de nuit": a skill named in a wish is not held (nor, by that alone, lacking). The
 * look-back stops at the clause, like negated(). */
static int aspired(const jt_tokens *t, size_t tok) {
  static const char *const wish[] = {"voudrais", "voudrait", "aimerais",  "aimerait", "souhaite",
                                     "souhaiterais", "faudrait", "envisage", "reve",     "veux",
                                     "voulais",  "espere",   "cherche",  "recherche"};
  static const char *const stop[] = {"et", "mais", "ou", "puis", "car", "donc"};
  for (size_t back = 1; back <= 5 && back <= tok; back++) {
    size_t i = tok - back;
    if (t->v[i + 1].sep >= JT_SEP_COMMA) return 0;
    if (in_words(jt_fold(t, i), stop)) return 0;
    if (in_words(jt_fold(t, i), wish)) return 1;
  }
  return 0;
}

/* "ma collègue est très organisée", "elle fait les plannings", "mon mari
 * s'occupe des factures": a skill of someone else. The nearest subject
 * before the sign, in its clause, decides; "je" or "moi" keeps it the
 * person's ("s'il le faut je fais les comptes"). */
static int others(const jt_tokens *t, size_t tok) {
  static const char *const mine[] = {"je", "j'", "jai", "moi", "me", "m'"};
  static const char *const third[] = {"il", "elle", "ils", "elles"};
  static const char *const close[] = {"mon", "ma", "mes", "son", "sa", "ses", "leur", "leurs"};
  static const char *const who[] = {"collegue", "collegues", "chef", "cheffe", "mari", "femme", "fils", "fille",
                                    "enfants", "voisin", "voisine", "soeur", "frere", "ami", "amie", "responsable",
                                    "patron", "patronne", "conjoint", "conjointe", "copain", "copine", "binome"};
  static const char *const stop[] = {"et", "mais", "ou", "puis", "car", "donc", "qui", "que", "qu'"};
  for (size_t back = 1; back <= 6 && back <= tok; back++) {
    size_t i = tok - back;
    const char *w = jt_fold(t, i);
    if (t->v[i + 1].sep >= JT_SEP_COMMA) return 0;
    if (in_words(w, mine)) return 0;
    if (in_words(w, stop)) return 0;
    if (in_words(w, third)) return 1;
    /* "ma collègue", "mon ancien collègue" */
    static const char *const adj[] = {"ancien", "ancienne", "nouveau", "nouvelle", "dernier", "derniere", "ex"};
    for (size_t k = 0; k < sizeof who / sizeof *who && i > 0; k++) {
      if (strcmp(w, who[k])) continue;
      size_t d = i - 1;
      for (size_t a = 0; a < sizeof adj / sizeof *adj && d > 0; a++)
        if (!strcmp(jt_fold(t, d), adj[a])) {
          d--;
          break;
        }
      for (size_t q = 0; q < sizeof close / sizeof *close; q++)
        if (!strcmp(jt_fold(t, d), close[q])) return 1;
    }
  }
  return 0;
}

static int push_ev(jalon_result *r, jr_clea_ev ev) {
  if (ju_reserve(&r->clea_ev, &r->clea_ev_cap, r->n_clea_ev + 1, sizeof *r->clea_ev)) return JALON_ENOMEM;
  r->clea_ev[r->n_clea_ev++] = ev;
  return 0;
}

/* Is a frame of difficulty denied ("je n'ai aucun problème avec", "pas de
 * souci avec", "j'ai jamais eu de mal à", "sans difficulté")? Closer than
 * negated(): a frame often follows its topic ("rendre la monnaie sans
 * l'écran je panique"), so the look-back stops at the subject of the frame
 * and at the clause. A frame that holds its own negation ("pas à l'aise",
 * "n'y arrive pas", "ne comprends pas") is what it says: the "ne" before it
 * is part of that negation. */
static int frame_denied(const jt_tokens *t, size_t lo, size_t last) {
  static const char *const own[] = {"pas", "jamais", "rien", "plus", "personne", "aucun", "aucune"};
  static const char *const neg[] = {"ne", "n'", "pas", "jamais", "aucun", "aucune", "sans", "plus"};
  static const char *const subj[] = {"je", "j'", "jai", "ca", "c'", "on", "il", "elle", "ils", "elles", "tu"};
  int has_own = 0;
  for (size_t i = lo; i <= last && i < t->n && !has_own; i++)
    has_own |= in_words(jt_fold(t, i), own);
  const char *first = jt_fold(t, lo);
  if (has_own && (!strcmp(first, "pas") || !strcmp(first, "jamais") || !strcmp(first, "rien") || !strcmp(first, "ne") ||
                  !strcmp(first, "n'")))
    return 0;
  for (size_t back = 1; back <= 3 && back <= lo; back++) {
    size_t i = lo - back;
    if (t->v[i + 1].sep >= JT_SEP_COMMA) return 0;
    if (in_words(jt_fold(t, i), subj)) return 0;
    if (has_own && (!strcmp(jt_fold(t, i), "ne") || !strcmp(jt_fold(t, i), "n'"))) continue;
    if (in_words(jt_fold(t, i), neg)) return 1;
  }
  return 0;
}

/* "c'est parfois compliqué mais j'y arrive toujours", "il dit que je suis
 * nulle en informatique mais je me débrouille": a difficulty overcome right
 * after it (and its topic) says nothing either way. */
static int overcome(const jt_tokens *t, size_t last) {
  static const char *const done[] = {"arrive", "arrivais", "sors", "gere", "debrouille", "reussis", "maitrise"};
  static const char *const neg[] = {"pas", "jamais", "plus", "rien", "mal"};
  size_t m = last + 1;
  while (m < t->n && m <= last + 3 && t->v[m].sep < JT_SEP_STOP && strcmp(jt_fold(t, m), "mais")) m++;
  if (m >= t->n || m > last + 3 || strcmp(jt_fold(t, m), "mais") || t->v[m].sep >= JT_SEP_STOP) return 0;
  last = m - 1;
  for (size_t i = last + 2; i < t->n && i <= last + 5 && t->v[i].sep < JT_SEP_STOP; i++)
    for (size_t k = 0; k < sizeof done / sizeof *done; k++)
      if (!strcmp(jt_fold(t, i), done[k])) {
        for (size_t j = i + 1; j < t->n && j <= i + 2 && t->v[j].sep < JT_SEP_COMMA; j++)
          for (size_t q = 0; q < sizeof neg / sizeof *neg; q++)
            if (!strcmp(jt_fold(t, j), neg[q])) return 0;
        return 1;
      }
  return 0;
}

/* Do tokens (a, b] hold a sentence end or a word of contrast? "l'oral ça
 * va mais l'écrit c'est dur": the difficulty is the writing's alone. From a
 * topic to the frame after it (after = 0), an adverb of contrast right
 * behind the topic sets it against what came before, not against its frame:
 * "les chiffres, par contre, ça me donne mal à la tête", "le GPS pourtant
 * c'est pas mon ami". From a frame to a topic after it, a new clause with
 * its own subject is no longer the frame's object: "écrire c'est difficile
 * pour moi, je voudrais apprendre". */
static int apart(const jt_tokens *t, size_t a, size_t b, int after) {
  static const char *const contrast[] = {"mais", "sauf", "contre", "cependant", "pourtant", "neanmoins", "tandis"};
  static const char *const subj[] = {"je", "j'", "jai", "il", "elle", "on", "ils", "elles", "nous", "vous", "tu"};
  for (size_t i = a + 1; i <= b; i++) {
    /* "Lire, écrire, compter… j'ai tout à reprendre": a list trailing off
     * into its judgement. An ellipsis ("…" or "...", then a space) is the
     * only sentence end that leaves 4 bytes or more between two words on
     * one line; other sentence ends still part a topic from its frame. */
    if (t->v[i].sep >= JT_SEP_STOP && (after || t->v[i].start - t->v[i - 1].end < 4)) return 1;
    if (after && t->v[i].sep >= JT_SEP_COMMA)
      if (in_words(jt_fold(t, i), subj)) return 1;
    const char *w = jt_fold(t, i);
    int lead = !after && i <= a + 2 && strcmp(w, "mais") != 0 && strcmp(w, "sauf") != 0;
    for (size_t k = 0; k < sizeof contrast / sizeof *contrast && !lead; k++)
      if (strcmp(w, contrast[k]) == 0) return 1;
  }
  return 0;
}

/* A frame or a topic found in the text, in tokens [lo, last]. Signs of
 * holding stand as topics too: "rendre la monnaie sans l'écran je panique". */
typedef struct jk_mark {
  size_t lo, last;
  int kind; /* JK_FRAME or JK_TOPIC */
  int dir;  /* frames: JK_AFTER | JK_BEFORE */
  int d;    /* topics: domain index */
  int sub;  /* JK_SHADOWED: a topic inside a longer topic of another domain */
  int topic; /* a topic line, not a sign of holding */
} jk_mark;

#define JK_SHADOWED (-1)

#define MAX_MARKS 128   /* frames and topics kept per text; more are dropped */
#define FRAME_AFTER 4   /* words at most between a frame and the topic after it ("du mal avec les chiffres") */
#define FRAME_BEFORE 7  /* and the topic before it ("lire les papiers de la caf c'est dur") */
#define FRAME_CHAIN 3   /* and between topics in a row ("les maths et l'ordi c'est pas pour moi") */

static int cmp_mark(const void *a, const void *b) {
  const jk_mark *x = a, *y = b;
  if (x->lo != y->lo) return x->lo < y->lo ? -1 : 1;
  if (x->last != y->last) return x->last > y->last ? -1 : 1;
  if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
  return x->d < y->d ? -1 : x->d > y->d;
}

/* Does the frame at token lo open a clause of time or condition ("quand je
 * me trompe", "si je bloque")? A topic before it is then what the person
 * does about the difficulty, not its object: "je me remets en question
 * quand je me trompe". */
static int subordinate(const jt_tokens *t, size_t lo) {
  static const char *const skip[] = {"je", "j'", "jai", "me", "m'", "ne", "n'", "que", "qu'"};
  static const char *const conj[] = {"quand", "lorsque", "si", "s'", "lorsqu'", "parce", "puisque", "car"};
  for (size_t back = 1; back <= 4 && back <= lo; back++) {
    const char *w = jt_fold(t, lo - back);
    int small = 0;
    if (in_words(w, conj)) return 1;
    small = small || in_words(w, skip);
    if (!small || t->v[lo - back + 1].sep >= JT_SEP_COMMA) return 0;
  }
  return 0;
}

/* Can topic o be reached from the frame or the topic ending at token
 * `from` (after it) or starting at `from` (before it), within gap words? */
static int reaches(const jt_tokens *t, const jk_mark *o, size_t from, int after, size_t gap) {
  if (after) return o->lo > from && o->lo - from - 1 <= gap && !apart(t, from, o->lo, 1);
  return o->last < from && from - o->last - 1 <= gap && !apart(t, o->last, from, 0);
}

/* Between the topic reached last and the next one (tokens (a, b)), a chain
 * goes on only through small words: "l'ordi et les chiffres", "la TVA, les
 * mètres carrés", "rédiger un mail". */
static int chained(const jt_tokens *t, size_t a, size_t b) {
  static const char *const small[] = {"et", "ou", "ni", "les", "le", "la", "l'", "des", "de", "du", "d'", "avec", "en",
                                      "sur", "pour", "a", "au", "aux", "un", "une", "mes", "mon", "ma", "ses", "son",
                                      "sa", "puis", "aussi", "surtout", "meme", "comme", "dans"};
  for (size_t i = a + 1; i < b && i < t->n; i++) {
    int ok = 0;
    ok = ok || in_words(jt_fold(t, i), small);
    if (!ok) return 0;
  }
  return 1;
}

/* Pairs each frame with the topics on its side, near and in the same
 * sentence: a need for each domain it reaches, spanning both. A topic
 * reached passes the reach on to the next one ("du mal avec l'ordi et avec
 * les chiffres", "les maths et l'ordinateur c'est pas pour moi"). A topic
 * inside a longer one of another domain is that one's word ("les mots de
 * passe" is not about words, "les règles de trois" not about rules). */
static int pair_frames(jk_mark *mk, size_t n, const jt_tokens *t, jalon_result *r) {
  if (n > 1) qsort(mk, n, sizeof *mk, cmp_mark);
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < n && mk[i].kind == JK_TOPIC && mk[i].sub != JK_SHADOWED; k++)
      if (k != i && mk[k].kind == JK_TOPIC && mk[k].topic && mk[i].topic && mk[k].d != mk[i].d &&
          mk[k].lo <= mk[i].last && mk[i].lo <= mk[k].last && mk[k].last - mk[k].lo > mk[i].last - mk[i].lo)
        mk[i].sub = JK_SHADOWED;
  for (size_t i = 0; i < n; i++) {
    const jk_mark *f = &mk[i];
    if (f->kind != JK_FRAME || overcome(t, f->last)) continue;
    /* A denied difficulty says the person holds it: "je n'ai aucun souci
     * avec l'informatique", "jamais eu de mal à apprendre". */
    int need = !frame_denied(t, f->lo, f->last);
    unsigned done = 0;
    size_t at[JK_DOMAINS] = {0}; /* each domain's evidence of this frame */
    for (int after = 1; after >= 0; after--) {
      if (!(f->dir & (after ? JK_AFTER : JK_BEFORE)) || (!after && subordinate(t, f->lo))) continue;
      size_t edge = after ? f->last : f->lo, from = edge;
      for (size_t step = 0; step < n; step++) {
        const jk_mark *o = &mk[after ? step : n - 1 - step];
        if (o->kind != JK_TOPIC || o->sub == JK_SHADOWED) continue;
        /* Overlapping the frame ("galère en informatique" read both ways),
         * the nearest topic on its side, or next to the topic reached
         * before: "pas de souci avec les chiffres, je faisais la caisse
         * tout seul" says nothing of working alone. */
        int overlap = o->lo <= f->last && f->lo <= o->last;
        int near = from == edge && reaches(t, o, edge, after, after ? FRAME_AFTER : FRAME_BEFORE);
        int next = from != edge && reaches(t, o, from, after, FRAME_CHAIN) &&
                   chained(t, after ? from : o->last, after ? o->lo : from);
        if (!overlap && !near && !next) continue;
        if (!overlap) from = after ? (o->last > from ? o->last : from) : (o->lo < from ? o->lo : from);
        /* The evidence spans every topic of its domain reached, so that a
         * sign of holding among them is read as part of the need ("je m'y
         * perds : créer un compte, les codes reçus par SMS"). */
        if (done >> o->d & 1u) {
          jr_clea_ev *e = &r->clea_ev[at[o->d]];
          if (t->v[o->lo].start < e->start) e->start = t->v[o->lo].start;
          if (t->v[o->last].end > e->end) e->end = t->v[o->last].end;
          continue;
        }
        done |= 1u << o->d;
        size_t lo = f->lo < o->lo ? f->lo : o->lo, last = f->last > o->last ? f->last : o->last;
        jr_clea_ev ev = {(uint8_t)o->sub, (uint8_t)need, 0, (uint8_t)o->d, t->v[lo].start, t->v[last].end, 0, 0};
        at[o->d] = r->n_clea_ev;
        if (push_ev(r, ev)) return JALON_ENOMEM;
      }
    }
  }
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
  scan sc;
  scan_init(&sc, s, md, buf, len);
  const jk_pattern *p;
  while ((p = scan_next(&sc, &a, &b)) != NULL) {
    size_t lo = token_at(tok_off, t->n, a), last = lo;
    while (last + 1 < t->n && tok_off[last + 1] < b) last++;
    if (negated(t, lo)) continue;
    int seen = 0;
    for (size_t k = 0; k < r->n_soft && !seen; k++) seen = r->soft[k].item == (uint32_t)p->sub;
    if (seen) continue;
    if (ju_reserve(&r->soft, &cap, r->n_soft + 1, sizeof *r->soft)) return JALON_ENOMEM;
    r->soft[r->n_soft++] = (jr_soft){(uint32_t)p->sub, t->v[lo].start, t->v[last].end};
  }
  return 0;
}

#define MAX_TEXT_EV 4
#define MAX_JOB_EV 3
#define JOB_MIN_CORE 2     /* core competences of a fiche that imply a domain */
#define JOB_MIN_SCORE 0.5  /* experience fiches read with less confidence imply nothing */
#define JOB_MIN_SHARE 0.75 /* nor do those well behind the best one */

int jk_profile(const jalon_model *m, void *md, const jt_tokens *t, const char *buf, size_t len,
               const size_t *tok_off, jalon_result *r) {
  const jk_set *s = m->clea;
  if (!s || !m->n_clea_subs) return 0;
  r->has_clea = 1;
  unsigned text_has[JK_DOMAINS] = {0}, text_need[JK_DOMAINS] = {0}, jobs[JK_DOMAINS] = {0};
  /* 1. Text: the has/need patterns, chunk after chunk (see struct jk_set),
   * then the frames of difficulty paired with the topics near them. */
  jk_mark marks[MAX_MARKS];
  size_t n_marks = 0, a, b;
  scan sc;
  scan_init(&sc, s, md, buf, len);
  const jk_pattern *p;
  while ((p = scan_next(&sc, &a, &b)) != NULL) {
    size_t lo = token_at(tok_off, t->n, a), last = lo;
    while (last + 1 < t->n && tok_off[last + 1] < b) last++;
    if (p->kind == JK_FRAME) {
      if (n_marks < MAX_MARKS) marks[n_marks++] = (jk_mark){lo, last, JK_FRAME, p->domain, 0, JK_DOMAIN_ONLY, 0};
      continue;
    }
    /* A topic is only words: its frame says which way it goes. */
    int need = p->kind == JK_NEED || (p->kind == JK_HAS && negated(t, lo));
    int d = p->sub == JK_DOMAIN_ONLY ? p->domain - 1 : m->clea_subs[p->sub].domain - 1;
    if (d >= 0 && d < JK_DOMAINS && (p->kind == JK_TOPIC || p->kind == JK_HAS) && !need && n_marks < MAX_MARKS)
      marks[n_marks++] = (jk_mark){lo, last, JK_TOPIC, 0, d, p->sub, p->kind == JK_TOPIC};
    if (p->kind == JK_TOPIC || (p->kind == JK_HAS && !need && (aspired(t, lo) || others(t, lo)))) continue;
    if (d >= 0 && d < JK_DOMAINS && t->n) {
      jr_clea_ev ev = {(uint8_t)p->sub, (uint8_t)need, 0, (uint8_t)d, t->v[lo].start, t->v[last].end, 0, 0};
      if (push_ev(r, ev)) return JALON_ENOMEM;
    }
  }
  size_t n_scanned = r->n_clea_ev;
  if (pair_frames(marks, n_marks, t, r)) return JALON_ENOMEM;
  /* A need line whose own look-behind missed a negation ("jamais eu peur de
   * l'informatique": "eu" hides "jamais") yields to a frame read as denied
   * over the same words. */
  size_t w = 0;
  for (size_t i = 0; i < r->n_clea_ev; i++) {
    const jr_clea_ev *e = &r->clea_ev[i];
    int drop = 0;
    for (size_t k = n_scanned; k < r->n_clea_ev && i < n_scanned && e->need && !drop; k++) {
      const jr_clea_ev *o = &r->clea_ev[k];
      drop = !o->need && o->pad == e->pad && o->start < e->end && e->start < o->end;
    }
    if (!drop) r->clea_ev[w++] = *e;
  }
  r->n_clea_ev = w;
  /* A sign of need that contains a sign of holding ("rendre la monnaie c'est
   * dur pour moi") is a need only; then count and cap per domain. */
  w = 0;
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
  /* 2. Jobs held: competences of the experience fiches, through the rules.
   * Only what sets a job apart counts. The generic savoir-être ("faire
   * preuve de rigueur", "travailler en équipe") and the work contexts sit on
   * nearly every fiche: counted, every job implied every domain. So do the
   * long tails of secondary items. A domain is implied by a fiche's core
   * competences (coeur de métier) only, and by at least JOB_MIN_CORE of them:
   * a cashier's encashing implies calculation, one safety protocol among
   * twenty core items does not imply domain 7. The experience list also
   * holds the next-nearest fiches of an experience clause ("caissière" →
   * casino cashier, bureau de change…); only the fiches read with some
   * confidence, and close to the best one, stand for the job held. */
  double best = 0;
  for (size_t e = 0; e < r->n_experience; e++)
    if (r->experience[e].score > best) best = r->experience[e].score;
  for (size_t e = 0; e < r->n_experience; e++) {
    double sc = r->experience[e].score;
    if (sc < JOB_MIN_SCORE || sc < best * JOB_MIN_SHARE) continue;
    const jm_fiche *f = &m->fiches[r->experience[e].fiche];
    unsigned core[JK_DOMAINS] = {0};
    for (int pass = 0; pass < 2; pass++)
      for (uint32_t k = 0; k < f->item_count; k++) {
        const jm_fiche_item *fi = &m->fiche_items[f->item_first + k];
        uint32_t item = fi->item, kind = m->items[item].kind;
        uint32_t mask = m->item_clea[item];
        if (fi->core != JM_CORE_PRINCIPALE || (kind != JM_ITEM_SAVOIR_FAIRE && kind != JM_ITEM_SAVOIR)) continue;
        /* Pass 0 counts the core items of each domain; pass 1 reports
         * those of the domains that reach the minimum. A core item counts
         * once per domain even when it names two of its sub-domains. */
        unsigned seen = 0;
        for (uint32_t sub = 0; mask && sub < m->n_clea_subs; sub++) {
          if (!(mask >> sub & 1u)) continue;
          int d = m->clea_subs[sub].domain - 1;
          if (d < 0 || d >= JK_DOMAINS || (seen >> d & 1u)) continue;
          seen |= 1u << d;
          if (pass == 0) {
            core[d]++;
            continue;
          }
          if (core[d] < JOB_MIN_CORE || ++jobs[d] > MAX_JOB_EV) continue;
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
