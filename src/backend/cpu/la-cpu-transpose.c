/* liveavatar: CPU reference: transpose
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y[b, n, m, :] = x[b, m, n, :]
 *   x [B, M, N, S], y [B, N, M, S]   blocks of S contiguous elements move
 * S = 1 is a batch of matrix transposes; [1, C, T, H * W] -> [1, T, C, H * W]
 * turns channel-first video into frame-major. */

#include "config.h"

#include "la-cpu-ops.h"

#include <string.h>

void
la_cpu_transpose (gfloat * y, const gfloat * x, gint64 b, gint64 m,
    gint64 n, gint64 s)
{
  gint64 i, r, c;

  for (i = 0; i < b; i++) {
    const gfloat *x_b = x + i * m * n * s;
    gfloat *y_b = y + i * m * n * s;

    for (r = 0; r < m; r++)
      for (c = 0; c < n; c++) {
        if (s == 1)
          y_b[c * m + r] = x_b[r * n + c];
        else
          memcpy (y_b + (c * m + r) * s, x_b + (r * n + c) * s,
              (gsize) s * sizeof (gfloat));
      }
  }
}
