/* Fuzz target: the model compiler's CSV reader (jm_csv_open_memory /
 * jm_csv_next). First byte picks the separator; fields must come out
 * NUL-terminated valid UTF-8 (or the record is refused with JALON_EDATA). */
#include <string.h>

#include "fuzz.h"
#include "model/csv.h"
#include "text/tokenize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!size) return 0;
  static const char seps[] = {',', ';', '\t', '|'};
  char sep = seps[data[0] & 3];
  jm_csv *c = NULL;
  jalon_error *err = NULL;
  FUZZ_CHECK(jm_csv_open_memory(&c, (const char *)data + 1, size - 1, sep, "fuzz.csv", &err) == 0);
  size_t last_line = 0, records = 0;
  /* A NUL byte anywhere, quoted or not, must stop the reader with JALON_EDATA:
   * fields are NUL-terminated, so one inside a field would silently cut it. */
  int has_nul = memchr(data + 1, 0, size - 1) != NULL;
  for (;;) {
    size_t nf = 0, line = 0;
    char **fields = NULL;
    int rc = jm_csv_next(c, &nf, &fields, &line, &err);
    if (rc <= 0) {
      FUZZ_CHECK(rc == 0 || (rc == JALON_EDATA && err && jalon_error_code(err) == rc));
      FUZZ_CHECK(!has_nul || rc == JALON_EDATA);
      break;
    }
    FUZZ_CHECK(rc == 1 && nf >= 1 && fields && fields[nf] == NULL);
    FUZZ_CHECK(line >= 1 && line > last_line);
    last_line = line;
    for (size_t i = 0; i < nf; i++) FUZZ_CHECK(jt_check_utf8(fields[i], strlen(fields[i]), NULL) == 0);
    FUZZ_CHECK(++records <= size); /* every record consumes at least one byte */
  }
  jalon_error_free(err);
  jm_csv_close(c);
  return 0;
}
