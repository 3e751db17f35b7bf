/* liveavatar: CPU reference: euler_step
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = x + dt * v      one flow-matching Euler step: v is the predicted
 *                     velocity, dt = sigma_next - sigma (negative when
 *                     denoising)
 *   x, v, y [n]       y may be x */

#include "config.h"

#include "la-cpu-ops.h"

void
la_cpu_euler_step (gfloat * y, const gfloat * x, const gfloat * v, gint64 n,
    gfloat dt)
{
  gint64 i;

  for (i = 0; i < n; i++)
    y[i] = x[i] + dt * v[i];
}
