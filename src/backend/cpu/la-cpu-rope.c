/* liveavatar: CPU reference: rope_3d
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Wan's 3-axis rotary embedding (wan/modules/model.py rope_params and
 * rope_apply; positions per token as s2v_utils.py rope_precompute makes
 * them).
 *   x, y [batch, seq, heads, head_dim]   y may be x
 *   pos  [seq, 3]                        (t, h, w) of each token, may be < 0
 * A head is c = head_dim / 2 complex pairs (x[2j], x[2j+1]). Pairs split
 * into a temporal part of c - 2 (c / 3) pairs, then height and width parts
 * of c / 3 pairs each (22, 21, 21 for head_dim 128). Pair i of a part with n
 * pairs has frequency theta^(-2i / (2n)) -- each part has its own ladder,
 * because Wan concatenates three rope_params tables of widths 2n -- and
 * turns by angle = pos_axis * frequency. A negative position is Wan's
 * conj () of the positive one, i.e. the same formula. Wan computes this in
 * float64 and rounds the result to float; so does this. */

#include "config.h"

#include "la-cpu-ops.h"

#include <math.h>

void
la_cpu_rope_3d (gfloat * y, const gfloat * x, const gint32 * pos,
    gint64 batch, gint64 seq, gint64 heads, gint64 head_dim, gfloat theta)
{
  gint64 c = head_dim / 2;
  gint64 part_len[3] = { c - 2 * (c / 3), c / 3, c / 3 };
  gdouble *angle = g_new (gdouble, c);
  gint64 b, l, h, j;

  for (b = 0; b < batch; b++) {
    for (l = 0; l < seq; l++) {
      const gint32 *pos_l = pos + l * 3;
      gint64 axis, first = 0;

      /* this token's angles, shared by every head */
      for (axis = 0; axis < 3; axis++) {
        gint64 n = part_len[axis];

        for (j = 0; j < n; j++)
          angle[first + j] = (gdouble) pos_l[axis] *
              pow ((gdouble) theta, -2.0 * (gdouble) j / (gdouble) (2 * n));
        first += n;
      }

      for (h = 0; h < heads; h++) {
        gint64 base = ((b * seq + l) * heads + h) * head_dim;
        const gfloat *x_h = x + base;
        gfloat *y_h = y + base;

        for (j = 0; j < c; j++) {
          gdouble re = x_h[2 * j], im = x_h[2 * j + 1];
          gdouble cs = cos (angle[j]), sn = sin (angle[j]);

          y_h[2 * j] = (gfloat) (re * cs - im * sn);
          y_h[2 * j + 1] = (gfloat) (re * sn + im * cs);
        }
      }
    }
  }
  g_free (angle);
}
