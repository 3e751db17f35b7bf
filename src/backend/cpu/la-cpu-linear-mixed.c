/* liveavatar: CPU reference: linear with narrow stored weights
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = x W^T + b   (nn.Linear) with W kept in its checkpoint type
 *   x    [rows, in]    fp32
 *   w    [out, in]     bf16 or f16 (w_dtype), PyTorch's layout
 *   bias [out] or NULL fp32
 *   y    [rows, out]   fp32
 * Big text-encoder weights stay bf16 in memory (umT5-XXL: 11.4 GB instead
 * of 22.7 GB) and are widened to fp32 TILE output rows at a time into a
 * scratch that stays in cache while every row of x passes over it, so each
 * weight is read and converted once per call. Dot products sum in 8
 * interleaved partial sums combined in a fixed order: the result does not
 * depend on how the outputs are split between threads. */

#include "config.h"

#include "la-cpu-ops.h"
#include "la-cpu-vec.h"

#define TILE 4                  /* output rows widened at a time */

typedef struct
{
  gfloat *y;
  const gfloat *x;
  const guint8 *w;
  LaDType w_dtype;
  const gfloat *bias;
  gint64 rows, in, out;
} LinearMixedJob;

/* output tiles [begin, end) */
static void
linear_mixed_range (gpointer data, gint64 begin, gint64 end)
{
  const LinearMixedJob *j = data;
  gsize w_row = (gsize) j->in * la_dtype_size (j->w_dtype);
  gfloat *wide = g_new (gfloat, TILE * j->in);
  gint64 tile, r, t;

  for (tile = begin; tile < end; tile++) {
    gint64 o0 = tile * TILE, n = MIN (TILE, j->out - o0);

    for (t = 0; t < n; t++)
      la_dtype_to_f32 (j->w_dtype, wide + t * j->in, j->w + (o0 + t) * w_row,
          j->in);
    for (r = 0; r < j->rows; r++) {
      const gfloat *x_r = j->x + r * j->in;
      gfloat *y_r = j->y + r * j->out + o0;

      for (t = 0; t < n; t++)
        y_r[t] = (j->bias ? j->bias[o0 + t] : 0.0f)
            + la_cpu_dot8 (x_r, wide + t * j->in, j->in);
    }
  }
  g_free (wide);
}

void
la_cpu_linear_mixed (gfloat * y, const gfloat * x, gconstpointer w,
    LaDType w_dtype, const gfloat * bias, gint64 rows, gint64 in, gint64 out)
{
  LinearMixedJob job = { y, x, w, w_dtype, bias, rows, in, out };

  la_cpu_parallel_for ((out + TILE - 1) / TILE, rows * in * out,
      linear_mixed_range, &job);
}
