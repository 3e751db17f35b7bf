/* liveavatar: CPU reference: add, mul
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = a + b,  y = a * b
 *   a, y [n]    y may be a
 *   b    [nb]   n a multiple of nb; element i uses b[i % nb] (b of a's
 *               shape, or a row [C] broadcast over a's rows, ...) */

#include "config.h"

#include "la-cpu-ops.h"

void
la_cpu_add (gfloat * y, const gfloat * a, const gfloat * b, gint64 n, gint64 nb)
{
  gint64 i;

  for (i = 0; i < n; i++)
    y[i] = a[i] + b[i % nb];
}

void
la_cpu_mul (gfloat * y, const gfloat * a, const gfloat * b, gint64 n, gint64 nb)
{
  gint64 i;

  for (i = 0; i < n; i++)
    y[i] = a[i] * b[i % nb];
}
