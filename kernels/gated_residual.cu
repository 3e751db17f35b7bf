/* liveavatar: gated_residual kernel
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = x + gate[g] * r
 *   x, r, y [rows, cols]   (y may be x)
 *   gate    [groups, cols] g = row / rows_per_group
 * CPU reference: src/backend/cpu/la-cpu-gated-residual.c
 *
 * v1: grid-stride loop over all elements. */

#include "la-kernel-common.cuh"

template < typename T > __global__ void
gated_residual_kernel1 (T * y, const T * x, const T * gate, const T * r,
    int64_t n, int64_t cols, int64_t rows_per_group)
{
  for (int64_t i = (int64_t) blockIdx.x * blockDim.x + threadIdx.x; i < n;
      i += (int64_t) gridDim.x * blockDim.x) {
    const int64_t row = i / cols, c = i % cols;
    const float g = la::load (gate, (row / rows_per_group) * cols + c);

    la::store (y, i, la::load (x, i) + g * la::load (r, i));
  }
}

extern "C" cudaError_t
la_kernel_gated_residual (la_kernel_dtype dtype, void *y, const void *x,
    const void *gate, const void *r, int64_t rows, int64_t cols,
    int64_t rows_per_group, cudaStream_t stream)
{
  const int64_t n = rows * cols;

  if (rows < 1 || cols < 1 || rows_per_group < 1)
    return cudaErrorInvalidValue;
  LA_DISPATCH_FLOAT (dtype, T,
      gated_residual_kernel1 < T > <<<la::grid_for (n, 256), 256, 0,
      stream >>> ((T *) y, (const T *) x, (const T *) gate, (const T *) r,
          n, cols, rows_per_group));
  return cudaGetLastError ();
}
