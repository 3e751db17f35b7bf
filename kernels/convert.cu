/* liveavatar: convert kernel
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = x in another storage type; f32, bf16, f16, fp8 e4m3 either side
 *   x [n], y [n]
 * Rounding to nearest even, fp8 saturating: bit-exact with the host's
 * la_f32_to_bf16 () and friends. CPU reference:
 * src/backend/cpu/la-cpu-convert.c
 *
 * v1: grid-stride loop through float. */

#include "la-kernel-common.cuh"

template < typename TY, typename TX > __global__ void
convert_kernel1 (TY * y, const TX * x, int64_t n)
{
  for (int64_t i = (int64_t) blockIdx.x * blockDim.x + threadIdx.x; i < n;
      i += (int64_t) gridDim.x * blockDim.x)
    la::store (y, i, la::load (x, i));
}

template < typename TY > static cudaError_t
convert_from (void *y, la_kernel_dtype x_dtype, const void *x, int64_t n,
    cudaStream_t stream)
{
  const unsigned int grid = la::grid_for (n, 256);

  switch (x_dtype) {
    case LA_KERNEL_F32:
      convert_kernel1 <<<grid, 256, 0, stream >>> ((TY *) y,
          (const float *) x, n);
      break;
    case LA_KERNEL_BF16:
      convert_kernel1 <<<grid, 256, 0, stream >>> ((TY *) y,
          (const __nv_bfloat16 *) x, n);
      break;
    case LA_KERNEL_F16:
      convert_kernel1 <<<grid, 256, 0, stream >>> ((TY *) y,
          (const __half *) x, n);
      break;
    case LA_KERNEL_FP8_E4M3:
      convert_kernel1 <<<grid, 256, 0, stream >>> ((TY *) y,
          (const __nv_fp8_e4m3 *) x, n);
      break;
    default:
      return cudaErrorInvalidValue;
  }
  return cudaGetLastError ();
}

extern "C" cudaError_t
la_kernel_convert (la_kernel_dtype y_dtype, void *y, la_kernel_dtype x_dtype,
    const void *x, int64_t n, cudaStream_t stream)
{
  if (n < 1)
    return cudaErrorInvalidValue;
  switch (y_dtype) {
    case LA_KERNEL_F32:
      return convert_from < float >(y, x_dtype, x, n, stream);
    case LA_KERNEL_BF16:
      return convert_from < __nv_bfloat16 > (y, x_dtype, x, n, stream);
    case LA_KERNEL_F16:
      return convert_from < __half > (y, x_dtype, x, n, stream);
    case LA_KERNEL_FP8_E4M3:
      return convert_from < __nv_fp8_e4m3 > (y, x_dtype, x, n, stream);
    default:
      return cudaErrorInvalidValue;
  }
}
