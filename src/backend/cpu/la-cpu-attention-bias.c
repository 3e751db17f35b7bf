/* liveavatar: CPU reference: attention with an additive bias
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* o = softmax (q k^T * scale + bias) v    per batch and head
 *   q, o [batch, lq, heads, head_dim]
 *   k, v [batch, lk, heads, head_dim]
 *   bias [heads, lq, lk]    the same for every batch
 * T5's attention: a relative position bias per head (and the padding mask
 * as -inf, which drops a key) is added to the logits. A row whose logits
 * are all -inf attends to nothing and gives zeros (PyTorch would give
 * NaN). Heads run in parallel; each output is computed the same way
 * whatever the split. */

#include "config.h"

#include "la-cpu-ops.h"

#include <math.h>

typedef struct
{
  gfloat *o;
  const gfloat *q, *k, *v, *bias;
  gint64 heads, lq, lk, head_dim;
  gfloat scale;
} AttentionBiasJob;

/* (batch, head) pairs [begin, end) */
static void
attention_bias_range (gpointer data, gint64 begin, gint64 end)
{
  const AttentionBiasJob *j = data;
  gint64 row = j->heads * j->head_dim;  /* stride between tokens */
  gfloat *score = g_new (gfloat, j->lk);
  gint64 bh, i, t, d;

  for (bh = begin; bh < end; bh++) {
    gint64 b = bh / j->heads, h = bh % j->heads;
    const gfloat *q_b = j->q + b * j->lq * row + h * j->head_dim;
    const gfloat *k_b = j->k + b * j->lk * row + h * j->head_dim;
    const gfloat *v_b = j->v + b * j->lk * row + h * j->head_dim;
    gfloat *o_b = j->o + b * j->lq * row + h * j->head_dim;

    for (i = 0; i < j->lq; i++) {
      const gfloat *q_i = q_b + i * row;
      const gfloat *bias_i = j->bias + (h * j->lq + i) * j->lk;
      gfloat *o_i = o_b + i * row;
      gfloat max = -INFINITY, sum = 0.0f;

      for (t = 0; t < j->lk; t++) {
        const gfloat *k_t = k_b + t * row;
        gfloat s = 0.0f;

        for (d = 0; d < j->head_dim; d++)
          s += q_i[d] * k_t[d];
        score[t] = s * j->scale + bias_i[t];
        if (score[t] > max)
          max = score[t];
      }
      for (d = 0; d < j->head_dim; d++)
        o_i[d] = 0.0f;
      if (max == -INFINITY)
        continue;
      for (t = 0; t < j->lk; t++) {
        score[t] = expf (score[t] - max);
        sum += score[t];
      }
      for (t = 0; t < j->lk; t++) {
        const gfloat *v_t = v_b + t * row;
        gfloat p = score[t] / sum;

        if (p == 0.0f)
          continue;
        for (d = 0; d < j->head_dim; d++)
          o_i[d] += p * v_t[d];
      }
    }
  }
  g_free (score);
}

void
la_cpu_attention_bias (gfloat * o, const gfloat * q, const gfloat * k,
    const gfloat * v, const gfloat * bias, gint64 batch, gint64 lq,
    gint64 lk, gint64 heads, gint64 head_dim, gfloat scale)
{
  AttentionBiasJob job = { o, q, k, v, bias, heads, lq, lk, head_dim, scale };

  la_cpu_parallel_for (batch * heads, batch * heads * lq * lk * head_dim * 2,
      attention_bias_range, &job);
}
