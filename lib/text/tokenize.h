/* Text stage: ICU word segmentation of UTF-8 text into tokens that keep their
 * byte offsets, with French elision splitting, case/accent folding and stems. */
#ifndef JALON_TEXT_TOKENIZE_H
#define JALON_TEXT_TOKENIZE_H

#include <stddef.h>
#include <stdint.h>

/* What separated a token from the previous one (the strongest seen). Phrase
 * matching may cross SPACE, HYPHEN, SLASH, ELISION; never COMMA or STOP. */
enum jt_sep {
  JT_SEP_NONE = 0,    /* first token of the text */
  JT_SEP_SPACE = 1,   /* white space only */
  JT_SEP_ELISION = 2, /* the previous token is an elided article: l' entreprise */
  JT_SEP_HYPHEN = 3,  /* "prêt-à-porter", "aide-soignant" */
  JT_SEP_SLASH = 4,   /* "vendeur/vendeuse", "H/F", middle dot, "animateur.rice" */
  JT_SEP_PAREN = 5,   /* an opening or closing parenthesis or bracket */
  JT_SEP_COMMA = 6,   /* , ; : and dashes or bullets used as separators */
  JT_SEP_STOP = 7     /* . ! ? newline, or an ICU sentence break */
};

enum jt_flags {
  JT_NUMBER = 1u,  /* token is made of digits ("4", "2019", "35h") */
  JT_ELIDED = 2u,  /* elided article or pronoun with its apostrophe: "l'", "j'", "qu'" */
  JT_UPPER = 4u,   /* written all in capitals in the input (len > 1) */
  JT_CAPITAL = 8u  /* first letter capitalised in the input */
};

typedef struct jt_token {
  uint32_t start, end;   /* byte offsets of the token in the input, end exclusive */
  uint32_t fold;         /* offset in jt_tokens.buf of the folded form, NUL-terminated:
                            NFKC, lower case, accents removed ("Préparatrice" -> "preparatrice",
                            "œ" -> "oe", "’" -> "'"); elided tokens fold to e.g. "l'" */
  uint32_t fold_len;     /* bytes, without the NUL */
  uint32_t stem;         /* offset in buf of the Snowball French stem of the folded form */
  uint32_t stem_len;
  uint16_t flags;        /* jt_flags */
  uint8_t sep;           /* enum jt_sep: separator before this token */
  uint8_t pad;
  uint32_t sentence;     /* sentence index, from ICU sentence breaks and newlines */
} jt_token;

typedef struct jt_tokens {
  jt_token *v;
  size_t n, cap;
  char *buf; /* folded forms and stems */
  size_t buf_len, buf_cap;
  size_t n_sentences;
} jt_tokens;

/* Per-thread tokenizer state: ICU word and sentence break iterators, UTF-16
 * scratch, Snowball French stemmer. Not shareable between threads.
 * It also memoises word -> fold, stem (256 KiB): a warm ctx tokenizes without
 * allocating and stems each distinct word once. */
typedef struct jt_ctx jt_ctx;

/* Returns 0 or a negative JALON_E* code (JALON_ENOMEM, JALON_EICU). */
int jt_ctx_new(jt_ctx **out); /* also JALON_EINVAL when out is NULL */
void jt_ctx_free(jt_ctx *c); /* NULL-safe */

void jt_tokens_init(jt_tokens *t);
void jt_tokens_free(jt_tokens *t); /* frees the arrays, not t itself */

/* Checks `len` bytes of text are valid UTF-8 (no NUL bytes, no overlongs,
 * no surrogates). Returns 0 or JALON_EUTF8; *bad_offset (may be NULL) gets
 * the offset of the first bad byte. */
int jt_check_utf8(const char *text, size_t len, size_t *bad_offset);

/* Tokenizes text into t (reset first). Text must be valid UTF-8 (checked:
 * JALON_EUTF8). Punctuation, spaces, emoji and symbols yield no token but set
 * the next token's `sep`. Returns 0, JALON_EUTF8, JALON_ENOMEM or JALON_EICU.
 * Also: JALON_EINVAL for a NULL c or t, or NULL text with len > 0 (NULL, 0
 * is the empty text); JALON_ETOOBIG past INT32_MAX bytes (ICU's offsets).
 * Text without any word gives t->n == 0 and returns 0. On any error t is
 * left empty. Every token whose sep is JT_SEP_STOP starts a new sentence, so
 * "etc. et" ends one although ICU's sentence rules would not break there.
 * t's arrays are reused and grow by doubling; pointers into them are valid
 * until the next jt_tokenize or jt_tokens_free on t. */
int jt_tokenize(jt_ctx *c, const char *text, size_t len, jt_tokens *t);

/* Folded form / stem of token i (NUL-terminated, borrowed from t->buf). */
static inline const char *jt_fold(const jt_tokens *t, size_t i) { return t->buf + t->v[i].fold; }
static inline const char *jt_stem(const jt_tokens *t, size_t i) { return t->buf + t->v[i].stem; }

#endif
