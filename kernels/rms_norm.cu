/* liveavatar: rms_norm kernel
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = x / sqrt (mean (x^2) + eps) * w
 *   x, y [rows, cols]  (y may be x), w [cols]; any storage, fp32 math
 * CPU reference: src/backend/cpu/la-cpu-rms-norm.c
 *
 * v1: one block of 256 threads per row, block-wide sum of squares, then a
 * second pass scales (the row is re-read, from L2 for Wan's 5120).
 * In place is safe: each element is read and written by one thread, after
 * the reduction's barrier. */

#include "la-kernel-common.cuh"

template < typename T > __global__ void
rms_norm_kernel1 (T * y, const T * x, const T * w, int64_t cols, float eps)
{
  __shared__ float scratch[32];
  const T *x_r = x + (int64_t) blockIdx.x * cols;
  T *y_r = y + (int64_t) blockIdx.x * cols;
  float ss = 0.0f, inv;

  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    float v = la::load (x_r, c);

    ss += v * v;
  }
  ss = la::block_sum (ss, scratch);
  inv = 1.0f / sqrtf (ss / (float) cols + eps);
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x)
    la::store (y_r, c, la::load (x_r, c) * inv * la::load (w, c));
}

extern "C" cudaError_t
la_kernel_rms_norm (la_kernel_dtype dtype, void *y, const void *x,
    const void *w, int64_t rows, int64_t cols, float eps, cudaStream_t stream)
{
  if (rows < 1 || rows > INT32_MAX || cols < 1)
    return cudaErrorInvalidValue;
  LA_DISPATCH_FLOAT (dtype, T,
      rms_norm_kernel1 < T > <<<(unsigned int) rows, 256, 0, stream >>> (
          (T *) y, (const T *) x, (const T *) w, cols, eps));
  return cudaGetLastError ();
}
