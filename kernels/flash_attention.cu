/* liveavatar: flash attention on tensor cores (bf16, head dim 128)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* o = softmax (q k^T * scale) v     per batch and head, no mask
 *   q, o [batch, lq, heads, 128]   k, v [batch, lk, heads, 128]
 * bf16 storage, fp32 scores, softmax statistics and accumulation; o bf16
 * or f32. Entry point and limits: la-flash-attention.h. The general
 * fallback (any dtype and head dim) is attention.cu's v1 kernel; the CPU
 * reference is src/backend/cpu/la-cpu-attention.c.
 *
 * What it takes from FlashAttention-2 (Dao, 2023):
 *   - one CTA per (query tile, head, batch); the query tile (64 rows with
 *     4 warps, 128 with 8) is split across warps by rows, 16 rows a warp,
 *     so the softmax statistics of a row live in one warp and no CTA-wide
 *     reduction is ever needed (FA2's "split Q, not K");
 *   - the warp's Q fragments stay in registers for the whole key loop;
 *   - K/V stream through shared memory in tiles of 64 keys, double
 *     buffered with cp.async: the next tile's K is fetched while this
 *     tile's S = Q K^T runs, the next V while P V runs;
 *   - online softmax in fp32 with exp2: scores stay raw, the running max
 *     m is raw, and p = exp2 (s * scale * log2 e - m * scale * log2 e),
 *     one FFMA + EX2 per score (the scale folded into the exponent);
 *   - the row sum l is kept per thread and reduced across the quad once at
 *     the end; O is rescaled by exp2 (m_old - m_new) per tile and divided
 *     by l once at the end;
 *   - P goes from the S accumulators to the A operand of P V in registers,
 *     never through shared memory (the m16n8k16 C layout of two adjacent
 *     n8 tiles is the A layout of one k16 step, after rounding to bf16).
 * What FlashAttention-3 (Shah et al., 2024) would add on Hopper, and why
 * this kernel tops out near FA2's ~350 TFLOP/s on an H100 rather than
 * FA3's ~600+: wgmma (warpgroup MMA, operands from shared memory through
 * descriptors, twice mma.sync's throughput per SM), TMA bulk loads of K/V
 * tiles with mbarrier completion instead of per-thread cp.async, warp
 * specialisation (producer warps issuing TMA, consumer warpgroups doing
 * the math, registers rebalanced with setmaxnreg), ping-pong scheduling of
 * two consumer warpgroups so one's softmax hides under the other's GEMMs,
 * and intra-warpgroup overlap of softmax with the next tile's QK^T.
 *
 * Tails: K/V rows past lk are zero-filled (cp.async with src-size 0) so no
 * stale value can reach P V as 0 * NaN, and their scores are set to -inf
 * before the max; every tile holds at least one real key, so the running
 * max is finite after the first tile. Q rows past lq compute on zeros and
 * are never stored.
 *
 * Shared memory: rows of 128 bf16 padded to 136 (272 bytes): the 8 row
 * addresses of one ldmatrix 8x8 matrix then fall 16 bytes apart modulo
 * 128, on 8 distinct 4-bank groups, so ldmatrix is conflict-free without a
 * swizzle (the padding trick of flash-attention's early kernels and of
 * ggml's fattn-mma-f16.cuh, "D2_padded").
 *
 * Fragment layouts relied on (PTX ISA, "Matrix Fragments for mma.m16n8k16
 * with floating point type"; cross-checked against ggml-cuda's mma.cuh
 * tile<16,8>/tile<8,8> get_i/get_j and FlashInfer's mma.cuh usage), with
 * g = lane / 4, t = lane % 4:
 *   A 16x16 row-major, 4 x b32 (2 bf16 each, lower column in the low half):
 *     a[0] = (row g,     k 2t..2t+1)   a[1] = (row g + 8, k 2t..2t+1)
 *     a[2] = (row g,     k 2t+8..+9)   a[3] = (row g + 8, k 2t+8..+9)
 *   B 16x8 "col" (element (k, n) at n * ld + k), 2 x b32:
 *     b[0] = (k 2t..2t+1, n g)         b[1] = (k 2t+8..2t+9, n g)
 *   C/D 16x8 f32:
 *     c[0..1] = (row g, n 2t..2t+1)    c[2..3] = (row g + 8, n 2t..2t+1)
 *   ldmatrix.m8n8.x4: lanes 8i..8i+7 give the row addresses of matrix i;
 *     register i gets row g, columns 2t..2t+1 of matrix i (with .trans:
 *     rows 2t..2t+1, column g, i.e. the transpose).
 * Hence: A from a row-major [16][16] tile with lane address (row lane % 16,
 * col 8 (lane / 16)); K stored [key][d] is already B "col" for S = Q K^T
 * (n = key, k = d): non-transposed ldmatrix with lane address (key
 * lane % 8 + 8 (lane / 16), d 8 ((lane / 8) % 2)) gives b[0], b[1] of key
 * block 0 and of key block 1 (the same as the usual (lane % 16,
 * 8 (lane / 16)) addressing with registers 1 and 2 swapped, which public
 * mma.sync HGEMM examples do "as B's layout requires"); V stored [key][d]
 * is row-major B (k = key, n = d), so ldmatrix.trans with lane address
 * (key lane % 16, d 8 (lane / 16)) gives b[0], b[1] of d block 0 and of
 * d block 1 (FlashInfer's V-tile addressing: row tx % 16, 16-byte column
 * 2 fy + tx / 16, ldmatrix .trans).
 *
 * NOT YET RUN ON A GPU when written: compiled for sm_90 only (192
 * registers, no spills). tests/attention/emulate_flash.py replays its
 * index arithmetic lane by lane on the CPU against models of ldmatrix and
 * mma.sync written from the PTX ISA (keep the two in step when editing
 * either); the parity test on a GPU is
 * tests/attention/test-attention-flash.c. */

#include "la-flash-attention.h"
#include "la-kernel-common.cuh"

#define FA_D 128                /* head dim */
#define FA_BK 64                /* keys per tile */
#define FA_LDS (FA_D + 8)       /* smem row stride in bf16 (272 bytes) */
#define FA_CHUNKS (FA_D / 8)    /* 16-byte chunks per row */
#define FA_LOG2E 1.4426950408889634f

namespace la
{
namespace flash
{

__device__ __forceinline__ uint32_t
smem_addr (const void *p)
{
  return (uint32_t) __cvta_generic_to_shared (p);
}

/* 16 bytes global -> shared, bypassing L1; @valid FALSE zero-fills (no
 * bytes are read, but @src must still be a legal address) */
__device__ __forceinline__ void
cp_async16 (void *dst, const void *src, bool valid)
{
  const int n = valid ? 16 : 0;

  asm volatile ("cp.async.cg.shared.global [%0], [%1], 16, %2;\n"
      :: "r" (smem_addr (dst)), "l" (src), "r" (n) : "memory");
}

__device__ __forceinline__ void
cp_async_commit (void)
{
  asm volatile ("cp.async.commit_group;\n" ::: "memory");
}

/* wait until at most N of this thread's groups are still in flight */
template < int N > __device__ __forceinline__ void
cp_async_wait (void)
{
  asm volatile ("cp.async.wait_group %0;\n" :: "n" (N) : "memory");
}

__device__ __forceinline__ void
ldmatrix_x4 (uint32_t r[4], const void *p)
{
  asm volatile ("ldmatrix.sync.aligned.m8n8.x4.shared.b16 "
      "{%0, %1, %2, %3}, [%4];\n"
      : "=r" (r[0]), "=r" (r[1]), "=r" (r[2]), "=r" (r[3])
      : "r" (smem_addr (p)) : "memory");
}

__device__ __forceinline__ void
ldmatrix_x4_trans (uint32_t r[4], const void *p)
{
  asm volatile ("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 "
      "{%0, %1, %2, %3}, [%4];\n"
      : "=r" (r[0]), "=r" (r[1]), "=r" (r[2]), "=r" (r[3])
      : "r" (smem_addr (p)) : "memory");
}

/* d += a b, one m16n8k16 bf16 product with fp32 accumulators */
__device__ __forceinline__ void
mma_bf16 (float d[4], const uint32_t a[4], uint32_t b0, uint32_t b1)
{
  asm volatile ("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
      "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f" (d[0]), "+f" (d[1]), "+f" (d[2]), "+f" (d[3])
      : "r" (a[0]), "r" (a[1]), "r" (a[2]), "r" (a[3]), "r" (b0), "r" (b1));
}

/* two floats as a bf16x2 register, @lo in the low half (the lower column
 * of a fragment pair) */
__device__ __forceinline__ uint32_t
pack_bf16 (float lo, float hi)
{
  __nv_bfloat162 v = __floats2bfloat162_rn (lo, hi);

  return *reinterpret_cast < uint32_t * >(&v);
}

/* rows [r0, r0 + nrows) of a [len, heads, 128] head (token stride @row
 * elements) into a [nrows][FA_LDS] smem tile; rows past @len zero */
template < int NROWS, int NTHREADS > __device__ __forceinline__ void
load_tile (__nv_bfloat16 * dst, const __nv_bfloat16 * src, int64_t r0,
    int64_t len, int64_t row, int tid)
{
#pragma unroll
  for (int c = tid; c < NROWS * FA_CHUNKS; c += NTHREADS) {
    const int r = c / FA_CHUNKS, ch = c % FA_CHUNKS;
    const bool valid = r0 + r < len;
    const __nv_bfloat16 *s = src + (valid ? r0 + r : 0) * row + ch * 8;

    cp_async16 (dst + r * FA_LDS + ch * 8, s, valid);
  }
}

__device__ __forceinline__ void
store_pair (__nv_bfloat16 * p, float a, float b)
{
  *reinterpret_cast < __nv_bfloat162 * >(p) = __floats2bfloat162_rn (a, b);
}

__device__ __forceinline__ void
store_pair (float *p, float a, float b)
{
  *reinterpret_cast < float2 * >(p) = make_float2 (a, b);
}

template < int NWARPS > constexpr size_t
smem_bytes (void)
{
  return sizeof (__nv_bfloat16) * (size_t) FA_LDS *
      ((size_t) NWARPS * 16 + 4 * FA_BK);
}

/* grid (query tiles, heads, batch), NWARPS * 32 threads */
template < int NWARPS, typename OutT > __global__ void
__launch_bounds__ (NWARPS * 32, 1)
flash_kernel (OutT * __restrict__ o, const __nv_bfloat16 * __restrict__ q,
    const __nv_bfloat16 * __restrict__ k,
    const __nv_bfloat16 * __restrict__ v, int64_t lq, int64_t lk,
    int64_t heads, float scale_log2)
{
  constexpr int BQ = NWARPS * 16, NT = NWARPS * 32;
  extern __shared__ __align__ (16) unsigned char smem_raw[];
  __nv_bfloat16 *sq = reinterpret_cast < __nv_bfloat16 * >(smem_raw);
  __nv_bfloat16 *sk = sq + BQ * FA_LDS;        /* [2][BK][LDS] */
  __nv_bfloat16 *sv = sk + 2 * FA_BK * FA_LDS; /* [2][BK][LDS] */
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int g = lane >> 2, t = lane & 3;
  const int64_t h = blockIdx.y, b = blockIdx.z;
  const int64_t q0 = (int64_t) blockIdx.x * BQ;
  const int64_t row = heads * FA_D;             /* stride between tokens */
  const __nv_bfloat16 *q_bh = q + b * lq * row + h * FA_D;
  const __nv_bfloat16 *k_bh = k + b * lk * row + h * FA_D;
  const __nv_bfloat16 *v_bh = v + b * lk * row + h * FA_D;
  OutT *o_bh = o + b * lq * row + h * FA_D;
  const int64_t n_tiles = (lk + FA_BK - 1) / FA_BK;
  uint32_t qf[FA_D / 16][4];    /* this warp's 16 x 128 Q as 8 A fragments */
  float acc[FA_D / 8][4];       /* 16 x 128 O as 16 n8 accumulators */
  float m[2] = { -INFINITY, -INFINITY };        /* raw row max, rows g, g + 8 */
  float l[2] = { 0.0f, 0.0f };  /* this thread's part of the row sums */

#pragma unroll
  for (int db = 0; db < FA_D / 8; db++)
#pragma unroll
    for (int e = 0; e < 4; e++)
      acc[db][e] = 0.0f;

  /* groups in flight, oldest first: {Q, K0}, {V0}; then each half of every
   * iteration waits for all but the newest group and commits one (empty
   * past the last tile, which keeps the count uniform) */
  load_tile < BQ, NT > (sq, q_bh, q0, lq, row, tid);
  load_tile < FA_BK, NT > (sk, k_bh, 0, lk, row, tid);
  cp_async_commit ();
  load_tile < FA_BK, NT > (sv, v_bh, 0, lk, row, tid);
  cp_async_commit ();

  for (int64_t j = 0; j < n_tiles; j++) {
    const int buf = (int) (j & 1);
    const int64_t k0 = j * FA_BK;
    const __nv_bfloat16 *skb = sk + buf * FA_BK * FA_LDS;
    const __nv_bfloat16 *svb = sv + buf * FA_BK * FA_LDS;
    float s[FA_BK / 8][4];

    cp_async_wait < 1 > ();     /* K_j (and Q) landed for this thread */
    __syncthreads ();           /* ... and for all; tile j-1 is consumed */
    if (j == 0) {
#pragma unroll
      for (int kk = 0; kk < FA_D / 16; kk++)
        ldmatrix_x4 (qf[kk], sq + (warp * 16 + (lane & 15)) * FA_LDS +
            kk * 16 + (lane >> 4) * 8);
    }
    if (j + 1 < n_tiles)
      load_tile < FA_BK, NT > (sk + (buf ^ 1) * FA_BK * FA_LDS, k_bh,
          k0 + FA_BK, lk, row, tid);
    cp_async_commit ();

    /* S = Q K^T (raw, unscaled) */
#pragma unroll
    for (int nb = 0; nb < FA_BK / 8; nb++)
#pragma unroll
      for (int e = 0; e < 4; e++)
        s[nb][e] = 0.0f;
#pragma unroll
    for (int kk = 0; kk < FA_D / 16; kk++) {
#pragma unroll
      for (int np = 0; np < FA_BK / 16; np++) {
        uint32_t kb[4];

        ldmatrix_x4 (kb, skb + (np * 16 + (lane & 7) + ((lane >> 4) << 3))
            * FA_LDS + kk * 16 + ((lane >> 3) & 1) * 8);
        mma_bf16 (s[2 * np], qf[kk], kb[0], kb[1]);
        mma_bf16 (s[2 * np + 1], qf[kk], kb[2], kb[3]);
      }
    }

    /* keys past lk: -inf, so exp2 gives exactly 0 */
    if (k0 + FA_BK > lk) {
#pragma unroll
      for (int nb = 0; nb < FA_BK / 8; nb++)
#pragma unroll
        for (int e = 0; e < 4; e++)
          if (k0 + nb * 8 + 2 * t + (e & 1) >= lk)
            s[nb][e] = -INFINITY;
    }

    /* online softmax, rows g (e = 0, 1) and g + 8 (e = 2, 3) */
#pragma unroll
    for (int r = 0; r < 2; r++) {
      float mx = m[r], sum = 0.0f, alpha, m_scaled;

#pragma unroll
      for (int nb = 0; nb < FA_BK / 8; nb++)
        mx = fmaxf (mx, fmaxf (s[nb][2 * r], s[nb][2 * r + 1]));
      /* the quad (lanes 4g..4g+3) holds the row's 64 scores */
      mx = fmaxf (mx, __shfl_xor_sync (0xffffffffu, mx, 1));
      mx = fmaxf (mx, __shfl_xor_sync (0xffffffffu, mx, 2));
      /* finite once a real key was seen; the guard keeps -inf - -inf
       * (NaN) out should a row ever see only -inf */
      m_scaled = mx == -INFINITY ? 0.0f : mx * scale_log2;
      alpha = exp2f (m[r] * scale_log2 - m_scaled);   /* 0 on tile 0 */
      m[r] = mx;
#pragma unroll
      for (int nb = 0; nb < FA_BK / 8; nb++) {
#pragma unroll
        for (int e = 2 * r; e < 2 * r + 2; e++) {
          const float p = exp2f (fmaf (s[nb][e], scale_log2, -m_scaled));

          s[nb][e] = p;
          sum += p;
        }
      }
      l[r] = l[r] * alpha + sum;
#pragma unroll
      for (int db = 0; db < FA_D / 8; db++) {
        acc[db][2 * r] *= alpha;
        acc[db][2 * r + 1] *= alpha;
      }
    }

    cp_async_wait < 1 > ();     /* V_j landed (K_{j+1} may be in flight) */
    __syncthreads ();
    if (j + 1 < n_tiles)
      load_tile < FA_BK, NT > (sv + (buf ^ 1) * FA_BK * FA_LDS, v_bh,
          k0 + FA_BK, lk, row, tid);
    cp_async_commit ();

    /* O += P V: S accumulators of key blocks 2kk, 2kk + 1 are the A
     * fragment of key step kk */
#pragma unroll
    for (int kk = 0; kk < FA_BK / 16; kk++) {
      uint32_t pa[4];

      pa[0] = pack_bf16 (s[2 * kk][0], s[2 * kk][1]);
      pa[1] = pack_bf16 (s[2 * kk][2], s[2 * kk][3]);
      pa[2] = pack_bf16 (s[2 * kk + 1][0], s[2 * kk + 1][1]);
      pa[3] = pack_bf16 (s[2 * kk + 1][2], s[2 * kk + 1][3]);
#pragma unroll
      for (int dp = 0; dp < FA_D / 16; dp++) {
        uint32_t vb[4];

        ldmatrix_x4_trans (vb, svb + (kk * 16 + (lane & 15)) * FA_LDS +
            dp * 16 + (lane >> 4) * 8);
        mma_bf16 (acc[2 * dp], pa, vb[0], vb[1]);
        mma_bf16 (acc[2 * dp + 1], pa, vb[2], vb[3]);
      }
    }
  }
  cp_async_wait < 0 > ();       /* nothing may land after exit */

#pragma unroll
  for (int r = 0; r < 2; r++) {
    float sum = l[r];
    const int64_t i = q0 + warp * 16 + g + 8 * r;

    sum += __shfl_xor_sync (0xffffffffu, sum, 1);
    sum += __shfl_xor_sync (0xffffffffu, sum, 2);
    if (i < lq) {
      const float inv = sum > 0.0f ? 1.0f / sum : 0.0f;

#pragma unroll
      for (int db = 0; db < FA_D / 8; db++)
        store_pair (o_bh + i * row + db * 8 + 2 * t, acc[db][2 * r] * inv,
            acc[db][2 * r + 1] * inv);
    }
  }
}

template < int NWARPS, typename OutT > static cudaError_t
launch (OutT * o, const __nv_bfloat16 * q, const __nv_bfloat16 * k,
    const __nv_bfloat16 * v, int64_t batch, int64_t lq, int64_t lk,
    int64_t heads, float scale, cudaStream_t stream)
{
  constexpr int BQ = NWARPS * 16;
  const size_t smem = smem_bytes < NWARPS > ();
  const dim3 grid ((unsigned int) ((lq + BQ - 1) / BQ), (unsigned int) heads,
      (unsigned int) batch);
  cudaError_t err;

  /* over 48 KiB of dynamic shared memory must be asked for */
  err = cudaFuncSetAttribute (flash_kernel < NWARPS, OutT >,
      cudaFuncAttributeMaxDynamicSharedMemorySize, (int) smem);
  if (err != cudaSuccess)
    return err;
  flash_kernel < NWARPS, OutT > <<<grid, NWARPS * 32, smem, stream >>> (o,
      q, k, v, lq, lk, heads, scale * FA_LOG2E);
  return cudaGetLastError ();
}

/* 128-row tiles halve the K/V traffic per query, but on a short query
 * block they leave SMs idle: take 64 rows (4 warps, two CTAs fit an SM)
 * when 128 (8 warps, one CTA per SM at 192 registers a thread) would give
 * fewer than two CTAs per SM. */
template < typename OutT > static cudaError_t
dispatch (OutT * o, const __nv_bfloat16 * q, const __nv_bfloat16 * k,
    const __nv_bfloat16 * v, int64_t batch, int64_t lq, int64_t lk,
    int64_t heads, float scale, cudaStream_t stream)
{
  const int64_t ctas_128 = (lq + 127) / 128 * heads * batch;
  int device = 0, sms = 132;    /* an H100 SXM's, if the query fails */

  if (cudaGetDevice (&device) != cudaSuccess
      || cudaDeviceGetAttribute (&sms, cudaDevAttrMultiProcessorCount,
          device) != cudaSuccess) {
    sms = 132;
    (void) cudaGetLastError (); /* a failed query is no launch error */
  }
  if (ctas_128 >= 2 * (int64_t) sms)
    return launch < 8 > (o, q, k, v, batch, lq, lk, heads, scale, stream);
  return launch < 4 > (o, q, k, v, batch, lq, lk, heads, scale, stream);
}

}                               /* namespace flash */
}                               /* namespace la */

static bool
aligned (const void *p)
{
  return ((uintptr_t) p % LA_KERNEL_FLASH_ATTENTION_ALIGNMENT) == 0;
}

extern "C" cudaError_t
la_kernel_flash_attention (la_kernel_dtype o_dtype, void *o, const void *q,
    const void *k, const void *v, int64_t batch, int64_t lq, int64_t lk,
    int64_t heads, int64_t head_dim, float scale, cudaStream_t stream)
{
  const __nv_bfloat16 *q_ = (const __nv_bfloat16 *) q;
  const __nv_bfloat16 *k_ = (const __nv_bfloat16 *) k;
  const __nv_bfloat16 *v_ = (const __nv_bfloat16 *) v;

  if (batch < 1 || batch > 65535 || heads < 1 || heads > 65535 || lq < 1
      || (lq + 63) / 64 > INT32_MAX || lk < 1
      || head_dim != LA_KERNEL_FLASH_ATTENTION_HEAD_DIM || !(scale > 0.0f)
      || !aligned (o) || !aligned (q) || !aligned (k) || !aligned (v))
    return cudaErrorInvalidValue;
  switch (o_dtype) {
    case LA_KERNEL_BF16:
      return la::flash::dispatch ((__nv_bfloat16 *) o, q_, k_, v_, batch, lq,
          lk, heads, scale, stream);
    case LA_KERNEL_F32:
      return la::flash::dispatch ((float *) o, q_, k_, v_, batch, lq, lk,
          heads, scale, stream);
    default:
      return cudaErrorInvalidValue;
  }
}
