/* liveavatar: CPU reference: linear
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = x W^T + b   (nn.Linear)
 *   x    [rows, in]
 *   w    [out, in]     row n holds output n's weights, as PyTorch stores it
 *   bias [out] or NULL
 *   y    [rows, out]
 * Every output is bias + x[0] w[0] + x[1] w[1] + ... in that order, in
 * fp32, whatever the path. Few rows: straight dot products. Many rows: W
 * is transposed once to [in, out], then tiles of RT rows x OT contiguous
 * outputs keep their sums in vector registers while i runs (la-cpu-vec.h:
 * one lane per output, so the vector width changes no result), and row
 * blocks are spread over threads. */

#include "config.h"

#include "la-cpu-ops.h"
#include "la-cpu-vec.h"

#define RT 4                    /* rows per tile */
#define OT (2 * LA_VW)          /* outputs per tile */
#define MIN_ROWS 16             /* fewer rows do not pay for the transpose */

typedef struct
{
  gfloat *y;
  const gfloat *x, *w, *bias;
  gfloat *wt;                   /* [in][out] */
  gint64 rows, in, out;
} Linear;

/* input columns [begin, end) of W into wt */
static void
transpose_w (gpointer data, gint64 begin, gint64 end)
{
  const Linear *l = data;
  gint64 i, o;

  for (o = 0; o < l->out; o++)
    for (i = begin; i < end; i++)
      l->wt[i * l->out + o] = l->w[o * l->in + i];
}

/* rows r .. r + RT - 1, outputs o0 .. o0 + OT - 1 */
static LA_INLINE void
tile_full (const Linear * l, gint64 r, gint64 o0)
{
  const gfloat *wt = l->wt + o0, *x0 = l->x + r * l->in;
  const gfloat *x1 = x0 + l->in, *x2 = x1 + l->in, *x3 = x2 + l->in;
  LaV8 a00, a01, a10, a11, a20, a21, a30, a31;
  gint64 i;

  if (l->bias) {
    a00 = LA_LOAD (l->bias + o0);
    a01 = LA_LOAD (l->bias + o0 + LA_VW);
  } else {
    a00 = a01 = LA_SPLAT (0.0f);
  }
  a10 = a20 = a30 = a00;
  a11 = a21 = a31 = a01;
  for (i = 0; i < l->in; i++) {
    const gfloat *w_i = wt + i * l->out;
    LaV8 w0 = LA_LOAD (w_i), w1 = LA_LOAD (w_i + LA_VW);
    LaV8 v0 = LA_SPLAT (x0[i]), v1 = LA_SPLAT (x1[i]);
    LaV8 v2 = LA_SPLAT (x2[i]), v3 = LA_SPLAT (x3[i]);

    a00 += v0 * w0;
    a01 += v0 * w1;
    a10 += v1 * w0;
    a11 += v1 * w1;
    a20 += v2 * w0;
    a21 += v2 * w1;
    a30 += v3 * w0;
    a31 += v3 * w1;
  }
  LA_STORE (l->y + r * l->out + o0, a00);
  LA_STORE (l->y + r * l->out + o0 + LA_VW, a01);
  LA_STORE (l->y + (r + 1) * l->out + o0, a10);
  LA_STORE (l->y + (r + 1) * l->out + o0 + LA_VW, a11);
  LA_STORE (l->y + (r + 2) * l->out + o0, a20);
  LA_STORE (l->y + (r + 2) * l->out + o0 + LA_VW, a21);
  LA_STORE (l->y + (r + 3) * l->out + o0, a30);
  LA_STORE (l->y + (r + 3) * l->out + o0 + LA_VW, a31);
}

/* any rows x outputs block, one output at a time */
static void
block_plain (const Linear * l, gint64 r0, gint64 r1, gint64 o0, gint64 o1)
{
  gint64 r, o, i;

  for (r = r0; r < r1; r++) {
    const gfloat *x_r = l->x + r * l->in;
    gfloat *y_r = l->y + r * l->out;

    for (o = o0; o < o1; o++) {
      const gfloat *w_o = l->w + o * l->in;
      gfloat acc = l->bias ? l->bias[o] : 0.0f;

      for (i = 0; i < l->in; i++)
        acc += x_r[i] * w_o[i];
      y_r[o] = acc;
    }
  }
}

/* row tiles [begin, end) */
static LA_CPU_CLONES void
linear_items (gpointer data, gint64 begin, gint64 end)
{
  const Linear *l = data;
  gint64 o_full = l->out / OT * OT, tile, o;

  for (tile = begin; tile < end; tile++) {
    gint64 r = tile * RT;

    if (r + RT > l->rows) {
      block_plain (l, r, l->rows, 0, l->out);
      continue;
    }
    for (o = 0; o < o_full; o += OT)
      tile_full (l, r, o);
    block_plain (l, r, r + RT, o_full, l->out);
  }
}

void
la_cpu_linear (gfloat * y, const gfloat * x, const gfloat * w,
    const gfloat * bias, gint64 rows, gint64 in, gint64 out)
{
  Linear l = { y, x, w, bias, NULL, rows, in, out };

  if (rows < MIN_ROWS || out < OT) {
    block_plain (&l, 0, rows, 0, out);
    return;
  }
  l.wt = g_new (gfloat, in * out);
  la_cpu_parallel_for (in, in * out, transpose_w, &l);
  la_cpu_parallel_for ((rows + RT - 1) / RT, rows * in * out, linear_items, &l);
  g_free (l.wt);
}
