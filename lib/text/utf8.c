/* UTF-8 validation of caller input with ICU's macros: ill-formed sequences,
 * overlongs and surrogates are refused, and so are NUL bytes. */
#include <unicode/utf8.h>

#include "jalon/jalon.h"
#include "text/tokenize.h"

int jt_check_utf8(const char *text, size_t len, size_t *bad_offset) {
  const uint8_t *s = (const uint8_t *)text;
  /* ICU's macros index with int32_t: check in slices far below that. */
  size_t i = 0;
  while (i < len) {
    if (s[i] < 0x80) {
      if (s[i] == 0) goto bad;
      i++;
      continue;
    }
    int32_t j = 0, n = (int32_t)(len - i > 8 ? 8 : len - i);
    UChar32 c;
    U8_NEXT(s + i, j, n, c);
    if (c < 0) goto bad;
    i += (size_t)j;
  }
  return 0;
bad:
  if (bad_offset) *bad_offset = i;
  return JALON_EUTF8;
}
