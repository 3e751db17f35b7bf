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
 * Both x's row and w's row are contiguous in `in`, so the inner loop is a
 * straight dot product. */

#include "config.h"

#include "la-cpu-ops.h"

void
la_cpu_linear (gfloat * y, const gfloat * x, const gfloat * w,
    const gfloat * bias, gint64 rows, gint64 in, gint64 out)
{
  gint64 r, o, i;

  for (r = 0; r < rows; r++) {
    const gfloat *x_r = x + r * in;
    gfloat *y_r = y + r * out;

    for (o = 0; o < out; o++) {
      const gfloat *w_o = w + o * in;
      gfloat acc = bias ? bias[o] : 0.0f;

      for (i = 0; i < in; i++)
        acc += x_r[i] * w_o[i];
      y_r[o] = acc;
    }
  }
}
