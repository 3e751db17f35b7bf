/* liveavatar: CPU reference: upsample_nearest_2x
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y[n, i, j] = x[n, i / 2, j / 2]
 *   x [N, H, W], y [N, 2H, 2W]   (N = every leading dimension)
 * nn.Upsample (scale_factor = 2, mode = 'nearest' or 'nearest-exact'):
 * for an integer factor of 2 both pick source floor (i / 2). */

#include "config.h"

#include "la-cpu-ops.h"

void
la_cpu_upsample_nearest_2x (gfloat * y, const gfloat * x, gint64 n,
    gint64 h, gint64 w)
{
  gint64 i, r, col;

  for (i = 0; i < n; i++) {
    const gfloat *x_i = x + i * h * w;
    gfloat *y_i = y + i * 4 * h * w;

    for (r = 0; r < 2 * h; r++) {
      const gfloat *src = x_i + (r / 2) * w;
      gfloat *dst = y_i + r * 2 * w;

      for (col = 0; col < 2 * w; col++)
        dst[col] = src[col / 2];
    }
  }
}
