/* liveavatar: conv1d kernel
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* nn.Conv1d over time, grouped, zero padded, time-major
 * (la_conv1d () in src/backend/la-backend.h):
 *   y[t, co] = bias[co] + sum_{k < kernel, ci < cin / G} w[co, ci, k]
 *              * x[t * stride + k - pad, g * (cin / G) + ci]
 *   x [l, cin], w [cout, cin / G, kernel], bias [cout] or NULL,
 *   y [lo, cout], g = co / (cout / G); taps outside x read zero
 * CPU reference: src/backend/cpu/la-cpu-conv1d.c
 *
 * v1: implicit GEMM per group, fp32 FMAs whatever the storage (wav2vec2's
 * convolutions are a few GFLOP per second of audio). A block of 128
 * threads owns 64 output frames x 64 output channels of one group; the
 * reduction runs over r = k * (cin / G) + ci, 32 at a time, so that the
 * input tile is read along channels (contiguous in a time-major frame).
 * The weight tile is read at stride kernel; it is small and stays in
 * cache. Each thread accumulates 8 frames x 4 channels in registers and
 * stores channels-contiguous. todo: tensor cores for the 16-bit types. */

#include "la-kernel-common.cuh"

#define C1_BT 64                /* output frames per block */
#define C1_BC 64                /* output channels per block */
#define C1_BK 32                /* reduction elements per step */
#define C1_THREADS 128

struct conv1d_geometry
{
  int64_t l, cin, lo, cout;
  int kernel, stride, pad, cin_g, cout_g;
};

template < typename T > __global__ void
__launch_bounds__ (C1_THREADS)
conv1d_kernel1 (T * y, const T * x, const T * w, const T * bias,
    conv1d_geometry g)
{
  /* xs[kk][t], ws[kk][c]: the math reads both along their rows; rows
   * padded by one so that the loads, which walk kk, hit 32 banks */
  __shared__ float xs[C1_BK][C1_BT + 1];
  __shared__ float ws[C1_BK][C1_BC + 1];
  const int tid = threadIdx.x, ty = tid / 16, tx = tid % 16;
  const int64_t t0 = (int64_t) blockIdx.x * C1_BT;
  const int c0 = blockIdx.y * C1_BC, grp = blockIdx.z;
  const int64_t ch0 = (int64_t) grp * g.cin_g;  /* group's first input */
  const int64_t n_red = (int64_t) g.kernel * g.cin_g;
  float acc[8][4];

  for (int i = 0; i < 8; i++)
    for (int j = 0; j < 4; j++)
      acc[i][j] = 0.0f;

  for (int64_t r0 = 0; r0 < n_red; r0 += C1_BK) {
    __syncthreads ();           /* the previous step's tiles are consumed */
    /* xs[kk][t] = x[(t0 + t) * stride + k - pad][ch0 + ci] */
    for (int idx = tid; idx < C1_BK * C1_BT; idx += C1_THREADS) {
      const int kk = idx % C1_BK, t = idx / C1_BK;
      const int64_t r = r0 + kk, k = r / g.cin_g, ci = r % g.cin_g;
      const int64_t src = (t0 + t) * g.stride + k - g.pad;
      float v = 0.0f;

      if (r < n_red && t0 + t < g.lo && src >= 0 && src < g.l)
        v = la::load (x, src * g.cin + ch0 + ci);
      xs[kk][t] = v;
    }
    /* ws[kk][c] = w[grp * cout_g + c0 + c][ci][k] */
    for (int idx = tid; idx < C1_BK * C1_BC; idx += C1_THREADS) {
      const int kk = idx % C1_BK, c = idx / C1_BK;
      const int64_t r = r0 + kk, k = r / g.cin_g, ci = r % g.cin_g;
      const int64_t co = (int64_t) grp * g.cout_g + c0 + c;
      float v = 0.0f;

      if (r < n_red && c0 + c < g.cout_g)
        v = la::load (w, (co * g.cin_g + ci) * g.kernel + k);
      ws[kk][c] = v;
    }
    __syncthreads ();
    for (int kk = 0; kk < C1_BK; kk++) {
      float a[8], b[4];

#pragma unroll
      for (int i = 0; i < 8; i++)
        a[i] = xs[kk][ty * 8 + i];
#pragma unroll
      for (int j = 0; j < 4; j++)
        b[j] = ws[kk][tx * 4 + j];
#pragma unroll
      for (int i = 0; i < 8; i++)
#pragma unroll
        for (int j = 0; j < 4; j++)
          acc[i][j] = fmaf (a[i], b[j], acc[i][j]);
    }
  }

  for (int i = 0; i < 8; i++) {
    const int64_t t = t0 + ty * 8 + i;

    if (t >= g.lo)
      break;
    for (int j = 0; j < 4; j++) {
      const int c = c0 + tx * 4 + j;
      const int64_t co = (int64_t) grp * g.cout_g + c;

      if (c < g.cout_g)
        la::store (y, t * g.cout + co, acc[i][j] + (bias ? la::load (bias,
                    co) : 0.0f));
    }
  }
}

extern "C" cudaError_t
la_kernel_conv1d (la_kernel_dtype dtype, void *y, const void *x,
    const void *w, const void *bias, int64_t l, int64_t cin, int64_t lo,
    int64_t cout, int64_t kernel, int stride, int pad_before, int groups,
    cudaStream_t stream)
{
  conv1d_geometry g;

  if (l < 1 || cin < 1 || lo < 1 || cout < 1 || kernel < 1 || stride < 1
      || pad_before < 0 || groups < 1 || groups > 65535 || cin % groups
      || cout % groups || kernel > INT32_MAX || cin / groups > INT32_MAX
      || cout / groups > INT32_MAX
      || (cout / groups + C1_BC - 1) / C1_BC > 65535
      || (lo + C1_BT - 1) / C1_BT > INT32_MAX)
    return cudaErrorInvalidValue;
  g.l = l;
  g.cin = cin;
  g.lo = lo;
  g.cout = cout;
  g.kernel = (int) kernel;
  g.stride = stride;
  g.pad = pad_before;
  g.cin_g = (int) (cin / groups);
  g.cout_g = (int) (cout / groups);

  const dim3 grid ((unsigned int) ((lo + C1_BT - 1) / C1_BT),
      (unsigned int) ((g.cout_g + C1_BC - 1) / C1_BC), (unsigned int) groups);

  LA_DISPATCH_FLOAT (dtype, T,
      conv1d_kernel1 < T > <<<grid, C1_THREADS, 0, stream >>> ((T *) y,
          (const T *) x, (const T *) w, (const T *) bias, g));
  return cudaGetLastError ();
}
