/* Timing helpers shared by the C benchmarks: a monotonic clock in
 * microseconds and the median of a sample (sorted in place). */
#ifndef JALON_BENCH_UTIL_H
#define JALON_BENCH_UTIL_H

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

#endif
