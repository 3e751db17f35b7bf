/* liveavatar: clamp kernel
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */


/* y = min (max (x, lo), hi)    torch.clamp
 *   x, y [n]   elementwise, y may be x; lo <= hi
 * CPU reference: src/backend/cpu/la-cpu-clamp.c. Written with comparisons,
 * not fminf/fmaxf, so that NaN stays NaN as in torch (fminf would drop it).
 *
 * v1: grid-stride loop. */

#include "la-kernel-common.cuh"

template < typename T > __global__ void
clamp_kernel1 (T * y, const T * x, int64_t n, float lo, float hi)
{
  for (int64_t i = (int64_t) blockIdx.x * blockDim.x + threadIdx.x; i < n;
      i += (int64_t) gridDim.x * blockDim.x) {
    float v = la::load (x, i);

    la::store (y, i, v < lo ? lo : v > hi ? hi : v);
  }
}

extern "C" cudaError_t
la_kernel_clamp (la_kernel_dtype dtype, void *y, const void *x, int64_t n,
    float lo, float hi, cudaStream_t stream)
{
  if (n < 1 || !(lo <= hi))
    return cudaErrorInvalidValue;
  LA_DISPATCH_FLOAT (dtype, T,
      clamp_kernel1 < T > <<<la::grid_for (n, 256), 256, 0, stream >>> (
          (T *) y, (const T *) x, n, lo, hi));
  return cudaGetLastError ();
}
