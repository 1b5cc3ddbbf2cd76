/* RFC 4180 CSV reader used by the model compiler (see csv.h for why it is
 * hand-written). Fields are unquoted in place into a per-record buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ucnv.h>
#include <unicode/ustring.h>

#include "model/csv.h"
#include "text/tokenize.h"
#include "util/error.h"

struct jm_csv {
  char *data;
  size_t len, pos, line;
  char sep;
  char *name;
  char *rec;      /* unquoted bytes of the current record, fields NUL-separated */
  size_t rec_cap;
  char **fields;
  size_t fields_cap;
  size_t recoded;
};

static int csv_init(jm_csv **out, char *data, size_t len, char sep, const char *name,
                    jalon_error **err) {
  jm_csv *c = calloc(1, sizeof *c);
  if (!c || !(c->name = strdup(name))) {
    free(c);
    free(data);
    return ju_error(err, JALON_ENOMEM, "out of memory opening %s", name);
  }
  c->data = data;
  c->len = len;
  c->line = 1;
  c->sep = sep;
  /* Skip a UTF-8 byte order mark: some exports carry one. */
  if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) c->pos = 3;
  *out = c;
  return 0;
}

int jm_csv_open_memory(jm_csv **out, const char *data, size_t len, char sep, const char *name,
                       jalon_error **err) {
  *out = NULL;
  char *copy = malloc(len + 1);
  if (!copy) return ju_error(err, JALON_ENOMEM, "out of memory reading %s", name);
  if (len) memcpy(copy, data, len);
  copy[len] = 0;
  return csv_init(out, copy, len, sep, name, err);
}

int jm_csv_open(jm_csv **out, const char *path, char sep, jalon_error **err) {
  *out = NULL;
  FILE *f = fopen(path, "rb");
  if (!f) return ju_error(err, JALON_EIO, "cannot open %s", path);
  char *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (cap - len < 65536) {
      size_t ncap = cap ? cap * 2 : 1 << 20;
      char *nb = realloc(buf, ncap + 1);
      if (!nb) {
        free(buf);
        fclose(f);
        return ju_error(err, JALON_ENOMEM, "out of memory reading %s", path);
      }
      buf = nb;
      cap = ncap;
    }
    size_t n = fread(buf + len, 1, cap - len, f);
    len += n;
    if (n == 0) break;
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    free(buf);
    return ju_error(err, JALON_EIO, "read error on %s", path);
  }
  buf[len] = 0;
  return csv_init(out, buf, len, sep, path, err);
}

void jm_csv_close(jm_csv *c) {
  if (!c) return;
  free(c->data);
  free(c->name);
  free(c->rec);
  free(c->fields);
  free(c);
}

size_t jm_csv_recoded(const jm_csv *c) { return c->recoded; }
const char *jm_csv_name(const jm_csv *c) { return c->name; }

static int grow(void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 0;
  size_t n = *cap ? *cap : 64;
  while (n < need) n *= 2;
  void *q = realloc(*p, n * elem);
  if (!q) return -1;
  *p = q;
  *cap = n;
  return 0;
}

/* Converts one cp1252 field to UTF-8 into a fresh buffer appended at the end
 * of the record buffer; the ROME NAF file has such lines. */
static int recode_cp1252(jm_csv *c, size_t field_off, size_t field_len, size_t *rec_len,
                         size_t *new_off) {
  UErrorCode st = U_ZERO_ERROR;
  /* cp1252 -> at most 3 UTF-8 bytes per input byte. */
  size_t need = *rec_len + field_len * 3 + 1;
  if (grow((void **)&c->rec, &c->rec_cap, need, 1)) return JALON_ENOMEM;
  int32_t n = ucnv_convert("UTF-8", "windows-1252", c->rec + *rec_len, (int32_t)(field_len * 3 + 1),
                           c->rec + field_off, (int32_t)field_len, &st);
  if (U_FAILURE(st)) return JALON_EDATA;
  *new_off = *rec_len;
  *rec_len += (size_t)n + 1;
  c->recoded++;
  return 0;
}

static int next_record(jm_csv *c, size_t *n_fields, char ***fields, size_t *line,
                       jalon_error **err) {
  if (c->pos >= c->len) return 0;
  size_t start_line = c->line;
  size_t rec_len = 0, nf = 0;
  size_t offs_cap = 0;
  size_t *offs = NULL; /* field start offsets into rec */
  size_t field_start = 0;
  int in_quotes = 0, done = 0;
  const char *d = c->data;
  int rc = 0;
  while (!done) {
    if (grow((void **)&c->rec, &c->rec_cap, rec_len + 2, 1)) { rc = JALON_ENOMEM; break; }
    if (c->pos >= c->len) {
      if (in_quotes) {
        rc = ju_error(err, JALON_EDATA, "%s:%zu: unterminated quoted field", c->name, start_line);
        break;
      }
      /* Last record without a final newline: close its last field. */
      if (grow((void **)&offs, &offs_cap, nf + 1, sizeof *offs)) { rc = JALON_ENOMEM; break; }
      offs[nf++] = field_start;
      c->rec[rec_len++] = 0;
      done = 1;
      continue;
    }
    char ch = d[c->pos++];
    /* Checked before quoting: a NUL inside quotes would otherwise end the
     * NUL-separated field early and silently drop the rest of it. */
    if (ch == '\0') {
      rc = ju_error(err, JALON_EDATA, "%s:%zu: NUL byte in data", c->name, c->line);
      break;
    }
    if (in_quotes) {
      if (ch == '"') {
        if (c->pos < c->len && d[c->pos] == '"') {
          c->rec[rec_len++] = '"';
          c->pos++;
        } else {
          in_quotes = 0;
        }
      } else {
        if (ch == '\n') c->line++;
        c->rec[rec_len++] = ch;
      }
      continue;
    }
    /* A quote opens a quoted field only at the start of a field (RFC 4180);
     * elsewhere it is text: Certif Info titles hold bare quotes
     * (l"ingénieur, "level A"), which would otherwise swallow the lines up
     * to the next quote. */
    if (ch == '"' && rec_len == field_start) {
      in_quotes = 1;
    } else if (ch == c->sep || ch == '\n') {
      if (ch == '\n') {
        c->line++;
        done = 1;
        if (rec_len > field_start && c->rec[rec_len - 1] == '\r') rec_len--;
      }
      if (grow((void **)&offs, &offs_cap, nf + 1, sizeof *offs)) { rc = JALON_ENOMEM; break; }
      offs[nf++] = field_start;
      c->rec[rec_len++] = 0;
      field_start = rec_len;
    } else {
      c->rec[rec_len++] = ch;
    }
  }
  if (!rc) {
    /* Fields that are not valid UTF-8 are cp1252 (see csv.h). */
    for (size_t i = 0; i < nf && !rc; i++) {
      size_t flen = strlen(c->rec + offs[i]);
      if (jt_check_utf8(c->rec + offs[i], flen, NULL) != 0) {
        size_t noff;
        int r = recode_cp1252(c, offs[i], flen, &rec_len, &noff);
        if (r == JALON_ENOMEM) rc = r;
        else if (r) rc = ju_error(err, JALON_EDATA, "%s:%zu: field %zu is neither UTF-8 nor cp1252",
                                  c->name, start_line, i + 1);
        else offs[i] = noff;
      }
    }
  }
  if (!rc && grow((void **)&c->fields, &c->fields_cap, nf + 1, sizeof *c->fields)) rc = JALON_ENOMEM;
  if (rc) {
    free(offs);
    if (rc == JALON_ENOMEM) return ju_error(err, JALON_ENOMEM, "out of memory reading %s", c->name);
    return rc;
  }
  for (size_t i = 0; i < nf; i++) c->fields[i] = c->rec + offs[i];
  c->fields[nf] = NULL;
  free(offs);
  *n_fields = nf;
  *fields = c->fields;
  if (line) *line = start_line;
  return 1;
}

int jm_csv_next(jm_csv *c, size_t *n_fields, char ***fields, size_t *line, jalon_error **err) {
  for (;;) {
    int rc = next_record(c, n_fields, fields, line, err);
    /* Blank lines carry no record. */
    if (rc == 1 && *n_fields == 1 && (*fields)[0][0] == 0) continue;
    return rc;
  }
}
