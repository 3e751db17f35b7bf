/* liveavatar: gelu_tanh kernel
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = 0.5 x (1 + tanh (sqrt (2 / pi) (x + 0.044715 x^3)))
 *   x, y [n]   elementwise, y may be x
 * CPU reference: src/backend/cpu/la-cpu-gelu.c
 *
 * v1: grid-stride loop, one element per thread per step, tanhf (not the
 * approximate tanh.approx instruction: parity first). */

#include "la-kernel-common.cuh"

template < typename T > __global__ void
gelu_tanh_kernel1 (T * y, const T * x, int64_t n)
{
  const float k = 0.7978845608028654f;  /* sqrt (2 / pi) */

  for (int64_t i = (int64_t) blockIdx.x * blockDim.x + threadIdx.x; i < n;
      i += (int64_t) gridDim.x * blockDim.x) {
    float v = la::load (x, i);

    la::store (y, i, 0.5f * v * (1.0f + tanhf (k * (v + 0.044715f * v * v *
                    v))));
  }
}

extern "C" cudaError_t
la_kernel_gelu_tanh (la_kernel_dtype dtype, void *y, const void *x,
    int64_t n, cudaStream_t stream)
{
  if (n < 1)
    return cudaErrorInvalidValue;
  LA_DISPATCH_FLOAT (dtype, T,
      gelu_tanh_kernel1 < T > <<<la::grid_for (n, 256), 256, 0, stream >>> (
          (T *) y, (const T *) x, n));
  return cudaGetLastError ();
}
