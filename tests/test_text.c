/* Text stage: offsets, elisions, gender splits, separators, folding, stems
 * and UTF-8 checks on real French inputs. Offsets were counted by hand. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "jalon/jalon.h"
#include "text/tokenize.h"

static jt_ctx *ctx;
static jt_tokens toks;

static void setup(void) {
  cr_assert_eq(jt_ctx_new(&ctx), 0);
  jt_tokens_init(&toks);
}
static void teardown(void) {
  jt_tokens_free(&toks);
  jt_ctx_free(ctx);
}

TestSuite(text, .init = setup, .fini = teardown);

static void tokenize(const char *s) {
  int rc = jt_tokenize(ctx, s, strlen(s), &toks);
  cr_assert_eq(rc, 0, "jt_tokenize(\"%s\") = %d", s, rc);
}

/* Token i has these offsets, folded form and separator. */
static void expect_tok(size_t i, uint32_t start, uint32_t end, const char *fold, int sep) {
  cr_assert_lt(i, toks.n, "token %zu missing (%zu tokens)", i, toks.n);
  const jt_token *k = &toks.v[i];
  cr_expect_eq(k->start, start, "token %zu (%s) start %u, want %u", i, jt_fold(&toks, i), k->start, start);
  cr_expect_eq(k->end, end, "token %zu (%s) end %u, want %u", i, jt_fold(&toks, i), k->end, end);
  cr_expect_str_eq(jt_fold(&toks, i), fold, "token %zu fold", i);
  cr_expect_eq(k->fold_len, strlen(fold), "token %zu fold_len", i);
  cr_expect_eq(k->sep, sep, "token %zu (%s) sep %u, want %d", i, fold, k->sep, sep);
}

static void expect_folds(const char *text, const char *const *folds, size_t n) {
  tokenize(text);
  cr_assert_eq(toks.n, n, "\"%s\": %zu tokens, want %zu", text, toks.n, n);
  for (size_t i = 0; i < n; i++) cr_expect_str_eq(jt_fold(&toks, i), folds[i], "\"%s\" token %zu", text, i);
}

Test(text, test_tokenize_keeps_elision_offsets) {
  const char *s = "J'ai bossé 4 ans dans un entrepôt";
  tokenize(s);
  cr_assert_eq(toks.n, 8);
  expect_tok(0, 0, 2, "j'", JT_SEP_NONE);
  expect_tok(1, 2, 4, "ai", JT_SEP_ELISION);
  expect_tok(2, 5, 11, "bosse", JT_SEP_SPACE);
  expect_tok(3, 12, 13, "4", JT_SEP_SPACE);
  expect_tok(4, 14, 17, "ans", JT_SEP_SPACE);
  expect_tok(5, 18, 22, "dans", JT_SEP_SPACE);
  expect_tok(6, 23, 25, "un", JT_SEP_SPACE);
  expect_tok(7, 26, 35, "entrepot", JT_SEP_SPACE);
  cr_expect_eq(toks.v[0].flags, JT_ELIDED | JT_CAPITAL);
  cr_expect_eq(toks.v[1].flags, 0);
  cr_expect_eq(toks.v[3].flags, JT_NUMBER);
  /* The offsets point at the bytes the person wrote, accents included. */
  cr_expect_eq(memcmp(s + toks.v[7].start, "entrepôt", toks.v[7].end - toks.v[7].start), 0);
  cr_expect_eq(toks.n_sentences, 1);
}

Test(text, test_tokenize_splits_typographic_apostrophe) {
  tokenize("l\u2019entreprise");
  cr_assert_eq(toks.n, 2);
  expect_tok(0, 0, 4, "l'", JT_SEP_NONE); /* U+2019 takes 3 bytes */
  expect_tok(1, 4, 14, "entreprise", JT_SEP_ELISION);
  cr_expect_eq(toks.v[0].flags, JT_ELIDED);
  /* Elided tokens are not stemmed: the stem is the folded form. */
  cr_expect_str_eq(jt_stem(&toks, 0), "l'");
}

Test(text, test_tokenize_splits_long_elisions_and_capitals) {
  tokenize("jusqu'à lorsqu\u2019on QU'IL presqu'île L'ENTREPRISE d'aujourd'hui");
  static const char *const folds[] = {"jusqu'", "a",   "lorsqu'", "on",  "qu'",       "il",
                                      "presqu'", "ile", "l'",      "entreprise", "d'", "aujourd'hui"};
  cr_assert_eq(toks.n, 12);
  for (size_t i = 0; i < 12; i++) {
    cr_expect_str_eq(jt_fold(&toks, i), folds[i]);
    int elided = folds[i][strlen(folds[i]) - 1] == '\'';
    cr_expect_eq(!!(toks.v[i].flags & JT_ELIDED), elided, "token %zu (%s)", i, folds[i]);
    if (i > 0) cr_expect_eq(toks.v[i].sep, elided ? JT_SEP_SPACE : JT_SEP_ELISION, "token %zu", i);
  }
  expect_tok(0, 0, 6, "jusqu'", JT_SEP_NONE);
  expect_tok(1, 6, 8, "a", JT_SEP_ELISION);
  cr_expect_eq(toks.v[4].flags, JT_ELIDED | JT_UPPER | JT_CAPITAL); /* QU' */
  cr_expect_eq(toks.v[8].flags, JT_ELIDED | JT_CAPITAL);           /* L': one letter */
  cr_expect_eq(toks.v[9].flags, JT_UPPER | JT_CAPITAL);
}

Test(text, test_tokenize_keeps_lexical_apostrophes_and_dropped_ones) {
  static const char *const folds[] = {"aujourd'hui", "prud'hommes", "quelqu'un", "jai", "bosse"};
  expect_folds("aujourd\u2019hui prud'hommes quelqu'un jai bossé", folds, 5);
  for (size_t i = 0; i < 5; i++) cr_expect_eq(toks.v[i].flags & JT_ELIDED, 0);
  expect_tok(0, 0, 13, "aujourd'hui", JT_SEP_NONE);
}

Test(text, test_tokenize_elision_apostrophe_icu_leaves_apart) {
  /* ICU does not join words over U+2032 (prime) nor over a typed space. */
  tokenize("l\u2032usine l' entrep\xc3\xb4t");
  cr_assert_eq(toks.n, 4);
  expect_tok(0, 0, 4, "l'", JT_SEP_NONE);
  expect_tok(1, 4, 9, "usine", JT_SEP_ELISION);
  expect_tok(2, 10, 12, "l'", JT_SEP_SPACE);
  expect_tok(3, 13, 22, "entrepot", JT_SEP_ELISION);
  cr_expect(toks.v[2].flags & JT_ELIDED);

  /* U+02BC is a letter to ICU: "lʼ" is a word of its own before a space. */
  tokenize("l\u02bc usine");
  cr_assert_eq(toks.n, 2);
  expect_tok(0, 0, 3, "l'", JT_SEP_NONE);
  expect_tok(1, 4, 9, "usine", JT_SEP_ELISION);
  cr_expect_eq(toks.v[0].flags, JT_ELIDED);
}

Test(text, test_tokenize_words_split_by_script_change_get_a_space) {
  tokenize("日本語テキスト");
  cr_assert_eq(toks.n, 2);
  expect_tok(0, 0, 9, "日本語", JT_SEP_NONE);
  expect_tok(1, 9, 21, "テキスト", JT_SEP_SPACE);
}

Test(text, test_tokenize_gender_slash_and_hyphens) {
  tokenize("Vendeur / Vendeuse en prêt-à-porter");
  cr_assert_eq(toks.n, 6);
  expect_tok(0, 0, 7, "vendeur", JT_SEP_NONE);
  expect_tok(1, 10, 18, "vendeuse", JT_SEP_SLASH);
  expect_tok(2, 19, 21, "en", JT_SEP_SPACE);
  expect_tok(3, 22, 27, "pret", JT_SEP_SPACE);
  expect_tok(4, 28, 30, "a", JT_SEP_HYPHEN);
  expect_tok(5, 31, 37, "porter", JT_SEP_HYPHEN);
  cr_expect_eq(toks.v[0].flags, JT_CAPITAL);
  cr_expect_eq(toks.v[1].flags, JT_CAPITAL);
}

Test(text, test_tokenize_splits_slash_dot_and_middle_dot_endings) {
  tokenize("Développeur/euse");
  cr_assert_eq(toks.n, 2);
  expect_tok(0, 0, 12, "developpeur", JT_SEP_NONE);
  expect_tok(1, 13, 17, "euse", JT_SEP_SLASH);

  tokenize("Animateur.rice");
  cr_assert_eq(toks.n, 2);
  expect_tok(0, 0, 9, "animateur", JT_SEP_NONE);
  expect_tok(1, 10, 14, "rice", JT_SEP_SLASH);

  tokenize("Agent.e Agent\u00b7e");
  cr_assert_eq(toks.n, 4);
  expect_tok(0, 0, 5, "agent", JT_SEP_NONE);
  expect_tok(1, 6, 7, "e", JT_SEP_SLASH);
  expect_tok(2, 8, 13, "agent", JT_SEP_SPACE);
  expect_tok(3, 15, 16, "e", JT_SEP_SLASH); /* U+00B7 takes 2 bytes */
}

Test(text, test_tokenize_parentheses_and_hf) {
  tokenize("Assistant(e) administratif(ve) H/F");
  cr_assert_eq(toks.n, 6);
  expect_tok(0, 0, 9, "assistant", JT_SEP_NONE);
  expect_tok(1, 10, 11, "e", JT_SEP_PAREN);
  expect_tok(2, 13, 26, "administratif", JT_SEP_PAREN);
  expect_tok(3, 27, 29, "ve", JT_SEP_PAREN);
  expect_tok(4, 31, 32, "h", JT_SEP_PAREN);
  expect_tok(5, 33, 34, "f", JT_SEP_SLASH);
  /* A lone capital is a capital, not "all capitals". */
  cr_expect_eq(toks.v[4].flags, JT_CAPITAL);
  cr_expect_eq(toks.v[5].flags, JT_CAPITAL);
}

Test(text, test_tokenize_folds_all_caps_and_flags_them) {
  tokenize("AIDE-SOIGNANTE Diplômée");
  cr_assert_eq(toks.n, 3);
  expect_tok(0, 0, 4, "aide", JT_SEP_NONE);
  expect_tok(1, 5, 14, "soignante", JT_SEP_HYPHEN);
  expect_tok(2, 15, 25, "diplomee", JT_SEP_SPACE);
  cr_expect_eq(toks.v[0].flags, JT_UPPER | JT_CAPITAL);
  cr_expect_eq(toks.v[1].flags, JT_UPPER | JT_CAPITAL);
  cr_expect_eq(toks.v[2].flags, JT_CAPITAL);
  /* Capitals make no difference to the stem. */
  cr_expect_str_eq(jt_stem(&toks, 1), "soign");
}

Test(text, test_fold_removes_accents_and_spells_ligatures) {
  static const char *const folds[] = {"preparatrice", "oeuvre", "oeuvre", "caecum", "fin", "strasse", "caisse", "ecole"};
  /* "Œuvre", "ﬁn" (U+FB01), "Straße", full-width "ＣＡＩＳＳＥ", and "école"
   * written with a combining accent (e + U+0301). */
  expect_folds("Préparatrice œuvre Œuvre cæcum \xef\xac\x81n Straße "
               "\xef\xbc\xa3\xef\xbc\xa1\xef\xbc\xa9\xef\xbc\xb3\xef\xbc\xb3\xef\xbc\xa5 e\xcc\x81" "cole",
               folds, 8);
  cr_expect_eq(toks.v[6].flags, JT_UPPER | JT_CAPITAL);
  for (size_t i = 0; i < toks.n; i++)
    cr_expect_eq(jt_fold(&toks, i)[toks.v[i].fold_len], '\0', "fold %zu is NUL-terminated", i);
}

Test(text, test_fold_drops_soft_hyphen_inside_a_word) {
  /* Copied from web pages: "pré<U+00AD>paratrice" is still one word. */
  tokenize("pr\xc3\xa9\xc2\xad" "paratrice");
  cr_assert_eq(toks.n, 1);
  expect_tok(0, 0, 15, "preparatrice", JT_SEP_NONE);
}

Test(text, test_stem_follows_snowball_on_folded_text) {
  /* Measured on libstemmer 2.2 (Debian 12): the stemmer runs on folded
   * text, so an accent typed or not gives the same stem. */
  tokenize("vendeuses vendeuse vendeur caissière caissiere caissier CAISSIÈRE");
  cr_assert_eq(toks.n, 7);
  cr_expect_str_eq(jt_stem(&toks, 0), "vendeux");
  cr_expect_str_eq(jt_stem(&toks, 1), "vendeux");
  cr_expect_str_eq(jt_stem(&toks, 2), "vendeur"); /* no gender unification */
  cr_expect_str_eq(jt_stem(&toks, 3), "caissier");
  cr_expect_str_eq(jt_stem(&toks, 4), "caissier");
  cr_expect_str_eq(jt_stem(&toks, 6), "caissier");
  /* Without its accent, "caissière" no longer meets "caissier" (-> caissi);
   * the matcher takes gender from the appellations, not from stems. */
  cr_expect_str_eq(jt_stem(&toks, 5), "caissi");
  for (size_t i = 0; i < toks.n; i++) cr_expect_eq(toks.v[i].stem_len, strlen(jt_stem(&toks, i)));
}

Test(text, test_tokenize_numbers) {
  tokenize("35h 2019-2021 3,5 1.500 B2 1 500");
  static const char *const folds[] = {"35h", "2019", "2021", "3,5", "1.500", "b2", "1", "500"};
  cr_assert_eq(toks.n, 8);
  for (size_t i = 0; i < 8; i++) {
    cr_expect_str_eq(jt_fold(&toks, i), folds[i]);
    cr_expect_eq(!!(toks.v[i].flags & JT_NUMBER), i != 5, "token %zu (%s)", i, folds[i]);
    if (toks.v[i].flags & JT_NUMBER) cr_expect_str_eq(jt_stem(&toks, i), folds[i]);
  }
  cr_expect_eq(toks.v[2].sep, JT_SEP_HYPHEN);
}

Test(text, test_check_utf8_rejects_bad_sequences_with_offset) {
  static const struct {
    const char *s;
    size_t len, bad;
  } cases[] = {
      {"caissi\xc3\x28re", 9, 6},       /* lead byte followed by ASCII */
      {"ab\xc0\xaf", 4, 2},             /* overlong "/" */
      {"\xe0\x80\xaf", 3, 0},           /* overlong, three bytes */
      {"vente \xff", 7, 6},             /* byte never valid */
      {"a\0b", 3, 1},                   /* embedded NUL */
      {"x\xed\xa0\x80", 4, 1},          /* UTF-16 surrogate D800 */
      {"\xf4\x90\x80\x80", 4, 0},       /* above U+10FFFF */
      {"pr\xc3\xaat\xc3", 6, 5},        /* truncated at the end */
      {"\x80", 1, 0},                   /* lone continuation byte */
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    size_t bad = 999;
    cr_expect_eq(jt_check_utf8(cases[i].s, cases[i].len, &bad), JALON_EUTF8, "case %zu", i);
    cr_expect_eq(bad, cases[i].bad, "case %zu: offset %zu, want %zu", i, bad, cases[i].bad);
    cr_expect_eq(jt_tokenize(ctx, cases[i].s, cases[i].len, &toks), JALON_EUTF8, "case %zu", i);
    cr_expect_eq(toks.n, 0);
  }
  const char *ok = "Aide à domicile 👵 \xf4\x8f\xbf\xbf";
  cr_expect_eq(jt_check_utf8(ok, strlen(ok), NULL), 0);
  cr_expect_eq(jt_check_utf8("", 0, NULL), 0);
}

Test(text, test_tokenize_skips_emoji_and_symbols) {
  const char *s = "Vente 😊 ✅ caisse ❤️ 1\xef\xb8\x8f\xe2\x83\xa3 € % ___";
  tokenize(s);
  cr_assert_eq(toks.n, 2);
  expect_tok(0, 0, 5, "vente", JT_SEP_NONE);
  expect_tok(1, 15, 21, "caisse", JT_SEP_COMMA); /* emoji used as bullets */
}

Test(text, test_tokenize_commas_dashes_and_bullets) {
  tokenize("vente, caisse; accueil: rayon - réassort – inventaire • stock | quai");
  cr_assert_eq(toks.n, 8);
  for (size_t i = 1; i < toks.n; i++)
    cr_expect_eq(toks.v[i].sep, JT_SEP_COMMA, "token %zu (%s) sep %u", i, jt_fold(&toks, i), toks.v[i].sep);
  cr_expect_eq(toks.n_sentences, 1);
}

Test(text, test_tokenize_counts_sentences) {
  tokenize("Je suis cariste. J'aime ça!\nEt toi, etc. et moi\n\n- vente");
  static const char *const folds[] = {"je", "suis", "cariste", "j'", "aime", "ca", "et", "toi", "etc", "et", "moi", "vente"};
  static const uint32_t sentence[] = {0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 4};
  cr_assert_eq(toks.n, 12);
  for (size_t i = 0; i < toks.n; i++) {
    cr_expect_str_eq(jt_fold(&toks, i), folds[i]);
    cr_expect_eq(toks.v[i].sentence, sentence[i], "token %zu (%s) sentence %u", i, folds[i], toks.v[i].sentence);
    int starts = i > 0 && sentence[i] != sentence[i - 1];
    cr_expect_eq(toks.v[i].sep == JT_SEP_STOP, starts, "token %zu (%s) sep %u", i, folds[i], toks.v[i].sep);
  }
  cr_expect_eq(toks.v[0].sep, JT_SEP_NONE);
  cr_expect_eq(toks.n_sentences, 5);

  /* A full stop whose space was forgotten still ends the sentence. */
  tokenize("3 ans.Je veux");
  cr_assert_eq(toks.n, 4);
  expect_tok(2, 6, 8, "je", JT_SEP_STOP);
  cr_expect_eq(toks.v[2].sentence, 1);
}

Test(text, test_tokenize_empty_and_wordless_text_gives_no_token) {
  static const char *const texts[] = {"", "   ", " \n\t ", "... !! -- ; 😊", "\xc2\xa0"};
  for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
    cr_expect_eq(jt_tokenize(ctx, texts[i], strlen(texts[i]), &toks), 0, "text %zu", i);
    cr_expect_eq(toks.n, 0, "text %zu", i);
    cr_expect_eq(toks.n_sentences, 0, "text %zu", i);
  }
  cr_expect_eq(jt_tokenize(ctx, NULL, 0, &toks), 0);
  cr_expect_eq(toks.n, 0);
  cr_expect_eq(jt_tokenize(ctx, NULL, 3, &toks), JALON_EINVAL);
  cr_expect_eq(jt_ctx_new(NULL), JALON_EINVAL);
}

Test(text, test_tokenize_reuses_one_ctx_and_its_buffers) {
  static const char *const texts[] = {
      "Caissière depuis 2015 chez Carrefour, je voudrais devenir aide-soignante.",
      "l’hôtellerie",
      "",
      "Animateur.rice périscolaire (H/F) – CDD",
  };
  size_t first_n[4];
  tokenize(texts[0]);
  tokenize(texts[3]);
  jt_token *v = toks.v;
  char *buf = toks.buf;
  size_t cap = toks.cap, buf_cap = toks.buf_cap;
  for (int round = 0; round < 500; round++) {
    for (size_t k = 0; k < 4; k++) {
      tokenize(texts[k]);
      if (round == 0) first_n[k] = toks.n;
      cr_assert_eq(toks.n, first_n[k]);
    }
  }
  cr_expect_eq(first_n[0], 10);
  cr_expect_eq(first_n[1], 2);
  cr_expect_eq(first_n[2], 0);
  cr_expect_eq(first_n[3], 6);
  /* Warm buffers are reused as they are: no reallocation per call. */
  cr_expect_eq(toks.v, v);
  cr_expect_eq(toks.buf, buf);
  cr_expect_eq(toks.cap, cap);
  cr_expect_eq(toks.buf_cap, buf_cap);
  cr_expect_str_eq(jt_fold(&toks, 0), "animateur");
  cr_expect_str_eq(jt_stem(&toks, 2), "periscolair");
}

Test(text, test_tokenize_64k_text) {
  const char *unit = "J'ai travaillé 3 ans comme aide-soignante à l\u2019hôpital. ";
  static const char *const folds[] = {"j'", "ai", "travaille", "3", "ans", "comme", "aide", "soignante", "a", "l'", "hopital"};
  const size_t per = sizeof folds / sizeof *folds, ulen = strlen(unit);
  size_t reps = JALON_MAX_TEXT_BYTES / ulen;
  char *s = malloc(reps * ulen + 1);
  cr_assert(s);
  for (size_t r = 0; r < reps; r++) memcpy(s + r * ulen, unit, ulen);
  s[reps * ulen] = 0;
  cr_assert_leq(strlen(s), JALON_MAX_TEXT_BYTES);
  cr_assert_gt(strlen(s), JALON_MAX_TEXT_BYTES - ulen);
  tokenize(s);
  cr_assert_eq(toks.n, reps * per);
  cr_expect_eq(toks.n_sentences, reps);
  for (size_t i = 0; i < toks.n; i++) {
    const jt_token *k = &toks.v[i];
    cr_assert_str_eq(jt_fold(&toks, i), folds[i % per], "token %zu", i);
    cr_assert_eq(k->sentence, i / per);
    cr_assert_eq(k->start, (i / per) * ulen + toks.v[i % per].start);
    cr_assert_eq(k->end - k->start, toks.v[i % per].end - toks.v[i % per].start);
  }
  free(s);
}

Test(text, test_tokenize_long_word_is_not_truncated) {
  /* A 60,000-byte "word" (pasted hash, URL): folded whole, offsets intact. */
  size_t n = 30000;
  char *s = malloc(2 * n + 1);
  cr_assert(s);
  for (size_t i = 0; i < n; i++) memcpy(s + 2 * i, "\xc3\x89", 2); /* É */
  s[2 * n] = 0;
  tokenize(s);
  cr_assert_eq(toks.n, 1);
  cr_expect_eq(toks.v[0].end, 2 * n);
  cr_expect_eq(toks.v[0].fold_len, n);
  cr_expect_eq(toks.v[0].flags, JT_UPPER | JT_CAPITAL);
  const char *f = jt_fold(&toks, 0);
  size_t e = 0;
  while (f[e] == 'e') e++;
  cr_expect_eq(e, n);
  free(s);
}
