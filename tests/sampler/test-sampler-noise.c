/* liveavatar: the sampler's seeded per-clip noise
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The generator is documented in la-sampler.c; these tests rebuild a few
 * elements from that description, check that any split of the index
 * range (between calls or threads) gives the same values, and that a
 * million draws look standard normal.
 */

#include <math.h>
#include <string.h>

#include "la-sampler.h"

#define N_STATS 1000000
#define N_THREADS 4

/* the documented definition, written out again independently */
static guint64
ref_mix (guint64 z)
{
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static gfloat
ref_noise (guint64 seed, guint64 clip, guint64 index)
{
  const guint64 golden = G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  guint64 key = ref_mix (ref_mix (seed) ^ clip);
  guint64 k = (index / 2) * 2 + 1;
  gdouble u1 = (gdouble) ((ref_mix (key + k * golden) >> 11) + 1) /
      9007199254740992.0;
  gdouble u2 = (gdouble) (ref_mix (key + (k + 1) * golden) >> 11) /
      9007199254740992.0;
  gdouble r = sqrt (-2.0 * log (u1));

  return (gfloat) (index % 2 ? r * sin (2.0 * G_PI * u2) :
      r * cos (2.0 * G_PI * u2));
}

static void
test_definition (void)
{
  const guint64 seeds[] = { 0, 1, 42, G_MAXUINT64 };
  const guint64 idx[] = { 0, 1, 2, 3, 1001, 123456789, G_MAXUINT64 - 1,
    G_MAXUINT64
  };
  guint i, j;

  for (i = 0; i < G_N_ELEMENTS (seeds); i++)
    for (j = 0; j < G_N_ELEMENTS (idx); j++) {
      gfloat want = ref_noise (seeds[i], i, idx[j]);
      gfloat got = la_sampler_noise_at (seeds[i], i, idx[j]);

      g_assert_true (isfinite (got));
      g_assert_cmpfloat (got, ==, want);
    }
}

/* any split of [0, n) into calls, odd offsets included, gives the same
 * values as the element-wise function */
static void
test_splits (void)
{
  const gsize n = 1001;
  const gsize cuts[] = { 0, 1, 2, 7, 500, 999, 1000, 1001 };
  gfloat *full = g_new (gfloat, n);
  gfloat *part = g_new (gfloat, n);
  gsize i, c;

  la_sampler_noise_fill (42, 3, 0, full, n);
  for (i = 0; i < n; i++)
    g_assert_cmpfloat (full[i], ==, la_sampler_noise_at (42, 3, i));

  for (c = 0; c < G_N_ELEMENTS (cuts); c++) {
    memset (part, 0, n * sizeof (gfloat));
    la_sampler_noise_fill (42, 3, 0, part, cuts[c]);
    la_sampler_noise_fill (42, 3, cuts[c], part + cuts[c], n - cuts[c]);
    g_assert_true (memcmp (part, full, n * sizeof (gfloat)) == 0);
  }
  /* same arguments, same noise */
  la_sampler_noise_fill (42, 3, 0, part, n);
  g_assert_true (memcmp (part, full, n * sizeof (gfloat)) == 0);
  la_sampler_noise_fill (42, 3, 0, NULL, 0);

  g_free (full);
  g_free (part);
}

typedef struct
{
  gfloat *out;
  gsize first, n;
} Slice;

static gpointer
fill_slice (gpointer data)
{
  Slice *s = data;

  la_sampler_noise_fill (7, 11, s->first, s->out + s->first, s->n);
  return NULL;
}

static void
test_threads (void)
{
  const gsize n = 100003;
  gfloat *one = g_new (gfloat, n);
  gfloat *many = g_new0 (gfloat, n);
  GThread *threads[N_THREADS];
  Slice slices[N_THREADS];
  gsize i, at = 0;

  la_sampler_noise_fill (7, 11, 0, one, n);
  for (i = 0; i < N_THREADS; i++) {
    /* uneven, odd-sized slices, started in reverse order */
    gsize len = i == N_THREADS - 1 ? n - at : n / N_THREADS + 2 * i + 1;

    slices[i].out = many;
    slices[i].first = at;
    slices[i].n = len;
    at += len;
  }
  for (i = 0; i < N_THREADS; i++)
    threads[N_THREADS - 1 - i] = g_thread_new ("noise", fill_slice,
        &slices[N_THREADS - 1 - i]);
  for (i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);
  g_assert_true (memcmp (one, many, n * sizeof (gfloat)) == 0);

  g_free (one);
  g_free (many);
}

/* a million draws: moments of N(0, 1) within about 5 standard errors,
 * the 1-sigma mass, no correlation between neighbours, between clips or
 * between seeds */
static void
test_statistics (void)
{
  gfloat *a = g_new (gfloat, N_STATS);
  gfloat *b = g_new (gfloat, N_STATS);
  gfloat *c = g_new (gfloat, N_STATS);
  gdouble s1 = 0, s2 = 0, s4 = 0, lag = 0, ab = 0, ac = 0;
  gsize i, inside = 0;
  gdouble n = N_STATS, mean, var;

  la_sampler_noise_fill (1234, 0, 0, a, N_STATS);
  la_sampler_noise_fill (1234, 1, 0, b, N_STATS);
  la_sampler_noise_fill (1235, 0, 0, c, N_STATS);
  for (i = 0; i < N_STATS; i++) {
    gdouble z = a[i];

    g_assert_true (isfinite (z));
    s1 += z;
    s2 += z * z;
    s4 += z * z * z * z;
    inside += fabs (z) < 1.0;
    if (i + 1 < N_STATS)
      lag += z * a[i + 1];
    ab += z * b[i];
    ac += z * c[i];
  }
  mean = s1 / n;
  var = s2 / n - mean * mean;
  /* standard errors: mean 1e-3, variance 1.4e-3, kurtosis 2.4e-3 * 3,
   * P(|z| < 1) 4.7e-4, correlations 1e-3 */
  g_assert_cmpfloat (fabs (mean), <, 0.005);
  g_assert_cmpfloat (fabs (var - 1.0), <, 0.007);
  g_assert_cmpfloat (fabs (s4 / n - 3.0), <, 0.05);
  g_assert_cmpfloat (fabs (inside / n - 0.682689492), <, 0.0025);
  g_assert_cmpfloat (fabs (lag / n), <, 0.005);
  g_assert_cmpfloat (fabs (ab / n), <, 0.005);
  g_assert_cmpfloat (fabs (ac / n), <, 0.005);

  g_free (a);
  g_free (b);
  g_free (c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sampler/noise/definition", test_definition);
  g_test_add_func ("/sampler/noise/splits", test_splits);
  g_test_add_func ("/sampler/noise/threads", test_threads);
  g_test_add_func ("/sampler/noise/statistics", test_statistics);
  return g_test_run ();
}
