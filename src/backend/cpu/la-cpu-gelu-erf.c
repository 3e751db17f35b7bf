/* liveavatar: CPU reference: exact GELU
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = 0.5 x (1 + erf (x / sqrt (2)))
 *   x, y [n]   elementwise (nn.GELU () with approximate='none', wav2vec2's
 *              "gelu"); y may be x
 * Evaluated in double and rounded once, so the reference is the correctly
 * rounded value up to erf's own last bit. */

#include "config.h"

#include "la-cpu-ops.h"

#include <math.h>

void
la_cpu_gelu_erf (gfloat * y, const gfloat * x, gint64 n)
{
  gint64 i;

  for (i = 0; i < n; i++) {
    gdouble v = x[i];

    y[i] = (gfloat) (0.5 * v * (1.0 + erf (v / G_SQRT2)));
  }
}
