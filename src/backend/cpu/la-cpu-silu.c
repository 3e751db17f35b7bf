/* liveavatar: CPU reference: silu
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = x * sigmoid (x) = x / (1 + exp (-x))    (nn.SiLU)
 *   x, y [n]; y may be x
 * For very negative x, exp (-x) overflows to inf and y is -0, the limit. */

#include "config.h"

#include "la-cpu-ops.h"

#include <math.h>

void
la_cpu_silu (gfloat * y, const gfloat * x, gint64 n)
{
  gint64 i;

  for (i = 0; i < n; i++)
    y[i] = x[i] / (1.0f + expf (-x[i]));
}
