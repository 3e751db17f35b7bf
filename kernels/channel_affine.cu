/* liveavatar: channel_affine kernel
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */


/* y = x * scale[c] + shift[c]
 *   x, y [n, c, s]   (s = H * W pixels per channel plane), y may be x
 *   scale, shift [c]
 * CPU reference: src/backend/cpu/la-cpu-channel-affine.c
 *
 * v1: a 3D grid (pixel blocks, channels, frames; y and z loop past 65535),
 * so a thread finds its channel without dividing; each block streams
 * contiguous plane segments. */

#include "la-kernel-common.cuh"

template < typename T > __global__ void
channel_affine_kernel1 (T * y, const T * x, const T * scale, const T * shift,
    int64_t n, int64_t c, int64_t s)
{
  for (int64_t f = blockIdx.z; f < n; f += gridDim.z)
    for (int64_t ch = blockIdx.y; ch < c; ch += gridDim.y) {
      const int64_t plane = (f * c + ch) * s;
      const float a = la::load (scale, ch), b = la::load (shift, ch);

      for (int64_t p = (int64_t) blockIdx.x * blockDim.x + threadIdx.x;
          p < s; p += (int64_t) gridDim.x * blockDim.x)
        la::store (y, plane + p, la::load (x, plane + p) * a + b);
    }
}

extern "C" cudaError_t
la_kernel_channel_affine (la_kernel_dtype dtype, void *y, const void *x,
    const void *scale, const void *shift, int64_t n, int64_t c, int64_t s,
    cudaStream_t stream)
{
  if (n < 1 || c < 1 || s < 1)
    return cudaErrorInvalidValue;
  const dim3 grid (la::grid_for (s, 256),
      (unsigned int) (c < 65535 ? c : 65535),
      (unsigned int) (n < 65535 ? n : 65535));

  LA_DISPATCH_FLOAT (dtype, T,
      channel_affine_kernel1 < T > <<<grid, 256, 0, stream >>> ((T *) y,
          (const T *) x, (const T *) scale, (const T *) shift, n, c, s));
  return cudaGetLastError ();
}
