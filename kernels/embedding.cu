/* liveavatar: embedding kernel
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */


/* y[i] = table[ids[i]]   nn.Embedding
 *   ids   [n] int32
 *   table [vocab, dim]   f32, bf16, f16 or fp8 e4m3
 *   y     [n, dim]       f32, or table's own type (a plain copy)
 * An id outside [0, vocab) gives a row of zeros, never a read outside the
 * table. CPU reference: src/backend/cpu/la-cpu-embedding.c
 *
 * v1: one block per id, its threads across the row (coalesced). */

#include "la-kernel-common.cuh"

template < typename TY, typename TT > __global__ void
embedding_kernel1 (TY * y, const TT * table, const int32_t * ids,
    int64_t vocab, int64_t dim)
{
  const int64_t i = blockIdx.x;
  const int32_t id = ids[i];
  const bool ok = id >= 0 && id < vocab;
  const TT *row = table + (ok ? (int64_t) id : 0) * dim;
  TY *y_i = y + i * dim;

  for (int64_t c = threadIdx.x; c < dim; c += blockDim.x)
    la::store (y_i, c, ok ? la::load (row, c) : 0.0f);
}

template < typename TY, typename TT > static cudaError_t
embedding_launch (void *y, const void *table, const int32_t * ids, int64_t n,
    int64_t vocab, int64_t dim, cudaStream_t stream)
{
  embedding_kernel1 < TY, TT > <<<(unsigned int) n, 256, 0, stream >>> (
      (TY *) y, (const TT *) table, ids, vocab, dim);
  return cudaGetLastError ();
}

extern "C" cudaError_t
la_kernel_embedding (la_kernel_dtype y_dtype, void *y,
    la_kernel_dtype table_dtype, const void *table, const int32_t * ids,
    int64_t n, int64_t vocab, int64_t dim, cudaStream_t stream)
{
  if (n < 1 || n > INT32_MAX || vocab < 1 || dim < 1)
    return cudaErrorInvalidValue;
  if (y_dtype == LA_KERNEL_F32) {
    switch (table_dtype) {
      case LA_KERNEL_F32:
        return embedding_launch < float, float >(y, table, ids, n, vocab,
            dim, stream);
      case LA_KERNEL_BF16:
        return embedding_launch < float, __nv_bfloat16 > (y, table, ids, n,
            vocab, dim, stream);
      case LA_KERNEL_F16:
        return embedding_launch < float, __half > (y, table, ids, n, vocab,
            dim, stream);
      case LA_KERNEL_FP8_E4M3:
        return embedding_launch < float, __nv_fp8_e4m3 > (y, table, ids, n,
            vocab, dim, stream);
      default:
        return cudaErrorInvalidValue;
    }
  }
  /* same type both sides: widening and rounding back is exact */
  if (y_dtype != table_dtype)
    return cudaErrorInvalidValue;
  switch (y_dtype) {
    case LA_KERNEL_BF16:
      return embedding_launch < __nv_bfloat16, __nv_bfloat16 > (y, table, ids,
          n, vocab, dim, stream);
    case LA_KERNEL_F16:
      return embedding_launch < __half, __half > (y, table, ids, n, vocab,
          dim, stream);
    default:
      return cudaErrorInvalidValue;
  }
}
