/* liveavatar: attention kernel
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* o = softmax (q k^T * scale) v     per batch and head, no mask
 *   q, o [batch, lq, heads, head_dim]
 *   k, v [batch, lk, heads, head_dim]   lk independent of lq
 * CPU reference: src/backend/cpu/la-cpu-attention.c
 * The kernel (v1, flash-style) is kernels/la-attention-core.cuh, shared
 * with attention_bias. */

#include "la-attention-core.cuh"

extern "C" cudaError_t
la_kernel_attention (la_kernel_dtype dtype, void *o, const void *q,
    const void *k, const void *v, int64_t batch, int64_t lq, int64_t lk,
    int64_t heads, int64_t head_dim, float scale, cudaStream_t stream)
{
  return la::attention_entry < false > (dtype, o, q, k, v, NULL, batch, lq,
      lk, heads, head_dim, LA_KERNEL_ATTENTION_MAX_HEAD_DIM, scale, stream);
}
