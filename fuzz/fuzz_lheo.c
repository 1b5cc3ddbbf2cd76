/* Fuzz target: the LHÉO importer (jtr_import_lheo_memory) on arbitrary bytes.
 * What reaches the builder must be well formed, and a rerun must agree. */
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "text/tokenize.h"
#include "train/build.h"

static int utf8_ok(const char *s) { return !s || jt_check_utf8(s, strlen(s), NULL) == 0; }

/* Element names cannot come from entities or character references, so each
 * kept record needs its element's name written in the input. */
static size_t count(const uint8_t *d, size_t n, const char *word) {
  size_t k = 0, w = strlen(word);
  for (size_t i = 0; i + w <= n; i++)
    if (memcmp(d + i, word, w) == 0) k++;
  return k;
}

/* The counts above hold when element names are written in ASCII bytes:
 * not for UTF-16/UCS-4 (NUL bytes), EBCDIC, or a declared encoding such as
 * UTF-7 that may spell letters otherwise. */
static int ascii_names(const uint8_t *d, size_t n) {
  if (memchr(d, 0, n) || (n >= 4 && memcmp(d, "\x4C\x6F\xA7\x94", 4) == 0)) return 0;
  for (size_t i = 0; i + 10 <= n; i++) {
    if (memcmp(d + i, "encoding", 8) != 0) continue;
    size_t j = i + 8;
    while (j < n && (d[j] == ' ' || d[j] == '=' || d[j] == '"' || d[j] == '\'')) j++;
    if (!(j + 5 <= n && strncasecmp((const char *)d + j, "utf-8", 5) == 0) &&
        !(j + 10 <= n && strncasecmp((const char *)d + j, "iso-8859-1", 10) == 0))
      return 0;
  }
  return 1;
}

static int valid_date(const char *s) {
  if (!s) return 1;
  if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') return 0;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return 0;
  return 1;
}

static void check_builder(const jtr_builder *b, const uint8_t *data, size_t size) {
  jtr_build_stats st;
  jtr_builder_stats(b, &st);
  if (ascii_names(data, size)) {
    FUZZ_CHECK(st.certs <= count(data, size, "formation"));
    FUZZ_CHECK(st.sessions <= count(data, size, "action") + count(data, size, "session"));
  }
  for (uint32_t i = 0; i < st.certs; i++) {
    jtr_cert_in c;
    FUZZ_CHECK(jtr_builder_cert(b, i, &c) == &c);
    FUZZ_CHECK(c.title && *c.title && utf8_ok(c.title));
    FUZZ_CHECK(utf8_ok(c.certifinfo) && utf8_ok(c.rncp) && utf8_ok(c.rs));
    FUZZ_CHECK(c.level >= 0 && c.level <= 8);
  }
  for (size_t i = 0; i < st.sessions; i++) {
    jtr_session_in s;
    FUZZ_CHECK(jtr_builder_session(b, i, &s) == &s);
    FUZZ_CHECK(s.cert < st.certs);
    FUZZ_CHECK(utf8_ok(s.id) && utf8_ok(s.organisation) && utf8_ok(s.siret) && utf8_ok(s.city) &&
               utf8_ok(s.postcode) && utf8_ok(s.insee) && utf8_ok(s.url));
    FUZZ_CHECK(valid_date(s.start) && valid_date(s.end));
    FUZZ_CHECK(!s.has_coords || (s.lat >= -90 && s.lat <= 90 && s.lon >= -180 && s.lon <= 180));
    FUZZ_CHECK(s.distance >= -1 && s.distance <= 1);
  }
  for (size_t i = 0; i < st.rejected && i < 8; i++) {
    const char *why = jtr_builder_rejection(b, i);
    FUZZ_CHECK(!why || utf8_ok(why));
  }
}

static int import(const uint8_t *data, size_t size, jtr_build_stats *st) {
  jtr_builder *b = NULL;
  FUZZ_CHECK(jtr_builder_new(&b, NULL, NULL) == 0);
  jalon_error *err = NULL;
  int rc = jtr_import_lheo_memory(b, (const char *)data, size, "fuzz.xml", &err);
  FUZZ_CHECK(rc == 0 || rc == JALON_EDATA || rc == JALON_EFORMAT || rc == JALON_ENOMEM);
  FUZZ_CHECK(rc ? err && jalon_error_code(err) == rc && utf8_ok(jalon_error_message(err)) : !err);
  check_builder(b, data, size);
  jtr_builder_stats(b, st);
  jalon_error_free(err);
  jtr_builder_free(b);
  return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  jtr_build_stats a, b;
  int rc = import(data, size, &a);
  /* No state may survive an import: the same bytes give the same result. */
  FUZZ_CHECK(import(data, size, &b) == rc);
  FUZZ_CHECK(a.certs == b.certs && a.sessions == b.sessions && a.rejected == b.rejected);
  return 0;
}
