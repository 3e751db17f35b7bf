/* liveavatar: upsample_nearest_2x kernel
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */


/* y[i, r, col] = x[i, r / 2, col / 2]
 *   x [n, h, w], y [n, 2h, 2w]   (n = every leading dimension)
 * CPU reference: src/backend/cpu/la-cpu-upsample.c
 *
 * v1: a 3D grid (column blocks, output rows, planes; y and z loop when a
 * size passes 65535): one thread per output element, so writes are
 * coalesced and a warp's reads fall on 16 neighbouring source elements;
 * no division by a runtime size but the halving. */

#include "la-kernel-common.cuh"

template < typename T > __global__ void
upsample_nearest_2x_kernel1 (T * y, const T * x, int64_t n, int64_t h,
    int64_t w)
{
  for (int64_t plane = blockIdx.z; plane < n; plane += gridDim.z)
    for (int64_t r = blockIdx.y; r < 2 * h; r += gridDim.y) {
      const T *src = x + (plane * h + r / 2) * w;
      T *dst = y + (plane * 2 * h + r) * 2 * w;

      for (int64_t col = (int64_t) blockIdx.x * blockDim.x + threadIdx.x;
          col < 2 * w; col += (int64_t) gridDim.x * blockDim.x)
        dst[col] = src[col / 2];
    }
}

extern "C" cudaError_t
la_kernel_upsample_nearest_2x (la_kernel_dtype dtype, void *y, const void *x,
    int64_t n, int64_t h, int64_t w, cudaStream_t stream)
{
  if (n < 1 || h < 1 || w < 1)
    return cudaErrorInvalidValue;
  const dim3 grid (la::grid_for (2 * w, 256),
      (unsigned int) (2 * h < 65535 ? 2 * h : 65535),
      (unsigned int) (n < 65535 ? n : 65535));

  /* a copy: the storage type only sets the element size */
  LA_DISPATCH_FLOAT (dtype, T,
      upsample_nearest_2x_kernel1 < T > <<<grid, 256, 0, stream >>> ((T *) y,
          (const T *) x, n, h, w));
  return cudaGetLastError ();
}
