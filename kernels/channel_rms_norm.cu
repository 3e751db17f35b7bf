/* liveavatar: channel_rms_norm kernel
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */


/* y = x / max (||x||_2, 1e-12) * sqrt (c) * gamma[ch] + bias[ch]
 *   x, y  [n, c, s]   normalised over c at each of the n * s positions
 *                     (s = H * W pixels, n frames); y may be x
 *   gamma [c], bias [c] or NULL
 * Wan VAE's RMS_norm. CPU reference:
 * src/backend/cpu/la-cpu-channel-rms-norm.c (same order of operations).
 *
 * v1: one thread per pixel walks the channels twice (sum of squares, then
 * scale); at each channel a warp reads 32 neighbouring pixels, so both
 * passes are coalesced. In place is safe: a pixel's column is read and
 * written by its own thread only. todo: the second pass re-reads x from
 * DRAM for the VAE's big planes; a block holding a pixel tile's channels
 * in shared memory would read it once. */

#include "la-kernel-common.cuh"

template < typename T > __global__ void
channel_rms_norm_kernel1 (T * y, const T * x, const T * gamma,
    const T * bias, int64_t n, int64_t c, int64_t s)
{
  const int64_t p = (int64_t) blockIdx.x * blockDim.x + threadIdx.x;
  const float scale = sqrtf ((float) c);

  if (p >= s)
    return;
  for (int64_t f = blockIdx.y; f < n; f += gridDim.y) {
    const int64_t frame = f * c * s;
    float ss = 0.0f, denom;

    for (int64_t ch = 0; ch < c; ch++) {
      float v = la::load (x, frame + ch * s + p);

      ss += v * v;
    }
    denom = fmaxf (sqrtf (ss), 1e-12f);
    for (int64_t ch = 0; ch < c; ch++) {
      const int64_t i = frame + ch * s + p;
      float b = bias ? la::load (bias, ch) : 0.0f;

      la::store (y, i, la::load (x, i) / denom * scale * la::load (gamma,
              ch) + b);
    }
  }
}

extern "C" cudaError_t
la_kernel_channel_rms_norm (la_kernel_dtype dtype, void *y, const void *x,
    const void *gamma, const void *bias, int64_t n, int64_t c, int64_t s,
    cudaStream_t stream)
{
  if (n < 1 || c < 1 || s < 1 || (s + 255) / 256 > INT32_MAX)
    return cudaErrorInvalidValue;
  const dim3 grid ((unsigned int) ((s + 255) / 256),
      (unsigned int) (n < 65535 ? n : 65535));

  LA_DISPATCH_FLOAT (dtype, T,
      channel_rms_norm_kernel1 < T > <<<grid, 256, 0, stream >>> ((T *) y,
          (const T *) x, (const T *) gamma, (const T *) bias, n, c, s));
  return cudaGetLastError ();
}
