/* CléA profile: signs of holding and of needing a domain in the text,
 * negation, evidence from the jobs held, and the text beating the jobs; the
 * literal prefilter and the fast cue scan against the reference. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clea/clea.h"
#include "cues/prefilter.h"
#include "jalon/jalon.h"
#include "model/model.h"

static jalon_model *model;
static jalon_workspace *ws;

static void setup(void) {
  cr_assert_eq(jalon_model_open(&model, NULL, NULL), 0);
  cr_assert_eq(jalon_workspace_new(&ws, model, NULL), 0);
}
static void teardown(void) {
  jalon_workspace_free(ws);
  jalon_model_free(model);
}
TestSuite(clea, .init = setup, .fini = teardown);

static jalon_result *diag(const char *t) {
  jalon_result *r = NULL;
  cr_assert_eq(jalon_diagnose(&r, ws, t, strlen(t), NULL, NULL), 0);
  return r;
}

enum { FRENCH = 1, MATHS = 2, DIGITAL = 3, TEAM = 4, AUTONOMY = 5, SAFETY = 7 };

Test(clea, test_clea_profile_has_seven_labelled_domains) {
  jalon_result *r = diag("bonjour");
  for (int d = 1; d <= 7; d++) {
    cr_expect_eq(jalon_result_clea_status(r, d), JALON_CLEA_UNKNOWN, "domain %d", d);
    cr_expect_float_eq(jalon_result_clea_score(r, d), 0.5, 1e-9);
    cr_expect_not_null(jalon_result_clea_label(r, d));
  }
  cr_expect_eq(jalon_result_clea_status(r, 0), -1);
  cr_expect_eq(jalon_result_clea_status(r, 8), -1);
  jalon_result_free(r);
}

Test(clea, test_clea_signs_of_need_in_the_text) {
  jalon_result *r = diag("l'écrit c'est pas mon fort et je n'ai pas d'adresse mail");
  cr_expect_eq(jalon_result_clea_status(r, FRENCH), JALON_CLEA_TO_DEVELOP);
  cr_expect_eq(jalon_result_clea_status(r, DIGITAL), JALON_CLEA_TO_DEVELOP);
  cr_expect_lt(jalon_result_clea_score(r, FRENCH), 0.5);
  jalon_result_free(r);
}

Test(clea, test_clea_negation_turns_a_skill_into_a_need) {
  jalon_result *r = diag("j'utilise excel tous les jours");
  cr_expect_eq(jalon_result_clea_status(r, DIGITAL), JALON_CLEA_ACQUIRED);
  jalon_result_free(r);
  r = diag("je ne sais pas utiliser excel");
  cr_expect_eq(jalon_result_clea_status(r, DIGITAL), JALON_CLEA_TO_DEVELOP);
  jalon_result_free(r);
}

Test(clea, test_clea_jobs_held_are_evidence) {
  /* Six years as a cashier count for calculation even unsaid. */
  jalon_result *r = diag("hôtesse de caisse pendant 6 ans");
  cr_expect_eq(jalon_result_clea_status(r, MATHS), JALON_CLEA_ACQUIRED);
  jalon_result_free(r);
}

Test(clea, test_clea_the_text_beats_what_jobs_imply) {
  jalon_result *r = diag("caissière depuis 6 ans mais rendre la monnaie c'est dur pour moi");
  cr_expect_eq(jalon_result_clea_status(r, MATHS), JALON_CLEA_TO_DEVELOP);
  jalon_result_free(r);
}

static int status(const char *text, int d) {
  jalon_result *r = diag(text);
  int st = jalon_result_clea_status(r, d);
  jalon_result_free(r);
  return st;
}

Test(clea, test_clea_a_frame_of_difficulty_near_a_topic_is_a_need) {
  cr_expect_eq(status("je galère un peu avec les pourcentages", MATHS), JALON_CLEA_TO_DEVELOP);
  cr_expect_eq(status("les applis sur le téléphone je suis vite perdue", DIGITAL), JALON_CLEA_TO_DEVELOP);
  cr_expect_eq(status("j'ai honte de mon écriture", FRENCH), JALON_CLEA_TO_DEVELOP);
  /* Coordinated topics share the frame. */
  jalon_result *r = diag("les maths et l'ordinateur c'est pas pour moi");
  cr_expect_eq(jalon_result_clea_status(r, MATHS), JALON_CLEA_TO_DEVELOP);
  cr_expect_eq(jalon_result_clea_status(r, DIGITAL), JALON_CLEA_TO_DEVELOP);
  jalon_result_free(r);
  /* A sign of holding inside a frame is a need. */
  cr_expect_eq(status("rendre la monnaie sans l'écran je panique", MATHS), JALON_CLEA_TO_DEVELOP);
}

Test(clea, test_clea_a_denied_difficulty_is_a_skill) {
  cr_expect_eq(status("je n'ai aucun problème avec les chiffres", MATHS), JALON_CLEA_ACQUIRED);
  cr_expect_eq(status("pas de souci avec excel", DIGITAL), JALON_CLEA_ACQUIRED);
  cr_expect_neq(status("je ne suis pas perdu avec internet", DIGITAL), JALON_CLEA_TO_DEVELOP);
  cr_expect_eq(status("je n'ai jamais eu peur de l'informatique", DIGITAL), JALON_CLEA_ACQUIRED);
}

Test(clea, test_clea_a_frame_stops_at_a_contrast_and_at_the_sentence) {
  jalon_result *r = diag("les chiffres ça va mais l'ordinateur c'est compliqué");
  cr_expect_eq(jalon_result_clea_status(r, DIGITAL), JALON_CLEA_TO_DEVELOP);
  cr_expect_neq(jalon_result_clea_status(r, MATHS), JALON_CLEA_TO_DEVELOP);
  jalon_result_free(r);
  cr_expect_eq(status("je fais les plannings de l'équipe. le métier est dur", MATHS), JALON_CLEA_ACQUIRED);
  cr_expect_neq(status("je gère les plannings, c'est parfois compliqué mais j'y arrive toujours", MATHS),
                JALON_CLEA_TO_DEVELOP);
  cr_expect_eq(status("les plannings c'est compliqué mais j'y arrive pas", MATHS), JALON_CLEA_TO_DEVELOP);
}

Test(clea, test_clea_a_frame_alone_is_no_need) {
  static const char *const texts[] = {"j'ai du mal à trouver un emploi", "le travail en cuisine c'est dur physiquement",
                                      "j'ai peur de ne pas trouver de travail à mon âge"};
  for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
    jalon_result *r = diag(texts[i]);
    for (int d = 1; d <= 7; d++)
      cr_expect_neq(jalon_result_clea_status(r, d), JALON_CLEA_TO_DEVELOP, "%s: domain %d", texts[i], d);
    jalon_result_free(r);
  }
}

Test(clea, test_clea_a_wish_is_not_a_skill) {
  cr_expect_eq(status("je voudrais passer le caces", SAFETY), JALON_CLEA_UNKNOWN);
}

Test(clea, test_clea_a_contrast_adverb_after_its_topic_does_not_cut_the_frame) {
  cr_expect_eq(status("le logiciel de caisse par contre c'est pas mon truc", DIGITAL), JALON_CLEA_TO_DEVELOP);
  cr_expect_eq(status("les pourcentages, pourtant, j'y comprends rien", MATHS), JALON_CLEA_TO_DEVELOP);
}

Test(clea, test_clea_a_new_clause_after_a_frame_is_not_its_topic) {
  jalon_result *r = diag("lire c'est dur pour moi, je voudrais faire une formation");
  cr_expect_eq(jalon_result_clea_status(r, FRENCH), JALON_CLEA_TO_DEVELOP);
  cr_expect_neq(jalon_result_clea_status(r, 6), JALON_CLEA_TO_DEVELOP);
  jalon_result_free(r);
}

Test(clea, test_clea_someone_elses_skill_is_no_evidence) {
  cr_expect_eq(status("ma collègue est très organisée", AUTONOMY), JALON_CLEA_UNKNOWN);
  cr_expect_eq(status("elle fait les factures tous les mois", MATHS), JALON_CLEA_UNKNOWN);
  cr_expect_eq(status("s'il le faut je fais les factures", MATHS), JALON_CLEA_ACQUIRED);
}

Test(clea, test_clea_availability_and_job_fields_are_no_skill) {
  cr_expect_eq(status("disponible en horaires décalés et de nuit", TEAM), JALON_CLEA_UNKNOWN);
  cr_expect_eq(status("je cherche dans le ménage ou la manutention", SAFETY), JALON_CLEA_UNKNOWN);
}

Test(clea, test_clea_a_field_name_with_et_is_one_cue) {
  cr_expect_eq(status("je connais les gestes et postures", SAFETY), JALON_CLEA_ACQUIRED);
}

Test(clea, test_clea_a_job_implies_only_its_core_domains) {
  /* A cashier's core competences are encashing and customer contact; the
   * savoir-être every fiche holds imply no team work or autonomy. */
  jalon_result *r = diag("hôtesse de caisse pendant 6 ans");
  cr_expect_eq(jalon_result_clea_status(r, MATHS), JALON_CLEA_ACQUIRED);
  cr_expect_eq(jalon_result_clea_status(r, TEAM), JALON_CLEA_UNKNOWN);
  cr_expect_eq(jalon_result_clea_status(r, AUTONOMY), JALON_CLEA_UNKNOWN);
  jalon_result_free(r);
}

static int find_no_sub(void *ud, const char *code) {
  (void)ud;
  return code[0] == '1' && code[1] == '-' ? 0 : -1;
}

Test(clea, test_clea_frames_must_come_before_topics) {
  jk_set *s = NULL;
  jalon_error *e = NULL;
  const char *bad = "topic\t1\t\\bfrancais\\b\nframe\t<>\t\\bdur\\b\n";
  cr_expect_eq(jk_set_compile(&s, bad, "t", find_no_sub, NULL, 1, &e), JALON_EFORMAT);
  cr_expect_null(s);
  jalon_error_free(e);
  const char *good = "frame\t<>\t\\bdur\\b\ntopic\t1\t\\bfrancais\\b\n";
  cr_expect_eq(jk_set_compile(&s, good, "t", find_no_sub, NULL, 1, NULL), 0);
  cr_expect_eq(jk_set_count(s, JK_FRAME), 1);
  jk_set_free(s);
}

Test(clea, test_clea_json_reports_sources_and_spans) {
  const char *req = "{\"text\":\"caissière depuis 6 ans, l'informatique me fait peur\"}";
  char *out = NULL;
  cr_assert_eq(jalon_diagnose_json(&out, ws, req, strlen(req), NULL), 0);
  cr_expect_not_null(strstr(out, "\"clea\":["));
  cr_expect_not_null(strstr(out, "\"status\":\"to_develop\""));
  cr_expect_not_null(strstr(out, "\"source\":\"experience\""));
  cr_expect_not_null(strstr(out, "\"source\":\"text\""));
  cr_expect_not_null(strstr(out, "l'informatique me fait peur"));
  jalon_free(out);
}

Test(clea, test_soft_skills_are_read_and_held_in_the_gap) {
  const char *req = "{\"text\":\"je suis patiente et j'aime le contact, je ne suis pas autonome\",\"target\":\"K1304\"}";
  char *out = NULL;
  cr_assert_eq(jalon_diagnose_json(&out, ws, req, strlen(req), NULL), 0);
  cr_expect_not_null(strstr(out, "\"soft_skills\":["));
  cr_expect_not_null(strstr(out, "Faire preuve de contrôle de soi"));
  cr_expect_not_null(strstr(out, "\"text\":\"je suis patiente\""));
  /* "je ne suis pas autonome" is no sign of autonomy. */
  cr_expect_null(strstr(out, "\"label\":\"Faire preuve d'autonomie\",\"evidence\""));
  jalon_free(out);
}

/* ---- the literal prefilter ------------------------------------------------ */

static void query_is(const char *pat, const char *want) {
  jq_pf *pf = NULL;
  cr_assert_eq(jq_pf_new(&pf), 0);
  cr_assert_eq(jq_pf_add(pf, pat, strlen(pat)), 0);
  char buf[4096];
  jq_pf_describe(pf, 0, buf, sizeof buf);
  cr_expect_str_eq(buf, want, "%s", pat);
  jq_pf_free(pf);
}

Test(prefilter, test_prefilter_reads_words_out_of_patterns) {
  query_is("\\bclients?\\b", "'client'");
  query_is("\\b(?:fais|faire) (?:les )?devis\\b", "OR('fais les devis','fais devis','faire les devis','faire devis')");
  /* A lookaround tests text outside the match: it requires nothing. */
  query_is("\\b(?<!pas )(?:du mal|peur) (?!pas )a lire\\b", "OR('du mal a lire','peur a lire')");
  /* Optional and repeated words require nothing; the rest is still needed. */
  query_is("\\bcompte(?: \\w+){0,6}? caisse\\b", "AND('compte',' caisse')");
  query_is("[ -]froid", "OR(' froid','-froid')");
  query_is("\\bsang[ -]froid\\b", "OR('sang froid','sang-froid')");
  /* Words shorter than three letters filter nothing. */
  query_is("\\bpv\\b", "TRUE");
  query_is("(?:a|b)*", "TRUE");
}

Test(prefilter, test_prefilter_runs_always_what_it_cannot_read) {
  /* Back-references, options, verbs, \Q, a '{' that is no quantifier,
   * unbalanced parentheses: read nothing into them. */
  query_is("\\b(caisse) \\1\\b", "TRUE");
  query_is("(?i)caisse", "TRUE");
  query_is("(*MARK:x)caisse", "TRUE");
  query_is("\\Qcaisse\\E", "TRUE");
  query_is("caisse{x}", "TRUE");
  query_is("caisse)", "TRUE");
  query_is("\\p{L}caisse", "TRUE");
  /* Non-ASCII letters have case partners of their own: not literals. */
  query_is("fed\xc3\xa9rer", "AND('fed','rer')");
}

Test(prefilter, test_prefilter_is_off_when_caseless_matching_leaves_ascii) {
  /* KELVIN SIGN matches "k" caselessly: "\xe2\x84\xaaayak" is "kayak". */
  jq_pf *pf = NULL;
  jq_pf_text *t = NULL;
  cr_assert_eq(jq_pf_new(&pf), 0);
  cr_assert_eq(jq_pf_text_new(&t), 0);
  cr_assert_eq(jq_pf_add(pf, "kayak", 5), 0);
  const char *text = "un \xe2\x84\xaa" "ayak | ";
  jq_pf_text_set(t, text, strlen(text));
  cr_expect_neq(jq_pf_mask(pf, 0, t), 0);
  jq_pf_text_set(t, "un bateau | ", 12);
  cr_expect_eq(jq_pf_mask(pf, 0, t), 0);
  jq_pf_text_free(t);
  jq_pf_free(pf);
}

/* Random strings a pattern may match, written by a reader of the pattern
 * syntax independent of the prefilter's: one alternative picked at random,
 * quantifiers repeated 0 to 2 times past their minimum, lookarounds left out
 * (so some samples do not match, and are not counted). */
typedef struct gen {
  uint32_t rng;
  char out[4096];
  size_t n;
} gen;

static uint32_t rnd(gen *g) {
  g->rng = g->rng * 1103515245u + 12345u;
  return g->rng >> 16;
}

static void put_char(gen *g, char c) {
  if (g->n + 1 < sizeof g->out) g->out[g->n++] = c;
}

/* End of the atom at p. */
static const char *atom_end(const char *p, const char *end) {
  if (*p == '\\') return p + 2 <= end ? p + 2 : end;
  if (*p == '[') {
    const char *q = p + 1;
    if (q < end && *q == '^') q++;
    if (q < end && *q == ']') q++;
    while (q < end && *q != ']') q += *q == '\\' ? 2 : 1;
    return q < end ? q + 1 : end;
  }
  if (*p == '(') {
    int depth = 0;
    for (const char *q = p; q < end; q++) {
      if (*q == '\\') q++;
      else if (*q == '[') q = atom_end(q, end) - 1;
      else if (*q == '(') depth++;
      else if (*q == ')' && --depth == 0) return q + 1;
    }
    return end;
  }
  const char *q = p + 1;
  while (q < end && ((unsigned char)*q & 0xC0) == 0x80) q++;
  return q;
}

static void gen_alt(gen *g, const char *p, const char *end);

static void gen_atom(gen *g, const char *p, const char *e) {
  if (*p == '(') {
    const char *in = p + 1, *close = e - 1;
    if (in < close && *in == '?') {
      if (in[1] == ':' || in[1] == '>') in += 2;
      else return; /* a lookaround */
    }
    gen_alt(g, in, close);
  } else if (*p == '[') {
    const char *b = p + 1;
    char pick[64];
    size_t n = 0;
    for (; b < e - 1 && n < sizeof pick; b++) {
      if (b + 2 < e - 1 && b[1] == '-') {
        for (char c = b[0]; c <= b[2] && n < sizeof pick; c++) pick[n++] = c;
        b += 2;
      } else
        pick[n++] = *b;
    }
    if (n) put_char(g, pick[rnd(g) % n]);
  } else if (*p == '\\') {
    char c = p[1];
    if (c == 'w') put_char(g, (char)('a' + rnd(g) % 26));
    else if (c == 'd') put_char(g, (char)('0' + rnd(g) % 10));
    else if (c == 's') put_char(g, ' ');
    else if (c != 'b' && c != 'B') put_char(g, c);
  } else if (*p == '.') put_char(g, 'a');
  else if (*p != '^' && *p != '$')
    for (; p < e; p++) put_char(g, *p);
}

static void gen_seq(gen *g, const char *p, const char *end) {
  while (p < end) {
    const char *e = atom_end(p, end), *q = e;
    long lo = 1, hi = 1;
    if (q < end && (*q == '?' || *q == '*' || *q == '+')) {
      lo = *q == '+';
      hi = *q == '?' ? 1 : lo + 2;
      q++;
    } else if (q < end && *q == '{') {
      lo = strtol(q + 1, (char **)&q, 10);
      hi = *q == ',' ? strtol(q + 1, (char **)&q, 10) : lo;
      if (hi < lo) hi = lo + 2;
      q++;
    }
    if (q < end && (*q == '?' || *q == '+') && q != e) q++;
    long times = lo + (long)(rnd(g) % (uint32_t)(hi - lo + 1));
    for (long k = 0; k < times; k++) gen_atom(g, p, e);
    p = q;
  }
}

static void gen_alt(gen *g, const char *p, const char *end) {
  const char *alts[256];
  size_t n = 0;
  alts[n++] = p;
  for (const char *q = p; q < end; q = atom_end(q, end))
    if (*q == '|' && n < 256) alts[n++] = q + 1;
  size_t k = rnd(g) % n;
  const char *a = alts[k], *b = k + 1 < n ? alts[k + 1] - 1 : end;
  gen_seq(g, a, b);
}

/* The has/need lines of a CléA or soft-skill source, and the cue lines. */
static size_t read_patterns(const char *src, int cues, const char **pat, size_t *len, size_t max) {
  size_t n = 0;
  for (const char *line = src; *line && n < max;) {
    const char *eol = strchr(line, '\n'), *end = eol ? eol : line + strlen(line);
    const char *p = line;
    line = eol ? eol + 1 : end;
    while (end > p && (end[-1] == '\r' || end[-1] == ' ')) end--;
    if (cues) {
      while (p < end && (*p == ' ' || *p == '\t')) p++;
      if (p == end || *p == '#') continue;
      while (p < end && *p != ' ' && *p != '\t') p++;
      while (p < end && (*p == ' ' || *p == '\t')) p++;
    } else {
      if (strncmp(p, "has\t", 4) && strncmp(p, "need\t", 5) && strncmp(p, "frame\t", 6) && strncmp(p, "topic\t", 6))
        continue;
      p = strchr(p, '\t') + 1;
      p = strchr(p, '\t') + 1;
    }
    pat[n] = p;
    len[n++] = (size_t)(end - p);
  }
  return n;
}

/* Every match of code in text, whole-text searches against the prefilter's
 * searches by groups of clauses; returns how many. */
static size_t same_matches(const pcre2_code *code, jq_pf *pf, size_t i, jq_pf_text *t, const char *text,
                           pcre2_match_data *md, const char *pat) {
  size_t len = strlen(text), n = 0, off = 0, off2 = 0;
  jq_pf_text_set(t, text, len);
  uint64_t where = jq_pf_mask(pf, i, t);
  for (;;) {
    int a = off < len ? pcre2_match(code, (PCRE2_SPTR)text, len, off, 0, md, NULL) : -1;
    size_t s = 0, e = 0;
    if (a >= 0) {
      s = pcre2_get_ovector_pointer(md)[0];
      e = pcre2_get_ovector_pointer(md)[1];
    }
    int b = where ? jq_pf_match(code, t, where, text, len, off2, 0, md) : PCRE2_ERROR_NOMATCH;
    cr_assert_eq(a >= 0, b >= 0, "pattern %.80s\n  on \"%s\": a match at %zu the prefilter %s", pat, text, s,
                 a >= 0 ? "drops" : "invents");
    if (a < 0) break;
    cr_assert_eq(pcre2_get_ovector_pointer(md)[0], s, "pattern %.80s on \"%s\"", pat, text);
    cr_assert_eq(pcre2_get_ovector_pointer(md)[1], e, "pattern %.80s on \"%s\"", pat, text);
    n++;
    off = off2 = e > off ? e : off + 1;
  }
  return n;
}

Test(prefilter, test_prefilter_never_drops_a_match_of_any_cue_pattern) {
  jalon_model *m = NULL;
  cr_assert_eq(jalon_model_open(&m, NULL, NULL), 0);
  static const char *pat[2048];
  static size_t len[2048];
  size_t n = read_patterns(m->clea_src, 0, pat, len, 2048);
  n += read_patterns(m->soft_src, 0, pat + n, len + n, 2048 - n);
  size_t n_cues = read_patterns(m->cues_src, 1, pat + n, len + n, 2048 - n);
  cr_assert_gt(n, 250);
  cr_assert_gt(n_cues, 20);
  n += n_cues;
  jq_pf *pf = NULL;
  jq_pf_text *t = NULL;
  cr_assert_eq(jq_pf_new(&pf), 0);
  cr_assert_eq(jq_pf_text_new(&t), 0);
  pcre2_match_data *md = pcre2_match_data_create(8, NULL);
  /* Around a sample: none, the "ne" a negated form looks behind for, and
   * other clauses before and after, so that groups of clauses count. */
  static const char *before[] = {"", "je ne ", "bonjour | je cherche | j' ai ", "a | b | c | d | e | f | je "};
  static const char *after[] = {" | ", " et | ", " | merci | au revoir | ", " pas | x | "};
  gen g = {.rng = 12345};
  size_t matched_patterns = 0, matches = 0;
  char text[8192];
  for (size_t i = 0; i < n; i++) {
    cr_assert_eq(jq_pf_add(pf, pat[i], len[i]), 0);
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)pat[i], len[i],
                                     PCRE2_UTF | PCRE2_CASELESS | PCRE2_UCP | JQ_PF_COMPILE_OPTIONS, &ec, &eo, NULL);
    cr_assert_not_null(code, "pattern %zu does not compile", i);
    size_t found = 0;
    for (int k = 0; k < 40; k++) {
      g.n = 0;
      gen_alt(&g, pat[i], pat[i] + len[i]);
      g.out[g.n] = 0;
      snprintf(text, sizeof text, "%s%s%s", before[k % 4], g.out, after[(k / 4) % 4]);
      found += same_matches(code, pf, i, t, text, md, pat[i]);
    }
    /* More than 64 clauses: groups hold several clauses. */
    size_t o = 0;
    for (int c = 0; c < 150; c++) o += (size_t)snprintf(text + o, sizeof text - o, "%s | ", c == 120 ? g.out : "mot");
    found += same_matches(code, pf, i, t, text, md, pat[i]);
    matched_patterns += found > 0;
    matches += found;
    pcre2_code_free(code);
  }
  /* The samples do reach nearly every pattern. */
  cr_expect_geq(matched_patterns * 10, n * 9, "%zu of %zu patterns matched a sample", matched_patterns, n);
  cr_log_info("prefilter: %zu patterns, %zu matched by samples, %zu matches, %zu with a query", n, matched_patterns,
              matches, jq_pf_filtered(pf));
  pcre2_match_data_free(md);
  jq_pf_text_free(t);
  jq_pf_free(pf);
  jalon_model_free(m);
}

/* ---- the fast cue scan against the reference ---------------------------- */

static char *json_of(jalon_workspace *w, const char *text) {
  jalon_result *r = NULL;
  char *out = NULL;
  cr_assert_eq(jalon_diagnose(&r, w, text, strlen(text), NULL, NULL), 0, "%s", text);
  cr_assert_eq(jalon_result_to_json(&out, r, 0, NULL), 0);
  jalon_result_free(r);
  return out;
}

/* Diagnoses text with the fast sets and the reference sets of m. */
static void same_diagnosis(jalon_model *m, jalon_workspace *w, jk_set *ref_clea, jk_set *ref_soft,
                           const char *text) {
  char *fast = json_of(w, text);
  jk_set *fc = m->clea, *fs = m->soft;
  m->clea = ref_clea;
  m->soft = ref_soft;
  char *ref = json_of(w, text);
  m->clea = fc;
  m->soft = fs;
  cr_assert_str_eq(fast, ref, "on \"%s\"", text);
  jalon_free(fast);
  jalon_free(ref);
}

static size_t check_file(jalon_model *m, jalon_workspace *w, jk_set *rc, jk_set *rs, const char *path) {
  FILE *f = fopen(path, "r");
  cr_assert_not_null(f, "%s", path);
  char *line = NULL;
  size_t cap = 0, n = 0;
  while (getline(&line, &cap, f) > 0) {
    cJSON *j = cJSON_Parse(line);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "text");
    if (cJSON_IsString(t) && t->valuestring[0]) {
      same_diagnosis(m, w, rc, rs, t->valuestring);
      n++;
    }
    cJSON_Delete(j);
  }
  free(line);
  fclose(f);
  return n;
}

Test(prefilter, test_fast_cue_scan_gives_the_reference_evidence) {
  jalon_model *m = NULL;
  jalon_workspace *w = NULL;
  cr_assert_eq(jalon_model_open(&m, NULL, NULL), 0);
  cr_assert_eq(jalon_workspace_new(&w, m, NULL), 0); /* compiles the fast sets */
  jk_set *rc = NULL, *rs = NULL;
  cr_assert_eq(jm_cue_sets_compile(m, JK_MODE_REFERENCE, &rc, &rs, NULL), 0);
  cr_assert_not_null(rc);
  cr_assert_not_null(rs);
  size_t n = 0;
  n += check_file(m, w, rc, rs, JALON_TEST_DATA "/self_descriptions.jsonl");
  n += check_file(m, w, rc, rs, JALON_TEST_DATA "/clea_profiles.jsonl");
  n += check_file(m, w, rc, rs, JALON_TEST_DATA "/clea_heldout.jsonl");
  n += check_file(m, w, rc, rs, JALON_TEST_DATA "/clea_heldout2.jsonl");
  cr_expect_gt(n, 150);
  /* Samples of every has/need pattern, several in one text: a match must
   * give the same evidence, hidden or not by another of its chunk alike. */
  static const char *pat[1024];
  static size_t len[1024];
  size_t np = read_patterns(m->clea_src, 0, pat, len, 1024);
  np += read_patterns(m->soft_src, 0, pat + np, len + np, 1024 - np);
  gen g = {.rng = 777};
  char text[4096];
  for (size_t i = 0; i < np; i++) {
    size_t o = 0;
    for (int k = 0; k < 3; k++) {
      size_t j = k ? rnd(&g) % np : i;
      g.n = 0;
      gen_alt(&g, pat[j], pat[j] + len[j]);
      g.out[g.n] = 0;
      o += (size_t)snprintf(text + o, sizeof text - o, "%s%s", k == 1 ? " je ne " : k ? ", " : "", g.out);
    }
    same_diagnosis(m, w, rc, rs, text);
  }
  jk_set_free(rc);
  jk_set_free(rs);
  jalon_workspace_free(w);
  jalon_model_free(m);
}
