/* liveavatar: attention_bias kernel
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* o = softmax (q k^T * scale + bias) v     per batch and head
 *   q, o [batch, lq, heads, head_dim]
 *   k, v [batch, lk, heads, head_dim]
 *   bias [heads, lq, lk]   the same for every batch; -inf drops a key
 * T5's attention (relative position bias, padding mask as -inf). A row
 * whose logits are all -inf gives zeros. CPU reference:
 * src/backend/cpu/la-cpu-attention-bias.c
 * The kernel is kernels/attention.cu's v1 (kernels/la-attention-core.cuh)
 * with the bias added to each score. */

#include "la-attention-core.cuh"

extern "C" cudaError_t
la_kernel_attention_bias (la_kernel_dtype dtype, void *o, const void *q,
    const void *k, const void *v, const void *bias, int64_t batch,
    int64_t lq, int64_t lk, int64_t heads, int64_t head_dim, float scale,
    cudaStream_t stream)
{
  return la::attention_entry < true > (dtype, o, q, k, v, bias, batch, lq,
      lk, heads, head_dim, LA_KERNEL_ATTENTION_BIAS_MAX_HEAD_DIM, scale,
      stream);
}
