/* CSV reader of the model compiler: quoting rules of the ROME release,
 * embedded newlines, cp1252 lines, and line numbers in error messages. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/csv.h"

static jm_csv *open_str(const char *s) {
  jm_csv *c = NULL;
  cr_assert_eq(jm_csv_open_memory(&c, s, strlen(s), ',', "mem.csv", NULL), 0);
  return c;
}

Test(csv, test_csv_reads_quoted_fields_with_newlines_and_quotes) {
  jm_csv *c = open_str("\"a\",\"b\"\n\"x\ny\",\"say \"\"hi\"\"\"\n\"last\",\"\"\n");
  size_t nf, line;
  char **f;
  cr_assert_eq(jm_csv_next(c, &nf, &f, &line, NULL), 1);
  cr_expect_eq(nf, 2);
  cr_expect_eq(line, 1);
  cr_assert_eq(jm_csv_next(c, &nf, &f, &line, NULL), 1);
  cr_expect_str_eq(f[0], "x\ny");
  cr_expect_str_eq(f[1], "say \"hi\"");
  cr_expect_eq(line, 2);
  cr_assert_eq(jm_csv_next(c, &nf, &f, &line, NULL), 1);
  cr_expect_eq(line, 4, "line numbers count embedded newlines");
  cr_expect_str_eq(f[1], "");
  cr_expect_eq(jm_csv_next(c, &nf, &f, &line, NULL), 0);
  jm_csv_close(c);
}

Test(csv, test_csv_last_record_without_newline_and_crlf) {
  jm_csv *c = open_str("a,b\r\nc,");
  size_t nf, line;
  char **f;
  cr_assert_eq(jm_csv_next(c, &nf, &f, &line, NULL), 1);
  cr_expect_str_eq(f[1], "b");
  cr_assert_eq(jm_csv_next(c, &nf, &f, &line, NULL), 1);
  cr_expect_eq(nf, 2);
  cr_expect_str_eq(f[0], "c");
  cr_expect_str_eq(f[1], "");
  cr_expect_eq(jm_csv_next(c, &nf, &f, &line, NULL), 0);
  jm_csv_close(c);
}

Test(csv, test_csv_recodes_cp1252_fields) {
  jm_csv *c = open_str("\"1\",\"Jardini\xe8re\",\"d\xc3\xa9j\xc3\xa0\"\n");
  size_t nf, line;
  char **f;
  cr_assert_eq(jm_csv_next(c, &nf, &f, &line, NULL), 1);
  cr_expect_str_eq(f[1], "Jardinière");
  cr_expect_str_eq(f[2], "déjà", "valid UTF-8 left alone");
  cr_expect_eq(jm_csv_recoded(c), 1);
  jm_csv_close(c);
}

Test(csv, test_csv_quote_inside_an_unquoted_field_is_text) {
  /* As in the Certif Info titles: a lone quote must not open a quoted field
   * that would swallow the following lines. */
  jm_csv *c = open_str("1,science pour l\"ingénieur,x\n2,test \"level A\",y\n3,\"q,1\"\"\",z\n");
  size_t nf, line;
  char **f;
  cr_assert_eq(jm_csv_next(c, &nf, &f, &line, NULL), 1);
  cr_expect_eq(nf, 3);
  cr_expect_str_eq(f[1], "science pour l\"ingénieur");
  cr_assert_eq(jm_csv_next(c, &nf, &f, &line, NULL), 1);
  cr_expect_eq(line, 2);
  cr_expect_str_eq(f[1], "test \"level A\"");
  cr_assert_eq(jm_csv_next(c, &nf, &f, &line, NULL), 1);
  cr_expect_str_eq(f[1], "q,1\"", "a field that starts with a quote is still a quoted field");
  cr_expect_str_eq(f[2], "z");
  cr_expect_eq(jm_csv_next(c, &nf, &f, &line, NULL), 0);
  jm_csv_close(c);
}

Test(csv, test_csv_unterminated_quote_names_file_and_line) {
  jm_csv *c = open_str("a,b\n\"open,x\nmore\n");
  size_t nf, line;
  char **f;
  jalon_error *err = NULL;
  cr_assert_eq(jm_csv_next(c, &nf, &f, &line, NULL), 1);
  cr_expect_eq(jm_csv_next(c, &nf, &f, &line, &err), JALON_EDATA);
  cr_expect_not_null(strstr(jalon_error_message(err), "mem.csv:2"));
  jalon_error_free(err);
  jm_csv_close(c);
}

Test(csv, test_csv_reads_the_mixed_encoding_rome_file) {
  char path[4096];
  snprintf(path, sizeof path, "%s/unix_arborescence_secteur_naf_v460_utf8.csv", getenv("JALON_ROME_DIR"));
  jm_csv *c = NULL;
  cr_assert_eq(jm_csv_open(&c, path, ',', NULL), 0);
  size_t nf, line, rows = 0;
  char **f;
  int rc;
  while ((rc = jm_csv_next(c, &nf, &f, &line, NULL)) == 1) {
    cr_assert_eq(nf, 5, "line %zu has %zu fields", line, nf);
    rows++;
  }
  cr_expect_eq(rc, 0);
  cr_expect_eq(rows, 2921);
  cr_expect_gt(jm_csv_recoded(c), 1000);
  jm_csv_close(c);
}
