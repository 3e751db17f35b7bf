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
 * Softmax subtracts the row maximum first (exact, and no overflow).
 *
 * Outputs are summed in the plain order: a score is sum over d of q[d]
 * k[d] from d = 0 up, and o[d] accumulates p_j v_j[d] over keys in order,
 * all in fp32. The speed comes from the layout and from register tiles,
 * not from reordering: K is first transposed per head to [head_dim][lk],
 * so a tile of QB queries x KT keys is a set of independent sums over d
 * held in vector registers (la-cpu-vec.h: one lane per sum, so the vector
 * width changes no result); the p v update keeps PB queries x a run of
 * head_dim in registers while the keys pass. The AVX2 clone has no FMA,
 * so nothing is contracted either. Two departures from the plain loop:
 * exp is la_v8_exp (within 2 ulp), and the softmax sum is VW interleaved
 * partial sums combined in a fixed order. Work items are (batch, head,
 * tile of QT queries), spread over threads; an item's result does not
 * depend on the thread that runs it. */

#include "config.h"

#include "la-cpu-ops.h"
#include "la-cpu-vec.h"

#include <math.h>
#include <string.h>

#define QT 32                   /* queries per work item */
#define QB 4                    /* queries per score tile */
#define KT 16                   /* keys per score tile: two vectors */
#define PB 2                    /* queries per p v tile */
#define DV 32                   /* head_dim per p v tile: four vectors */
#define VW LA_VW

typedef LaV8 V8;
typedef LaV8u V8u;
#define SPLAT LA_SPLAT

typedef struct
{
  gfloat *o;
  const gfloat *q, *k, *v;
  gfloat *kt;                   /* [batch * heads][head_dim][lk_pad] */
  gint64 lq, lk, lk_pad, heads, head_dim, n_qtiles;
  gfloat scale;
} Attention;

/* (batch, head) pairs [begin, end): K to [head_dim][lk_pad], zero padded */
static void
transpose_k (gpointer data, gint64 begin, gint64 end)
{
  const Attention *a = data;
  gint64 row = a->heads * a->head_dim, bh, j, d;

  for (bh = begin; bh < end; bh++) {
    gint64 b = bh / a->heads, h = bh % a->heads;
    const gfloat *k_bh = a->k + b * a->lk * row + h * a->head_dim;
    gfloat *dst = a->kt + bh * a->head_dim * a->lk_pad;

    for (d = 0; d < a->head_dim; d++) {
      gfloat *dst_d = dst + d * a->lk_pad;

      for (j = 0; j < a->lk; j++)
        dst_d[j] = k_bh[j * row + d];
      for (; j < a->lk_pad; j++)
        dst_d[j] = 0.0f;
    }
  }
}

/* raw scores of QB queries (q[0..QB-1], repeats allowed) against every
 * key: s[r][j], rows lk_pad apart */
static LA_INLINE void
scores (gfloat * s, const gfloat * const *q, const gfloat * kt,
    gint64 head_dim, gint64 lk_pad)
{
  gint64 j0, d;

  for (j0 = 0; j0 < lk_pad; j0 += KT) {
    V8 a00 = SPLAT (0.0f), a01 = a00, a10 = a00, a11 = a00;
    V8 a20 = a00, a21 = a00, a30 = a00, a31 = a00;

    for (d = 0; d < head_dim; d++) {
      const gfloat *k_d = kt + d * lk_pad + j0;
      V8 k0 = *(const V8u *) k_d, k1 = *(const V8u *) (k_d + VW);
      V8 q0 = SPLAT (q[0][d]), q1 = SPLAT (q[1][d]);
      V8 q2 = SPLAT (q[2][d]), q3 = SPLAT (q[3][d]);

      a00 += q0 * k0;
      a01 += q0 * k1;
      a10 += q1 * k0;
      a11 += q1 * k1;
      a20 += q2 * k0;
      a21 += q2 * k1;
      a30 += q3 * k0;
      a31 += q3 * k1;
    }
    *(V8u *) (s + j0) = a00;
    *(V8u *) (s + j0 + VW) = a01;
    *(V8u *) (s + lk_pad + j0) = a10;
    *(V8u *) (s + lk_pad + j0 + VW) = a11;
    *(V8u *) (s + 2 * lk_pad + j0) = a20;
    *(V8u *) (s + 2 * lk_pad + j0 + VW) = a21;
    *(V8u *) (s + 3 * lk_pad + j0) = a30;
    *(V8u *) (s + 3 * lk_pad + j0 + VW) = a31;
  }
}

/* s = softmax (s * scale) over lk keys, leaving p_j = e_j / sum; s has
 * room for whole vectors (lk_pad is a multiple of VW) */
static LA_INLINE void
softmax (gfloat * s, gint64 lk, gfloat scale)
{
  gint64 lk8 = (lk + VW - 1) / VW * VW, j, l;
  V8 vmax = SPLAT (-INFINITY), vsum = SPLAT (0.0f), e;
  gfloat max, sum, part[VW];

  for (j = 0; j < lk8; j += VW)
    LA_STORE (s + j, LA_LOAD (s + j) * scale);
  for (j = lk; j < lk8; j++)
    s[j] = -INFINITY;           /* the tail's padding: exp gives 0 */
  /* the maximum is exact whatever the order */
  for (j = 0; j < lk8; j += VW) {
    V8 x = LA_LOAD (s + j);

    vmax = (V8) la_v8_select (x > vmax, x, vmax);
  }
  max = vmax[0];
  for (l = 1; l < VW; l++)
    max = vmax[l] > max ? vmax[l] : max;
  /* VW interleaved partial sums, combined in a fixed order */
  for (j = 0; j < lk8; j += VW) {
    e = la_v8_exp (LA_LOAD (s + j) - max);
    LA_STORE (s + j, e);
    vsum += e;
  }
  memcpy (part, &vsum, sizeof part);
  sum = ((part[0] + part[4]) + (part[1] + part[5]))
      + ((part[2] + part[6]) + (part[3] + part[7]));
  for (j = 0; j < lk8; j += VW)
    LA_STORE (s + j, LA_LOAD (s + j) / sum);
}

/* o[r][d0 .. d0 + DV) = sum_j p[r][j] v_j for PB rows (repeats allowed) */
static LA_INLINE void
pv_tile (gfloat * const *o, const gfloat * const *p, const gfloat * v,
    gint64 row, gint64 lk, gint64 d0)
{
  V8 a00 = SPLAT (0.0f), a01 = a00, a02 = a00, a03 = a00;
  V8 a10 = a00, a11 = a00, a12 = a00, a13 = a00;
  gint64 j;

  for (j = 0; j < lk; j++) {
    const gfloat *v_j = v + j * row + d0;
    V8 v0 = *(const V8u *) v_j, v1 = *(const V8u *) (v_j + VW);
    V8 v2 = *(const V8u *) (v_j + 2 * VW), v3 = *(const V8u *) (v_j + 3 * VW);
    V8 p0 = SPLAT (p[0][j]), p1 = SPLAT (p[1][j]);

    a00 += p0 * v0;
    a01 += p0 * v1;
    a02 += p0 * v2;
    a03 += p0 * v3;
    a10 += p1 * v0;
    a11 += p1 * v1;
    a12 += p1 * v2;
    a13 += p1 * v3;
  }
  /* row 1 first: when it repeats row 0, row 0's (equal) values win */
  *(V8u *) (o[1] + d0) = a10;
  *(V8u *) (o[1] + d0 + VW) = a11;
  *(V8u *) (o[1] + d0 + 2 * VW) = a12;
  *(V8u *) (o[1] + d0 + 3 * VW) = a13;
  *(V8u *) (o[0] + d0) = a00;
  *(V8u *) (o[0] + d0 + VW) = a01;
  *(V8u *) (o[0] + d0 + 2 * VW) = a02;
  *(V8u *) (o[0] + d0 + 3 * VW) = a03;
}

/* pv_tile for one vector of head_dim: o[r][d0 .. d0 + VW) */
static LA_INLINE void
pv_tile8 (gfloat * const *o, const gfloat * const *p,
    const gfloat * v, gint64 row, gint64 lk, gint64 d0)
{
  V8 a0 = SPLAT (0.0f), a1 = a0;
  gint64 j;

  for (j = 0; j < lk; j++) {
    V8 v0 = *(const V8u *) (v + j * row + d0);

    a0 += SPLAT (p[0][j]) * v0;
    a1 += SPLAT (p[1][j]) * v0;
  }
  *(V8u *) (o[1] + d0) = a1;
  *(V8u *) (o[0] + d0) = a0;
}

/* o[d0 ..) for head_dim runs not covered by pv_tile: one row, in order */
static LA_INLINE void
pv_rest (gfloat * o, const gfloat * p, const gfloat * v, gint64 row,
    gint64 lk, gint64 d0, gint64 head_dim)
{
  gint64 j, d;

  for (d = d0; d < head_dim; d++)
    o[d] = 0.0f;
  for (j = 0; j < lk; j++) {
    const gfloat *v_j = v + j * row;
    gfloat pj = p[j];

    for (d = d0; d < head_dim; d++)
      o[d] += pj * v_j[d];
  }
}

/* work items [begin, end): (batch, head, query tile); cloned for AVX2 so
 * that the inlined tiles use 8-lane vectors */
static LA_CPU_CLONES void
attention_items (gpointer data, gint64 begin, gint64 end)
{
  const Attention *a = data;
  gint64 row = a->heads * a->head_dim, hd = a->head_dim;
  gint64 d_tiled = hd / DV * DV, d_tiled8 = hd / VW * VW;
  gfloat *score = g_new (gfloat, QT * a->lk_pad);
  gint64 item, i, r, d0;

  for (item = begin; item < end; item++) {
    gint64 bh = item / a->n_qtiles, tile = item % a->n_qtiles;
    gint64 b = bh / a->heads, h = bh % a->heads;
    gint64 i0 = tile * QT, n = MIN (QT, a->lq - i0);
    const gfloat *kt = a->kt + bh * hd * a->lk_pad;
    const gfloat *v_b = a->v + b * a->lk * row + h * hd;
    const gfloat *q_b = a->q + (b * a->lq + i0) * row + h * hd;
    gfloat *o_b = a->o + (b * a->lq + i0) * row + h * hd;

    for (i = 0; i < n; i += QB) {
      const gfloat *q[QB];

      for (r = 0; r < QB; r++)
        q[r] = q_b + MIN (i + r, n - 1) * row;
      scores (score + i * a->lk_pad, q, kt, hd, a->lk_pad);
    }
    for (i = 0; i < n; i++)
      softmax (score + i * a->lk_pad, a->lk, a->scale);
    for (i = 0; i < n; i += PB) {
      gint64 i1 = MIN (i + 1, n - 1);
      gfloat *o[PB] = { o_b + i * row, o_b + i1 * row };
      const gfloat *p[PB] = { score + i * a->lk_pad, score + i1 * a->lk_pad };

      for (d0 = 0; d0 < d_tiled; d0 += DV)
        pv_tile (o, p, v_b, row, a->lk, d0);
      for (; d0 < d_tiled8; d0 += VW)
        pv_tile8 (o, p, v_b, row, a->lk, d0);
      for (r = i; r <= i1 && d_tiled8 < hd; r++)
        pv_rest (o_b + r * row, score + r * a->lk_pad, v_b, row, a->lk,
            d_tiled8, hd);
    }
  }
  g_free (score);
}

void
la_cpu_attention (gfloat * o, const gfloat * q, const gfloat * k,
    const gfloat * v, gint64 batch, gint64 lq, gint64 lk, gint64 heads,
    gint64 head_dim, gfloat scale)
{
  gint64 lk_pad = (lk + KT - 1) / KT * KT, n_qtiles = (lq + QT - 1) / QT;
  Attention a = { o, q, k, v, NULL, lq, lk, lk_pad, heads, head_dim,
    n_qtiles, scale
  };

  if (batch * heads * lq == 0)
    return;
  a.kt = g_new (gfloat, batch * heads * head_dim * lk_pad);
  la_cpu_parallel_for (batch * heads, batch * heads * lk * head_dim,
      transpose_k, &a);
  la_cpu_parallel_for (batch * heads * n_qtiles,
      batch * heads * lq * lk * head_dim * 2, attention_items, &a);
  g_free (a.kt);
}
