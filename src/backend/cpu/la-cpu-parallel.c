/* liveavatar: CPU reference: a parallel for
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* fn (data, begin, end) over [0, n) split into one contiguous range per
 * thread. Threads are started per call, so only work worth far more than a
 * thread start (about MIN_WORK multiply-adds per extra thread) is split;
 * the ranges and so the results do not depend on the number of threads,
 * as long as fn's items are independent. */

#include "config.h"

#include "la-cpu-ops.h"

#define MIN_WORK (1 << 22)
#define MAX_THREADS 64

typedef struct
{
  LaCpuRangeFunc fn;
  gpointer data;
  gint64 begin, end;
} Range;

static gpointer
run_range (gpointer data)
{
  Range *r = data;

  r->fn (r->data, r->begin, r->end);
  return NULL;
}

static gint
thread_count (gint64 n, gint64 work)
{
  static gint n_cpus = 0;
  gint64 by_work;

  if (g_atomic_int_get (&n_cpus) == 0)
    g_atomic_int_set (&n_cpus, CLAMP (g_get_num_processors (), 1, MAX_THREADS));
  by_work = work / MIN_WORK;
  return (gint) CLAMP (MIN (by_work, n), 1, g_atomic_int_get (&n_cpus));
}

void
la_cpu_parallel_for (gint64 n, gint64 work, LaCpuRangeFunc fn, gpointer data)
{
  Range ranges[MAX_THREADS];
  GThread *threads[MAX_THREADS];
  gint n_threads = thread_count (n, work), i;

  if (n_threads <= 1) {
    fn (data, 0, n);
    return;
  }
  for (i = 0; i < n_threads; i++) {
    ranges[i].fn = fn;
    ranges[i].data = data;
    ranges[i].begin = n * i / n_threads;
    ranges[i].end = n * (i + 1) / n_threads;
  }
  /* the calling thread takes the first range, and any range whose thread
   * could not start */
  for (i = 1; i < n_threads; i++)
    threads[i] = g_thread_try_new ("la-cpu", run_range, &ranges[i], NULL);
  run_range (&ranges[0]);
  for (i = 1; i < n_threads; i++) {
    if (threads[i])
      g_thread_join (threads[i]);
    else
      run_range (&ranges[i]);
  }
}
