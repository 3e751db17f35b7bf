/* liveavatar: CPU reference: gated_residual
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = x + gate * r     (Wan: x = x + y * e[2], x = x + y * e[5])
 *   x, r, y [rows, cols]     y may be x
 *   gate    [groups, cols]   row r uses group r / rows_per_group */

#include "config.h"

#include "la-cpu-ops.h"

void
la_cpu_gated_residual (gfloat * y, const gfloat * x, const gfloat * gate,
    const gfloat * r, gint64 rows, gint64 cols, gint64 rows_per_group)
{
  gint64 row, c;

  for (row = 0; row < rows; row++) {
    const gfloat *gate_g = gate + (row / rows_per_group) * cols;
    const gfloat *x_r = x + row * cols;
    const gfloat *r_r = r + row * cols;
    gfloat *y_r = y + row * cols;

    for (c = 0; c < cols; c++)
      y_r[c] = x_r[c] + gate_g[c] * r_r[c];
  }
}
