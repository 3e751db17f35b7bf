/* liveavatar: CPU reference: rms_norm
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = x / sqrt (mean (x^2) + eps) * w     (WanRMSNorm)
 *   x, y [rows, cols]    normalised over cols; y may be x
 *   w    [cols]
 * Wan applies it to q and k over the full model dim (5120), not per head. */

#include "config.h"

#include "la-cpu-ops.h"

#include <math.h>

void
la_cpu_rms_norm (gfloat * y, const gfloat * x, const gfloat * w,
    gint64 rows, gint64 cols, gfloat eps)
{
  gint64 r, c;

  for (r = 0; r < rows; r++) {
    const gfloat *x_r = x + r * cols;
    gfloat *y_r = y + r * cols;
    gfloat ss = 0.0f, inv;

    for (c = 0; c < cols; c++)
      ss += x_r[c] * x_r[c];
    inv = 1.0f / sqrtf (ss / (gfloat) cols + eps);
    for (c = 0; c < cols; c++)
      y_r[c] = x_r[c] * inv * w[c];
  }
}
