/* Splitting the body of POST /v1/diagnose/batch into requests: a JSON array or
 * JSON lines. Only the framing is read here; the library checks each request. */
#include "server.h"

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static size_t skip_blanks(const char *s, size_t len, size_t i) {
  while (i < len && is_blank(s[i])) i++;
  return i;
}

static int push(srv_span *items, size_t max_items, size_t *count, const char *p, size_t n) {
  if (*count >= max_items) return SRV_BATCH_TOO_MANY;
  items[*count].p = p;
  items[*count].n = n;
  (*count)++;
  return SRV_BATCH_OK;
}

/* The elements of a top-level array. Strings are skipped with their escapes
 * so a ',' or ']' inside a text does not end an element; brackets are only
 * counted, not matched: a mismatch inside an element is the library's to
 * report for that element, whereas one that breaks the array framing
 * (an element never ending, bytes after the closing ']') refuses the batch. */
static int split_array(const char *s, size_t len, size_t i, srv_span *items, size_t max_items,
                       size_t *count, const char **why) {
  i++; /* '[' */
  i = skip_blanks(s, len, i);
  if (i < len && s[i] == ']') {
    i = skip_blanks(s, len, i + 1);
    if (i != len) {
      *why = "data after the closing ']' of the batch array";
      return SRV_BATCH_MALFORMED;
    }
    return SRV_BATCH_OK;
  }
  for (;;) {
    i = skip_blanks(s, len, i);
    size_t start = i, depth = 0;
    int in_str = 0, closed = 0, more = 0;
    for (; i < len; i++) {
      char c = s[i];
      if (in_str) {
        if (c == '\\')
          i++;
        else if (c == '"')
          in_str = 0;
      } else if (c == '"') {
        in_str = 1;
      } else if (c == '[' || c == '{') {
        depth++;
      } else if (c == ']' || c == '}') {
        if (depth == 0) {
          if (c != ']') break;
          closed = 1;
          break;
        }
        depth--;
      } else if (c == ',' && depth == 0) {
        more = 1;
        break;
      }
    }
    if (!closed && !more) {
      *why = "the batch array is not closed by ']'";
      return SRV_BATCH_MALFORMED;
    }
    size_t end = i;
    while (end > start && is_blank(s[end - 1])) end--;
    if (end == start) {
      *why = "empty element in the batch array";
      return SRV_BATCH_MALFORMED;
    }
    int rc = push(items, max_items, count, s + start, end - start);
    if (rc) return rc;
    i++; /* ',' or ']' */
    if (closed) break;
  }
  i = skip_blanks(s, len, i);
  if (i != len) {
    *why = "data after the closing ']' of the batch array";
    return SRV_BATCH_MALFORMED;
  }
  return SRV_BATCH_OK;
}

static int split_lines(const char *s, size_t len, srv_span *items, size_t max_items,
                       size_t *count) {
  size_t i = 0;
  while (i < len) {
    size_t start = i;
    while (i < len && s[i] != '\n') i++;
    size_t end = i;
    if (end > start && s[end - 1] == '\r') end--;
    if (i < len) i++; /* '\n' */
    size_t k = skip_blanks(s, end, start);
    if (k == end) continue;
    int rc = push(items, max_items, count, s + start, end - start);
    if (rc) return rc;
  }
  return SRV_BATCH_OK;
}

int srv_split_batch(const char *body, size_t len, srv_span *items, size_t max_items,
                    size_t *count, const char **why) {
  *count = 0;
  *why = NULL;
  size_t i = skip_blanks(body, len, 0);
  if (i < len && body[i] == '[') return split_array(body, len, i, items, max_items, count, why);
  return split_lines(body, len, items, max_items, count);
}
