/* liveavatar: CPU reference: channel_rms_norm
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = x / max (||x||_2, 1e-12) * sqrt (C) * gamma[c] + bias[c]
 *   x, y  [N, C, S]   normalised over C at each of the N * S positions
 *                     (S = H * W pixels, N frames); y may be x
 *   gamma [C], bias [C] or NULL
 * Wan VAE's RMS_norm: F.normalize (x, dim = channels) * C^0.5 * gamma, in
 * the same order of operations. Squares are summed a channel row at a
 * time so the inner loops run over contiguous pixels. Work items are
 * (frame, run of PIX pixels), spread over threads. */

#include "config.h"

#include "la-cpu-ops.h"
#include "la-cpu-vec.h"

#include <math.h>

#define PIX 1024                /* pixels per work item */

typedef struct
{
  gfloat *y;
  const gfloat *x, *gamma, *bias;
  gint64 c, s, n_runs;
} ChannelRmsNorm;

/* cloned for AVX2; the vector loops do per lane what the scalar tails do */
static LA_CPU_CLONES void
channel_rms_norm_items (gpointer data, gint64 begin, gint64 end)
{
  const ChannelRmsNorm *j = data;
  gfloat denom[PIX];
  gfloat scale = sqrtf ((gfloat) j->c);
  gint64 item, ch, p;

  for (item = begin; item < end; item++) {
    gint64 i = item / j->n_runs, p0 = item % j->n_runs * PIX;
    gint64 len = MIN (PIX, j->s - p0), len8 = len / LA_VW * LA_VW;
    const gfloat *x_i = j->x + i * j->c * j->s + p0;
    gfloat *y_i = j->y + i * j->c * j->s + p0;

    for (p = 0; p < len; p++)
      denom[p] = 0.0f;
    for (ch = 0; ch < j->c; ch++) {
      const gfloat *x_c = x_i + ch * j->s;

      for (p = 0; p < len8; p += LA_VW) {
        LaV8 x = LA_LOAD (x_c + p);

        LA_STORE (denom + p, LA_LOAD (denom + p) + x * x);
      }
      for (; p < len; p++)
        denom[p] += x_c[p] * x_c[p];
    }
    for (p = 0; p < len; p++) {
      gfloat d = sqrtf (denom[p]);

      /* fmaxf, without the call */
      denom[p] = d > 1e-12f ? d : 1e-12f;
    }

    for (ch = 0; ch < j->c; ch++) {
      const gfloat *x_c = x_i + ch * j->s;
      gfloat *y_c = y_i + ch * j->s;
      gfloat g = j->gamma[ch], b = j->bias ? j->bias[ch] : 0.0f;

      for (p = 0; p < len8; p += LA_VW)
        LA_STORE (y_c + p, LA_LOAD (x_c + p) / LA_LOAD (denom + p) * scale
            * g + b);
      for (; p < len; p++)
        y_c[p] = x_c[p] / denom[p] * scale * g + b;
    }
  }
}

void
la_cpu_channel_rms_norm (gfloat * y, const gfloat * x, const gfloat * gamma,
    const gfloat * bias, gint64 n, gint64 c, gint64 s)
{
  ChannelRmsNorm job = { y, x, gamma, bias, c, s, (s + PIX - 1) / PIX };

  if (n * s == 0)
    return;
  la_cpu_parallel_for (n * job.n_runs, n * c * s * 8,
      channel_rms_norm_items, &job);
}
