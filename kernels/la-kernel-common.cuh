/* liveavatar: what every kernel file shares (storage types, reductions)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Storage is f32, bf16, f16 (or fp8 for convert); arithmetic is always
 * fp32: la::load () widens, la::store () rounds to nearest even (the same
 * rounding as the host conversions in src/backend/la-dtype.c).
 */

#ifndef __LA_KERNEL_COMMON_CUH__
#define __LA_KERNEL_COMMON_CUH__

#include <cuda_runtime.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>
#include <stdint.h>

#include "la-kernels.h"

namespace la
{

template < typename T > struct io;

template <> struct io <float>
{
  static __device__ __forceinline__ float load (const float *p, int64_t i)
  {
    return p[i];
  }
  static __device__ __forceinline__ void store (float *p, int64_t i, float v)
  {
    p[i] = v;
  }
};

template <> struct io <__nv_bfloat16>
{
  static __device__ __forceinline__ float load (const __nv_bfloat16 * p,
      int64_t i)
  {
    return __bfloat162float (p[i]);
  }
  static __device__ __forceinline__ void store (__nv_bfloat16 * p, int64_t i,
      float v)
  {
    p[i] = __float2bfloat16_rn (v);
  }
};

template <> struct io <__half>
{
  static __device__ __forceinline__ float load (const __half * p, int64_t i)
  {
    return __half2float (p[i]);
  }
  static __device__ __forceinline__ void store (__half * p, int64_t i, float v)
  {
    p[i] = __float2half_rn (v);
  }
};

template <> struct io <__nv_fp8_e4m3>
{
  static __device__ __forceinline__ float load (const __nv_fp8_e4m3 * p,
      int64_t i)
  {
    return static_cast < float >(p[i]);
  }
  /* the constructor saturates to +-448 and rounds to nearest even */
  static __device__ __forceinline__ void store (__nv_fp8_e4m3 * p, int64_t i,
      float v)
  {
    p[i] = __nv_fp8_e4m3 (v);
  }
};

template < typename T > __device__ __forceinline__ float
load (const T * p, int64_t i)
{
  return io < T >::load (p, i);
}

template < typename T > __device__ __forceinline__ void
store (T * p, int64_t i, float v)
{
  io < T >::store (p, i, v);
}

__device__ __forceinline__ float
warp_sum (float v)
{
  for (int o = 16; o > 0; o >>= 1)
    v += __shfl_xor_sync (0xffffffffu, v, o);
  return v;
}

__device__ __forceinline__ float
warp_max (float v)
{
  for (int o = 16; o > 0; o >>= 1)
    v = fmaxf (v, __shfl_xor_sync (0xffffffffu, v, o));
  return v;
}

/* Sum over the whole block (blockDim.x a multiple of 32, <= 1024); every
 * thread gets the result. @scratch: 32 floats of shared memory, reusable
 * right after the call returns. */
__device__ __forceinline__ float
block_sum (float v, float *scratch)
{
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int n_warps = blockDim.x >> 5;

  v = warp_sum (v);
  __syncthreads ();             /* a previous call may still read scratch[0] */
  if (lane == 0)
    scratch[warp] = v;
  __syncthreads ();
  if (warp == 0) {
    float t = lane < n_warps ? scratch[lane] : 0.0f;

    t = warp_sum (t);
    if (lane == 0)
      scratch[0] = t;
  }
  __syncthreads ();
  return scratch[0];
}

/* Blocks for a grid-stride loop over @n elements: enough to fill the GPU,
 * never more than the grid allows. */
static inline unsigned int
grid_for (int64_t n, int block)
{
  int64_t g = (n + block - 1) / block;

  return (unsigned int) (g < (1 << 20) ? g : (1 << 20));
}

}                               /* namespace la */

/* Runs the statement with T bound to the storage type of @dtype (f32, bf16,
 * f16); any other dtype returns cudaErrorInvalidValue from the caller. */
#define LA_DISPATCH_FLOAT(dtype, T, ...)                                \
  switch (dtype) {                                                      \
    case LA_KERNEL_F32: { typedef float T; __VA_ARGS__; } break;        \
    case LA_KERNEL_BF16: { typedef __nv_bfloat16 T; __VA_ARGS__; } break; \
    case LA_KERNEL_F16: { typedef __half T; __VA_ARGS__; } break;       \
    default: return cudaErrorInvalidValue;                              \
  }

#endif /* __LA_KERNEL_COMMON_CUH__ */
