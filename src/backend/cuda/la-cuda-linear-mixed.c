/* liveavatar: CUDA launcher: linear_mixed (cuBLASLt, weights widened)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = x W^T + b with x, y, bias f32 and W kept bf16 or f16, the text
 * encoder's linear (CPU reference: src/backend/cpu/la-cpu-linear-mixed.c,
 * fp32 products of x and the widened weights).
 *
 * cuBLASLt has no f32 x bf16 GEMM, and rounding x to bf16 would leave the
 * reference's semantics, so the weights are widened: a chunk of output
 * rows of W at a time goes through kernels/convert.cu into the backend's
 * scratch (at most LA_CUDA_MIXED_CHUNK_BYTES, so a 10240 x 4096 umT5
 * weight never needs its 168 MB fp32 copy), and a pure fp32 cuBLASLt GEMM
 * (CUBLAS_COMPUTE_32F, no TF32) writes that chunk's output columns of y,
 * which are a column-major matrix with leading dimension N. Chunks run in
 * stream order, so one scratch serves them all. The bias is added by
 * kernels/binary.cu after the last chunk.
 * Layout as in la-cuda-linear.c: y^T (n x rows) = W_chunk (in x n, op T)
 * times x^T (in x rows, op N). */

#include "config.h"

#include "la-cuda-backend.h"
#include "liveavatar.h"

#define LA_CUDA_MIXED_CHUNK_BYTES (32 * 1024 * 1024)
#define CHUNK_ROUND 64          /* output rows per chunk: a multiple of this */

gboolean
la_cuda_linear_mixed (LaBackend * backend, const LaOpDesc * d, GError ** error)
{
  LaCudaContext *ctx = LA_CUDA_CONTEXT (backend);
  const LaTensor *x = d->src[0], *w = d->src[1], *bias = d->src[2];
  LaTensor *y = d->dst;
  const guint64 rows = la_tensor_nrows (x), in = la_tensor_ncols (x);
  const guint64 out = la_tensor_ncols (y);
  const gsize w_row = (gsize) in * la_dtype_size (w->dtype);
  const gfloat alpha = 1.0f, beta = 0.0f;
  cublasLtMatmulDesc_t desc = NULL;
  cublasLtMatrixLayout_t layout_a = NULL, layout_b = NULL, layout_d = NULL;
  cublasLtMatmulHeuristicResult_t heuristic;
  guint64 chunk, o0, n = 0;
  guint32 align_a, align_b = la_cuda_alignment (x->data), align_d;
  gfloat *wide;
  const gchar *step;
  cublasStatus_t st;
  int found = 0;
  gboolean ok = FALSE;

  chunk = LA_CUDA_MIXED_CHUNK_BYTES / (in * sizeof (gfloat));
  chunk = MAX (CHUNK_ROUND, chunk / CHUNK_ROUND * CHUNK_ROUND);
  chunk = MIN (chunk, out);
  wide = la_cuda_scratch (backend, chunk * in * sizeof (gfloat), error);
  if (!wide)
    return FALSE;
  align_a = la_cuda_alignment (wide);

#define TRY(call) G_STMT_START { step = #call; st = (call); \
    if (st != CUBLAS_STATUS_SUCCESS) goto cublas_error; } G_STMT_END

  st = la_cuda_lt_linear_setup (&desc, NULL, CUDA_R_32F, &layout_b,
      CUDA_R_32F, NULL, CUDA_R_32F, in, chunk, rows, out, &step);
  if (st != CUBLAS_STATUS_SUCCESS)
    goto cublas_error;

  for (o0 = 0; o0 < out; o0 += n) {
    gfloat *y_chunk = (gfloat *) y->data + o0;

    n = MIN (chunk, out - o0);
    if (!la_cuda_check (backend, la_kernel_convert (LA_KERNEL_F32, wide,
                la_cuda_kernel_dtype (w->dtype),
                (const guint8 *) w->data + o0 * w_row, (int64_t) (n * in),
                ctx->stream), "linear_mixed (widen weights)", error))
      goto done;

    /* the last chunk may be narrower: its own layouts and algorithm */
    if (!layout_a || n != chunk) {
      g_clear_pointer (&layout_a, cublasLtMatrixLayoutDestroy);
      g_clear_pointer (&layout_d, cublasLtMatrixLayoutDestroy);
      st = la_cuda_lt_linear_setup (NULL, &layout_a, CUDA_R_32F, NULL,
          CUDA_R_32F, &layout_d, CUDA_R_32F, in, n, rows, out, &step);
      if (st != CUBLAS_STATUS_SUCCESS)
        goto cublas_error;
    }
    align_d = la_cuda_alignment (y_chunk);
    st = la_cuda_lt_heuristic (ctx, desc, layout_a, layout_b, layout_d, align_a,
        align_b, align_d, &heuristic, &found, &step);
    if (st != CUBLAS_STATUS_SUCCESS)
      goto cublas_error;
    if (found < 1)
      goto no_algo;
    TRY (cublasLtMatmul (ctx->lt, desc, &alpha, wide, layout_a, x->data,
            layout_b, &beta, y_chunk, layout_d, y_chunk, layout_d,
            &heuristic.algo, ctx->workspace, ctx->workspace_size, ctx->stream));
  }
  if (bias)
    ok = la_cuda_check (backend, la_kernel_binary (LA_KERNEL_F32,
            LA_KERNEL_BINARY_ADD, y->data, y->data, bias->data,
            (int64_t) (rows * out), (int64_t) out, ctx->stream),
        "linear_mixed (bias)", error);
  else
    ok = TRUE;

#undef TRY

done:
  la_cuda_lt_release (desc, layout_a, layout_b, layout_d);
  return ok;

  /* ERRORS */
cublas_error:
  la_cuda_lt_error (backend, "linear_mixed", step, st, error);
  goto done;
no_algo:
  la_cuda_lt_no_algo (backend, "linear_mixed", "f32", rows, in, n, error);
  goto done;
}
