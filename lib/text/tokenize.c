/* Word segmentation with ICU over the caller's UTF-8 (UText keeps native byte
 * offsets), French elision splitting, separators between words, and the
 * folded form + Snowball stem of every token. */
#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include "jalon/jalon.h"
#include "text/tokenize.h"
#include "util/vec.h"

#define MAX_WORD_BYTES 256 /* longer "words" (URLs, hashes) are cut for folding */

struct jt_ctx {
  UBreakIterator *word, *sent;
  const UNormalizer2 *nfkd;
  struct sb_stemmer *stemmer;
  UChar u16[MAX_WORD_BYTES * 2], u16b[MAX_WORD_BYTES * 4], u16c[MAX_WORD_BYTES * 4];
  int32_t *sent_bounds;
  size_t n_sent, sent_cap;
};

int jt_ctx_new(jt_ctx **out) {
  *out = NULL;
  jt_ctx *c = calloc(1, sizeof *c);
  if (!c) return JALON_ENOMEM;
  UErrorCode st = U_ZERO_ERROR;
  c->word = ubrk_open(UBRK_WORD, "fr", NULL, 0, &st);
  if (U_SUCCESS(st)) c->sent = ubrk_open(UBRK_SENTENCE, "fr", NULL, 0, &st);
  if (U_SUCCESS(st)) c->nfkd = unorm2_getNFKDInstance(&st);
  c->stemmer = sb_stemmer_new("french", "UTF_8");
  if (U_FAILURE(st) || !c->stemmer) {
    int rc = st == U_MEMORY_ALLOCATION_ERROR ? JALON_ENOMEM : JALON_EICU;
    jt_ctx_free(c);
    return rc;
  }
  *out = c;
  return 0;
}

void jt_ctx_free(jt_ctx *c) {
  if (!c) return;
  if (c->word) ubrk_close(c->word);
  if (c->sent) ubrk_close(c->sent);
  if (c->stemmer) sb_stemmer_delete(c->stemmer);
  free(c->sent_bounds);
  free(c);
}

void jt_tokens_init(jt_tokens *t) { memset(t, 0, sizeof *t); }

void jt_tokens_free(jt_tokens *t) {
  free(t->v);
  free(t->buf);
  memset(t, 0, sizeof *t);
}

static int buf_append(jt_tokens *t, const char *s, size_t n, uint32_t *off) {
  if (ju_reserve(&t->buf, &t->buf_cap, t->buf_len + n + 1, 1)) return JALON_ENOMEM;
  *off = (uint32_t)t->buf_len;
  memcpy(t->buf + t->buf_len, s, n);
  t->buf[t->buf_len + n] = 0;
  t->buf_len += n + 1;
  return 0;
}

static int is_apostrophe(UChar32 c) { return c == 0x27 || c == 0x2019 || c == 0x2BC || c == 0x2018 || c == 0x2032; }

/* Folds one word: compatibility decomposition, accents dropped, lower case,
 * ligatures spelt out, apostrophes unified. Writes UTF-8 into out. */
static int fold_word(jt_ctx *c, const char *s, size_t n, char *out, size_t cap, size_t *out_len, uint16_t *flags) {
  UErrorCode st = U_ZERO_ERROR;
  int32_t ulen = 0;
  if (n > MAX_WORD_BYTES) n = MAX_WORD_BYTES;
  u_strFromUTF8(c->u16, MAX_WORD_BYTES * 2, &ulen, s, (int32_t)n, &st);
  if (U_FAILURE(st)) return JALON_EUTF8;
  int upper = 0, lower = 0, first_upper = 0, letters = 0;
  for (int32_t i = 0; i < ulen; i++) {
    UChar32 ch = c->u16[i];
    if (u_isupper(ch)) {
      if (letters == 0) first_upper = 1;
      upper++;
    } else if (u_islower(ch)) {
      lower++;
    }
    if (u_isalpha(ch)) letters++;
  }
  if (first_upper) *flags |= JT_CAPITAL;
  if (upper > 1 && lower == 0) *flags |= JT_UPPER;
  int32_t dlen = unorm2_normalize(c->nfkd, c->u16, ulen, c->u16b, MAX_WORD_BYTES * 4, &st);
  if (U_FAILURE(st)) return JALON_EICU;
  int32_t k = 0;
  for (int32_t i = 0; i < dlen && k < MAX_WORD_BYTES * 4 - 2; i++) {
    UChar ch = c->u16b[i];
    if (u_charType(ch) == U_NON_SPACING_MARK) continue;
    if (is_apostrophe(ch)) ch = 0x27;
    if (ch == 0x153 || ch == 0x152) { c->u16c[k++] = 'o'; c->u16c[k++] = 'e'; continue; }
    if (ch == 0xE6 || ch == 0xC6) { c->u16c[k++] = 'a'; c->u16c[k++] = 'e'; continue; }
    c->u16c[k++] = ch;
  }
  int32_t llen = u_strToLower(c->u16b, MAX_WORD_BYTES * 4, c->u16c, k, "fr", &st);
  if (U_FAILURE(st)) return JALON_EICU;
  int32_t olen = 0;
  u_strToUTF8(out, (int32_t)cap, &olen, c->u16b, llen, &st);
  if (U_FAILURE(st) || (size_t)olen >= cap) return JALON_EICU;
  *out_len = (size_t)olen;
  return 0;
}

static int emit(jt_ctx *c, jt_tokens *t, const char *text, size_t s, size_t e, uint8_t sep, uint32_t sentence,
                int elided) {
  char fold[MAX_WORD_BYTES * 4];
  size_t flen = 0;
  uint16_t flags = 0;
  int rc = fold_word(c, text + s, e - s, fold, sizeof fold, &flen, &flags);
  if (rc) return rc;
  if (flen == 0) return 0;
  if (ju_reserve(&t->v, &t->cap, t->n + 1, sizeof *t->v)) return JALON_ENOMEM;
  jt_token *tk = &t->v[t->n];
  memset(tk, 0, sizeof *tk);
  tk->start = (uint32_t)s;
  tk->end = (uint32_t)e;
  tk->sep = sep;
  tk->sentence = sentence;
  if (elided) flags |= JT_ELIDED;
  if (fold[0] >= '0' && fold[0] <= '9') flags |= JT_NUMBER;
  tk->flags = flags;
  if ((rc = buf_append(t, fold, flen, &tk->fold))) return rc;
  tk->fold_len = (uint32_t)flen;
  if (flags & (JT_ELIDED | JT_NUMBER)) {
    tk->stem = tk->fold;
    tk->stem_len = tk->fold_len;
  } else {
    const sb_symbol *stem = sb_stemmer_stem(c->stemmer, (const sb_symbol *)fold, (int)flen);
    if (!stem) return JALON_ENOMEM;
    int sl = sb_stemmer_length(c->stemmer);
    if ((rc = buf_append(t, (const char *)stem, (size_t)sl, &tk->stem))) return rc;
    tk->stem_len = (uint32_t)sl;
  }
  t->n++;
  return 0;
}

/* Articles and pronouns that French elides before a vowel. */
static int elision_prefix(const char *s, size_t n) {
  static const char *const p[] = {"l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu",
                                  "quoiqu", "presqu"};
  char low[8];
  if (n == 0 || n >= sizeof low) return 0;
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    if (ch >= 'A' && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
    if (ch < 'a' || ch > 'z') return 0;
    low[i] = ch;
  }
  low[n] = 0;
  for (size_t i = 0; i < sizeof p / sizeof *p; i++)
    if (strcmp(low, p[i]) == 0) return 1;
  return 0;
}

/* A word ICU kept whole may still hold an elision ("l'entreprise") or a
 * gender ending after "·" or "." ("animateur·rice", "agent.e"). */
static int emit_word(jt_ctx *c, jt_tokens *t, const char *text, size_t s, size_t e, uint8_t sep, uint32_t sentence) {
  const uint8_t *u = (const uint8_t *)text;
  size_t i = s, piece = s;
  int rc;
  while (i < e) {
    UChar32 ch;
    int32_t j = (int32_t)i;
    U8_NEXT(u, j, (int32_t)e, ch);
    size_t next = (size_t)j;
    if (is_apostrophe(ch) && elision_prefix(text + piece, i - piece) && next < e) {
      if ((rc = emit(c, t, text, piece, next, sep, sentence, 1))) return rc;
      sep = JT_SEP_ELISION;
      piece = next;
    } else if ((ch == 0xB7 || ch == 0x2027 || ch == 0x2022 || ch == '.') && i > piece && next < e) {
      if ((rc = emit(c, t, text, piece, i, sep, sentence, 0))) return rc;
      sep = JT_SEP_SLASH;
      piece = next;
    }
    i = next;
  }
  if (piece < e) return emit(c, t, text, piece, e, sep, sentence, 0);
  return 0;
}

/* Strongest separator found in a run of non-word text. */
static uint8_t classify_gap(const char *text, size_t s, size_t e, int at_start) {
  uint8_t sep = at_start ? JT_SEP_NONE : JT_SEP_SPACE;
  const uint8_t *u = (const uint8_t *)text;
  int spaces = 0;
  for (size_t i = s; i < e;) {
    UChar32 ch;
    int32_t j = (int32_t)i;
    U8_NEXT(u, j, (int32_t)e, ch);
    uint8_t k = JT_SEP_SPACE;
    if (ch == '\n' || ch == '\r' || ch == '.' || ch == '!' || ch == '?' || ch == 0x2026) k = JT_SEP_STOP;
    else if (ch == ',' || ch == ';' || ch == ':' || ch == 0x2013 || ch == 0x2014 || ch == 0x2022 || ch == '*' ||
             ch == '|')
      k = JT_SEP_COMMA;
    else if (ch == '(' || ch == ')' || ch == '[' || ch == ']' || ch == '{' || ch == '}') k = JT_SEP_PAREN;
    else if (ch == '/' || ch == 0xB7 || ch == '\\' || ch == '&' || ch == '+') k = JT_SEP_SLASH;
    else if (ch == '-' || ch == 0x2010 || ch == 0x2011) k = JT_SEP_HYPHEN;
    else if (u_isspace(ch)) spaces = 1;
    if (k > sep) sep = k;
    i = (size_t)j;
  }
  /* " - " between words is a dash used as a separator, not a hyphen. */
  if (sep == JT_SEP_HYPHEN && spaces) sep = JT_SEP_COMMA;
  if (at_start) sep = JT_SEP_NONE;
  return sep;
}

static int sentence_bounds(jt_ctx *c, UText *ut) {
  UErrorCode st = U_ZERO_ERROR;
  ubrk_setUText(c->sent, ut, &st);
  if (U_FAILURE(st)) return JALON_EICU;
  c->n_sent = 0;
  for (int32_t b = ubrk_first(c->sent); b != UBRK_DONE; b = ubrk_next(c->sent)) {
    if (ju_reserve(&c->sent_bounds, &c->sent_cap, c->n_sent + 1, sizeof *c->sent_bounds)) return JALON_ENOMEM;
    c->sent_bounds[c->n_sent++] = b;
  }
  return 0;
}

int jt_tokenize(jt_ctx *c, const char *text, size_t len, jt_tokens *t) {
  t->n = 0;
  t->buf_len = 0;
  t->n_sentences = 0;
  if (len > INT32_MAX / 2) return JALON_ETOOBIG;
  if (jt_check_utf8(text, len, NULL)) return JALON_EUTF8;
  if (len == 0) return 0;
  UErrorCode st = U_ZERO_ERROR;
  UText ut = UTEXT_INITIALIZER;
  utext_openUTF8(&ut, text, (int64_t)len, &st);
  if (U_FAILURE(st)) return JALON_EICU;
  int rc = sentence_bounds(c, &ut);
  if (!rc) {
    ubrk_setUText(c->word, &ut, &st);
    if (U_FAILURE(st)) rc = JALON_EICU;
  }
  size_t gap_start = 0, si = 1;
  uint32_t sentence = 0;
  int32_t prev = rc ? UBRK_DONE : ubrk_first(c->word);
  for (int32_t b = prev == UBRK_DONE ? UBRK_DONE : ubrk_next(c->word); !rc && b != UBRK_DONE;
       prev = b, b = ubrk_next(c->word)) {
    int32_t status = ubrk_getRuleStatus(c->word);
    if (status >= UBRK_WORD_NONE && status < UBRK_WORD_NONE_LIMIT) continue;
    uint8_t sep = classify_gap(text, gap_start, (size_t)prev, t->n == 0);
    int new_sentence = 0;
    while (si < c->n_sent && c->sent_bounds[si] <= prev) {
      if (c->sent_bounds[si] > 0 && (size_t)c->sent_bounds[si] >= gap_start) new_sentence = 1;
      si++;
    }
    if (sep == JT_SEP_STOP) new_sentence = 1;
    if (new_sentence && t->n > 0) {
      sentence++;
      if (sep != JT_SEP_NONE) sep = JT_SEP_STOP;
    }
    rc = emit_word(c, t, text, (size_t)prev, (size_t)b, sep, sentence);
    gap_start = (size_t)b;
  }
  utext_close(&ut);
  /* The iterators keep a pointer to the caller's text: drop it. */
  UErrorCode st2 = U_ZERO_ERROR;
  ubrk_setText(c->word, NULL, 0, &st2);
  st2 = U_ZERO_ERROR;
  ubrk_setText(c->sent, NULL, 0, &st2);
  t->n_sentences = t->n ? sentence + 1 : 0;
  return rc;
}
