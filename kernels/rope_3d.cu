/* liveavatar: rope_3d kernel
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Wan's 3-axis rotary embedding (wan/modules/model.py rope_apply)
 *   x, y [batch, seq, heads, head_dim]  (y may be x)
 *   pos  [seq, 3] int32                 (t, h, w) per token, may be < 0
 * With c = head_dim / 2 complex pairs (x[2j], x[2j+1]) split into t, h, w
 * parts of c - 2 (c / 3), c / 3, c / 3 pairs, pair i of a part of n pairs
 * turns by pos_axis * theta^(-2i / (2n)). Angle, sin/cos and the complex
 * product in double, as Wan does in float64; rounded once on store.
 * CPU reference: src/backend/cpu/la-cpu-rope.c
 *
 * v1: one thread per (token, pair): computes the angle once and applies it
 * to that pair in every head and batch. A warp covers consecutive pairs of
 * one head, so loads are contiguous. */

#include "la-kernel-common.cuh"

template < typename T > __global__ void
rope_3d_kernel1 (T * y, const T * x, const int32_t * pos, int64_t batch,
    int64_t seq, int64_t heads, int64_t head_dim, double theta)
{
  const int64_t c = head_dim / 2;
  const int64_t n_t = c - 2 * (c / 3), n_hw = c / 3;

  for (int64_t idx = (int64_t) blockIdx.x * blockDim.x + threadIdx.x;
      idx < seq * c; idx += (int64_t) gridDim.x * blockDim.x) {
    const int64_t l = idx / c, j = idx % c;
    int axis;
    int64_t i, n;
    double angle, sn, cs;

    if (j < n_t) {
      axis = 0;
      i = j;
      n = n_t;
    } else if (j < n_t + n_hw) {
      axis = 1;
      i = j - n_t;
      n = n_hw;
    } else {
      axis = 2;
      i = j - n_t - n_hw;
      n = n_hw;
    }
    angle = (double) pos[l * 3 + axis] *
        pow (theta, -2.0 * (double) i / (double) (2 * n));
    sincos (angle, &sn, &cs);

    for (int64_t b = 0; b < batch; b++) {
      for (int64_t h = 0; h < heads; h++) {
        const int64_t at = ((b * seq + l) * heads + h) * head_dim + 2 * j;
        const double re = la::load (x, at), im = la::load (x, at + 1);

        la::store (y, at, (float) (re * cs - im * sn));
        la::store (y, at + 1, (float) (re * sn + im * cs));
      }
    }
  }
}

extern "C" cudaError_t
la_kernel_rope_3d (la_kernel_dtype dtype, void *y, const void *x,
    const int32_t * pos, int64_t batch, int64_t seq, int64_t heads,
    int64_t head_dim, float theta, cudaStream_t stream)
{
  if (batch < 1 || seq < 1 || heads < 1 || head_dim < 6 || head_dim % 2)
    return cudaErrorInvalidValue;
  LA_DISPATCH_FLOAT (dtype, T,
      rope_3d_kernel1 < T > <<<la::grid_for (seq * (head_dim / 2), 128), 128,
      0, stream >>> ((T *) y, (const T *) x, pos, batch, seq, heads,
          head_dim, (double) theta));
  return cudaGetLastError ();
}
