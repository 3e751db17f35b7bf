/* liveavatar: CUDA kernel entry points (raw pointers, shapes, a stream)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The kernels know nothing above them: no tensors, no backends, no GLib.
 * Each entry point queues its kernel(s) on @stream and returns the launch
 * status (cudaGetLastError ()), never synchronizing. Callers have checked
 * shapes; sizes are >= 1. Storage types are la_kernel_dtype values; every
 * kernel computes in fp32 (double where noted) whatever the storage.
 * The math of each op is in its .cu file's header and in
 * src/backend/la-backend.h; the CPU reference is src/backend/cpu/.
 */

#ifndef __LA_KERNELS_H__
#define __LA_KERNELS_H__

#include <stdint.h>
#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum
{
  LA_KERNEL_F32 = 0,
  LA_KERNEL_BF16 = 1,
  LA_KERNEL_F16 = 2,
  LA_KERNEL_FP8_E4M3 = 3,       /* convert only */
} la_kernel_dtype;

/* rms_norm.cu: y = x / sqrt (mean (x^2) + eps) * w; x, y [rows, cols], w [cols] */
cudaError_t la_kernel_rms_norm (la_kernel_dtype dtype, void *y,
    const void *x, const void *w, int64_t rows, int64_t cols, float eps,
    cudaStream_t stream);

/* layer_norm_modulate.cu: y = LN (x) * (1 + scale[g]) + shift[g],
 * g = row / rows_per_group; scale = shift = NULL for plain LN */
cudaError_t la_kernel_layer_norm_modulate (la_kernel_dtype dtype, void *y,
    const void *x, const void *scale, const void *shift, int64_t rows,
    int64_t cols, int64_t rows_per_group, float eps, cudaStream_t stream);

/* gelu_tanh.cu: y = gelu_tanh (x); n elements */
cudaError_t la_kernel_gelu_tanh (la_kernel_dtype dtype, void *y,
    const void *x, int64_t n, cudaStream_t stream);

/* rope_3d.cu: x, y [batch, seq, heads, head_dim], pos [seq, 3] int32 */
cudaError_t la_kernel_rope_3d (la_kernel_dtype dtype, void *y,
    const void *x, const int32_t * pos, int64_t batch, int64_t seq,
    int64_t heads, int64_t head_dim, float theta, cudaStream_t stream);

/* attention.cu: q, o [batch, lq, heads, head_dim], k, v [batch, lk, heads,
 * head_dim]; head_dim <= LA_KERNEL_ATTENTION_MAX_HEAD_DIM */
#define LA_KERNEL_ATTENTION_MAX_HEAD_DIM 512
cudaError_t la_kernel_attention (la_kernel_dtype dtype, void *o,
    const void *q, const void *k, const void *v, int64_t batch, int64_t lq,
    int64_t lk, int64_t heads, int64_t head_dim, float scale,
    cudaStream_t stream);

/* binary.cu: y[i] = a[i] op b[i % nb]; n elements */
typedef enum
{
  LA_KERNEL_BINARY_ADD = 0,
  LA_KERNEL_BINARY_MUL = 1,
} la_kernel_binary_op;
cudaError_t la_kernel_binary (la_kernel_dtype dtype, la_kernel_binary_op op,
    void *y, const void *a, const void *b, int64_t n, int64_t nb,
    cudaStream_t stream);

/* gated_residual.cu: y = x + gate[g] * r, g = row / rows_per_group */
cudaError_t la_kernel_gated_residual (la_kernel_dtype dtype, void *y,
    const void *x, const void *gate, const void *r, int64_t rows,
    int64_t cols, int64_t rows_per_group, cudaStream_t stream);

/* euler_step.cu: y = x + dt * v; n elements */
cudaError_t la_kernel_euler_step (la_kernel_dtype dtype, void *y,
    const void *x, const void *v, int64_t n, float dt, cudaStream_t stream);

/* convert.cu: y = x in y_dtype; n elements, any two dtypes */
cudaError_t la_kernel_convert (la_kernel_dtype y_dtype, void *y,
    la_kernel_dtype x_dtype, const void *x, int64_t n, cudaStream_t stream);

/* ---- the video VAE's ops ---- */

/* conv3d.cu: causal 3D convolution over concat (past, x) in time (the
 * math of la_conv3d ()). x [t, cin, h, w]; past [p, cin, h, w] or NULL
 * when p = 0; w [cout, cin, kt, kh * kw]; bias [cout] or NULL;
 * y [to, cout, ho, wo]. */
typedef struct
{
  int64_t t, p, cin, h, w;      /* input frames, past frames, picture */
  int64_t to, cout, ho, wo;     /* output */
  int kernel[3];                /* kt, kh, kw */
  int stride[3];                /* st, sh, sw */
  int pad[4];                   /* top, bottom, left, right */
} la_kernel_conv3d_shape;
cudaError_t la_kernel_conv3d (la_kernel_dtype dtype, void *y, const void *x,
    const void *past, const void *w, const void *bias,
    const la_kernel_conv3d_shape * shape, cudaStream_t stream);

/* channel_rms_norm.cu: x, y [n, c, s], normalised over c per position;
 * gamma [c], bias [c] or NULL */
cudaError_t la_kernel_channel_rms_norm (la_kernel_dtype dtype, void *y,
    const void *x, const void *gamma, const void *bias, int64_t n, int64_t c,
    int64_t s, cudaStream_t stream);

/* channel_affine.cu: y = x * scale[ch] + shift[ch]; x, y [n, c, s] */
cudaError_t la_kernel_channel_affine (la_kernel_dtype dtype, void *y,
    const void *x, const void *scale, const void *shift, int64_t n,
    int64_t c, int64_t s, cudaStream_t stream);

/* silu.cu: y = x / (1 + exp (-x)); n elements */
cudaError_t la_kernel_silu (la_kernel_dtype dtype, void *y, const void *x,
    int64_t n, cudaStream_t stream);

/* upsample_nearest_2x.cu: x [n, h, w] -> y [n, 2h, 2w] */
cudaError_t la_kernel_upsample_nearest_2x (la_kernel_dtype dtype, void *y,
    const void *x, int64_t n, int64_t h, int64_t w, cudaStream_t stream);

/* transpose.cu: x [nb, m, n, s] -> y [nb, n, m, s] */
cudaError_t la_kernel_transpose (la_kernel_dtype dtype, void *y,
    const void *x, int64_t nb, int64_t m, int64_t n, int64_t s,
    cudaStream_t stream);

/* clamp.cu: y = min (max (x, lo), hi), NaN kept; n elements */
cudaError_t la_kernel_clamp (la_kernel_dtype dtype, void *y, const void *x,
    int64_t n, float lo, float hi, cudaStream_t stream);

/* ---- the audio encoder's ops ---- */

/* conv1d.cu: grouped, time-major; x [l, cin], w [cout, cin / groups,
 * kernel], bias [cout] or NULL, y [lo, cout]; @pad_before zero frames
 * precede x (those after it only set lo, which the caller computed) */
cudaError_t la_kernel_conv1d (la_kernel_dtype dtype, void *y, const void *x,
    const void *w, const void *bias, int64_t l, int64_t cin, int64_t lo,
    int64_t cout, int64_t kernel, int stride, int pad_before, int groups,
    cudaStream_t stream);

/* gelu_erf.cu: y = 0.5 x (1 + erf (x / sqrt (2))); n elements */
cudaError_t la_kernel_gelu_erf (la_kernel_dtype dtype, void *y,
    const void *x, int64_t n, cudaStream_t stream);

/* ---- the text encoder's ops ---- */

/* attention_bias.cu: la_kernel_attention () plus bias [heads, lq, lk]
 * added to the scaled logits (-inf drops a key; an all -inf row gives
 * zeros) */
#define LA_KERNEL_ATTENTION_BIAS_MAX_HEAD_DIM 512
cudaError_t la_kernel_attention_bias (la_kernel_dtype dtype, void *o,
    const void *q, const void *k, const void *v, const void *bias,
    int64_t batch, int64_t lq, int64_t lk, int64_t heads, int64_t head_dim,
    float scale, cudaStream_t stream);

/* embedding.cu: y[i] = table[ids[i]] (zeros for an id outside
 * [0, vocab)); table [vocab, dim] any dtype, y [n, dim] f32 or the table's
 * dtype */
cudaError_t la_kernel_embedding (la_kernel_dtype y_dtype, void *y,
    la_kernel_dtype table_dtype, const void *table, const int32_t * ids,
    int64_t n, int64_t vocab, int64_t dim, cudaStream_t stream);

/* ---- Live Avatar's FP8 linears ---- */

/* fp8_quantize.cu: quant_fp8 () of the activations, never leaving the
 * device. la_kernel_fp8_amax: *amax = max (*amax, max |x|) as float bits
 * (NaN wins) over n elements of x (f32 or bf16); the caller zeroes *amax
 * first. la_kernel_fp8_quantize: s = min (448 / max (amax, 1e-12), 448),
 * xq [rows, ld] = e4m3 (x [rows, k] * s) saturating, zeros in columns
 * k..ld; *inv_scale = 1 / s. la_kernel_fp8_store_rows: y [rows, n] (f32
 * or bf16) = d [rows, ld] bf16, for a GEMM result that could not be
 * written to y directly. */
cudaError_t la_kernel_fp8_amax (la_kernel_dtype x_dtype, const void *x,
    int64_t n, unsigned int *amax, cudaStream_t stream);
cudaError_t la_kernel_fp8_quantize (la_kernel_dtype x_dtype, uint8_t * xq,
    const void *x, int64_t rows, int64_t k, int64_t ld,
    const unsigned int *amax, float *inv_scale, cudaStream_t stream);
cudaError_t la_kernel_fp8_store_rows (la_kernel_dtype y_dtype, void *y,
    const void *d, int64_t rows, int64_t n, int64_t ld, cudaStream_t stream);

#ifdef __cplusplus
}
#endif

#endif /* __LA_KERNELS_H__ */
