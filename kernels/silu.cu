/* liveavatar: silu kernel
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */


/* y = x / (1 + exp (-x))    nn.SiLU
 *   x, y [n]   elementwise, y may be x
 * CPU reference: src/backend/cpu/la-cpu-silu.c (same expression: for very
 * negative x, expf overflows to inf and y is -0, the limit).
 *
 * v1: grid-stride loop, expf (not __expf: parity first). */

#include "la-kernel-common.cuh"

template < typename T > __global__ void
silu_kernel1 (T * y, const T * x, int64_t n)
{
  for (int64_t i = (int64_t) blockIdx.x * blockDim.x + threadIdx.x; i < n;
      i += (int64_t) gridDim.x * blockDim.x) {
    float v = la::load (x, i);

    la::store (y, i, v / (1.0f + expf (-v)));
  }
}

extern "C" cudaError_t
la_kernel_silu (la_kernel_dtype dtype, void *y, const void *x, int64_t n,
    cudaStream_t stream)
{
  if (n < 1)
    return cudaErrorInvalidValue;
  LA_DISPATCH_FLOAT (dtype, T,
      silu_kernel1 < T > <<<la::grid_for (n, 256), 256, 0, stream >>> (
          (T *) y, (const T *) x, n));
  return cudaGetLastError ();
}
