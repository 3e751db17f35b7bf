/* liveavatar: CPU reference: clamp
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = min (max (x, lo), hi)    (torch.clamp)
 *   x, y [n]; y may be x
 * NaN stays NaN, as torch.clamp leaves it. */

#include "config.h"

#include "la-cpu-ops.h"

void
la_cpu_clamp (gfloat * y, const gfloat * x, gint64 n, gfloat lo, gfloat hi)
{
  gint64 i;

  for (i = 0; i < n; i++)
    y[i] = x[i] < lo ? lo : x[i] > hi ? hi : x[i];
}
