/* liveavatar: transpose kernel
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */


/* y[b, j, i, s] = x[b, i, j, s]
 *   x [nb, m, n, s], y [nb, n, m, s]   blocks of s contiguous elements move
 * CPU reference: src/backend/cpu/la-cpu-transpose.c
 *
 * v1 (s = 1, a batch of matrix transposes): 32 x 32 tiles through shared
 * memory (rows padded to 33 so the column reads hit 32 banks); a warp
 * reads a row segment of x and writes a row segment of y, both coalesced.
 * v2 (s > 1): one thread per element of y, walking y in order; reads are
 * coalesced along s, which for the VAE's [C, T, H * W] <-> [T, C, H * W]
 * is a whole picture. */

#include "la-kernel-common.cuh"

#define TR_TILE 32
#define TR_ROWS 8               /* block is TR_TILE x TR_ROWS threads */

template < typename T > __global__ void
transpose_kernel1 (T * y, const T * x, int64_t m, int64_t n)
{
  __shared__ T tile[TR_TILE][TR_TILE + 1];
  const int64_t b = blockIdx.z;
  const int64_t i0 = (int64_t) blockIdx.y * TR_TILE;
  const int64_t j0 = (int64_t) blockIdx.x * TR_TILE;
  const T *x_b = x + b * m * n;
  T *y_b = y + b * m * n;

  /* tile[r][c] = x[i0 + r][j0 + c] */
  for (int r = threadIdx.y; r < TR_TILE; r += TR_ROWS) {
    const int64_t i = i0 + r, j = j0 + threadIdx.x;

    if (i < m && j < n)
      tile[r][threadIdx.x] = x_b[i * n + j];
  }
  __syncthreads ();
  /* y[j0 + r][i0 + c] = tile[c][r] */
  for (int r = threadIdx.y; r < TR_TILE; r += TR_ROWS) {
    const int64_t j = j0 + r, i = i0 + threadIdx.x;

    if (i < m && j < n)
      y_b[j * m + i] = tile[threadIdx.x][r];
  }
}

template < typename T > __global__ void
transpose_kernel2 (T * y, const T * x, int64_t nb, int64_t m, int64_t n,
    int64_t s)
{
  const int64_t total = nb * m * n * s;

  for (int64_t o = (int64_t) blockIdx.x * blockDim.x + threadIdx.x;
      o < total; o += (int64_t) gridDim.x * blockDim.x) {
    /* o = ((b * n + j) * m + i) * s + e */
    const int64_t e = o % s, rest = o / s;
    const int64_t i = rest % m, bj = rest / m;
    const int64_t j = bj % n, b = bj / n;

    y[o] = x[((b * m + i) * n + j) * s + e];
  }
}

template < typename T > static cudaError_t
transpose_launch (T * y, const T * x, int64_t nb, int64_t m, int64_t n,
    int64_t s, cudaStream_t stream)
{
  const int64_t tiles_m = (m + TR_TILE - 1) / TR_TILE;
  const int64_t tiles_n = (n + TR_TILE - 1) / TR_TILE;

  if (s == 1 && nb <= 65535 && tiles_m <= 65535 && tiles_n <= INT32_MAX) {
    const dim3 grid ((unsigned int) tiles_n, (unsigned int) tiles_m,
        (unsigned int) nb);

    transpose_kernel1 < T > <<<grid, dim3 (TR_TILE, TR_ROWS), 0,
        stream >>> (y, x, m, n);
  } else {
    transpose_kernel2 < T > <<<la::grid_for (nb * m * n * s, 256), 256, 0,
        stream >>> (y, x, nb, m, n, s);
  }
  return cudaGetLastError ();
}

extern "C" cudaError_t
la_kernel_transpose (la_kernel_dtype dtype, void *y, const void *x,
    int64_t nb, int64_t m, int64_t n, int64_t s, cudaStream_t stream)
{
  if (nb < 1 || m < 1 || n < 1 || s < 1)
    return cudaErrorInvalidValue;
  /* a copy: the storage type only sets the element size */
  LA_DISPATCH_FLOAT (dtype, T,
      return transpose_launch < T > ((T *) y, (const T *) x, nb, m, n, s,
          stream));
  return cudaErrorInvalidValue;
}
