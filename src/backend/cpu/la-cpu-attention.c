/* liveavatar: CPU reference: attention
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* o = softmax (q k^T * scale) v    per batch and head, no mask
 *   q, o [batch, lq, heads, head_dim]
 *   k, v [batch, lk, heads, head_dim]
 * The token-major layout is what the q/k/v linears produce ([L, dim] with
 * dim = heads * head_dim), so no transposes are needed around the op.
 * Softmax subtracts the row maximum first (exact, and no overflow). */

#include "config.h"

#include "la-cpu-ops.h"

#include <math.h>

void
la_cpu_attention (gfloat * o, const gfloat * q, const gfloat * k,
    const gfloat * v, gint64 batch, gint64 lq, gint64 lk, gint64 heads,
    gint64 head_dim, gfloat scale)
{
  gint64 row = heads * head_dim;        /* stride between tokens */
  gfloat *score = g_new (gfloat, lk);
  gint64 b, h, i, j, d;

  for (b = 0; b < batch; b++) {
    const gfloat *q_b = q + b * lq * row;
    const gfloat *k_b = k + b * lk * row;
    const gfloat *v_b = v + b * lk * row;
    gfloat *o_b = o + b * lq * row;

    for (h = 0; h < heads; h++) {
      for (i = 0; i < lq; i++) {
        const gfloat *q_i = q_b + i * row + h * head_dim;
        gfloat *o_i = o_b + i * row + h * head_dim;
        gfloat max = -INFINITY, sum = 0.0f;

        for (j = 0; j < lk; j++) {
          const gfloat *k_j = k_b + j * row + h * head_dim;
          gfloat s = 0.0f;

          for (d = 0; d < head_dim; d++)
            s += q_i[d] * k_j[d];
          score[j] = s * scale;
          if (score[j] > max)
            max = score[j];
        }
        for (j = 0; j < lk; j++) {
          score[j] = expf (score[j] - max);
          sum += score[j];
        }

        for (d = 0; d < head_dim; d++)
          o_i[d] = 0.0f;
        for (j = 0; j < lk; j++) {
          const gfloat *v_j = v_b + j * row + h * head_dim;
          gfloat p = score[j] / sum;

          for (d = 0; d < head_dim; d++)
            o_i[d] += p * v_j[d];
        }
      }
    }
  }
  g_free (score);
}
