/* liveavatar: euler_step kernel
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = x + dt * v     the flow-matching Euler update
 *   x, v, y [n]      (y may be x)
 * CPU reference: src/backend/cpu/la-cpu-euler-step.c
 *
 * v1: grid-stride loop. */

#include "la-kernel-common.cuh"

template < typename T > __global__ void
euler_step_kernel1 (T * y, const T * x, const T * v, int64_t n, float dt)
{
  for (int64_t i = (int64_t) blockIdx.x * blockDim.x + threadIdx.x; i < n;
      i += (int64_t) gridDim.x * blockDim.x)
    la::store (y, i, la::load (x, i) + dt * la::load (v, i));
}

extern "C" cudaError_t
la_kernel_euler_step (la_kernel_dtype dtype, void *y, const void *x,
    const void *v, int64_t n, float dt, cudaStream_t stream)
{
  if (n < 1)
    return cudaErrorInvalidValue;
  LA_DISPATCH_FLOAT (dtype, T,
      euler_step_kernel1 < T > <<<la::grid_for (n, 256), 256, 0, stream >>> (
          (T *) y, (const T *) x, (const T *) v, n, dt));
  return cudaGetLastError ();
}
