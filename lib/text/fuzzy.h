/* Misspelling tolerance: a loose French phonetic key ("batiman" and
 * "bâtiment" share one) and a bounded Damerau-Levenshtein distance. Shared by
 * the model compiler (which indexes the vocabulary) and the matcher. */
#ifndef JALON_TEXT_FUZZY_H
#define JALON_TEXT_FUZZY_H

#include <stddef.h>
#include <stdint.h>

#define JT_FUZZY_MAX_WORD 48
#define JT_FUZZY_MIN_WORD 4

/* Phonetic key of a folded word (lower case, no accents) into out (NUL-
 * terminated). Returns its length, 0 when the word is not all letters. */
size_t jt_phonetic_key(const char *fold, size_t n, char *out, size_t cap);

/* Optimal-string-alignment distance between a and b, or max + 1 as soon as
 * it is known to exceed max. */
unsigned jt_edit_distance(const char *a, size_t an, const char *b, size_t bn, unsigned max);

/* Edits tolerated for a word of n bytes: 0 below JT_FUZZY_MIN_WORD, then 1,
 * then 2 from 8 letters on. */
unsigned jt_fuzzy_budget(size_t n);

/* 32-bit hash used for the deletion and phonetic indexes of the model. */
uint32_t jt_fuzzy_hash(const char *s, size_t n);

#endif
