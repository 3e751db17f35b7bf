/* liveavatar: gelu_erf kernel
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */


/* y = 0.5 x (1 + erf (x / sqrt (2)))    nn.GELU (), exact
 *   x, y [n]   elementwise, y may be x
 * CPU reference: src/backend/cpu/la-cpu-gelu-erf.c (in double there).
 *
 * v1: grid-stride loop in fp32, written as 0.5 x erfc (-x / sqrt (2)):
 * the same function, but 1 + erf (z) cancels for negative x (about 1e-3
 * relative error at x = -4 in fp32) where erfc does not. */

#include "la-kernel-common.cuh"

template < typename T > __global__ void
gelu_erf_kernel1 (T * y, const T * x, int64_t n)
{
  const float rsqrt2 = 0.70710678118654752f;

  for (int64_t i = (int64_t) blockIdx.x * blockDim.x + threadIdx.x; i < n;
      i += (int64_t) gridDim.x * blockDim.x) {
    float v = la::load (x, i);

    la::store (y, i, 0.5f * v * erfcf (-v * rsqrt2));
  }
}

extern "C" cudaError_t
la_kernel_gelu_erf (la_kernel_dtype dtype, void *y, const void *x, int64_t n,
    cudaStream_t stream)
{
  if (n < 1)
    return cudaErrorInvalidValue;
  LA_DISPATCH_FLOAT (dtype, T,
      gelu_erf_kernel1 < T > <<<la::grid_for (n, 256), 256, 0, stream >>> (
          (T *) y, (const T *) x, n));
  return cudaGetLastError ();
}
