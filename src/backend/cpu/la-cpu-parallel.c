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
  GMutex lock;
  GCond done;
  gint pending;                 /* ranges not finished yet */
} Join;

typedef struct
{
  LaCpuRangeFunc fn;
  gpointer data;
  gint64 begin, end;
  Join *join;
} Range;

static void
run_range (Range * r)
{
  r->fn (r->data, r->begin, r->end);
  if (r->join) {
    g_mutex_lock (&r->join->lock);
    if (--r->join->pending == 0)
      g_cond_signal (&r->join->done);
    g_mutex_unlock (&r->join->lock);
  }
}

static void
pool_func (gpointer data, gpointer user_data)
{
  run_range (data);
}

/* Threads are kept between calls: an op is often a few hundred
 * microseconds, and starting threads for each cost a good part of that.
 * One pool serves every caller (the session's stage threads run ops at the
 * same time); a range never waits on another, so a caller waiting for its
 * ranges always sees them finish. */
static GThreadPool *
shared_pool (void)
{
  static GThreadPool *pool = NULL;

  if (g_once_init_enter (&pool)) {
    GThreadPool *p = g_thread_pool_new (pool_func, NULL, MAX_THREADS, FALSE,
        NULL);

    g_once_init_leave (&pool, p);
  }
  return pool;
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
  GThreadPool *pool;
  Join join;
  gint n_threads = thread_count (n, work), i;

  if (n_threads <= 1 || (pool = shared_pool ()) == NULL) {
    fn (data, 0, n);
    return;
  }
  g_mutex_init (&join.lock);
  g_cond_init (&join.done);
  join.pending = n_threads - 1;
  for (i = 0; i < n_threads; i++) {
    ranges[i].fn = fn;
    ranges[i].data = data;
    ranges[i].begin = n * i / n_threads;
    ranges[i].end = n * (i + 1) / n_threads;
    ranges[i].join = i == 0 ? NULL : &join;
  }
  /* the calling thread takes the first range, and any range the pool
   * would not take */
  for (i = 1; i < n_threads; i++)
    if (!g_thread_pool_push (pool, &ranges[i], NULL))
      run_range (&ranges[i]);
  run_range (&ranges[0]);
  g_mutex_lock (&join.lock);
  while (join.pending > 0)
    g_cond_wait (&join.done, &join.lock);
  g_mutex_unlock (&join.lock);
  g_mutex_clear (&join.lock);
  g_cond_clear (&join.done);
}
