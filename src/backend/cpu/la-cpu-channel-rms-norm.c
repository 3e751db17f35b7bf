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
 * time so the inner loops run over contiguous pixels. */

#include "config.h"

#include "la-cpu-ops.h"

#include <math.h>

void
la_cpu_channel_rms_norm (gfloat * y, const gfloat * x, const gfloat * gamma,
    const gfloat * bias, gint64 n, gint64 c, gint64 s)
{
  gfloat *denom = g_new (gfloat, s);
  gfloat scale = sqrtf ((gfloat) c);
  gint64 i, ch, p;

  for (i = 0; i < n; i++) {
    const gfloat *x_i = x + i * c * s;
    gfloat *y_i = y + i * c * s;

    for (p = 0; p < s; p++)
      denom[p] = 0.0f;
    for (ch = 0; ch < c; ch++)
      for (p = 0; p < s; p++)
        denom[p] += x_i[ch * s + p] * x_i[ch * s + p];
    for (p = 0; p < s; p++)
      denom[p] = fmaxf (sqrtf (denom[p]), 1e-12f);

    for (ch = 0; ch < c; ch++) {
      gfloat g = gamma[ch], b = bias ? bias[ch] : 0.0f;

      for (p = 0; p < s; p++)
        y_i[ch * s + p] = x_i[ch * s + p] / denom[p] * scale * g + b;
    }
  }
  g_free (denom);
}
