/* liveavatar: the tiny model's random streams and tensor lists
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "config.h"

#include "la-tiny-private.h"

#include <math.h>

#define GOLDEN 0x9e3779b97f4a7c15ull

/* splitmix64's output function (Vigna's splitmix64.c) */
static guint64
mix64 (guint64 z)
{
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void
la_tiny_rng_init (LaTinyRng * rng, guint64 seed, guint64 stream)
{
  /* the stream number mixed in, so that seed s of one file is not seed
   * s + 1 of another */
  rng->state = mix64 (seed ^ mix64 (stream + GOLDEN));
}

static inline gdouble
uniform_at (guint64 state)
{
  return (gdouble) (mix64 (state) >> 11) * 0x1.0p-52 - 1.0;
}

gdouble
la_tiny_rng_uniform (LaTinyRng * rng)
{
  return uniform_at (rng->state += GOLDEN);
}

static void
tensor_free (gpointer p)
{
  LaTinyTensor *t = p;

  g_free (t->name);
  g_free (t);
}

GPtrArray *
la_tiny_tensors_new (void)
{
  return g_ptr_array_new_with_free_func (tensor_free);
}

void
la_tiny_add (GPtrArray * list, LaTinyRng * rng, const gchar * name,
    gint ndim, const gint64 * shape, gdouble offset, gdouble amp)
{
  LaTinyTensor *t = g_new0 (LaTinyTensor, 1);
  gint d;

  g_assert (ndim >= 0 && ndim <= LA_TINY_MAX_DIMS);
  t->name = g_strdup (name);
  t->ndim = ndim;
  t->numel = 1;
  for (d = 0; d < ndim; d++) {
    t->shape[d] = shape[d];
    t->numel *= shape[d];
  }
  t->state = rng->state;
  t->offset = offset;
  t->amp = amp;
  /* the state is a counter: skip the tensor's values */
  rng->state += (guint64) t->numel * GOLDEN;
  g_ptr_array_add (list, t);
}

void
la_tiny_tensor_fill (const LaTinyTensor * t, gint64 begin, gint64 n,
    gfloat * out)
{
  guint64 state = t->state + (guint64) (begin + 1) * GOLDEN;
  gint64 i;

  for (i = 0; i < n; i++, state += GOLDEN)
    out[i] = (gfloat) (t->offset + t->amp * uniform_at (state));
}

void
la_tiny_add_weight (GPtrArray * list, LaTinyRng * rng, const gchar * name,
    gint ndim, const gint64 * shape)
{
  gint64 fan_in = 1;
  gint d;

  for (d = 1; d < ndim; d++)
    fan_in *= shape[d];
  la_tiny_add (list, rng, name, ndim, shape, 0.0, 1.0 / sqrt ((gdouble)
          fan_in));
}

void
la_tiny_add_linear (GPtrArray * list, LaTinyRng * rng, const gchar * prefix,
    gint64 in, gint64 out)
{
  gint64 w[2] = { out, in };

  la_tiny_add_layer (list, rng, prefix, 2, w);
}

void
la_tiny_add_layer (GPtrArray * list, LaTinyRng * rng, const gchar * prefix,
    gint ndim, const gint64 * shape)
{
  gchar *name = g_strconcat (prefix, ".weight", NULL);

  la_tiny_add_weight (list, rng, name, ndim, shape);
  g_free (name);
  name = g_strconcat (prefix, ".bias", NULL);
  la_tiny_add (list, rng, name, 1, shape, 0.0, 0.1);
  g_free (name);
}

void
la_tiny_add_norm (GPtrArray * list, LaTinyRng * rng, const gchar * prefix,
    gint64 dim)
{
  gchar *name = g_strconcat (prefix, ".weight", NULL);

  la_tiny_add_gain (list, rng, name, 1, &dim);
  g_free (name);
  name = g_strconcat (prefix, ".bias", NULL);
  la_tiny_add (list, rng, name, 1, &dim, 0.0, 0.1);
  g_free (name);
}

void
la_tiny_add_gain (GPtrArray * list, LaTinyRng * rng, const gchar * name,
    gint ndim, const gint64 * shape)
{
  la_tiny_add (list, rng, name, ndim, shape, 1.0, 0.1);
}
