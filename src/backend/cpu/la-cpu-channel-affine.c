/* liveavatar: CPU reference: channel_affine
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = x * scale[c] + shift[c]
 *   x, y  [N, C, S]   (S pixels per channel); y may be x
 *   scale, shift [C]
 * The VAE's latent normalisation. */

#include "config.h"

#include "la-cpu-ops.h"

void
la_cpu_channel_affine (gfloat * y, const gfloat * x, const gfloat * scale,
    const gfloat * shift, gint64 n, gint64 c, gint64 s)
{
  gint64 i, ch, p;

  for (i = 0; i < n; i++)
    for (ch = 0; ch < c; ch++) {
      const gfloat *x_c = x + (i * c + ch) * s;
      gfloat *y_c = y + (i * c + ch) * s;

      for (p = 0; p < s; p++)
        y_c[p] = x_c[p] * scale[ch] + shift[ch];
    }
}
