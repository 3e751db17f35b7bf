/* liveavatar: conv3d kernel
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Causal 3D convolution over concat (past, x) in time, zero padding in
 * space (la_conv3d () in src/backend/la-backend.h):
 *   y[to, co, oy, ox] = bias[co] + sum_{ci, dt, dy, dx}
 *       w[co, ci, dt, dy * kw + dx] * in[to * st + dt, ci, iy, ix]
 *   iy = oy * sh + dy - top, ix = ox * sw + dx - left (zero outside)
 *   past [p, cin, h, w] (may be NULL when p = 0), x [t, cin, h, w]:
 *   in = past's frames, then x's; w [cout, cin, kt, kh * kw]; bias [cout]
 *   or NULL; y [to, cout, ho, wo]
 * CPU reference: src/backend/cpu/la-cpu-conv3d.c
 *
 * v1: implicit GEMM, one output frame at a time. For frame to,
 *   Y (cout x ho*wo) = W (cout x K) * B (K x ho*wo),  K = cin * kt * kh * kw
 * where B, the im2col matrix, is never stored: its tile is gathered from
 * the input frames as it is needed. A block of 128 threads owns a 64
 * (channels) x 64 (pixels) tile of Y and walks K 32 at a time:
 *   - the K step's 32 (ci, dt, dy, dx) are decoded once into a table in
 *     shared memory, so the gather does no division;
 *   - A (weights, contiguous along K) and B (along pixels: consecutive
 *     output columns read consecutive input columns at stride 1) are
 *     loaded coalesced into shared memory, in the storage type;
 *   - bf16 / f16: 4 warps x (2 x 2) WMMA 16x16x16 tensor-core tiles with
 *     fp32 accumulators; f32: each thread an 8 x 4 register tile of fp32
 *     FMAs (no TF32: the f32 path is the parity path).
 * The accumulators go through shared memory so that the bias add and the
 * store are coalesced along pixels. Out-of-range channels, pixels and K
 * read zero and are not stored, so any size works.
 * todo: the loads are not overlapped with the math (cp.async double
 * buffering), and a 128 x 128 tile would halve the gather per FLOP. */

#include "la-kernel-common.cuh"

#include <mma.h>

#define CV_BM 64                /* output channels per block */
#define CV_BN 64                /* output pixels per block */
#define CV_BK 32                /* reduction elements per step */
#define CV_THREADS 128
#define CV_LDC (CV_BN + 4)      /* fp32 result tile row */

struct conv3d_geometry
{
  int64_t frame;                /* cin * h * w, elements of an input frame */
  int p, cin, h, w;
  int cout, ho, wo;
  int kt, kh, kw, st, sh, sw, top, left;
  int k;                        /* cin * kt * kh * kw */
};

/* Shared-memory row lengths. WMMA wants ldm a multiple of 8 (16-bit) and
 * fragment rows 32-byte aligned; the fp32 path pads A's rows to 33 floats
 * so that the 8 rows a thread reads sit in different banks. */
template < typename T > struct conv3d_layout
{
  static constexpr int LDA = CV_BK + 8, LDB = CV_BN + 8;
};

template <> struct conv3d_layout <float>
{
  static constexpr int LDA = CV_BK + 1, LDB = CV_BN + 4;
};

/* bf16 / f16: tensor cores. Warp w owns rows [32 (w / 2), +32) and columns
 * [32 (w % 2), +32) of the 64 x 64 tile. */
template < typename T > struct conv3d_math
{
  typedef conv3d_layout < T > L;
    nvcuda::wmma::fragment < nvcuda::wmma::accumulator, 16, 16, 16,
      float >acc[2][2];

  __device__ void init ()
  {
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 2; j++)
        nvcuda::wmma::fill_fragment (acc[i][j], 0.0f);
  }

  __device__ void step (const T * as, const T * bs)
  {
    const int warp = threadIdx.x / 32, wm = warp / 2, wn = warp % 2;

    for (int ks = 0; ks < CV_BK; ks += 16) {
      nvcuda::wmma::fragment < nvcuda::wmma::matrix_a, 16, 16, 16, T,
          nvcuda::wmma::row_major > a[2];
      nvcuda::wmma::fragment < nvcuda::wmma::matrix_b, 16, 16, 16, T,
          nvcuda::wmma::row_major > b[2];

      for (int i = 0; i < 2; i++)
        nvcuda::wmma::load_matrix_sync (a[i],
            as + (wm * 32 + i * 16) * L::LDA + ks, L::LDA);
      for (int j = 0; j < 2; j++)
        nvcuda::wmma::load_matrix_sync (b[j],
            bs + ks * L::LDB + wn * 32 + j * 16, L::LDB);
      for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
          nvcuda::wmma::mma_sync (acc[i][j], a[i], b[j], acc[i][j]);
    }
  }

  __device__ void store (float *cs)
  {
    const int warp = threadIdx.x / 32, wm = warp / 2, wn = warp % 2;

    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 2; j++)
        nvcuda::wmma::store_matrix_sync (cs + (wm * 32 + i * 16) * CV_LDC
            + wn * 32 + j * 16, acc[i][j], CV_LDC, nvcuda::wmma::mem_row_major);
  }
};

/* f32: thread (ty, tx) = (tid / 16, tid % 16) owns channels
 * [8 ty, 8 ty + 8) x pixels [4 tx, 4 tx + 4). */
template <> struct conv3d_math <float>
{
  typedef conv3d_layout < float >L;
  float acc[8][4];

  __device__ void init ()
  {
    for (int i = 0; i < 8; i++)
      for (int j = 0; j < 4; j++)
        acc[i][j] = 0.0f;
  }

  __device__ void step (const float *as, const float *bs)
  {
    const int ty = threadIdx.x / 16, tx = threadIdx.x % 16;

    for (int k = 0; k < CV_BK; k++) {
      float a[8], b[4];

#pragma unroll
      for (int i = 0; i < 8; i++)
        a[i] = as[(ty * 8 + i) * L::LDA + k];
#pragma unroll
      for (int j = 0; j < 4; j++)
        b[j] = bs[k * L::LDB + tx * 4 + j];
#pragma unroll
      for (int i = 0; i < 8; i++)
#pragma unroll
        for (int j = 0; j < 4; j++)
          acc[i][j] = fmaf (a[i], b[j], acc[i][j]);
    }
  }

  __device__ void store (float *cs)
  {
    const int ty = threadIdx.x / 16, tx = threadIdx.x % 16;

    for (int i = 0; i < 8; i++)
      for (int j = 0; j < 4; j++)
        cs[(ty * 8 + i) * CV_LDC + tx * 4 + j] = acc[i][j];
  }
};

template < typename T > __global__ void
__launch_bounds__ (CV_THREADS)
conv3d_kernel1 (T * y, const T * x, const T * past, const T * w,
    const T * bias, conv3d_geometry g)
{
  typedef conv3d_layout < T > L;
  constexpr int AB_BYTES = (int) sizeof (T) * (CV_BM * L::LDA
      + CV_BK * L::LDB);
  constexpr int C_BYTES = (int) sizeof (float) * CV_BM * CV_LDC;
  /* A and B tiles during the loop, the fp32 result tile after it */
  __shared__ __align__ (128) unsigned char smem[AB_BYTES > C_BYTES ?
      AB_BYTES : C_BYTES];
  /* per K element of the step: { (ci * h + dy) * w + dx, dt, dy, dx },
   * dt = -1 past the end of K */
  __shared__ int4 ktab[CV_BK];
  T *as = (T *) smem;
  T *bs = as + CV_BM * L::LDA;
  float *cs = (float *) smem;
  const int tid = threadIdx.x;
  const int n_pix = g.ho * g.wo, taps = g.kh * g.kw, ktaps = g.kt * taps;
  const int pix0 = blockIdx.x * CV_BN, co0 = blockIdx.y * CV_BM;
  const int to = blockIdx.z;
  /* the one pixel (column of B) this thread gathers, for every K step */
  const int bn = tid % CV_BN, pix = pix0 + bn;
  const bool pix_ok = pix < n_pix;
  const int oy = pix_ok ? pix / g.wo : 0, ox = pix_ok ? pix % g.wo : 0;
  const int iy0 = oy * g.sh - g.top, ix0 = ox * g.sw - g.left;
  conv3d_math < T > math;

  math.init ();
  for (int k0 = 0; k0 < g.k; k0 += CV_BK) {
    __syncthreads ();           /* the previous step's tiles are consumed */
    if (tid < CV_BK) {
      const int k = k0 + tid;
      int4 e = make_int4 (0, -1, 0, 0);

      if (k < g.k) {
        const int ci = k / ktaps, r = k - ci * ktaps, dt = r / taps;
        const int dy = (r - dt * taps) / g.kw, dx = r - dt * taps - dy * g.kw;

        e = make_int4 ((ci * g.h + dy) * g.w + dx, dt, dy, dx);
      }
      ktab[tid] = e;
    }
    /* A[m][kk] = w[co0 + m][k0 + kk] */
    for (int idx = tid; idx < CV_BM * CV_BK; idx += CV_THREADS) {
      const int m = idx / CV_BK, kk = idx % CV_BK;
      const int co = co0 + m, k = k0 + kk;

      la::store (as, m * L::LDA + kk, co < g.cout && k < g.k ?
          la::load (w, (int64_t) co * g.k + k) : 0.0f);
    }
    __syncthreads ();           /* ktab is ready */
    /* B[kk][bn] = in[to * st + dt][ci][iy0 + dy][ix0 + dx] */
    for (int kk = tid / CV_BN; kk < CV_BK; kk += CV_THREADS / CV_BN) {
      const int4 e = ktab[kk];
      const int iy = iy0 + e.z, ix = ix0 + e.w;
      float v = 0.0f;

      if (pix_ok && e.y >= 0 && iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) {
        const int ti = to * g.st + e.y;
        const T *f = ti < g.p ? past + (int64_t) ti * g.frame
            : x + (int64_t) (ti - g.p) * g.frame;

        v = la::load (f, (int64_t) iy0 * g.w + ix0 + e.x);
      }
      la::store (bs, kk * L::LDB + bn, v);
    }
    __syncthreads ();
    math.step (as, bs);
  }

  __syncthreads ();             /* cs overlays as and bs */
  math.store (cs);
  __syncthreads ();
  for (int idx = tid; idx < CV_BM * CV_BN; idx += CV_THREADS) {
    const int m = idx / CV_BN, n = idx % CV_BN;
    const int co = co0 + m, p = pix0 + n;

    if (co < g.cout && p < n_pix)
      la::store (y, ((int64_t) to * g.cout + co) * n_pix + p,
          cs[m * CV_LDC + n] + (bias ? la::load (bias, co) : 0.0f));
  }
}

extern "C" cudaError_t
la_kernel_conv3d (la_kernel_dtype dtype, void *y, const void *x,
    const void *past, const void *w, const void *bias,
    const la_kernel_conv3d_shape * s, cudaStream_t stream)
{
  conv3d_geometry g;
  int64_t k, n_pix;

  if (s->t < 1 || s->p < 0 || s->cin < 1 || s->h < 1 || s->w < 1
      || s->to < 1 || s->cout < 1 || s->ho < 1 || s->wo < 1
      || (s->p > 0 && !past))
    return cudaErrorInvalidValue;
  k = s->cin * s->kernel[0] * s->kernel[1] * s->kernel[2];
  n_pix = s->ho * s->wo;
  /* 32-bit index math inside a frame and along K */
  if (s->cin * s->h * s->w > INT32_MAX || k > INT32_MAX
      || n_pix > INT32_MAX || s->p + s->t > INT32_MAX
      || s->to > 65535 || (s->cout + CV_BM - 1) / CV_BM > 65535)
    return cudaErrorInvalidValue;

  g.frame = s->cin * s->h * s->w;
  g.p = (int) s->p;
  g.cin = (int) s->cin;
  g.h = (int) s->h;
  g.w = (int) s->w;
  g.cout = (int) s->cout;
  g.ho = (int) s->ho;
  g.wo = (int) s->wo;
  g.kt = s->kernel[0];
  g.kh = s->kernel[1];
  g.kw = s->kernel[2];
  g.st = s->stride[0];
  g.sh = s->stride[1];
  g.sw = s->stride[2];
  g.top = s->pad[0];
  g.left = s->pad[2];
  g.k = (int) k;

  const dim3 grid ((unsigned int) ((n_pix + CV_BN - 1) / CV_BN),
      (unsigned int) ((s->cout + CV_BM - 1) / CV_BM), (unsigned int) s->to);

  LA_DISPATCH_FLOAT (dtype, T,
      conv3d_kernel1 < T > <<<grid, CV_THREADS, 0, stream >>> ((T *) y,
          (const T *) x, (const T *) past, (const T *) w, (const T *) bias,
          g));
  return cudaGetLastError ();
}
