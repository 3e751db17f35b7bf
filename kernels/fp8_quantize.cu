/* liveavatar: FP8 quantisation kernels (Live Avatar's --fp8 linears)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* quant_fp8 () of liveavatar/utils/fp8_linear.py on the device, for the
 * activations of every FP8 linear (src/backend/cuda/la-cuda-linear-fp8.c):
 *   amax     max |x| over the whole tensor
 *   s        min (448 / max (amax, 1e-12), 448)
 *   xq       e4m3 (clamp (x * s, -448, 448)), saturating, nearest even
 *   1 / s    the dequantisation scale cuBLASLt reads through a pointer
 * The scale never visits the host: the amax is reduced into device memory
 * and every thread of the quantising kernel derives s from it (the same
 * correctly rounded fp32 division everywhere, so s is one value), and the
 * first thread stores 1 / s. Bit-exact with the CPU reference
 * (la_fp8_amax (), la_fp8_scale_from_amax (), la_f32_to_fp8_e4m3 ()).
 *
 * The amax is reduced as the bits of |x|: for non-negative floats the bit
 * patterns order like the values, and a NaN's beat +inf's, so a NaN in x
 * makes the amax NaN, as torch.max does (fmaxf would drop it).
 *
 * v1: grid-stride loops; amax by warp and block reduction, one atomicMax
 * per block. */

#include "la-kernel-common.cuh"

#define BLOCK 256

template < typename T > __global__ void
fp8_amax_kernel (const T * x, int64_t n, unsigned int *amax)
{
  __shared__ unsigned int warp_max[BLOCK / 32];
  unsigned int m = 0;

  for (int64_t i = (int64_t) blockIdx.x * blockDim.x + threadIdx.x; i < n;
      i += (int64_t) gridDim.x * blockDim.x)
    m = max (m, __float_as_uint (la::load (x, i)) & 0x7fffffffu);
  m = __reduce_max_sync (0xffffffffu, m);
  if ((threadIdx.x & 31) == 0)
    warp_max[threadIdx.x >> 5] = m;
  __syncthreads ();
  if (threadIdx.x < 32) {
    m = threadIdx.x < BLOCK / 32 ? warp_max[threadIdx.x] : 0;
    m = __reduce_max_sync (0xffffffffu, m);
    if (threadIdx.x == 0)
      atomicMax (amax, m);
  }
}

/* la_fp8_scale_from_amax () */
static __device__ __forceinline__ float
scale_from_amax (unsigned int bits)
{
  float a = __uint_as_float (bits), s;

  if (isnan (a))
    return a;
  s = __fdiv_rn (448.0f, fmaxf (a, 1e-12f));
  return s > 448.0f ? 448.0f : s;
}

/* xq [rows, ld]: x [rows, k] quantised, zeros in columns k..ld */
template < typename T > __global__ void
fp8_quantize_kernel (uint8_t * xq, const T * x, int64_t rows, int64_t k,
    int64_t ld, const unsigned int *amax, float *inv_scale)
{
  const float s = scale_from_amax (*amax);
  const int64_t n = rows * ld;

  if (blockIdx.x == 0 && threadIdx.x == 0)
    *inv_scale = __frcp_rn (s);
  for (int64_t i = (int64_t) blockIdx.x * blockDim.x + threadIdx.x; i < n;
      i += (int64_t) gridDim.x * blockDim.x) {
    const int64_t r = i / ld, c = i - r * ld;
    /* __fmul_rn: never fused into anything else */
    const float v = c < k ? __fmul_rn (la::load (x, r * k + c), s) : 0.0f;

    xq[i] = (uint8_t) __nv_cvt_float_to_fp8 (v, __NV_SATFINITE, __NV_E4M3);
  }
}

/* y [rows, n] = d [rows, ld] */
template < typename T > __global__ void
fp8_store_rows_kernel (T * y, const __nv_bfloat16 * d, int64_t rows,
    int64_t n, int64_t ld)
{
  for (int64_t i = (int64_t) blockIdx.x * blockDim.x + threadIdx.x;
      i < rows * n; i += (int64_t) gridDim.x * blockDim.x) {
    const int64_t r = i / n, c = i - r * n;

    la::store (y, i, __bfloat162float (d[r * ld + c]));
  }
}

extern "C" cudaError_t
la_kernel_fp8_amax (la_kernel_dtype x_dtype, const void *x, int64_t n,
    unsigned int *amax, cudaStream_t stream)
{
  const unsigned int grid = la::grid_for (n, BLOCK);

  if (n < 1)
    return cudaErrorInvalidValue;
  switch (x_dtype) {
    case LA_KERNEL_F32:
      fp8_amax_kernel <<<grid, BLOCK, 0, stream >>> ((const float *) x, n,
          amax);
      break;
    case LA_KERNEL_BF16:
      fp8_amax_kernel <<<grid, BLOCK, 0, stream >>>
          ((const __nv_bfloat16 *) x, n, amax);
      break;
    default:
      return cudaErrorInvalidValue;
  }
  return cudaGetLastError ();
}

extern "C" cudaError_t
la_kernel_fp8_quantize (la_kernel_dtype x_dtype, uint8_t * xq, const void *x,
    int64_t rows, int64_t k, int64_t ld, const unsigned int *amax,
    float *inv_scale, cudaStream_t stream)
{
  const unsigned int grid = la::grid_for (rows * ld, BLOCK);

  if (rows < 1 || k < 1 || ld < k)
    return cudaErrorInvalidValue;
  switch (x_dtype) {
    case LA_KERNEL_F32:
      fp8_quantize_kernel <<<grid, BLOCK, 0, stream >>> (xq,
          (const float *) x, rows, k, ld, amax, inv_scale);
      break;
    case LA_KERNEL_BF16:
      fp8_quantize_kernel <<<grid, BLOCK, 0, stream >>> (xq,
          (const __nv_bfloat16 *) x, rows, k, ld, amax, inv_scale);
      break;
    default:
      return cudaErrorInvalidValue;
  }
  return cudaGetLastError ();
}

extern "C" cudaError_t
la_kernel_fp8_store_rows (la_kernel_dtype y_dtype, void *y, const void *d,
    int64_t rows, int64_t n, int64_t ld, cudaStream_t stream)
{
  const unsigned int grid = la::grid_for (rows * n, BLOCK);

  if (rows < 1 || n < 1 || ld < n)
    return cudaErrorInvalidValue;
  switch (y_dtype) {
    case LA_KERNEL_F32:
      fp8_store_rows_kernel <<<grid, BLOCK, 0, stream >>> ((float *) y,
          (const __nv_bfloat16 *) d, rows, n, ld);
      break;
    case LA_KERNEL_BF16:
      fp8_store_rows_kernel <<<grid, BLOCK, 0, stream >>> ((__nv_bfloat16 *)
          y, (const __nv_bfloat16 *) d, rows, n, ld);
      break;
    default:
      return cudaErrorInvalidValue;
  }
  return cudaGetLastError ();
}
