/* liveavatar: CPU reference: gelu_tanh
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = 0.5 x (1 + tanh (sqrt (2 / pi) (x + 0.044715 x^3)))
 *   x, y [n]   elementwise (nn.GELU (approximate='tanh'), Wan's FFN and
 *              text embedding); y may be x */

#include "config.h"

#include "la-cpu-ops.h"

#include <math.h>

void
la_cpu_gelu_tanh (gfloat * y, const gfloat * x, gint64 n)
{
  const gfloat k = 0.7978845608028654f; /* sqrt (2 / pi) */
  gint64 i;

  for (i = 0; i < n; i++) {
    gfloat v = x[i];

    y[i] = 0.5f * v * (1.0f + tanhf (k * (v + 0.044715f * v * v * v)));
  }
}
