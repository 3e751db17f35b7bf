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

/* Work items are whole repeats of b (i = r * nb + j), so the inner loop
 * needs no modulo; rows of b are split between items only when b is as
 * big as a. */
typedef struct
{
  gfloat *y;
  const gfloat *a, *b;
  gint64 n, nb, per_item;       /* elements per work item */
  gboolean mul;
} Binary;

#define CHUNK 16384             /* about the elements per work item */

static void
binary_items (gpointer data, gint64 begin, gint64 end)
{
  const Binary *op = data;
  gint64 item, i, j;

  for (item = begin; item < end; item++) {
    gint64 i0 = item * op->per_item, i1 = MIN (i0 + op->per_item, op->n);

    for (i = i0; i < i1;) {
      gint64 j0 = i % op->nb, len = MIN (op->nb - j0, i1 - i);
      gfloat *y = op->y + i;
      const gfloat *a = op->a + i, *b = op->b + j0;

      if (op->mul)
        for (j = 0; j < len; j++)
          y[j] = a[j] * b[j];
      else
        for (j = 0; j < len; j++)
          y[j] = a[j] + b[j];
      i += len;
    }
  }
}

static void
binary (gfloat * y, const gfloat * a, const gfloat * b, gint64 n, gint64 nb,
    gboolean mul)
{
  Binary op = { y, a, b, n, nb, 0, mul };
  gint64 per_item = MAX (CHUNK / nb, 1) * nb;

  if (n == 0)
    return;
  op.per_item = nb >= CHUNK ? CHUNK : per_item;
  la_cpu_parallel_for ((n + op.per_item - 1) / op.per_item, n * 2, binary_items,
      &op);
}

void
la_cpu_add (gfloat * y, const gfloat * a, const gfloat * b, gint64 n, gint64 nb)
{
  binary (y, a, b, n, nb, FALSE);
}

void
la_cpu_mul (gfloat * y, const gfloat * a, const gfloat * b, gint64 n, gint64 nb)
{
  binary (y, a, b, n, nb, TRUE);
}
