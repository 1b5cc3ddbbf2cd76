/* The builder's rule tables from models/train/: which certifications are
 * basic-skills trainings (and for which CléA domains), and which region each
 * département belongs to. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/builder_int.h"
#include "util/error.h"

/* "1-7", "3", "1-2,6" -> domain bits; 0 for a malformed list. */
static unsigned parse_domains(const char *s) {
  unsigned mask = 0;
  while (*s) {
    if (*s < '1' || *s > '7') return 0;
    int a = *s++ - '0', z = a;
    if (*s == '-') {
      s++;
      if (*s < '1' || *s > '7') return 0;
      z = *s++ - '0';
    }
    if (z < a) return 0;
    for (int d = a; d <= z; d++) mask |= 1u << (d - 1);
    if (*s == ',') s++;
    else if (*s) return 0;
  }
  return mask;
}

/* Reads `path` line by line, without comments; calls fn on each line's
 * fields. */
typedef int (*line_fn)(jtr_builder *b, char **f, int n, const char *where, jalon_error **err);

static int read_lines(jtr_builder *b, const char *path, line_fn fn, jalon_error **err) {
  FILE *fp = fopen(path, "r");
  if (!fp) return ju_error(err, JALON_EIO, "cannot read rules %s", path);
  char line[512];
  int rc = 0;
  for (size_t no = 1; !rc && fgets(line, sizeof line, fp); no++) {
    char *hash = strchr(line, '#');
    if (hash) *hash = 0;
    char *f[32];
    int n = 0;
    for (char *t = strtok(line, " \t\r\n"); t && n < 32; t = strtok(NULL, " \t\r\n")) f[n++] = t;
    if (!n) continue;
    char where[600];
    snprintf(where, sizeof where, "%s:%zu", path, no);
    rc = fn(b, f, n, where, err);
  }
  fclose(fp);
  return rc;
}

static int basic_line(jtr_builder *b, char **f, int n, const char *where, jalon_error **err) {
  unsigned mask = n >= 3 ? parse_domains(f[0]) : 0;
  if (!mask) return ju_error(err, JALON_EDATA, "%s: expected <domains> <rs|formacode|title> <value>", where);
  jtr_rule r;
  memset(&r, 0, sizeof r);
  r.domains = (uint8_t)mask;
  if (strcmp(f[1], "rs") == 0) {
    r.field = JTR_RULE_RS;
    snprintf(r.value, sizeof r.value, "RS%s", f[2]);
  } else if (strcmp(f[1], "formacode") == 0) {
    r.field = JTR_RULE_FORMACODE;
    snprintf(r.value, sizeof r.value, "%s", f[2]);
  } else if (strcmp(f[1], "title") == 0) {
    r.field = JTR_RULE_TITLE;
    /* The phrase is the rest of the line, one space between words. */
    size_t used = 0;
    for (int i = 2; i < n; i++) {
      int w = snprintf(r.value + used, sizeof r.value - used, "%s%s", i > 2 ? " " : "", f[i]);
      if (w < 0 || (size_t)w >= sizeof r.value - used)
        return ju_error(err, JALON_EDATA, "%s: title phrase too long", where);
      used += (size_t)w;
    }
  } else {
    return ju_error(err, JALON_EDATA, "%s: unknown field \"%s\" (rs, formacode or title)", where, f[1]);
  }
  return JU_PUSH(b->rules, r) ? ju_error(err, JALON_ENOMEM, "out of memory reading rules") : 0;
}

static int region_line(jtr_builder *b, char **f, int n, const char *where, jalon_error **err) {
  if (n < 2 || strlen(f[0]) > 3) return ju_error(err, JALON_EDATA, "%s: expected <region> <départements...>", where);
  for (int i = 1; i < n; i++) {
    if (strlen(f[i]) > 3) return ju_error(err, JALON_EDATA, "%s: bad département \"%s\"", where, f[i]);
    jca_dept d;
    memset(&d, 0, sizeof d);
    memcpy(d.code, f[i], strlen(f[i]));
    memcpy(d.region, f[0], strlen(f[0]));
    if (JU_PUSH(b->depts, d)) return ju_error(err, JALON_ENOMEM, "out of memory reading rules");
  }
  return 0;
}

int jtr_builder_load_rules(jtr_builder *b, const char *dir, jalon_error **err) {
  if (!b || !dir) return ju_error(err, JALON_EINVAL, "jtr_builder_load_rules: NULL argument");
  size_t n = strlen(dir) + 32;
  char *path = malloc(n);
  if (!path) return ju_error(err, JALON_ENOMEM, "out of memory reading rules");
  snprintf(path, n, "%s/basic_skills.txt", dir);
  int rc = read_lines(b, path, basic_line, err);
  if (!rc) {
    snprintf(path, n, "%s/regions.txt", dir);
    rc = read_lines(b, path, region_line, err);
  }
  free(path);
  return rc;
}

int jtr_fold(jtr_builder *b, const char *text, char *out, size_t cap) {
  out[0] = 0;
  if (!text || !*text || jt_check_utf8(text, strlen(text), NULL)) return 0;
  if (!b->tok) {
    int rc = jt_ctx_new(&b->tok);
    if (rc) return rc;
    jt_tokens_init(&b->tokens);
  }
  int rc = jt_tokenize(b->tok, text, strlen(text), &b->tokens);
  if (rc) return rc;
  size_t used = 0;
  for (size_t k = 0; k < b->tokens.n; k++) {
    const jt_token *t = &b->tokens.v[k];
    if (used + t->fold_len + 2 > cap) break;
    if (used) out[used++] = ' ';
    memcpy(out + used, b->tokens.buf + t->fold, t->fold_len);
    used += t->fold_len;
  }
  out[used] = 0;
  return 0;
}

/* Whole-word containment of a folded phrase. */
static int has_phrase(const char *hay, const char *phrase) {
  size_t n = strlen(phrase);
  for (const char *p = strstr(hay, phrase); p; p = strstr(p + 1, phrase))
    if ((p == hay || p[-1] == ' ') && (p[n] == 0 || p[n] == ' ')) return 1;
  return 0;
}

int jtr_apply_rules(jtr_builder *b) {
  char folded[1024];
  for (size_t i = 0; i < b->certs.n; i++) {
    jtr_bcert *c = &b->certs.v[i];
    int folded_done = 0;
    for (size_t r = 0; r < b->rules.n; r++) {
      const jtr_rule *rule = &b->rules.v[r];
      int hit = 0;
      if (rule->field == JTR_RULE_RS) {
        hit = c->rs && strcmp(jtr_str(b, c->rs), rule->value) == 0;
      } else if (rule->field == JTR_RULE_FORMACODE) {
        uint32_t code = (uint32_t)strtoul(rule->value, NULL, 10);
        for (unsigned k = 0; k < c->n_fc && !hit; k++) hit = c->fc[k] == code;
      } else {
        if (!folded_done) {
          int rc = jtr_fold(b, jtr_str(b, c->title), folded, sizeof folded);
          if (rc) return rc;
          folded_done = 1;
        }
        hit = has_phrase(folded, rule->value);
      }
      if (hit) c->clea |= rule->domains;
    }
  }
  return 0;
}
