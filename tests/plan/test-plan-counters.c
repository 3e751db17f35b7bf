/* liveavatar: the backends' byte counters and memory info
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* la_backend_get_allocated_bytes / _peak_bytes count the buffers a
 * backend holds (a view or a placed tensor adds nothing: it lives in a
 * buffer already counted), exactly; la_backend_get_memory_info reports a
 * CPU device's total from LIVEAVATAR_CPU_DEVICE_MEMORY when set, its free
 * memory as that total less what every CPU backend holds, and refuses a
 * bad value naming the variable. */

#include "config.h"

#include "la-backend.h"
#include "liveavatar.h"

#include <string.h>
#include <unistd.h>

#define ENV "LIVEAVATAR_CPU_DEVICE_MEMORY"

static LaBackend *
cpu (gint index)
{
  GError *err = NULL;
  LaBackend *be = la_backend_new (LA_BACKEND_CPU, index, &err);

  g_assert_no_error (err);
  return be;
}

static LaTensor *
tensor (LaBackend * be, LaDType dtype, gint64 rows, gint64 cols)
{
  GError *err = NULL;
  gint64 ne[2] = { rows, cols };
  LaTensor *t = la_tensor_new (be, dtype, 2, ne, &err);

  g_assert_no_error (err);
  return t;
}

static void
test_counts (void)
{
  LaBackend *be = cpu (0);
  GError *err = NULL;
  LaTensor *a, *b, *v, *p;
  LaBuffer *buf;
  gint64 ne[1] = { 10 };

  g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==, 0);
  g_assert_cmpuint (la_backend_get_peak_bytes (be), ==, 0);

  /* the bytes asked for, whatever the dtype: 3 x 5 fp32, 7 x 3 bf16 */
  a = tensor (be, LA_DTYPE_F32, 3, 5);
  g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==, 60);
  b = tensor (be, LA_DTYPE_BF16, 7, 3);
  g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==, 60 + 42);
  g_assert_cmpuint (la_backend_get_peak_bytes (be), ==, 102);

  /* views and placed tensors live in memory already counted */
  v = la_tensor_new_view (a, 5, 1, ne, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==, 102);
  buf = la_buffer_new (be, 1000, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==, 1102);
  p = la_tensor_new_in_buffer (buf, 256, LA_DTYPE_F32, 1, ne, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==, 1102);
  g_assert_cmpuint (la_buffer_get_size (buf), ==, 1000);

  la_tensor_free (p);
  la_tensor_free (v);
  g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==, 1102);
  la_buffer_free (buf);
  g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==, 102);
  la_tensor_free (a);
  g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==, 42);
  /* the peak stays the most held at once */
  g_assert_cmpuint (la_backend_get_peak_bytes (be), ==, 1102);
  la_tensor_free (b);
  g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==, 0);
  g_assert_cmpuint (la_backend_get_peak_bytes (be), ==, 1102);

  /* a failed allocation counts nothing */
  g_assert_null (la_buffer_new (be, 0, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);
  g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==, 0);
  la_backend_free (be);
}

/* two backends count apart; a new one starts at zero */
static void
test_per_backend (void)
{
  LaBackend *b0 = cpu (0), *b1 = cpu (1);
  LaTensor *t0 = tensor (b0, LA_DTYPE_F32, 4, 4);
  LaTensor *t1 = tensor (b1, LA_DTYPE_F32, 8, 8);

  g_assert_cmpuint (la_backend_get_allocated_bytes (b0), ==, 64);
  g_assert_cmpuint (la_backend_get_allocated_bytes (b1), ==, 256);
  la_tensor_free (t0);
  la_tensor_free (t1);
  g_assert_cmpuint (la_backend_get_peak_bytes (b0), ==, 64);
  g_assert_cmpuint (la_backend_get_peak_bytes (b1), ==, 256);
  la_backend_free (b0);
  la_backend_free (b1);
}

typedef struct
{
  LaBackend *be;
  gint rounds;
} Worker;

static gpointer
churn (gpointer data)
{
  Worker *w = data;
  gint i;

  for (i = 0; i < w->rounds; i++) {
    LaTensor *t = tensor (w->be, LA_DTYPE_F32, 1 + i % 7, 16);

    la_tensor_free (t);
  }
  return NULL;
}

/* the engine's stage threads share one CPU backend */
static void
test_threads (void)
{
  LaBackend *be = cpu (0);
  Worker w = { be, 2000 };
  GThread *th[4];
  guint i;

  for (i = 0; i < G_N_ELEMENTS (th); i++)
    th[i] = g_thread_new ("churn", churn, &w);
  for (i = 0; i < G_N_ELEMENTS (th); i++)
    g_thread_join (th[i]);
  g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==, 0);
  /* never more than one 7 x 16 fp32 tensor per thread at once */
  g_assert_cmpuint (la_backend_get_peak_bytes (be), <=,
      G_N_ELEMENTS (th) * 7 * 16 * 4);
  g_assert_cmpuint (la_backend_get_peak_bytes (be), >=, 7 * 16 * 4);
  la_backend_free (be);
}

static void
test_env_override (void)
{
  LaBackend *b0, *b1;
  LaTensor *t0, *t1;
  GError *err = NULL;
  guint64 total = 0, free_bytes = 0;

  g_setenv (ENV, "1000000", TRUE);
  b0 = cpu (0);
  b1 = cpu (3);
  g_assert_true (la_backend_get_memory_info (b0, &total, &free_bytes, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (total, ==, 1000000);
  g_assert_cmpuint (free_bytes, ==, 1000000);

  /* free counts what every CPU backend holds: the virtual devices are
   * threads of one host */
  t0 = tensor (b0, LA_DTYPE_F32, 100, 100);
  t1 = tensor (b1, LA_DTYPE_BF16, 10, 10);
  g_assert_true (la_backend_get_memory_info (b1, &total, &free_bytes, &err));
  g_assert_cmpuint (total, ==, 1000000);
  g_assert_cmpuint (free_bytes, ==, 1000000 - 40000 - 200);
  /* either pointer may be NULL */
  g_assert_true (la_backend_get_memory_info (b0, NULL, &free_bytes, &err));
  g_assert_cmpuint (free_bytes, ==, 1000000 - 40200);
  g_assert_true (la_backend_get_memory_info (b0, &total, NULL, &err));

  /* more held than the pretend total: no free memory, not a wrap */
  g_setenv (ENV, "1000", TRUE);
  g_assert_true (la_backend_get_memory_info (b0, &total, &free_bytes, &err));
  g_assert_cmpuint (total, ==, 1000);
  g_assert_cmpuint (free_bytes, ==, 0);
  la_tensor_free (t0);
  la_tensor_free (t1);
  g_assert_true (la_backend_get_memory_info (b0, &total, &free_bytes, &err));
  g_assert_cmpuint (free_bytes, ==, 1000);
  la_backend_free (b0);
  la_backend_free (b1);
  g_unsetenv (ENV);
}

static void
test_env_bad (void)
{
  static const gchar *const bad[] = { "", "abc", "12k", "-5", "0", "1.5",
    " 12", "99999999999999999999999"
  };
  LaBackend *be = cpu (0);
  guint64 total = 7;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    GError *err = NULL;

    g_setenv (ENV, bad[i], TRUE);
    g_assert_false (la_backend_get_memory_info (be, &total, NULL, &err));
    g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (err->message, ENV));
    g_error_free (err);
  }
  g_unsetenv (ENV);
  la_backend_free (be);
}

/* without the variable: the host's memory, from sysconf */
static void
test_host (void)
{
  LaBackend *be = cpu (0);
  GError *err = NULL;
  guint64 total = 0, free_bytes = 0, expect;
  LaTensor *t;

  g_unsetenv (ENV);
  expect = (guint64) sysconf (_SC_PHYS_PAGES) * sysconf (_SC_PAGE_SIZE);
  t = tensor (be, LA_DTYPE_F32, 64, 64);
  g_assert_true (la_backend_get_memory_info (be, &total, &free_bytes, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (total, ==, expect);
  g_assert_cmpuint (free_bytes, ==, expect - 64 * 64 * 4);
  la_tensor_free (t);
  la_backend_free (be);
}

/* a GPU, when this build and this machine have one: the driver's numbers */
static void
test_cuda (void)
{
  GError *err = NULL;
  LaBackend *be = la_backend_new (LA_BACKEND_CUDA, 0, &err);
  guint64 total = 0, free_bytes = 0, before;
  LaTensor *t;

  if (!be) {
    g_test_skip (err->message);
    g_error_free (err);
    return;
  }
  g_assert_true (la_backend_get_memory_info (be, &total, &free_bytes, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (total, >, 0);
  g_assert_cmpuint (free_bytes, <=, total);
  before = free_bytes;
  /* 256 MiB really taken from the device */
  t = tensor (be, LA_DTYPE_F32, 64, 1024 * 1024);
  g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==, 256 << 20);
  g_assert_true (la_backend_get_memory_info (be, NULL, &free_bytes, &err));
  g_assert_cmpuint (free_bytes, <=, before - (200 << 20));
  la_tensor_free (t);
  g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==, 0);
  la_backend_free (be);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plan/counters/exact", test_counts);
  g_test_add_func ("/plan/counters/per-backend", test_per_backend);
  g_test_add_func ("/plan/memory-info/env-override", test_env_override);
  g_test_add_func ("/plan/memory-info/env-bad", test_env_bad);
  g_test_add_func ("/plan/memory-info/host", test_host);
  g_test_add_func ("/plan/memory-info/cuda", test_cuda);
  /* last: setenv is not for a process that has had threads */
  g_test_add_func ("/plan/counters/threads", test_threads);
  return g_test_run ();
}
