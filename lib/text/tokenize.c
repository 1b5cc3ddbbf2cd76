/* Text stage: ICU word and sentence segmentation over the caller's UTF-8,
 * French elision and gender-ending splits, separators, folded forms, stems. */
#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utext.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include "jalon/jalon.h"
#include "text/tokenize.h"
#include "util/vec.h"

/* Snowball French costs ~200 ns a word and ICU folding of an accented word
 * about as much, while texts keep repeating words ("de", "vente", "équipe"):
 * each ctx memoises word -> folded form, stem and case flags in a
 * direct-mapped table (4096 x 64 bytes = 256 KiB; 2048 slots measured ~15%
 * slower on a stream of real job offers). Words longer than MEMO_WORD bytes
 * (rare in French) bypass it. Define JT_MEMO_SLOTS to 0 to measure without. */
#ifndef JT_MEMO_SLOTS
#define JT_MEMO_SLOTS 4096u
#endif
#define MEMO_WORD 20

typedef struct memo_slot {
  uint8_t raw_len; /* 0: empty */
  uint8_t fold_len, stem_len;
  uint8_t flags; /* JT_CAPITAL, JT_UPPER */
  char raw[MEMO_WORD], fold[MEMO_WORD], stem[MEMO_WORD];
} memo_slot;

struct jt_ctx {
  UBreakIterator *word, *sent;
  /* Reopened on every call: utext_openUTF8 keeps the chunk buffer it
   * allocated the first time, so a warm ctx allocates nothing here. */
  UText ut;
  int ut_open;
  const UNormalizer2 *nfkd, *nfkc; /* owned by ICU, never closed */
  struct sb_stemmer *stemmer;
  /* UTF-16 scratch for folding non-ASCII words; grows, never shrinks. */
  UChar *a, *b;
  int32_t a_cap, b_cap;
  memo_slot *memo; /* JT_MEMO_SLOTS entries, or NULL */
};

/* State of one jt_tokenize call, passed to the emitters. */
typedef struct scan {
  const char *text;
  size_t len;
  size_t last_end;  /* end of the previous token (start of the gap) */
  uint8_t pending;  /* separator implied by an in-word split or an elision */
  uint32_t sentence;
  int32_t next_sb;  /* next ICU sentence boundary not yet passed */
} scan;

static int icu_rc(UErrorCode st) { return st == U_MEMORY_ALLOCATION_ERROR ? JALON_ENOMEM : JALON_EICU; }

int jt_ctx_new(jt_ctx **out) {
  if (!out) return JALON_EINVAL;
  *out = NULL;
  jt_ctx *c = calloc(1, sizeof *c);
  if (!c) return JALON_ENOMEM;
  c->ut = (UText)UTEXT_INITIALIZER;
  UErrorCode st = U_ZERO_ERROR;
  /* No French tailoring exists in ICU's break rules; "fr" documents intent
   * and picks one up should a later ICU add it. */
  c->word = ubrk_open(UBRK_WORD, "fr", NULL, 0, &st);
  if (U_SUCCESS(st)) c->sent = ubrk_open(UBRK_SENTENCE, "fr", NULL, 0, &st);
  if (U_SUCCESS(st)) c->nfkd = unorm2_getNFKDInstance(&st);
  if (U_SUCCESS(st)) c->nfkc = unorm2_getNFKCInstance(&st);
  if (U_FAILURE(st)) {
    int rc = icu_rc(st);
    jt_ctx_free(c);
    return rc;
  }
  /* libstemmer returns NULL both for an unknown language and for a failed
   * malloc; "french" is always built in, so NULL means memory. */
  c->stemmer = sb_stemmer_new("french", "UTF_8");
  if (JT_MEMO_SLOTS) c->memo = calloc(JT_MEMO_SLOTS, sizeof *c->memo);
  if (!c->stemmer || (JT_MEMO_SLOTS && !c->memo)) {
    jt_ctx_free(c);
    return JALON_ENOMEM;
  }
  *out = c;
  return 0;
}

void jt_ctx_free(jt_ctx *c) {
  if (!c) return;
  if (c->word) ubrk_close(c->word);
  if (c->sent) ubrk_close(c->sent);
  if (c->ut_open) utext_close(&c->ut);
  if (c->stemmer) sb_stemmer_delete(c->stemmer);
  free(c->a);
  free(c->b);
  free(c->memo);
  free(c);
}

void jt_tokens_init(jt_tokens *t) { memset(t, 0, sizeof *t); }

void jt_tokens_free(jt_tokens *t) {
  if (!t) return;
  free(t->v);
  free(t->buf);
  memset(t, 0, sizeof *t);
}

/* ---- folding ---- */

static int grow16(UChar **p, int32_t *cap, int32_t need) {
  if (need <= *cap) return 0;
  int32_t n = *cap ? *cap : 64;
  while (n < need) {
    if (n > INT32_MAX / 2) return JALON_ENOMEM;
    n *= 2;
  }
  UChar *q = realloc(*p, (size_t)n * sizeof *q);
  if (!q) return JALON_ENOMEM;
  *p = q;
  *cap = n;
  return 0;
}

static int is_apostrophe(UChar32 ch) {
  /* ’ and ʼ are what phones and word processors type for ' ; ‘ and ′ turn up
   * after autocorrect or copy-paste; ＇ from CJK input methods. */
  return ch == 0x27 || ch == 0x2019 || ch == 0x2018 || ch == 0x2BC || ch == 0x2032 || ch == 0xFF07;
}

/* Folds UTF-8 word s[0..n) (not ASCII) through ICU into t->buf; sets
 * *out_len (0 when nothing is left, e.g. a lone emoji keycap). */
static int fold_icu(jt_ctx *c, jt_tokens *t, const char *s, size_t n, size_t *out_len, uint16_t *flags) {
  UErrorCode st = U_ZERO_ERROR;
  int32_t na = 0, nb = 0;
  int rc;
  *out_len = 0;
  /* UTF-8 never takes fewer bytes than UTF-16 takes units. */
  if ((rc = grow16(&c->a, &c->a_cap, (int32_t)n + 1))) return rc;
  u_strFromUTF8(c->a, c->a_cap, &na, s, (int32_t)n, &st);
  if (U_FAILURE(st)) return icu_rc(st);

  int upper = 0, lower = 0, seen_letter = 0, alnum = 0;
  for (int32_t i = 0; i < na;) {
    UChar32 ch;
    U16_NEXT(c->a, i, na, ch);
    /* ICU keeps "1️⃣" as a number; a keycap is an emoji, not a figure. */
    if (ch == 0x20E3) return 0;
    if (u_isalnum(ch)) alnum = 1;
    if (u_isupper(ch) || u_istitle(ch)) {
      if (!seen_letter) *flags |= JT_CAPITAL;
      upper++;
    } else if (u_islower(ch)) {
      lower++;
    }
    if (u_isalpha(ch)) seen_letter = 1;
  }
  if (!alnum) return 0;
  if (upper > 1 && lower == 0) *flags |= JT_UPPER;

  /* NFKD spells out ligatures and full-width forms and detaches accents. */
  for (;;) {
    st = U_ZERO_ERROR;
    nb = unorm2_normalize(c->nfkd, c->a, na, c->b, c->b_cap, &st);
    if (st != U_BUFFER_OVERFLOW_ERROR) break;
    if ((rc = grow16(&c->b, &c->b_cap, nb + 1))) return rc;
  }
  if (U_FAILURE(st)) return icu_rc(st);

  /* Drop the detached accents and invisible format characters (soft hyphen,
   * joiners) and spell out the ligatures NFKD leaves alone. */
  if ((rc = grow16(&c->a, &c->a_cap, 2 * nb + 1))) return rc;
  na = 0;
  for (int32_t i = 0; i < nb;) {
    UChar32 ch;
    U16_NEXT(c->b, i, nb, ch);
    int8_t type = u_charType(ch);
    if (type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK) continue;
    if (u_hasBinaryProperty(ch, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) continue;
    if (is_apostrophe(ch)) ch = '\'';
    if (ch == 0x153 || ch == 0x152) {
      c->a[na++] = 'o';
      c->a[na++] = 'e';
    } else if (ch == 0xE6 || ch == 0xC6) {
      c->a[na++] = 'a';
      c->a[na++] = 'e';
    } else {
      U16_APPEND_UNSAFE(c->a, na, ch);
    }
  }

  /* Full case folding, not locale lower-casing: the same bytes whatever the
   * locale of the process, so the model and the queries agree. */
  for (;;) {
    st = U_ZERO_ERROR;
    nb = u_strFoldCase(c->b, c->b_cap, c->a, na, U_FOLD_CASE_DEFAULT, &st);
    if (st != U_BUFFER_OVERFLOW_ERROR) break;
    if ((rc = grow16(&c->b, &c->b_cap, nb + 1))) return rc;
  }
  if (U_FAILURE(st)) return icu_rc(st);

  /* Latin text is already NFKC here (no marks are left to compose); other
   * scripts (Hangul jamo) are recomposed so the form is NFKC as promised. */
  UChar *f = c->b;
  int32_t nf = nb;
  st = U_ZERO_ERROR;
  if (unorm2_spanQuickCheckYes(c->nfkc, c->b, nb, &st) < nb && U_SUCCESS(st)) {
    for (;;) {
      st = U_ZERO_ERROR;
      nf = unorm2_normalize(c->nfkc, c->b, nb, c->a, c->a_cap, &st);
      if (st != U_BUFFER_OVERFLOW_ERROR) break;
      if ((rc = grow16(&c->a, &c->a_cap, nf + 1))) return rc;
    }
    f = c->a;
  }
  if (U_FAILURE(st)) return icu_rc(st);
  if (nf == 0) return 0;

  size_t room = 3 * (size_t)nf + 1;
  if ((size_t)nf > (INT32_MAX - 1) / 3) return JALON_ETOOBIG;
  if (ju_reserve(&t->buf, &t->buf_cap, t->buf_len + room, 1)) return JALON_ENOMEM;
  int32_t n8 = 0;
  st = U_ZERO_ERROR;
  u_strToUTF8(t->buf + t->buf_len, (int32_t)room, &n8, f, nf, &st);
  if (U_FAILURE(st)) return icu_rc(st);
  *out_len = (size_t)n8;
  return 0;
}

/* Writes the folded form of s[0..n) at t->buf + t->buf_len (NUL not yet
 * written). ASCII words, most of French text, skip ICU entirely: for them
 * NFKC is the identity and folding is lower-casing. */
static int fold_word(jt_ctx *c, jt_tokens *t, const char *s, size_t n, size_t *out_len, uint16_t *flags) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0;
  while (i < n && u[i] < 0x80) i++;
  if (i < n) return fold_icu(c, t, s, n, out_len, flags);

  if (ju_reserve(&t->buf, &t->buf_cap, t->buf_len + n + 1, 1)) return JALON_ENOMEM;
  char *o = t->buf + t->buf_len;
  int upper = 0, lower = 0, seen_letter = 0, alnum = 0;
  for (i = 0; i < n; i++) {
    unsigned char ch = u[i];
    if (ch >= 'A' && ch <= 'Z') {
      if (!seen_letter) *flags |= JT_CAPITAL;
      seen_letter = alnum = 1;
      upper++;
      ch = (unsigned char)(ch + ('a' - 'A'));
    } else if (ch >= 'a' && ch <= 'z') {
      seen_letter = alnum = 1;
      lower++;
    } else if (ch >= '0' && ch <= '9') {
      alnum = 1;
    }
    o[i] = (char)ch;
  }
  *out_len = alnum ? n : 0; /* ICU calls "___" a word; it is not one */
  if (upper > 1 && lower == 0) *flags |= JT_UPPER;
  return 0;
}

/* ---- memo ---- */

static memo_slot *memo_find(jt_ctx *c, const char *w, size_t n) {
  if (!c->memo || n > MEMO_WORD) return NULL;
  uint32_t h = 2166136261u; /* FNV-1a: the keys are a few bytes long */
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)w[i]) * 16777619u;
  return &c->memo[h % (JT_MEMO_SLOTS ? JT_MEMO_SLOTS : 1u)];
}

/* Appends s[0..n) + NUL to t->buf; *off gets its offset. */
static int buf_put(jt_tokens *t, const char *s, size_t n, uint32_t *off) {
  if (t->buf_len + n + 1 > UINT32_MAX) return JALON_ETOOBIG;
  if (ju_reserve(&t->buf, &t->buf_cap, t->buf_len + n + 1, 1)) return JALON_ENOMEM;
  memcpy(t->buf + t->buf_len, s, n);
  t->buf[t->buf_len + n] = 0;
  *off = (uint32_t)t->buf_len;
  t->buf_len += n + 1;
  return 0;
}

/* Folded form and stem of word s[0..n) into t->buf and tk; *flags gains
 * the case flags. tk->fold_len is 0 when the word folds to nothing. */
static int fold_and_stem(jt_ctx *c, jt_tokens *t, const char *s, size_t n, uint16_t *flags, jt_token *tk) {
  int plain = !(*flags & (JT_ELIDED | JT_NUMBER));
  memo_slot *slot = plain ? memo_find(c, s, n) : NULL;
  int rc;
  if (slot && slot->raw_len == n && memcmp(slot->raw, s, n) == 0) {
    *flags |= slot->flags;
    if ((rc = buf_put(t, slot->fold, slot->fold_len, &tk->fold))) return rc;
    tk->fold_len = slot->fold_len;
    tk->stem = tk->fold;
    tk->stem_len = tk->fold_len;
    if (slot->stem_len != slot->fold_len || memcmp(slot->stem, slot->fold, slot->fold_len) != 0) {
      if ((rc = buf_put(t, slot->stem, slot->stem_len, &tk->stem))) return rc;
      tk->stem_len = slot->stem_len;
    }
    return 0;
  }

  size_t fold_at = t->buf_len, fold_len = 0;
  uint16_t case_flags = 0;
  if ((rc = fold_word(c, t, s, n, &fold_len, &case_flags))) return rc;
  tk->fold_len = 0;
  if (fold_len == 0) return 0;
  if (t->buf_len + fold_len + 1 > UINT32_MAX) return JALON_ETOOBIG;
  t->buf[fold_at + fold_len] = 0; /* fold_word reserved room for it */
  t->buf_len += fold_len + 1;
  *flags |= case_flags;
  tk->fold = tk->stem = (uint32_t)fold_at;
  tk->fold_len = tk->stem_len = (uint32_t)fold_len;
  /* Elided articles and numbers have no stem worth computing; a stem equal
   * to the fold shares its bytes. */
  if (!plain) return 0;
  const sb_symbol *stem = sb_stemmer_stem(c->stemmer, (const sb_symbol *)t->buf + fold_at, (int)fold_len);
  if (!stem) return JALON_ENOMEM;
  size_t sl = (size_t)sb_stemmer_length(c->stemmer);
  if (sl != fold_len || memcmp(stem, t->buf + fold_at, sl) != 0) {
    if ((rc = buf_put(t, (const char *)stem, sl, &tk->stem))) return rc;
    tk->stem_len = (uint32_t)sl;
  }
  if (slot && fold_len <= MEMO_WORD && sl <= MEMO_WORD) {
    slot->raw_len = (uint8_t)n;
    slot->fold_len = (uint8_t)fold_len;
    slot->stem_len = (uint8_t)sl;
    slot->flags = (uint8_t)case_flags;
    memcpy(slot->raw, s, n);
    memcpy(slot->fold, t->buf + fold_at, fold_len);
    memcpy(slot->stem, stem, sl);
  }
  return 0;
}

/* ---- separators ---- */

static uint8_t max_sep(uint8_t a, uint8_t b) { return a > b ? a : b; }

/* Strongest separator in the text between two tokens, text[s..e), e > s. */
static uint8_t classify_gap(const char *text, size_t s, size_t e) {
  const uint8_t *u = (const uint8_t *)text;
  uint8_t sep = JT_SEP_SPACE;
  for (size_t i = s; i < e && sep < JT_SEP_STOP;) {
    size_t at = i;
    UChar32 ch;
    U8_NEXT_UNSAFE(u, i, ch); /* the text was validated */
    uint8_t k = JT_SEP_SPACE;
    switch (ch) {
    case '\n': case '\r': case '\v': case '\f': case 0x85: case 0x2028: case 0x2029:
    case '.': case '!': case '?': case 0x2026:
      k = JT_SEP_STOP;
      break;
    case ',': case ';': case ':': case 0x3001: case 0xFF0C: case 0xFF1B: case 0xFF1A: case 0x060C: case 0x061B:
    /* Bullets, pipes and arrows typed as list markers in CVs. */
    case '*': case '|': case '<': case '>': case '=': case '~':
    case 0x2022: case 0x2023: case 0x2043: case 0x204C: case 0x204D: case 0x2219:
      k = JT_SEP_COMMA;
      break;
    case '(': case ')': case '[': case ']': case '{': case '}':
      k = JT_SEP_PAREN;
      break;
    case '/': case '\\': case 0x2215: case 0x2044: case 0xFF0F:
      k = JT_SEP_SLASH;
      break;
    case '-': case 0x2010: case 0x2011: case 0xB7: case 0x2027:
      /* Joining only when it is all that stands between two words:
       * "prêt-à-porter", "vendeur·euse"; " - " and "· " are list dashes. */
      if (at == s && i == e) k = ch == '-' || ch == 0x2010 || ch == 0x2011 ? JT_SEP_HYPHEN : JT_SEP_SLASH;
      else k = JT_SEP_COMMA;
      break;
    default:
      if (ch < 0x80) break; /* spaces, quotes, & + # % _ ... */
      if (u_hasBinaryProperty(ch, UCHAR_S_TERM)) k = JT_SEP_STOP;
      else if (u_isUWhiteSpace(ch) || u_hasBinaryProperty(ch, UCHAR_QUOTATION_MARK)) k = JT_SEP_SPACE;
      else if (u_hasBinaryProperty(ch, UCHAR_DASH)) k = JT_SEP_COMMA;
      else {
        int8_t type = u_charType(ch);
        if (type == U_START_PUNCTUATION || type == U_END_PUNCTUATION) k = JT_SEP_PAREN;
        /* Emoji and symbols (✅ ➢ ■ →) mostly mark list items in CVs. */
        else if (type == U_MATH_SYMBOL || type == U_OTHER_SYMBOL ||
                 u_hasBinaryProperty(ch, UCHAR_EXTENDED_PICTOGRAPHIC))
          k = JT_SEP_COMMA;
      }
      break;
    }
    sep = max_sep(sep, k);
  }
  return sep;
}

/* ---- tokens ---- */

/* Appends token text[s..e) unless it folds to nothing. */
static int emit(jt_ctx *c, jt_tokens *t, scan *sc, size_t s, size_t e, uint16_t flags) {
  /* Separator and sentence are decided first: they depend on the gap, not
   * on the word, and the sentence iterator must be walked past s anyway. */
  int crossed = 0;
  while (sc->next_sb != UBRK_DONE && (size_t)sc->next_sb <= s) {
    crossed = 1;
    sc->next_sb = ubrk_next(c->sent);
  }
  uint8_t sep = JT_SEP_NONE;
  if (t->n > 0) {
    /* Words ICU splits with nothing between them (a change of script:
     * "日本語テキスト") are treated as if a space stood there. */
    sep = crossed ? JT_SEP_STOP : max_sep(JT_SEP_SPACE, sc->pending);
    if (s > sc->last_end) sep = max_sep(sep, classify_gap(sc->text, sc->last_end, s));
  }

  unsigned char first = (unsigned char)sc->text[s];
  if (first >= '0' && first <= '9') flags |= JT_NUMBER;
  else if (first >= 0x80) {
    UChar32 ch;
    size_t i = s;
    U8_NEXT_UNSAFE((const uint8_t *)sc->text, i, ch);
    if (u_isdigit(ch)) flags |= JT_NUMBER;
  }

  if (ju_reserve(&t->v, &t->cap, t->n + 1, sizeof *t->v)) return JALON_ENOMEM;
  jt_token *tk = &t->v[t->n];
  int rc = fold_and_stem(c, t, sc->text + s, e - s, &flags, tk);
  if (rc) return rc;
  if (tk->fold_len == 0) {
    /* Not a word after all ("___"): the gap runs on to the next token and
     * must remember a sentence boundary passed here. */
    if (crossed) sc->pending = JT_SEP_STOP;
    return 0;
  }
  tk->start = (uint32_t)s;
  tk->end = (uint32_t)e;
  tk->flags = flags;
  tk->pad = 0;
  if (sep == JT_SEP_STOP) sc->sentence++;
  tk->sep = sep;
  tk->sentence = sc->sentence;
  t->n++;
  sc->last_end = e;
  sc->pending = (flags & JT_ELIDED) ? JT_SEP_ELISION : JT_SEP_NONE;

  /* Sentence boundaries inside the word (rare: "3.5") are not crossings. */
  while (sc->next_sb != UBRK_DONE && (size_t)sc->next_sb < e) sc->next_sb = ubrk_next(c->sent);
  return 0;
}

/* Articles and pronouns French elides before a vowel. "aujourd'hui",
 * "prud'hommes", "quelqu'un" are words of their own and are not listed. */
static int elision_prefix(const char *s, size_t n) {
  /* Called at the end of every word: the length test settles most. */
  static const char *const longer[] = {"jusqu", "lorsqu", "puisqu", "quoiqu", "presqu"};
  char low[8];
  if (n == 0 || n > 6) return 0;
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    if (ch >= 'A' && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
    low[i] = ch;
  }
  if (n == 1) return strchr("ldjmnstc", low[0]) != NULL && low[0] != 0;
  if (n == 2) return low[0] == 'q' && low[1] == 'u';
  if (low[n - 2] != 'q' || low[n - 1] != 'u') return 0;
  for (size_t i = 0; i < sizeof longer / sizeof *longer; i++)
    if (strlen(longer[i]) == n && memcmp(low, longer[i], n) == 0) return 1;
  return 0;
}

/* Length of the apostrophe at text[i], 0 when there is none. */
static size_t apostrophe_at(const char *text, size_t len, size_t i) {
  if (i >= len) return 0;
  size_t j = i;
  UChar32 ch;
  U8_NEXT_UNSAFE((const uint8_t *)text, j, ch);
  return is_apostrophe(ch) ? j - i : 0;
}

/* One word as ICU found it, text[s..e). ICU keeps together what French
 * writing splits: "l'entreprise" (apostrophe), "animateur·rice" (middle
 * dot), "agent.e" and "ans.Je" (full stop between letters). */
static int emit_word(jt_ctx *c, jt_tokens *t, scan *sc, size_t s, size_t e) {
  const uint8_t *u = (const uint8_t *)sc->text;
  size_t piece = s;
  UChar32 prev = 0;
  int rc;
  for (size_t i = s; i < e;) {
    size_t at = i;
    UChar32 ch;
    U8_NEXT_UNSAFE(u, i, ch);
    if (at > piece && i < e) {
      if (is_apostrophe(ch) && elision_prefix(sc->text + piece, at - piece)) {
        if ((rc = emit(c, t, sc, piece, i, JT_ELIDED))) return rc;
        piece = i;
      } else if (ch == '.' || ch == 0x2024 || ch == 0xFF0E || ch == 0xB7 || ch == 0x387 || ch == 0x2027 ||
                 ch == ':' || ch == 0xFE13 || ch == 0xFE55 || ch == 0xFF1A) {
        size_t j = i;
        UChar32 next;
        U8_NEXT_UNSAFE(u, j, next);
        int dot = ch == '.' || ch == 0x2024 || ch == 0xFF0E;
        if (dot && u_isdigit(prev) && u_isdigit(next)) {
          prev = ch; /* "3.5", "1.500": one number */
          continue;
        }
        uint8_t sep = JT_SEP_SLASH;
        if (ch == ':' || ch == 0xFE13 || ch == 0xFE55 || ch == 0xFF1A) sep = JT_SEP_COMMA;
        /* "3 ans.Je veux": a full stop whose space was forgotten. */
        else if (dot && u_islower(prev) && u_isupper(next)) sep = JT_SEP_STOP;
        if ((rc = emit(c, t, sc, piece, at, 0))) return rc;
        sc->pending = max_sep(sc->pending, sep);
        /* The mark is consumed here: the gap scan would read "." as a stop. */
        if (sc->last_end == at) sc->last_end = i;
        piece = i;
      }
    }
    prev = ch;
  }
  /* "lʼ entreprise": U+02BC is a letter to ICU, so the word ends with it. */
  if (e - piece >= 2 && e - piece <= 9) {
    int32_t last = (int32_t)(e - piece);
    U8_BACK_1_UNSAFE(u + piece, last);
    if (apostrophe_at(sc->text, e, piece + (size_t)last) && elision_prefix(sc->text + piece, (size_t)last))
      return emit(c, t, sc, piece, e, JT_ELIDED);
  }
  /* ICU leaves "l" "′" "y" apart when the apostrophe is not one it joins
   * words with, and "l' entreprise" has a space typed after it. */
  size_t ap = elision_prefix(sc->text + piece, e - piece) ? apostrophe_at(sc->text, sc->len, e) : 0;
  if (ap) {
    size_t j = e + ap;
    if (j < sc->len) {
      UChar32 next;
      U8_NEXT_UNSAFE(u, j, next);
      if (!u_isalnum(next) && !u_isUWhiteSpace(next)) ap = 0;
    } else {
      ap = 0;
    }
  }
  return emit(c, t, sc, piece, e + ap, ap ? JT_ELIDED : 0);
}

static void reset(jt_tokens *t) {
  t->n = 0;
  t->buf_len = 0;
  t->n_sentences = 0;
}

int jt_tokenize(jt_ctx *c, const char *text, size_t len, jt_tokens *t) {
  if (!c || !t || (!text && len)) return JALON_EINVAL;
  reset(t);
  /* ICU's break iterators report int32_t offsets. */
  if (len > INT32_MAX) return JALON_ETOOBIG;
  if (jt_check_utf8(text, len, NULL)) return JALON_EUTF8;
  if (len == 0) return 0;

  UErrorCode st = U_ZERO_ERROR;
  utext_openUTF8(&c->ut, text, (int64_t)len, &st);
  if (U_FAILURE(st)) return icu_rc(st);
  c->ut_open = 1;
  /* Both iterators take a shallow clone of the UText: they read the
   * caller's bytes in place and report byte offsets into them. They keep
   * pointing at the text after the call; nothing reads it until the next
   * call resets them. */
  ubrk_setUText(c->word, &c->ut, &st);
  ubrk_setUText(c->sent, &c->ut, &st);
  if (U_FAILURE(st)) return icu_rc(st);

  scan sc = {text, len, 0, JT_SEP_NONE, 0, 0};
  ubrk_first(c->sent);
  sc.next_sb = ubrk_next(c->sent);

  int rc = 0;
  int32_t prev = ubrk_first(c->word);
  for (int32_t b = ubrk_next(c->word); b != UBRK_DONE; prev = b, b = ubrk_next(c->word)) {
    int32_t status = ubrk_getRuleStatus(c->word);
    if (status < UBRK_WORD_NONE_LIMIT) continue;
    if ((rc = emit_word(c, t, &sc, (size_t)prev, (size_t)b))) break;
  }
  if (rc) {
    reset(t);
    return rc;
  }
  t->n_sentences = t->n ? (size_t)t->v[t->n - 1].sentence + 1 : 0;
  return 0;
}
