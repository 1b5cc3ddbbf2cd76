/* Timing helpers shared by the C benchmarks: a monotonic clock in
 * microseconds and the median of a sample (sorted in place). */
#ifndef JALON_BENCH_UTIL_H
#define JALON_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static inline int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static inline double median(double *v, size_t n) {
  qsort(v, n, sizeof *v, cmp_d);
  return n ? v[n / 2] : 0;
}

/* The arguments every bench takes: FILE.jsonl [passes ...]. Opens the file
 * and sets *passes (at least 1, `dflt` when not given); NULL after printing
 * why (usage or the open error), and then *status is the exit status. */
static inline FILE *bench_open(int argc, char **argv, const char *usage, int dflt, int *passes, int *status) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s\n", usage);
    *status = 2;
    return NULL;
  }
  *passes = argc > 2 ? atoi(argv[2]) : dflt;
  if (*passes < 1) *passes = 1;
  FILE *f = fopen(argv[1], "r");
  if (!f) {
    perror(argv[1]);
    *status = 1;
  }
  return f;
}

#endif
