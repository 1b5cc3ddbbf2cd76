/* RFC 4180 reader for the ROME open-data CSV files: quoted fields with
 * embedded newlines and doubled quotes, record line numbers for error
 * reports, and per-field cp1252 fallback for the one file that mixes
 * encodings. Hand-written because it must report line numbers and be fuzzed
 * in memory; libcsv offers neither. */
#ifndef JALON_MODEL_CSV_H
#define JALON_MODEL_CSV_H

#include <stddef.h>

#include "jalon/jalon.h"

typedef struct jm_csv jm_csv;

/* Reads a whole file into memory (the ROME files are a few MB). */
int jm_csv_open(jm_csv **out, const char *path, char sep, jalon_error **err);
/* Parses a caller-owned buffer (copied). name is used in messages. */
int jm_csv_open_memory(jm_csv **out, const char *data, size_t len, char sep, const char *name,
                       jalon_error **err);
void jm_csv_close(jm_csv *c); /* NULL-safe */

/* Next record: 1 and fields set, 0 at end, or a negative code (unterminated
 * quote: JALON_EDATA with file and line in *err). Fields are NUL-terminated
 * UTF-8 (fields that were not valid UTF-8 are converted from cp1252) and
 * stay valid until the next call. *line is the line the record starts on. */
int jm_csv_next(jm_csv *c, size_t *n_fields, char ***fields, size_t *line, jalon_error **err);
/* Number of fields that needed the cp1252 fallback so far. */
size_t jm_csv_recoded(const jm_csv *c);
const char *jm_csv_name(const jm_csv *c);

#endif
