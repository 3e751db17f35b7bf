/* liveavatar: CPU reference: Live Avatar's FP8 linear
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* FP8LinearFunction of liveavatar/utils/fp8_linear.py, per call:
 *   s     = min (448 / max (amax (|x|), 1e-12), 448)   over all of x
 *   xq    = e4m3 (clamp (x * s, -448, 448))
 *   y     = bf16 (acc * (1 / s * w_scale) + bias[n]),
 *   acc   = sum_k xq[r, k] wq[n, k]
 *   x    [rows, in]   fp32 (bf16 storage is widened first)
 *   w    [out, in]    e4m3 codes, quantised at load by la_fp8_quantize ()
 *   bias [out] or NULL fp32
 *   y    [rows, out]  the bf16 result as fp32 (the caller narrows to bf16
 *                     storage when y is BF16: exact)
 * e4m3 values have 4 significant bits, so every product is exact in fp32
 * and only the sum rounds. It sums in 8 interleaved partial sums combined
 * in a fixed order (la_cpu_dot8, as la-cpu-linear-mixed.c), so the result
 * does not depend on how the outputs are split between threads. The two scales
 * are folded into one factor first, the way a GEMM epilogue applies its
 * alpha; torch._scaled_mm sums in another order, so a golden from it agrees
 * to a bf16 ulp, not bit for bit. */

#include "config.h"

#include "la-backend-impl.h"
#include "la-cpu-ops.h"
#include "la-cpu-vec.h"

#define TILE 4                  /* output rows decoded at a time */

typedef struct
{
  gfloat *y;
  const gfloat *xq;             /* x quantised and decoded, [rows, in] */
  const guint8 *w;
  const gfloat *table;          /* e4m3 code -> value */
  const gfloat *bias;
  gfloat scale;
  gint64 rows, in, out;
} LinearFp8Job;

typedef struct
{
  gfloat *xq;
  const gfloat *x;
  const gfloat *table;
  gfloat s;
  gint64 in;
} QuantJob;

/* rows [begin, end) of x, quantised to e4m3 and decoded back */
static void
quantize_range (gpointer data, gint64 begin, gint64 end)
{
  const QuantJob *j = data;
  gint64 i;

  for (i = begin * j->in; i < end * j->in; i++)
    j->xq[i] = j->table[la_f32_to_fp8_e4m3 (j->x[i] * j->s)];
}

/* output tiles [begin, end) */
static void
linear_fp8_range (gpointer data, gint64 begin, gint64 end)
{
  const LinearFp8Job *j = data;
  gfloat *wide = g_new (gfloat, TILE * j->in);
  gint64 tile, r, t, k;

  for (tile = begin; tile < end; tile++) {
    gint64 o0 = tile * TILE, n = MIN (TILE, j->out - o0);

    for (t = 0; t < n; t++)
      for (k = 0; k < j->in; k++)
        wide[t * j->in + k] = j->table[j->w[(o0 + t) * j->in + k]];
    for (r = 0; r < j->rows; r++) {
      const gfloat *x_r = j->xq + r * j->in;
      gfloat *y_r = j->y + r * j->out + o0;

      for (t = 0; t < n; t++) {
        gfloat v = la_cpu_dot8 (x_r, wide + t * j->in, j->in) * j->scale;

        if (j->bias)
          v += j->bias[o0 + t];
        y_r[t] = la_bf16_to_f32 (la_f32_to_bf16 (v));
      }
    }
  }
  g_free (wide);
}

void
la_cpu_linear_fp8 (gfloat * y, const gfloat * x, const guint8 * w,
    gfloat w_scale, const gfloat * bias, gint64 rows, gint64 in, gint64 out)
{
  gfloat table[256];
  gfloat *xq = g_new (gfloat, rows * in);
  gfloat s = la_fp8_scale_from_amax (la_fp8_amax (x, rows * in));
  QuantJob quant = { xq, x, table, s, in };
  LinearFp8Job job = { y, xq, w, table, bias, 0.0f, rows, in, out };
  gint c;

  for (c = 0; c < 256; c++)
    table[c] = la_fp8_e4m3_to_f32 ((guint8) c);
  la_cpu_parallel_for (rows, rows * in * 16, quantize_range, &quant);
  job.scale = (1.0f / s) * w_scale;
  la_cpu_parallel_for ((out + TILE - 1) / TILE, rows * in * out,
      linear_fp8_range, &job);
  g_free (xq);
}
