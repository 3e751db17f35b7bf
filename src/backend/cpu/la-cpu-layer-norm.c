/* liveavatar: CPU reference: layer_norm_modulate
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = (x - mean) / sqrt (var + eps) * (1 + scale) + shift
 *   x, y         [rows, cols]  normalised over cols, biased variance
 *                              (nn.LayerNorm, no affine); y may be x
 *   scale, shift [groups, cols] or NULL (plain LayerNorm); row r uses
 *                              group r / rows_per_group
 * Wan's norm1/norm2 followed by adaLN modulate, and its Head. */

#include "config.h"

#include "la-cpu-ops.h"

#include <math.h>

void
la_cpu_layer_norm_modulate (gfloat * y, const gfloat * x,
    const gfloat * scale, const gfloat * shift, gint64 rows, gint64 cols,
    gint64 rows_per_group, gfloat eps)
{
  gint64 r, c;

  for (r = 0; r < rows; r++) {
    const gfloat *x_r = x + r * cols;
    gfloat *y_r = y + r * cols;
    gfloat mean = 0.0f, var = 0.0f, inv;

    for (c = 0; c < cols; c++)
      mean += x_r[c];
    mean /= (gfloat) cols;
    /* two passes: no cancellation when |mean| >> std */
    for (c = 0; c < cols; c++)
      var += (x_r[c] - mean) * (x_r[c] - mean);
    var /= (gfloat) cols;
    inv = 1.0f / sqrtf (var + eps);

    if (scale) {
      const gfloat *scale_g = scale + (r / rows_per_group) * cols;
      const gfloat *shift_g = shift + (r / rows_per_group) * cols;

      for (c = 0; c < cols; c++)
        y_r[c] = (x_r[c] - mean) * inv * (1.0f + scale_g[c]) + shift_g[c];
    } else {
      for (c = 0; c < cols; c++)
        y_r[c] = (x_r[c] - mean) * inv;
    }
  }
}
