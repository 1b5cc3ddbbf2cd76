/* Response events on a tape, then Python objects (see pyevents.h). Tape
 * records: one tag byte, then for objects and arrays a uint32 member count
 * (written when they close, so the builder can size them at once), for keys
 * and strings a uint32 length and the bytes, for integers an int64, for
 * numbers a double (unaligned, memcpy). */
#include "pyevents.h"

#include <stdint.h>
#include <string.h>

#include "pyjson.h"


enum {
  T_OBJECT = 'o',
  T_END_OBJECT = 'O',
  T_ARRAY = 'a',
  T_END_ARRAY = 'A',
  T_KEY = 'k',
  T_ASCII = 's', /* string of bytes below 0x80: copied into a str as is */
  T_UTF8 = 'u',
  T_INT = 'i',
  T_NUMBER = 'n',
  T_TRUE = 't',
  T_FALSE = 'f',
  T_NULL = 'z'
};

void jpy_tape_reset(jpy_tape *t) {
  t->len = 0;
  t->depth = 0;
  t->complete = 0;
}

void jpy_tape_free(jpy_tape *t) {
  PyMem_RawFree(t->p);
  memset(t, 0, sizeof *t);
}

static int reserve(jpy_tape *t, size_t n) {
  if (t->cap - t->len >= n) return 0;
  size_t cap = t->cap ? t->cap : 8192;
  while (cap - t->len < n) {
    if (cap > SIZE_MAX / 2) return JALON_ENOMEM;
    cap *= 2;
  }
  char *p = PyMem_RawRealloc(t->p, cap);
  if (!p) return JALON_ENOMEM;
  t->p = p;
  t->cap = cap;
  return 0;
}

/* A value (or key) may only come while the document is open, or as its one
 * root; anything else would be a library bug, refused rather than built. */
static int put(jpy_tape *t, char tag, const void *data, size_t n) {
  if (t->complete) return JALON_EINTERNAL;
  if (reserve(t, 1 + n)) return JALON_ENOMEM;
  t->p[t->len++] = tag;
  if (n) memcpy(t->p + t->len, data, n);
  t->len += n;
  return 0;
}

static void value_done(jpy_tape *t) {
  if (!t->depth) t->complete = 1;
}

/* One more member in the open container: arrays count values, objects
 * count keys. */
static void count_value(jpy_tape *t) {
  if (t->depth && !t->in_object[t->depth - 1]) t->members[t->depth - 1]++;
}

static int scalar(jpy_tape *t, char tag, const void *data, size_t n) {
  int rc = put(t, tag, data, n);
  if (!rc) {
    count_value(t);
    value_done(t);
  }
  return rc;
}

static int begin(void *u, char tag) {
  jpy_tape *t = u;
  if (t->depth >= JPY_TAPE_MAX_DEPTH) return JALON_EINTERNAL;
  uint32_t zero = 0;
  int rc = put(t, tag, &zero, sizeof zero);
  if (rc) return rc;
  count_value(t);
  t->count_at[t->depth] = t->len - sizeof zero;
  t->members[t->depth] = 0;
  t->in_object[t->depth] = tag == T_OBJECT;
  t->depth++;
  return 0;
}

static int end(void *u, char tag) {
  jpy_tape *t = u;
  if (!t->depth || t->in_object[t->depth - 1] != (tag == T_END_OBJECT)) return JALON_EINTERNAL;
  int rc = put(t, tag, NULL, 0);
  if (rc) return rc;
  t->depth--;
  memcpy(t->p + t->count_at[t->depth], &t->members[t->depth], sizeof(uint32_t));
  if (!t->depth) t->complete = 1;
  return 0;
}

static int begin_object(void *u) { return begin(u, T_OBJECT); }
static int end_object(void *u) { return end(u, T_END_OBJECT); }
static int begin_array(void *u) { return begin(u, T_ARRAY); }
static int end_array(void *u) { return end(u, T_END_ARRAY); }

static int bytes(jpy_tape *t, char tag, const char *s, size_t n) {
  if (n > UINT32_MAX) return JALON_ENOMEM;
  uint32_t n32 = (uint32_t)n;
  if (t->complete) return JALON_EINTERNAL;
  if (reserve(t, 1 + sizeof n32 + n)) return JALON_ENOMEM;
  t->p[t->len++] = tag;
  memcpy(t->p + t->len, &n32, sizeof n32);
  memcpy(t->p + t->len + sizeof n32, s, n);
  t->len += sizeof n32 + n;
  return 0;
}

static int key(void *u, const char *k, size_t n) {
  jpy_tape *t = u;
  if (!t->depth || !t->in_object[t->depth - 1]) return JALON_EINTERNAL;
  int rc = bytes(t, T_KEY, k, n);
  if (!rc) t->members[t->depth - 1]++;
  return rc;
}

/* Whether the bytes are ASCII is found here, off the GIL, so that building
 * the str later is a plain copy for most strings (codes, labels' words). */
static int string(void *u, const char *s, size_t n) {
  jpy_tape *t = u;
  unsigned char high = 0;
  for (size_t i = 0; i < n; i++) high |= (unsigned char)s[i];
  int rc = bytes(t, high & 0x80 ? T_UTF8 : T_ASCII, s, n);
  if (!rc) {
    count_value(t);
    value_done(t);
  }
  return rc;
}

static int integer(void *u, long long v) {
  int64_t x = v;
  return scalar(u, T_INT, &x, sizeof x);
}
static int number(void *u, double x) { return scalar(u, T_NUMBER, &x, sizeof x); }
static int boolean(void *u, int v) { return scalar(u, v ? T_TRUE : T_FALSE, NULL, 0); }
static int null_(void *u) { return scalar(u, T_NULL, NULL, 0); }

const jalon_visitor jpy_tape_visitor = {begin_object, end_object, begin_array, end_array, key,
                                        string,       integer,    number,      boolean,   null_};

/* ---- building ---- */

/* Dicts sized for their members at once: most response objects outgrow the
 * default dict (5 members) and would be resized while filled. The function
 * left the public headers in 3.13; PyDict_New then. */
static PyObject *new_dict(uint32_t n) {
#if PY_VERSION_HEX < 0x030D0000
  if (n > 5) return _PyDict_NewPresized((Py_ssize_t)n);
#endif
  (void)n;
  return PyDict_New();
}

/* Short ASCII values repeat within and across responses (codes, roles,
 * kinds, statuses, dates): one shared str per value spares an allocation
 * and a free each time. A str is immutable, so sharing it is invisible but
 * to `is`. Direct-mapped, lives as long as the module; the GIL guards it. */
#define VALUE_SLOTS 1024
#define VALUE_MAX 16
static PyObject *value_cache[VALUE_SLOTS];

static PyObject *short_ascii(const char *s, uint32_t n) {
  unsigned h = 2166136261u; /* FNV-1a */
  for (uint32_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  PyObject **slot = &value_cache[h % VALUE_SLOTS];
  PyObject *v = *slot;
  if (v && (uint32_t)PyUnicode_GET_LENGTH(v) == n && memcmp(PyUnicode_1BYTE_DATA(v), s, n) == 0)
    return Py_NewRef(v);
  v = jpy_str(s, n, 1);
  if (v) Py_XSETREF(*slot, Py_NewRef(v));
  return v;
}

typedef struct builder {
  PyObject *root;
  PyObject *open[JPY_TAPE_MAX_DEPTH]; /* borrowed: each is held by its parent or root */
  PyObject *key[JPY_TAPE_MAX_DEPTH];  /* pending key of the object at that depth */
  Py_ssize_t next[JPY_TAPE_MAX_DEPTH]; /* next index of the list at that depth */
  int depth;
} builder;

static int broken(const char *what) {
  PyErr_Format(PyExc_ValueError, "libjalon events: %s", what);
  return -1;
}

/* Attaches v (a new reference, consumed) where the document is. */
static int attach(builder *b, PyObject *v) {
  if (!v) return -1;
  if (!b->depth) {
    if (b->root) {
      Py_DECREF(v);
      return broken("two root values");
    }
    b->root = v;
    return 0;
  }
  int d = b->depth - 1;
  PyObject *parent = b->open[d];
  if (PyDict_CheckExact(parent)) {
    PyObject *k = b->key[d];
    b->key[d] = NULL;
    int rc = k ? PyDict_SetItem(parent, k, v) : broken("a member without a key");
    Py_XDECREF(k);
    Py_DECREF(v);
    return rc;
  }
  /* Lists are made at their final size; an item past it is a bad tape. */
  if (b->next[d] >= PyList_GET_SIZE(parent)) {
    Py_DECREF(v);
    return broken("more items than counted");
  }
  PyList_SET_ITEM(parent, b->next[d]++, v);
  return 0;
}

static int open_container(builder *b, PyObject *c) {
  if (b->depth >= JPY_TAPE_MAX_DEPTH) {
    Py_XDECREF(c);
    return broken("nested too deep");
  }
  if (attach(b, c)) return -1;
  b->open[b->depth] = c;
  b->key[b->depth] = NULL;
  b->next[b->depth] = 0;
  b->depth++;
  return 0;
}

static int close_container(builder *b) {
  if (!b->depth) return broken("a close without an open");
  int d = --b->depth;
  Py_CLEAR(b->key[d]);
  if (PyList_CheckExact(b->open[d]) && b->next[d] != PyList_GET_SIZE(b->open[d]))
    return broken("fewer items than counted");
  return 0;
}

static void builder_clear(builder *b) {
  for (int d = 0; d < b->depth; d++) Py_CLEAR(b->key[d]);
  Py_CLEAR(b->root);
}

PyObject *jpy_tape_build(const jpy_tape *t) {
  if (!t->complete || t->depth) {
    PyErr_SetString(PyExc_ValueError, "libjalon events: incomplete document");
    return NULL;
  }
  builder b = {NULL, {NULL}, {NULL}, {0}, 0};
  const char *p = t->p, *end = t->p + t->len;
  while (p < end) {
    char tag = *p++;
    int rc = 0;
    uint32_t n;
    int64_t i;
    double x;
    switch (tag) {
    case T_OBJECT:
    case T_ARRAY:
      memcpy(&n, p, sizeof n);
      p += sizeof n;
      rc = open_container(&b, tag == T_OBJECT ? new_dict(n) : PyList_New((Py_ssize_t)n));
      break;
    case T_END_OBJECT:
    case T_END_ARRAY: rc = close_container(&b); break;
    case T_KEY:
      memcpy(&n, p, sizeof n);
      p += sizeof n;
      if (!b.depth) {
        rc = broken("a key outside an object");
        break;
      }
      Py_XSETREF(b.key[b.depth - 1], jpy_key(p, n));
      rc = b.key[b.depth - 1] ? 0 : -1;
      p += n;
      break;
    case T_ASCII:
    case T_UTF8:
      memcpy(&n, p, sizeof n);
      p += sizeof n;
      rc = attach(&b, tag == T_ASCII && n <= VALUE_MAX ? short_ascii(p, n) : jpy_str(p, n, tag == T_ASCII));
      p += n;
      break;
    case T_INT:
      memcpy(&i, p, sizeof i);
      p += sizeof i;
      rc = attach(&b, PyLong_FromLongLong(i));
      break;
    case T_NUMBER:
      memcpy(&x, p, sizeof x);
      p += sizeof x;
      rc = attach(&b, PyFloat_FromDouble(x));
      break;
    case T_TRUE: rc = attach(&b, Py_NewRef(Py_True)); break;
    case T_FALSE: rc = attach(&b, Py_NewRef(Py_False)); break;
    case T_NULL: rc = attach(&b, Py_NewRef(Py_None)); break;
    default: rc = broken("bad tape");
    }
    if (rc) {
      builder_clear(&b);
      return NULL;
    }
  }
  return b.root;
}
