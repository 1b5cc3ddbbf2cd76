/* JSON text to Python objects (see pyjson.h). The json module would do, but
 * json.loads of a response (4-6 KB on eval-dev texts) costs 10-20 % of the
 * whole diagnosis; building the objects straight from the text takes about
 * half as long (shared keys, ASCII strings copied, small ints without a
 * string), and this is most of what the binding adds to a call. Generic
 * JSON, nothing about the response's shape: the library stays the only
 * author of it. */
#include "pyjson.h"

#include <math.h>
#include <string.h>

/* Deeper than any response by far; bounds the C stack on hostile input. */
#define JPY_MAX_DEPTH 256

typedef struct {
  const char *p;
  const char *end;
  const char *start;
  int depth;
} jpy_parser;

static PyObject *fail(const jpy_parser *ps, const char *what) {
  PyErr_Format(PyExc_ValueError, "invalid JSON from libjalon: %s at byte %zd", what,
               (Py_ssize_t)(ps->p - ps->start));
  return NULL;
}

static void skip_ws(jpy_parser *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
    ps->p++;
}

static PyObject *parse_value(jpy_parser *ps);

static int hex4(const char *s, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else return -1;
  }
  *out = v;
  return 0;
}

/* UTF-8 of a code point; lone surrogates get their 3-byte form, which the
 * "surrogatepass" decoder turns back into the lone surrogate json.loads
 * gives. */
static size_t put_utf8(char *o, unsigned cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* A string with backslash escapes, from its first escape on: unescaped into
 * a buffer no longer than the source (every escape shrinks or keeps size). */
static PyObject *parse_escaped(jpy_parser *ps, const char *begin) {
  /* Bytes up to the closing quote (or the end), escapes stepped over. */
  const char *q = ps->p;
  while (q < ps->end && *q != '"') q += *q == '\\' ? 2 : 1;
  size_t cap = (size_t)((q < ps->end ? q : ps->end) - begin);
  char *buf = PyMem_Malloc(cap ? cap : 1);
  if (!buf) return PyErr_NoMemory();
  size_t n = (size_t)(ps->p - begin);
  memcpy(buf, begin, n);
  const char *p = ps->p;
  for (;;) {
    if (p >= ps->end) {
      ps->p = p;
      PyMem_Free(buf);
      return fail(ps, "unterminated string");
    }
    unsigned char c = (unsigned char)*p;
    if (c == '"') break;
    if (c < 0x20) {
      ps->p = p;
      PyMem_Free(buf);
      return fail(ps, "control character in a string");
    }
    if (c != '\\') {
      buf[n++] = (char)c;
      p++;
      continue;
    }
    if (p + 1 >= ps->end) {
      ps->p = p;
      PyMem_Free(buf);
      return fail(ps, "unterminated escape");
    }
    char e = p[1];
    p += 2;
    switch (e) {
    case '"': buf[n++] = '"'; break;
    case '\\': buf[n++] = '\\'; break;
    case '/': buf[n++] = '/'; break;
    case 'b': buf[n++] = '\b'; break;
    case 'f': buf[n++] = '\f'; break;
    case 'n': buf[n++] = '\n'; break;
    case 'r': buf[n++] = '\r'; break;
    case 't': buf[n++] = '\t'; break;
    case 'u': {
      unsigned cp, lo;
      if (ps->end - p < 4 || hex4(p, &cp)) {
        ps->p = p;
        PyMem_Free(buf);
        return fail(ps, "bad \\u escape");
      }
      p += 4;
      /* A high surrogate followed by an escaped low one is one character;
       * anything else leaves it lone, as json.loads does. 6 source bytes
       * give at most 3 here and 12 give 4, so the buffer cannot overflow. */
      if (cp >= 0xD800 && cp <= 0xDBFF && ps->end - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
          !hex4(p + 2, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        p += 6;
      }
      n += put_utf8(buf + n, cp);
      break;
    }
    default:
      ps->p = p - 1;
      PyMem_Free(buf);
      return fail(ps, "bad escape");
    }
  }
  ps->p = p + 1;
  PyObject *s = PyUnicode_DecodeUTF8(buf, (Py_ssize_t)n, "surrogatepass");
  PyMem_Free(buf);
  return s;
}

/* At the opening quote. */
static PyObject *parse_string(jpy_parser *ps) {
  const char *begin = ++ps->p;
  const char *p = begin;
  unsigned char high = 0; /* OR of the bytes: bit 7 set when not ASCII */
  /* The common case, no escape: one decode straight from the text, or for
   * ASCII (codes, most evidence words) a plain copy. */
  while (p < ps->end) {
    unsigned char c = (unsigned char)*p;
    if (c == '"') {
      ps->p = p + 1;
      Py_ssize_t n = p - begin;
      if (high & 0x80) return PyUnicode_DecodeUTF8(begin, n, "surrogatepass");
      PyObject *s = PyUnicode_New(n, 127);
      if (s) memcpy(PyUnicode_1BYTE_DATA(s), begin, (size_t)n);
      return s;
    }
    high |= c;
    if (c == '\\') {
      ps->p = p;
      return parse_escaped(ps, begin);
    }
    if (c < 0x20) {
      ps->p = p;
      return fail(ps, "control character in a string");
    }
    p++;
  }
  ps->p = p;
  return fail(ps, "unterminated string");
}

static int is_digit(const jpy_parser *ps, const char *p) {
  return p < ps->end && *p >= '0' && *p <= '9';
}

static PyObject *parse_number(jpy_parser *ps) {
  const char *b = ps->p, *p = ps->p;
  int is_float = 0;
  if (*p == '-') p++;
  if (!is_digit(ps, p)) return fail(ps, "bad number");
  if (*p == '0') p++;
  else
    while (is_digit(ps, p)) p++;
  if (p < ps->end && *p == '.') {
    is_float = 1;
    p++;
    if (!is_digit(ps, p)) return fail(ps, "bad number");
    while (is_digit(ps, p)) p++;
  }
  if (p < ps->end && (*p == 'e' || *p == 'E')) {
    is_float = 1;
    p++;
    if (p < ps->end && (*p == '+' || *p == '-')) p++;
    if (!is_digit(ps, p)) return fail(ps, "bad number");
    while (is_digit(ps, p)) p++;
  }
  size_t n = (size_t)(p - b);
  ps->p = p;
  /* Small integers, the usual case (offsets, counts), skip the string copy. */
  if (!is_float && n <= 18) {
    long long v = 0;
    const char *q = b + (*b == '-');
    for (; q < p; q++) v = v * 10 + (*q - '0');
    return PyLong_FromLongLong(*b == '-' ? -v : v);
  }
  char small[64];
  char *tmp = n < sizeof small ? small : PyMem_Malloc(n + 1);
  if (!tmp) return PyErr_NoMemory();
  memcpy(tmp, b, n);
  tmp[n] = 0;
  PyObject *r;
  if (is_float) {
    /* The same correctly rounded conversion as float(), which json.loads
     * uses; an overflow gives an infinity as it does there. */
    double d = PyOS_string_to_double(tmp, NULL, NULL);
    r = d == -1.0 && PyErr_Occurred() ? NULL : PyFloat_FromDouble(d);
  } else {
    r = PyLong_FromString(tmp, NULL, 10);
  }
  if (tmp != small) PyMem_Free(tmp);
  return r;
}

static PyObject *parse_array(jpy_parser *ps) {
  ps->p++;
  PyObject *list = PyList_New(0);
  if (!list) return NULL;
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == ']') {
    ps->p++;
    return list;
  }
  for (;;) {
    PyObject *v = parse_value(ps);
    if (!v || PyList_Append(list, v)) {
      Py_XDECREF(v);
      Py_DECREF(list);
      return NULL;
    }
    Py_DECREF(v);
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
      continue;
    }
    if (ps->p < ps->end && *ps->p == ']') {
      ps->p++;
      return list;
    }
    Py_DECREF(list);
    return fail(ps, "expected ',' or ']'");
  }
}

/* Keys repeat across objects and responses ("start", "end", "text" in every
 * evidence span): one shared str per key spares an allocation and a hash per
 * occurrence and keeps kept-alive results small (json.loads shares keys
 * within one document the same way). Short ASCII keys only, in a small
 * direct-mapped table that lives as long as the module; the GIL guards it. */
#define KEY_SLOTS 512
#define KEY_MAX 32
static PyObject *key_cache[KEY_SLOTS];

PyObject *jpy_str(const char *s, size_t n, int ascii) {
  if (!ascii) return PyUnicode_DecodeUTF8(s, (Py_ssize_t)n, "surrogatepass");
  PyObject *o = PyUnicode_New((Py_ssize_t)n, 127);
  if (o) memcpy(PyUnicode_1BYTE_DATA(o), s, n);
  return o;
}

PyObject *jpy_key(const char *s, size_t n) {
  unsigned h = 2166136261u; /* FNV-1a */
  if (n > KEY_MAX) return PyUnicode_DecodeUTF8(s, (Py_ssize_t)n, "surrogatepass");
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x80) return PyUnicode_DecodeUTF8(s, (Py_ssize_t)n, "surrogatepass");
    h = (h ^ c) * 16777619u;
  }
  PyObject **slot = &key_cache[h % KEY_SLOTS];
  PyObject *k = *slot;
  if (!k || (size_t)PyUnicode_GET_LENGTH(k) != n || memcmp(PyUnicode_DATA(k), s, n) != 0) {
    PyObject *fresh = PyUnicode_DecodeASCII(s, (Py_ssize_t)n, NULL);
    if (!fresh) return NULL;
    PyUnicode_InternInPlace(&fresh);
    Py_XSETREF(*slot, fresh);
    k = fresh;
  }
  return Py_NewRef(k);
}

static PyObject *parse_key(jpy_parser *ps) {
  const char *b = ps->p + 1, *p = b;
  while (p < ps->end && p - b <= KEY_MAX) {
    unsigned char c = (unsigned char)*p;
    if (c == '"') break;
    if (c == '\\' || c < 0x20 || c >= 0x80) return parse_string(ps);
    p++;
  }
  if (p >= ps->end || *p != '"') return parse_string(ps);
  ps->p = p + 1;
  return jpy_key(b, (size_t)(p - b));
}

static PyObject *parse_object(jpy_parser *ps) {
  ps->p++;
  PyObject *dict = PyDict_New();
  if (!dict) return NULL;
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == '}') {
    ps->p++;
    return dict;
  }
  for (;;) {
    skip_ws(ps);
    if (ps->p >= ps->end || *ps->p != '"') {
      Py_DECREF(dict);
      return fail(ps, "expected a key");
    }
    PyObject *k = parse_key(ps);
    if (!k) {
      Py_DECREF(dict);
      return NULL;
    }
    skip_ws(ps);
    if (ps->p >= ps->end || *ps->p != ':') {
      Py_DECREF(k);
      Py_DECREF(dict);
      return fail(ps, "expected ':'");
    }
    ps->p++;
    PyObject *v = parse_value(ps);
    int bad = !v || PyDict_SetItem(dict, k, v);
    Py_DECREF(k);
    Py_XDECREF(v);
    if (bad) {
      Py_DECREF(dict);
      return NULL;
    }
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
      continue;
    }
    if (ps->p < ps->end && *ps->p == '}') {
      ps->p++;
      return dict;
    }
    Py_DECREF(dict);
    return fail(ps, "expected ',' or '}'");
  }
}

static int literal(jpy_parser *ps, const char *word, size_t n) {
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) return 0;
  ps->p += n;
  return 1;
}

static PyObject *parse_value(jpy_parser *ps) {
  skip_ws(ps);
  if (ps->p >= ps->end) return fail(ps, "unexpected end");
  if (++ps->depth > JPY_MAX_DEPTH) return fail(ps, "nested too deep");
  PyObject *r;
  switch (*ps->p) {
  case '{': r = parse_object(ps); break;
  case '[': r = parse_array(ps); break;
  case '"': r = parse_string(ps); break;
  case 't': r = literal(ps, "true", 4) ? Py_NewRef(Py_True) : fail(ps, "bad literal"); break;
  case 'f': r = literal(ps, "false", 5) ? Py_NewRef(Py_False) : fail(ps, "bad literal"); break;
  case 'n': r = literal(ps, "null", 4) ? Py_NewRef(Py_None) : fail(ps, "bad literal"); break;
  default: r = parse_number(ps); break;
  }
  ps->depth--;
  return r;
}

PyObject *jpy_loads(const char *s, size_t len) {
  jpy_parser ps = {s, s + len, s, 0};
  PyObject *v = parse_value(&ps);
  if (!v) return NULL;
  skip_ws(&ps);
  if (ps.p != ps.end) {
    Py_DECREF(v);
    return fail(&ps, "extra data");
  }
  return v;
}

/* ---- Python objects to JSON text ---- */

/* Output of jpy_dumps: a growable buffer; `unhandled` set when a value is
 * left to the json module. */
typedef struct jpy_out {
  char *p;
  size_t len, cap;
  int unhandled;
} jpy_out;

static int out_reserve(jpy_out *o, size_t n) {
  if (o->cap - o->len >= n) return 0;
  size_t cap = o->cap ? o->cap : 1024;
  while (cap - o->len < n) {
    if (cap > PY_SSIZE_T_MAX / 2) return -1;
    cap *= 2;
  }
  char *p = PyMem_Realloc(o->p, cap);
  if (!p) return -1;
  o->p = p;
  o->cap = cap;
  return 0;
}

static int out_put(jpy_out *o, const char *s, size_t n) {
  if (out_reserve(o, n)) {
    PyErr_NoMemory();
    return -1;
  }
  memcpy(o->p + o->len, s, n);
  o->len += n;
  return 0;
}

/* As json.dumps(ensure_ascii=False) escapes: quote, backslash and control
 * characters; lone surrogates pass through ("surrogatepass"), so that the
 * library, not Python, refuses them. */
static int dump_str(jpy_out *o, PyObject *s) {
  PyObject *b = PyUnicode_AsEncodedString(s, "utf-8", "surrogatepass");
  if (!b) return -1;
  const char *p = PyBytes_AS_STRING(b);
  size_t n = (size_t)PyBytes_GET_SIZE(b);
  int rc = out_reserve(o, 6 * n + 2);
  if (rc) {
    PyErr_NoMemory();
  } else {
    static const char hex[] = "0123456789abcdef";
    char *w = o->p + o->len;
    *w++ = '"';
    for (size_t i = 0; i < n; i++) {
      unsigned char c = (unsigned char)p[i];
      if (c >= 0x20 && c != '"' && c != '\\') {
        *w++ = (char)c;
        continue;
      }
      *w++ = '\\';
      switch (c) {
      case '"': *w++ = '"'; break;
      case '\\': *w++ = '\\'; break;
      case '\n': *w++ = 'n'; break;
      case '\r': *w++ = 'r'; break;
      case '\t': *w++ = 't'; break;
      case '\b': *w++ = 'b'; break;
      case '\f': *w++ = 'f'; break;
      default:
        *w++ = 'u';
        *w++ = '0';
        *w++ = '0';
        *w++ = hex[c >> 4];
        *w++ = hex[c & 15];
      }
    }
    *w++ = '"';
    o->len = (size_t)(w - o->p);
  }
  Py_DECREF(b);
  return rc;
}

static int dump_value(jpy_out *o, PyObject *v, int depth);

static int dump_repr(jpy_out *o, PyObject *v) {
  PyObject *r = PyObject_Repr(v);
  if (!r) return -1;
  Py_ssize_t n;
  const char *s = PyUnicode_AsUTF8AndSize(r, &n);
  int rc = s ? out_put(o, s, (size_t)n) : -1;
  Py_DECREF(r);
  return rc;
}

static int dump_float(jpy_out *o, double x) {
  /* json's spelling of the values JSON has no literal for. */
  if (isnan(x)) return out_put(o, "NaN", 3);
  if (isinf(x)) return x > 0 ? out_put(o, "Infinity", 8) : out_put(o, "-Infinity", 9);
  char *s = PyOS_double_to_string(x, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
  if (!s) return -1;
  int rc = out_put(o, s, strlen(s));
  PyMem_Free(s);
  return rc;
}

static int dump_value(jpy_out *o, PyObject *v, int depth) {
  /* Deep or cyclic data is left to the json module, which names the fault. */
  if (depth > JPY_MAX_DEPTH) {
    o->unhandled = 1;
    return 0;
  }
  if (v == Py_None) return out_put(o, "null", 4);
  if (v == Py_True) return out_put(o, "true", 4);
  if (v == Py_False) return out_put(o, "false", 5);
  if (PyUnicode_CheckExact(v)) return dump_str(o, v);
  if (PyLong_CheckExact(v)) return dump_repr(o, v);
  if (PyFloat_CheckExact(v)) return dump_float(o, PyFloat_AS_DOUBLE(v));
  if (PyDict_CheckExact(v)) {
    if (out_put(o, "{", 1)) return -1;
    Py_ssize_t pos = 0;
    PyObject *k, *x;
    int first = 1;
    while (PyDict_Next(v, &pos, &k, &x)) {
      /* json turns int, float, bool and None keys into strings; rare
       * enough in a request to leave to it. */
      if (!PyUnicode_CheckExact(k)) {
        o->unhandled = 1;
        return 0;
      }
      if ((!first && out_put(o, ", ", 2)) || dump_str(o, k) || out_put(o, ": ", 2) ||
          dump_value(o, x, depth + 1))
        return -1;
      if (o->unhandled) return 0;
      first = 0;
    }
    return out_put(o, "}", 1);
  }
  if (PyList_CheckExact(v) || PyTuple_CheckExact(v)) {
    PyObject *seq = v;
    if (out_put(o, "[", 1)) return -1;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
      if ((i && out_put(o, ", ", 2)) || dump_value(o, PySequence_Fast_GET_ITEM(seq, i), depth + 1)) return -1;
      if (o->unhandled) return 0;
    }
    return out_put(o, "]", 1);
  }
  o->unhandled = 1;
  return 0;
}

PyObject *jpy_dumps(PyObject *v) {
  jpy_out o = {NULL, 0, 0, 0};
  PyObject *r = NULL;
  if (!dump_value(&o, v, 0)) r = o.unhandled ? Py_NewRef(Py_None) : PyBytes_FromStringAndSize(o.p, (Py_ssize_t)o.len);
  PyMem_Free(o.p);
  return r;
}
