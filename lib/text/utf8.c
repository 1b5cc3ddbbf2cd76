/* UTF-8 validation of caller text before it reaches ICU: a clear error with
 * the offset of the first bad byte instead of U+FFFD silently appearing. */
#include <unicode/utf8.h>

#include "jalon/jalon.h"
#include "text/tokenize.h"

int jt_check_utf8(const char *text, size_t len, size_t *bad_offset) {
  const uint8_t *s = (const uint8_t *)text;
  size_t i = 0;
  if (!s && len) {
    if (bad_offset) *bad_offset = 0;
    return JALON_EUTF8;
  }
  while (i < len) {
    /* Most French text is ASCII; skip it without the macro's branches. */
    if (s[i] - 1u < 0x7fu) {
      i++;
      continue;
    }
    size_t at = i;
    UChar32 c;
    /* U8_NEXT refuses overlongs, surrogates, values past U+10FFFF and
     * truncated sequences (c < 0); NUL is valid UTF-8 but would cut every
     * C string built from the text downstream, so it is refused too. */
    U8_NEXT(s, i, len, c);
    if (c <= 0) {
      if (bad_offset) *bad_offset = at;
      return JALON_EUTF8;
    }
  }
  return 0;
}
