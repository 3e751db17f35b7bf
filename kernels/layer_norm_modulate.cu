/* liveavatar: layer_norm_modulate kernel
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = (x - mean) / sqrt (var + eps) * (1 + scale[g]) + shift[g]
 *   x, y         [rows, cols]    (y may be x)
 *   scale, shift [groups, cols]  g = row / rows_per_group; both NULL for a
 *                                plain LayerNorm without affine
 * Biased variance, as nn.LayerNorm. CPU reference:
 * src/backend/cpu/la-cpu-layer-norm.c
 *
 * v1: one block of 256 threads per row; mean, then the sum of squared
 * deviations (two passes, no cancellation), then the modulated write. */

#include "la-kernel-common.cuh"

template < typename T > __global__ void
layer_norm_modulate_kernel1 (T * y, const T * x, const T * scale,
    const T * shift, int64_t cols, int64_t rows_per_group, float eps)
{
  __shared__ float scratch[32];
  const int64_t row = blockIdx.x;
  const T *x_r = x + row * cols;
  T *y_r = y + row * cols;
  float sum = 0.0f, mean, var = 0.0f, inv;

  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x)
    sum += la::load (x_r, c);
  mean = la::block_sum (sum, scratch) / (float) cols;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    float d = la::load (x_r, c) - mean;

    var += d * d;
  }
  var = la::block_sum (var, scratch) / (float) cols;
  inv = 1.0f / sqrtf (var + eps);

  if (scale) {
    const int64_t g = row / rows_per_group;
    const T *scale_g = scale + g * cols;
    const T *shift_g = shift + g * cols;

    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x)
      la::store (y_r, c, (la::load (x_r, c) - mean) * inv *
          (1.0f + la::load (scale_g, c)) + la::load (shift_g, c));
  } else {
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x)
      la::store (y_r, c, (la::load (x_r, c) - mean) * inv);
  }
}

extern "C" cudaError_t
la_kernel_layer_norm_modulate (la_kernel_dtype dtype, void *y, const void *x,
    const void *scale, const void *shift, int64_t rows, int64_t cols,
    int64_t rows_per_group, float eps, cudaStream_t stream)
{
  if (rows < 1 || rows > INT32_MAX || cols < 1 || (scale != NULL) !=
      (shift != NULL) || (scale && rows_per_group < 1))
    return cudaErrorInvalidValue;
  LA_DISPATCH_FLOAT (dtype, T,
      layer_norm_modulate_kernel1 < T > <<<(unsigned int) rows, 256, 0,
      stream >>> ((T *) y, (const T *) x, (const T *) scale,
          (const T *) shift, cols, rows_per_group, eps));
  return cudaGetLastError ();
}
