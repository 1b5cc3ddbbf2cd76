/* Response events on a tape, then Python objects (see pyevents.h). Tape
 * records: one tag byte, then for keys and strings a uint32 length and the
 * bytes, for integers an int64, for numbers a double (unaligned, memcpy). */
#include "pyevents.h"

#include <stdint.h>
#include <string.h>

#include "pyjson.h"

/* Deeper than any response by far (it nests 6 levels). */
#define TAPE_MAX_DEPTH 64

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

static int scalar(jpy_tape *t, char tag, const void *data, size_t n) {
  int rc = put(t, tag, data, n);
  if (!rc) value_done(t);
  return rc;
}

static int begin(void *u, char tag) {
  jpy_tape *t = u;
  if (t->depth >= TAPE_MAX_DEPTH) return JALON_EINTERNAL;
  int rc = put(t, tag, NULL, 0);
  if (!rc) t->depth++;
  return rc;
}

static int end(void *u, char tag) {
  jpy_tape *t = u;
  if (!t->depth) return JALON_EINTERNAL;
  int rc = put(t, tag, NULL, 0);
  if (!rc && --t->depth == 0) t->complete = 1;
  return rc;
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
  return t->depth ? bytes(t, T_KEY, k, n) : JALON_EINTERNAL;
}

/* Whether the bytes are ASCII is found here, off the GIL, so that building
 * the str later is a plain copy for most strings (codes, labels' words). */
static int string(void *u, const char *s, size_t n) {
  jpy_tape *t = u;
  unsigned char high = 0;
  for (size_t i = 0; i < n; i++) high |= (unsigned char)s[i];
  int rc = bytes(t, high & 0x80 ? T_UTF8 : T_ASCII, s, n);
  if (!rc) value_done(t);
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

typedef struct builder {
  PyObject *root;
  PyObject *open[TAPE_MAX_DEPTH]; /* borrowed: each is held by its parent or root */
  PyObject *key[TAPE_MAX_DEPTH];  /* pending key of the object at that depth */
  int depth;
} builder;

/* Attaches v (a new reference, consumed) where the document is. */
static int attach(builder *b, PyObject *v) {
  if (!v) return -1;
  if (!b->depth) {
    b->root = v;
    return 0;
  }
  PyObject *parent = b->open[b->depth - 1];
  int rc;
  if (PyDict_CheckExact(parent)) {
    PyObject *k = b->key[b->depth - 1];
    b->key[b->depth - 1] = NULL;
    rc = k ? PyDict_SetItem(parent, k, v) : -1;
    if (!k) PyErr_SetString(PyExc_ValueError, "libjalon events: a member without a key");
    Py_XDECREF(k);
  } else {
    rc = PyList_Append(parent, v);
  }
  Py_DECREF(v);
  return rc;
}

static int open_container(builder *b, PyObject *c) {
  if (attach(b, c)) return -1;
  b->open[b->depth] = c;
  b->key[b->depth] = NULL;
  b->depth++;
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
  builder b = {NULL, {NULL}, {NULL}, 0};
  const char *p = t->p, *end = t->p + t->len;
  while (p < end) {
    char tag = *p++;
    int rc = 0;
    uint32_t n;
    int64_t i;
    double x;
    switch (tag) {
    case T_OBJECT: rc = open_container(&b, PyDict_New()); break;
    case T_ARRAY: rc = open_container(&b, PyList_New(0)); break;
    case T_END_OBJECT:
    case T_END_ARRAY:
      if (b.depth) Py_CLEAR(b.key[--b.depth]);
      break;
    case T_KEY:
      memcpy(&n, p, sizeof n);
      p += sizeof n;
      Py_XSETREF(b.key[b.depth - 1], jpy_key(p, n));
      rc = b.key[b.depth - 1] ? 0 : -1;
      p += n;
      break;
    case T_ASCII:
    case T_UTF8:
      memcpy(&n, p, sizeof n);
      p += sizeof n;
      rc = attach(&b, jpy_str(p, n, tag == T_ASCII));
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
    default:
      PyErr_SetString(PyExc_ValueError, "libjalon events: bad tape");
      rc = -1;
    }
    if (rc) {
      builder_clear(&b);
      return NULL;
    }
  }
  return b.root;
}
