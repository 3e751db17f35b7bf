/* liveavatar: helpers shared by the model and reader test suites
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "config.h"

#include "test-common.h"
#include "liveavatar.h"
#include "la-safetensors-writer.h"

#include <math.h>

static guint64 rng_state;

void
la_test_seed (guint64 seed)
{
  rng_state = seed;
}

gdouble
la_test_rnd (void)
{
  guint64 z = (rng_state += 0x9e3779b97f4a7c15ull);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return (gdouble) (z >> 11) / (gdouble) (1ull << 52) - 1.0;
}

gfloat *
la_test_rnd_array (gsize n, gdouble amp)
{
  gfloat *a = g_new (gfloat, n);
  gsize i;

  for (i = 0; i < n; i++)
    a[i] = (gfloat) (amp * la_test_rnd ());
  return a;
}

gdouble
la_test_rel_error (const gfloat * a, const gfloat * b, gsize n)
{
  gdouble err = 0.0, scale = 0.0;
  gsize i;

  for (i = 0; i < n; i++) {
    if (!isfinite (a[i]))
      return INFINITY;
    err = MAX (err, fabs ((gdouble) a[i] - b[i]));
    scale = MAX (scale, fabs ((gdouble) b[i]));
  }
  return scale > 0.0 ? err / scale : err;
}

void
la_test_assert_close (const gfloat * got, const gdouble * want, gsize n,
    gdouble tol)
{
  gsize i;

  for (i = 0; i < n; i++)
    if (!(fabs (got[i] - want[i]) <= tol * (1.0 + fabs (want[i]))))
      g_error ("element %" G_GSIZE_FORMAT ": got %.9g, expected %.9g", i,
          got[i], want[i]);
}

LaBackend *
la_test_cpu (void)
{
  GError *error = NULL;
  LaBackend *be = la_backend_new (LA_BACKEND_CPU, 0, &error);

  g_assert_no_error (error);
  return be;
}

LaTensor *
la_test_tensor_f32 (LaBackend * be, gint n_dims, const gint64 * ne,
    const gfloat * data)
{
  GError *error = NULL;
  LaTensor *t = la_tensor_new (be, LA_DTYPE_F32, n_dims, ne, &error);

  g_assert_no_error (error);
  if (data) {
    g_assert_true (la_tensor_set_f32 (t, data, la_tensor_nelements (t),
            &error));
    g_assert_no_error (error);
  }
  return t;
}

gfloat *
la_test_download (const LaTensor * t)
{
  gsize n = (gsize) la_tensor_nelements (t);
  gfloat *data = g_new (gfloat, n);
  GError *error = NULL;

  g_assert_true (la_tensor_get_f32 ((LaTensor *) t, data, n, &error));
  g_assert_no_error (error);
  return data;
}

void
la_test_expect_invalid (gboolean ok, GError ** error)
{
  g_assert_false (ok);
  g_assert_error (*error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (error);
}

/* ---- safetensors builder: the engine's writer, asserting ---- */

struct _LaTestSafetensors
{
  LaSafetensorsWriter *writer;
};

LaTestSafetensors *
la_test_safetensors_new (void)
{
  LaTestSafetensors *st = g_new0 (LaTestSafetensors, 1);

  st->writer = la_safetensors_writer_new ();
  return st;
}

void
la_test_safetensors_add (LaTestSafetensors * st, const gchar * name,
    const gchar * dtype, gint ndim, const gint64 * shape, gconstpointer data,
    gsize nbytes)
{
  GError *error = NULL;
  LaIoDType d;

  g_assert_true (la_io_dtype_from_name (dtype, &d));
  g_assert_true (la_safetensors_writer_add (st->writer, name, d, ndim, shape,
          data, nbytes, &error));
  g_assert_no_error (error);
}

GBytes *
la_test_safetensors_finish (LaTestSafetensors * st)
{
  GBytes *bytes = la_safetensors_writer_to_bytes (st->writer);

  la_safetensors_writer_free (st->writer);
  g_free (st);
  return bytes;
}
