/* Section-file writer and reader shared by the model and the catalogue: the
 * bounds checks live in one place because both files are untrusted input. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/error.h"
#include "util/hash.h"
#include "util/secfile.h"

static size_t align8(size_t x) { return (x + (JM_ALIGN - 1)) & ~(size_t)(JM_ALIGN - 1); }

static int write_all(const char *path, const uint8_t *buf, size_t total, jalon_error **err) {
  size_t plen = strlen(path);
  char *tmp = malloc(plen + 24);
  if (!tmp) return ju_error(err, JALON_ENOMEM, "out of memory writing %s", path);
  snprintf(tmp, plen + 24, "%s.tmp%ld", path, (long)getpid());
  FILE *f = fopen(tmp, "wb");
  int rc = 0;
  if (!f) {
    rc = ju_error(err, JALON_EIO, "cannot create %s: %s", tmp, strerror(errno));
  } else {
    int bad = fwrite(buf, 1, total, f) != total;
    bad |= fclose(f) != 0;
    if (bad) rc = ju_error(err, JALON_EIO, "cannot write %s", tmp);
    else if (rename(tmp, path) != 0) rc = ju_error(err, JALON_EIO, "cannot rename %s to %s", tmp, path);
    if (rc) remove(tmp);
  }
  free(tmp);
  return rc;
}

int ju_secfile_write(const char *path, const char magic[8], uint16_t major, uint16_t minor,
                     const char *version, const ju_wsec *secs, size_t n, jalon_error **err) {
  size_t off = align8(sizeof(jm_header) + n * sizeof(jm_section));
  jm_section *table = calloc(n ? n : 1, sizeof *table);
  if (!table) return ju_error(err, JALON_ENOMEM, "out of memory writing %s", path);
  for (size_t i = 0; i < n; i++) {
    table[i] = (jm_section){secs[i].id, secs[i].elem, off, secs[i].count};
    off = align8(off + (size_t)secs[i].elem * secs[i].count);
  }
  size_t total = off;
  uint8_t *buf = calloc(1, total);
  if (!buf) {
    free(table);
    return ju_error(err, JALON_ENOMEM, "out of memory writing %s", path);
  }
  memcpy(buf + sizeof(jm_header), table, n * sizeof *table);
  for (size_t i = 0; i < n; i++)
    if (secs[i].count) memcpy(buf + table[i].offset, secs[i].data, (size_t)secs[i].elem * secs[i].count);
  free(table);
  jm_header h;
  memset(&h, 0, sizeof h);
  memcpy(h.magic, magic, 8);
  h.major = major;
  h.minor = minor;
  h.endian = JM_ENDIAN_MARK;
  h.file_size = total;
  h.n_sections = (uint32_t)n;
  h.built_unix = (uint64_t)time(NULL);
  snprintf(h.rome_version, sizeof h.rome_version, "%s", version ? version : "");
  h.checksum = ju_checksum(buf + sizeof h, total - sizeof h);
  memcpy(buf, &h, sizeof h);
  int rc = write_all(path, buf, total, err);
  free(buf);
  return rc;
}

int ju_map_file(ju_mapped *out, const char *path, const char *what, jalon_error **err) {
  memset(out, 0, sizeof *out);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return ju_error(err, errno == ENOENT ? JALON_ENOTFOUND : JALON_EIO, "cannot open %s %s: %s", what, path,
                    strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return ju_error(err, JALON_EIO, "%s %s is not a regular file", what, path);
  }
  size_t size = (size_t)st.st_size;
  if (size == 0) {
    close(fd);
    return ju_error(err, JALON_EFORMAT, "%s %s is empty", what, path);
  }
  /* Populated at once: the checksum reads every page anyway, and one
   * prefault pass costs far less than a fault per page. */
  void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  if (p != MAP_FAILED) {
    close(fd);
    *out = (ju_mapped){p, size, 1};
    return 0;
  }
  /* Some file systems cannot map: fall back to reading the file. */
  uint8_t *buf = malloc(size);
  if (!buf) {
    close(fd);
    return ju_error(err, JALON_ENOMEM, "out of memory loading %s", path);
  }
  size_t got = 0;
  while (got < size) {
    ssize_t r = read(fd, buf + got, size - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  close(fd);
  if (got != size) {
    free(buf);
    return ju_error(err, JALON_EIO, "cannot read %s %s", what, path);
  }
  *out = (ju_mapped){buf, size, 0};
  return 0;
}

void ju_unmap(ju_mapped *m) {
  if (!m || !m->base) return;
  if (m->how == 1) munmap((void *)m->base, m->size);
  else if (m->how == 0) free((void *)m->base);
  memset(m, 0, sizeof *m);
}

#define BAD(...) ju_error(err, JALON_EFORMAT, __VA_ARGS__)

int ju_secfile_parse(const uint8_t *base, size_t size, const char magic[8], uint16_t major,
                     const char *name, const char *what, const ju_rsec *want, size_t n_want,
                     jm_header *hdr, jalon_error **err) {
  jm_header h;
  if (size < sizeof h) return BAD("%s: %zu bytes, too short to be a Jalon %s", name, size, what);
  memcpy(&h, base, sizeof h);
  if (memcmp(h.magic, magic, 8) != 0) return BAD("%s is not a Jalon %s (bad magic bytes)", name, what);
  if (h.endian != JM_ENDIAN_MARK) return BAD("%s was built for another byte order", name);
  if (h.major != major)
    return ju_error(err, JALON_EVERSION, "%s: %s format %u.%u, this library reads %u.x; rebuild the %s", name,
                    what, h.major, h.minor, major, what);
  if (h.file_size != size)
    return BAD("%s: %zu bytes but the header says %llu (truncated or padded %s)", name, size,
               (unsigned long long)h.file_size, what);
  if (ju_checksum(base + sizeof h, size - sizeof h) != h.checksum)
    return BAD("%s: checksum mismatch (corrupt %s)", name, what);
  if (h.n_sections > 64 || h.n_sections > (size - sizeof h) / sizeof(jm_section))
    return BAD("%s: bad section count", name);
  for (size_t w = 0; w < n_want; w++) {
    int seen = 0;
    for (uint32_t i = 0; i < h.n_sections && !seen; i++) {
      jm_section s;
      memcpy(&s, base + sizeof h + i * sizeof s, sizeof s);
      if (s.id != want[w].id) continue;
      if (s.elem_size != want[w].elem)
        return BAD("%s: section %u has elements of %u bytes, expected %u", name, s.id, s.elem_size, want[w].elem);
      if (s.offset % JM_ALIGN || s.offset > size || s.count > (size - s.offset) / want[w].elem)
        return BAD("%s: section %u lies outside the file (truncated %s?)", name, s.id, what);
      *want[w].ptr = base + s.offset;
      *want[w].count = (size_t)s.count;
      seen = 1;
    }
    if (!seen) return BAD("%s: %s section %u missing", name, what, want[w].id);
  }
  if (hdr) *hdr = h;
  return 0;
}
