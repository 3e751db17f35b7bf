/* liveavatar: CUDA launcher: linear_fp8 (Live Avatar's --fp8, cuBLASLt)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* FP8LinearFunction (liveavatar/utils/fp8_linear.py), all on the stream,
 * no host round trip:
 *   1. amax of x into device memory (kernels/fp8_quantize.cu);
 *   2. x quantised to e4m3 with s derived from it on the device; the
 *      kernel also stores 1 / s where cuBLASLt reads it;
 *   3. an e4m3 x e4m3 cuBLASLt GEMM, fp32 compute, the per-tensor scales
 *      through the A and B scale pointers (A = w: w_scale, B = xq: 1 / s),
 *      fast accumulation as torch._scaled_mm (use_fast_accum=True), the
 *      bias in the epilogue, bf16 result: D = bf16 (scale_a scale_b acc +
 *      bias), the CPU reference's rounding (la-cpu-linear-fp8.c);
 *   4. when y is f32, or D could not be y itself, a copy into y.
 * Layout as in la-cuda-linear.c (la_cuda_lt_linear_setup ()): A = w with
 * op T, B = xq with op N, the "TN" form FP8 GEMMs require.
 *
 * cuBLASLt's FP8 kernels want K (the leading dimension of both operands)
 * a multiple of 16, M (the output features) a multiple of 8 for a bf16 D
 * (torch._scaled_mm even asks for 16), and 16-byte aligned operands. Live
 * Avatar's linears all meet that; any other shape is padded with zeros,
 * which add nothing to the sums: xq is ours to lay out (rows of kp = K
 * rounded up to 16), w is copied into [np, kp] (np = N rounded up to 16),
 * and D gets np columns, copied out by step 4. The copy of w costs N K
 * bytes per call, so it is for odd shapes and misaligned views only, never
 * Wan's weights.
 *
 * The bias: with a bf16 D, cuBLASLt's FP8 epilogue takes a bf16 bias only,
 * so the f32 bias is narrowed into the scratch first. Live Avatar's biases
 * are bf16 values (its model is bf16), so nothing is lost; an f32 bias
 * with more bits is rounded to bf16 here but not in the CPU reference.
 *
 * The temporaries live in the backend's scratch (la_cuda_scratch ()),
 * which synchronizes only when it has to grow. */

#include "config.h"

#include "la-cuda-backend.h"
#include "liveavatar.h"

#define ROUND_UP(v, m) (((v) + (m) - 1) / (m) * (m))
#define SCRATCH_ALIGN 256

gboolean
la_cuda_linear_fp8 (LaBackend * backend, const LaOpDesc * d, GError ** error)
{
  LaCudaContext *ctx = LA_CUDA_CONTEXT (backend);
  const LaTensor *x = d->src[0], *w = d->src[1], *w_scale = d->src[2];
  const LaTensor *bias = d->src[3];
  LaTensor *y = d->dst;
  const guint64 rows = la_tensor_nrows (x), in = la_tensor_ncols (x);
  const guint64 out = la_tensor_ncols (y);
  const guint64 kp = ROUND_UP (in, 16), np = ROUND_UP (out, 16);
  const gboolean pad_w = kp != in || np != out
      || la_cuda_alignment (w->data) < 16;
  const gboolean direct = y->dtype == LA_DTYPE_BF16 && np == out
      && la_cuda_alignment (y->data) >= 16;
  const la_kernel_dtype x_kdtype = la_cuda_kernel_dtype (x->dtype);
  const cublasLtEpilogue_t epilogue = bias ? CUBLASLT_EPILOGUE_BIAS :
      CUBLASLT_EPILOGUE_DEFAULT;
  const gint8 fast_accum = 1;
  const gfloat alpha = 1.0f, beta = 0.0f;
  cublasLtMatmulDesc_t desc = NULL;
  cublasLtMatrixLayout_t layout_a = NULL, layout_b = NULL, layout_d = NULL;
  cublasLtMatmulHeuristicResult_t heuristic;
  gsize off_xq, off_w, off_bias, off_d, total;
  guint8 *base, *xq, *wp = NULL;
  guint16 *bias16 = NULL;
  guint32 *amax;
  gfloat *inv_scale, *w_scale_copy;
  gpointer dst;
  const void *a_ptr, *a_scale, *b_scale;
  const gchar *step;
  cublasStatus_t st;
  int found = 0;
  gboolean ok = FALSE;

  /* scratch: amax, 1 / s and a copy of w_scale (scale pointers 16-byte
   * aligned whatever view w_scale is), xq [rows, kp], w [np, kp] when
   * padded, the bf16 bias [np], D [rows, np] when not written to y */
  off_xq = SCRATCH_ALIGN;
  off_w = off_xq + ROUND_UP (rows * kp, SCRATCH_ALIGN);
  off_bias = off_w + (pad_w ? ROUND_UP (np * kp, SCRATCH_ALIGN) : 0);
  off_d = off_bias + (bias ? ROUND_UP (np * 2, SCRATCH_ALIGN) : 0);
  total = off_d + (direct ? 0 : ROUND_UP (rows * np * 2, SCRATCH_ALIGN));
  base = la_cuda_scratch (backend, total, error);
  if (!base)
    return FALSE;
  amax = (guint32 *) base;
  inv_scale = (gfloat *) (base + 16);
  w_scale_copy = (gfloat *) (base + 32);
  xq = base + off_xq;
  if (pad_w)
    wp = base + off_w;
  if (bias)
    bias16 = (guint16 *) (base + off_bias);
  dst = direct ? y->data : base + off_d;

  /* 1, 2: x quantised with its own scale */
  if (!la_cuda_check (backend, cudaMemsetAsync (amax, 0, sizeof (guint32),
              ctx->stream), "linear_fp8 (amax)", error)
      || !la_cuda_check (backend, la_kernel_fp8_amax (x_kdtype, x->data,
              (int64_t) (rows * in), amax, ctx->stream), "linear_fp8 (amax)",
          error)
      || !la_cuda_check (backend, la_kernel_fp8_quantize (x_kdtype, xq,
              x->data, (int64_t) rows, (int64_t) in, (int64_t) kp, amax,
              inv_scale, ctx->stream), "linear_fp8 (quantize)", error))
    return FALSE;

  /* w and the bias in the shapes cuBLASLt takes */
  if (pad_w && ((kp != in || np != out)
          && !la_cuda_check (backend, cudaMemsetAsync (wp, 0, np * kp,
                  ctx->stream), "linear_fp8 (pad w)", error)))
    return FALSE;
  if (pad_w && !la_cuda_check (backend, cudaMemcpy2DAsync (wp, kp, w->data,
              in, in, out, cudaMemcpyDeviceToDevice, ctx->stream),
          "linear_fp8 (pad w)", error))
    return FALSE;
  if (!la_cuda_check (backend, cudaMemcpyAsync (w_scale_copy, w_scale->data,
              sizeof (gfloat), cudaMemcpyDeviceToDevice, ctx->stream),
          "linear_fp8 (w_scale)", error))
    return FALSE;
  if (bias && np != out
      && !la_cuda_check (backend, cudaMemsetAsync (bias16, 0, np * 2,
              ctx->stream), "linear_fp8 (bias)", error))
    return FALSE;
  if (bias && !la_cuda_check (backend, la_kernel_convert (LA_KERNEL_BF16,
              bias16, LA_KERNEL_F32, bias->data, (int64_t) out, ctx->stream),
          "linear_fp8 (bias)", error))
    return FALSE;

  /* 3 */
  a_ptr = pad_w ? (const void *) wp : w->data;
  a_scale = w_scale_copy;
  b_scale = inv_scale;

#define TRY(call) G_STMT_START { step = #call; st = (call); \
    if (st != CUBLAS_STATUS_SUCCESS) goto cublas_error; } G_STMT_END

  st = la_cuda_lt_linear_setup (&desc, &layout_a, CUDA_R_8F_E4M3, &layout_b,
      CUDA_R_8F_E4M3, &layout_d, CUDA_R_16BF, kp, np, rows, np, &step);
  if (st != CUBLAS_STATUS_SUCCESS)
    goto cublas_error;
  TRY (cublasLtMatmulDescSetAttribute (desc,
          CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &a_scale, sizeof (a_scale)));
  TRY (cublasLtMatmulDescSetAttribute (desc,
          CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &b_scale, sizeof (b_scale)));
  TRY (cublasLtMatmulDescSetAttribute (desc, CUBLASLT_MATMUL_DESC_FAST_ACCUM,
          &fast_accum, sizeof (fast_accum)));
  TRY (cublasLtMatmulDescSetAttribute (desc, CUBLASLT_MATMUL_DESC_EPILOGUE,
          &epilogue, sizeof (epilogue)));
  if (bias) {
    const void *bias_ptr = bias16;
    const gint32 bias_type = CUDA_R_16BF;

    TRY (cublasLtMatmulDescSetAttribute (desc,
            CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias_ptr, sizeof (bias_ptr)));
    TRY (cublasLtMatmulDescSetAttribute (desc,
            CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &bias_type,
            sizeof (bias_type)));
  }

  st = la_cuda_lt_heuristic (ctx, desc, layout_a, layout_b, layout_d,
      la_cuda_alignment (a_ptr), la_cuda_alignment (xq),
      la_cuda_alignment (dst), &heuristic, &found, &step);
  if (st != CUBLAS_STATUS_SUCCESS)
    goto cublas_error;
  if (found < 1)
    goto no_algo;
  TRY (cublasLtMatmul (ctx->lt, desc, &alpha, a_ptr, layout_a, xq, layout_b,
          &beta, dst, layout_d, dst, layout_d, &heuristic.algo,
          ctx->workspace, ctx->workspace_size, ctx->stream));

#undef TRY

  /* 4 */
  if (direct)
    ok = TRUE;
  else
    ok = la_cuda_check (backend, la_kernel_fp8_store_rows
        (la_cuda_kernel_dtype (y->dtype), y->data, dst, (int64_t) rows,
            (int64_t) out, (int64_t) np, ctx->stream), "linear_fp8 (store)",
        error);

done:
  la_cuda_lt_release (desc, layout_a, layout_b, layout_d);
  return ok;

  /* ERRORS */
cublas_error:
  la_cuda_lt_error (backend, "linear_fp8", step, st, error);
  goto done;
no_algo:
  la_cuda_lt_no_algo (backend, "linear_fp8", "e4m3", rows, kp, np, error);
  goto done;
}
