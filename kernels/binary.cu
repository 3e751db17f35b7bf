/* liveavatar: binary (add, mul) kernel
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y[i] = a[i] + b[i % nb],  y[i] = a[i] * b[i % nb]
 *   a, y [n] (y may be a), b [nb], nb divides n
 * CPU reference: src/backend/cpu/la-cpu-binary.c
 *
 * v1: grid-stride loop; the modulo is cheap next to the memory traffic. */

#include "la-kernel-common.cuh"

template < typename T, int OP > __global__ void
binary_kernel1 (T * y, const T * a, const T * b, int64_t n, int64_t nb)
{
  for (int64_t i = (int64_t) blockIdx.x * blockDim.x + threadIdx.x; i < n;
      i += (int64_t) gridDim.x * blockDim.x) {
    float va = la::load (a, i), vb = la::load (b, i % nb);

    la::store (y, i, OP == LA_KERNEL_BINARY_ADD ? va + vb : va * vb);
  }
}

extern "C" cudaError_t
la_kernel_binary (la_kernel_dtype dtype, la_kernel_binary_op op, void *y,
    const void *a, const void *b, int64_t n, int64_t nb, cudaStream_t stream)
{
  const unsigned int grid = la::grid_for (n, 256);

  if (n < 1 || nb < 1 || n % nb)
    return cudaErrorInvalidValue;
  switch (op) {
    case LA_KERNEL_BINARY_ADD:
      LA_DISPATCH_FLOAT (dtype, T,
          binary_kernel1 < T, LA_KERNEL_BINARY_ADD > <<<grid, 256, 0,
          stream >>> ((T *) y, (const T *) a, (const T *) b, n, nb));
      break;
    case LA_KERNEL_BINARY_MUL:
      LA_DISPATCH_FLOAT (dtype, T,
          binary_kernel1 < T, LA_KERNEL_BINARY_MUL > <<<grid, 256, 0,
          stream >>> ((T *) y, (const T *) a, (const T *) b, n, nb));
      break;
    default:
      return cudaErrorInvalidValue;
  }
  return cudaGetLastError ();
}
