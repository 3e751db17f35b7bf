/* liveavatar: the attention kernels' shared core (tiled online softmax)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* o = softmax (q k^T * scale [+ bias]) v     per batch and head
 *   q, o [batch, lq, heads, head_dim]
 *   k, v [batch, lk, heads, head_dim]   lk independent of lq
 *   bias [heads, lq, lk]   only when BIAS; the same for every batch
 * Token-major, as the q/k/v linears write it. fp32 scores, softmax and
 * accumulation whatever the storage. Used by kernels/attention.cu (no
 * bias) and kernels/attention_bias.cu (T5's relative position bias and
 * -inf padding mask).
 *
 * v1: flash-style, correctness first (issue 6 replaces it with a tensor-core
 * kernel). A block of 4 warps owns 16 queries of one (batch, head); each
 * warp owns 4 of them. K and V stream through shared memory 32 keys at a
 * time, widened to fp32. Per tile, lane j scores key j against a query
 * (K rows padded to head_dim + 1 floats so the 32 lanes hit 32 banks), adds
 * the bias read along keys (coalesced across the warp's lanes), the warp
 * updates the running max m and sum l (online softmax), rescales its
 * accumulator by exp (m_old - m_new), and adds p_j v_j with lane t owning
 * output dims t, t + 32, ... Queries are pre-multiplied by scale.
 *
 * -inf logits (bias only) need care: while a query has seen only -inf
 * logits its running max is -inf, and exp (-inf - -inf) would be NaN, so
 * the max used for the exponentials is 0 then (every p and the rescale
 * factor come out 0); a query whose sum stays 0 writes zeros. Without a
 * bias lane 0 always holds a real key, so the max is finite and these
 * guards change nothing. */

#ifndef __LA_ATTENTION_CORE_CUH__
#define __LA_ATTENTION_CORE_CUH__

#include "la-kernel-common.cuh"

#define LA_ATT_WARPS 4
#define LA_ATT_QPW 4                                /* queries per warp */
#define LA_ATT_BQ (LA_ATT_WARPS * LA_ATT_QPW)       /* queries per block */
#define LA_ATT_BK 32                                /* keys per tile */

namespace la
{

static inline size_t
attention_smem_bytes (int head_dim)
{
  return sizeof (float) * ((size_t) LA_ATT_BQ * head_dim +
      (size_t) LA_ATT_BK * (head_dim + 1) + (size_t) LA_ATT_BK * head_dim);
}

/* NDW: output dims per lane, head_dim <= 32 * NDW. BIAS: add bias (else
 * NULL), so each op has its own instantiations. */
template < typename T, int NDW, bool BIAS > __global__ void
__launch_bounds__ (LA_ATT_WARPS * 32)
attention_kernel1 (T * o, const T * q, const T * k, const T * v,
    const T * bias, int64_t lq, int64_t lk, int64_t heads, int head_dim,
    float scale)
{
  extern __shared__ float smem[];
  const int D = head_dim;
  float *sq = smem;                             /* [BQ][D] */
  float *sk = sq + LA_ATT_BQ * D;               /* [BK][D + 1] */
  float *sv = sk + LA_ATT_BK * (D + 1);         /* [BK][D] */
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int64_t h = blockIdx.y, b = blockIdx.z;
  const int64_t q0 = (int64_t) blockIdx.x * LA_ATT_BQ;
  const int64_t row = heads * D;                /* stride between tokens */
  const T *q_bh = q + b * lq * row + h * D;
  const T *k_bh = k + b * lk * row + h * D;
  const T *v_bh = v + b * lk * row + h * D;
  const T *bias_h = BIAS ? bias + h * lq * lk : NULL;
  T *o_bh = o + b * lq * row + h * D;
  float m[LA_ATT_QPW], l[LA_ATT_QPW], acc[LA_ATT_QPW][NDW];

  for (int idx = tid; idx < LA_ATT_BQ * D; idx += blockDim.x) {
    const int r = idx / D, d = idx % D;
    const int64_t i = q0 + r;

    sq[idx] = i < lq ? la::load (q_bh, i * row + d) * scale : 0.0f;
  }
#pragma unroll
  for (int qq = 0; qq < LA_ATT_QPW; qq++) {
    m[qq] = -INFINITY;
    l[qq] = 0.0f;
#pragma unroll
    for (int t = 0; t < NDW; t++)
      acc[qq][t] = 0.0f;
  }

  for (int64_t k0 = 0; k0 < lk; k0 += LA_ATT_BK) {
    const int nk = (int) (lk - k0 < LA_ATT_BK ? lk - k0 : LA_ATT_BK);

    __syncthreads ();           /* the previous tile is consumed, sq is full */
    for (int idx = tid; idx < LA_ATT_BK * D; idx += blockDim.x) {
      const int j = idx / D, d = idx % D;
      float kv = 0.0f, vv = 0.0f;

      if (j < nk) {
        kv = la::load (k_bh, (k0 + j) * row + d);
        vv = la::load (v_bh, (k0 + j) * row + d);
      }
      sk[j * (D + 1) + d] = kv;
      sv[j * D + d] = vv;
    }
    __syncthreads ();

#pragma unroll
    for (int qq = 0; qq < LA_ATT_QPW; qq++) {
      const int64_t i = q0 + warp * LA_ATT_QPW + qq;
      const float *q_r = sq + (warp * LA_ATT_QPW + qq) * D;
      const float *k_r = sk + lane * (D + 1);
      float s = 0.0f, tile_max, m_new, m_use, p, alpha;

      for (int d = 0; d < D; d++)
        s += q_r[d] * k_r[d];
      /* queries past lq compute on zeros and are never stored */
      if (BIAS && i < lq && lane < nk)
        s += la::load (bias_h, i * lk + k0 + lane);
      s = lane < nk ? s : -INFINITY;
      tile_max = la::warp_max (s);
      m_new = fmaxf (m[qq], tile_max);
      /* all -inf so far: exponentiate against 0, giving p = alpha = 0 */
      m_use = m_new == -INFINITY ? 0.0f : m_new;
      p = lane < nk ? expf (s - m_use) : 0.0f;
      alpha = expf (m[qq] - m_use);     /* 0 on the first tile */
      l[qq] = l[qq] * alpha + la::warp_sum (p);
#pragma unroll
      for (int t = 0; t < NDW; t++)
        acc[qq][t] *= alpha;
      for (int j = 0; j < nk; j++) {
        const float pj = __shfl_sync (0xffffffffu, p, j);
        const float *v_r = sv + j * D;

#pragma unroll
        for (int t = 0; t < NDW; t++) {
          const int d = lane + 32 * t;

          if (d < D)
            acc[qq][t] += pj * v_r[d];
        }
      }
      m[qq] = m_new;
    }
  }

#pragma unroll
  for (int qq = 0; qq < LA_ATT_QPW; qq++) {
    const int64_t i = q0 + warp * LA_ATT_QPW + qq;
    /* every logit -inf: zeros, as the CPU reference */
    const float inv = l[qq] > 0.0f ? 1.0f / l[qq] : 0.0f;

    if (i >= lq)
      continue;
#pragma unroll
    for (int t = 0; t < NDW; t++) {
      const int d = lane + 32 * t;

      if (d < D)
        la::store (o_bh, i * row + d, acc[qq][t] * inv);
    }
  }
}

template < typename T, int NDW, bool BIAS > static cudaError_t
attention_launch (T * o, const T * q, const T * k, const T * v,
    const T * bias, int64_t batch, int64_t lq, int64_t lk, int64_t heads,
    int head_dim, float scale, cudaStream_t stream)
{
  const size_t smem = attention_smem_bytes (head_dim);
  const dim3 grid ((unsigned int) ((lq + LA_ATT_BQ - 1) / LA_ATT_BQ),
      (unsigned int) heads, (unsigned int) batch);
  cudaError_t err;

  /* over 48 KiB of dynamic shared memory must be asked for */
  err = cudaFuncSetAttribute (attention_kernel1 < T, NDW, BIAS >,
      cudaFuncAttributeMaxDynamicSharedMemorySize, (int) smem);
  if (err != cudaSuccess)
    return err;
  attention_kernel1 < T, NDW, BIAS > <<<grid, LA_ATT_WARPS * 32, smem,
      stream >>> (o, q, k, v, bias, lq, lk, heads, head_dim, scale);
  return cudaGetLastError ();
}

template < typename T, bool BIAS > static cudaError_t
attention_dispatch (void *o, const void *q, const void *k, const void *v,
    const void *bias, int64_t batch, int64_t lq, int64_t lk, int64_t heads,
    int head_dim, float scale, cudaStream_t stream)
{
  T *o_ = (T *) o;
  const T *q_ = (const T *) q, *k_ = (const T *) k, *v_ = (const T *) v;
  const T *b_ = (const T *) bias;

  if (head_dim <= 64)
    return attention_launch < T, 2, BIAS > (o_, q_, k_, v_, b_, batch, lq,
        lk, heads, head_dim, scale, stream);
  if (head_dim <= 128)
    return attention_launch < T, 4, BIAS > (o_, q_, k_, v_, b_, batch, lq,
        lk, heads, head_dim, scale, stream);
  if (head_dim <= 256)
    return attention_launch < T, 8, BIAS > (o_, q_, k_, v_, b_, batch, lq,
        lk, heads, head_dim, scale, stream);
  return attention_launch < T, 16, BIAS > (o_, q_, k_, v_, b_, batch, lq,
      lk, heads, head_dim, scale, stream);
}

/* The entry points' checks and dtype switch; @max_head_dim is the op's
 * LA_KERNEL_*_MAX_HEAD_DIM. */
template < bool BIAS > static cudaError_t
attention_entry (la_kernel_dtype dtype, void *o, const void *q,
    const void *k, const void *v, const void *bias, int64_t batch,
    int64_t lq, int64_t lk, int64_t heads, int64_t head_dim,
    int64_t max_head_dim, float scale, cudaStream_t stream)
{
  if (batch < 1 || batch > 65535 || heads < 1 || heads > 65535 || lq < 1
      || (lq + LA_ATT_BQ - 1) / LA_ATT_BQ > INT32_MAX || lk < 1
      || head_dim < 1 || head_dim > max_head_dim)
    return cudaErrorInvalidValue;
  switch (dtype) {
    case LA_KERNEL_F32:
      return attention_dispatch < float, BIAS > (o, q, k, v, bias, batch, lq,
          lk, heads, (int) head_dim, scale, stream);
    case LA_KERNEL_BF16:
      return attention_dispatch < __nv_bfloat16, BIAS > (o, q, k, v, bias,
          batch, lq, lk, heads, (int) head_dim, scale, stream);
    case LA_KERNEL_F16:
      return attention_dispatch < __half, BIAS > (o, q, k, v, bias, batch,
          lq, lk, heads, (int) head_dim, scale, stream);
    default:
      return cudaErrorInvalidValue;
  }
}

}                               /* namespace la */

#endif /* __LA_ATTENTION_CORE_CUH__ */
