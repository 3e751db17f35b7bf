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
 * For very negative x, exp (-x) overflows to inf and y is -0, the limit.
 * exp is la_v8_exp (within 2 ulp of exact, see la-cpu-vec.h), eight
 * elements at a time; the tail goes through the same function. */

#include "config.h"

#include "la-cpu-ops.h"
#include "la-cpu-vec.h"

#include <math.h>

typedef struct
{
  gfloat *y;
  const gfloat *x;
} Silu;

#define CHUNK 4096              /* elements per work item */
#define EXP_COST 16             /* about an expf, in multiply-adds */

/* cloned for AVX2 so that the inlined exp uses 8-lane vectors */
static LA_CPU_CLONES void
silu_range (gpointer data, gint64 begin, gint64 end)
{
  const Silu *s = data;
  gint64 i, l;

  for (i = begin; i + LA_VW <= end; i += LA_VW) {
    LaV8 x = LA_LOAD (s->x + i);

    LA_STORE (s->y + i, x / (1.0f + la_v8_exp (-x)));
  }
  if (i < end) {
    LaV8 x = LA_SPLAT (0.0f), y;

    for (l = 0; l < end - i; l++)
      x[l] = s->x[i + l];
    y = x / (1.0f + la_v8_exp (-x));
    for (l = 0; l < end - i; l++)
      s->y[i + l] = y[l];
  }
}

/* chunks [begin, end) of CHUNK elements; the last one may be short */
typedef struct
{
  Silu s;
  gint64 n;
} SiluJob;

static void
silu_chunks (gpointer data, gint64 begin, gint64 end)
{
  const SiluJob *j = data;

  silu_range ((gpointer) & j->s, begin * CHUNK, MIN (end * CHUNK, j->n));
}

void
la_cpu_silu (gfloat * y, const gfloat * x, gint64 n)
{
  SiluJob job = { {y, x}, n };

  la_cpu_parallel_for ((n + CHUNK - 1) / CHUNK, n * EXP_COST, silu_chunks,
      &job);
}
