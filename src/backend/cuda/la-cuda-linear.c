/* liveavatar: CUDA launcher: linear (cuBLASLt)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = x W^T + b with cuBLASLt, fp32 accumulation.
 *   x [rows, in], w [out, in], bias [out] or NULL, y [rows, out], row-major
 * cuBLASLt is column-major, and a row-major [r, c] matrix is a column-major
 * c x r one. So y^T (out x rows) = W (w's memory read as in x out,
 * transposed) times x^T (x's memory as in x rows): A = w with op T, B = x
 * with op N, m = out, n = rows, k = in (la_cuda_lt_linear_setup () makes
 * these descriptors for every linear launcher); the BIAS epilogue adds
 * bias[m] to every column of D, i.e. to every row of y.
 * The epilogue wants the bias 16-byte aligned (a bias that is a view may
 * not be: then the bias is added by a second kernel, kernels/binary.cu).
 * Pure fp32 for f32 tensors (CUBLAS_COMPUTE_32F, no TF32), so the f32
 * parity tolerance holds. The heuristic is asked again on every call (a few
 * microseconds); caching plans per shape is issue 6's. */

#include "config.h"

#include "la-cuda-backend.h"
#include "liveavatar.h"

static cudaDataType_t
cuda_type (LaDType dtype)
{
  switch (dtype) {
    case LA_DTYPE_BF16:
      return CUDA_R_16BF;
    case LA_DTYPE_F16:
      return CUDA_R_16F;
    default:
      return CUDA_R_32F;
  }
}

/* The heuristic assumes 256-byte aligned matrices unless told otherwise;
 * views (row ranges) can start anywhere. */
guint32
la_cuda_alignment (gconstpointer p)
{
  guintptr a = (guintptr) p;
  guint32 align = 256;

  while (align > 1 && a % align != 0)
    align /= 2;
  return align;
}

cublasStatus_t
la_cuda_lt_heuristic (LaCudaContext * ctx, cublasLtMatmulDesc_t desc,
    cublasLtMatrixLayout_t layout_a, cublasLtMatrixLayout_t layout_b,
    cublasLtMatrixLayout_t layout_d, guint32 align_a, guint32 align_b,
    guint32 align_d, cublasLtMatmulHeuristicResult_t * heuristic,
    int *found, const gchar ** step)
{
  const guint64 workspace = ctx->workspace_size;
  cublasLtMatmulPreference_t pref = NULL;
  cublasStatus_t st;

#define TRY(call) G_STMT_START { *step = #call; st = (call); \
    if (st != CUBLAS_STATUS_SUCCESS) goto done; } G_STMT_END

  TRY (cublasLtMatmulPreferenceCreate (&pref));
  TRY (cublasLtMatmulPreferenceSetAttribute (pref,
          CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace,
          sizeof (workspace)));
  TRY (cublasLtMatmulPreferenceSetAttribute (pref,
          CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, &align_a,
          sizeof (align_a)));
  TRY (cublasLtMatmulPreferenceSetAttribute (pref,
          CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, &align_b,
          sizeof (align_b)));
  TRY (cublasLtMatmulPreferenceSetAttribute (pref,
          CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, &align_d,
          sizeof (align_d)));
  TRY (cublasLtMatmulPreferenceSetAttribute (pref,
          CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, &align_d,
          sizeof (align_d)));

  TRY (cublasLtMatmulAlgoGetHeuristic (ctx->lt, desc, layout_a, layout_b,
          layout_d, layout_d, pref, 1, heuristic, found));

#undef TRY

done:
  if (pref)
    cublasLtMatmulPreferenceDestroy (pref);
  return st;
}

void
la_cuda_lt_release (cublasLtMatmulDesc_t desc,
    cublasLtMatrixLayout_t layout_a, cublasLtMatrixLayout_t layout_b,
    cublasLtMatrixLayout_t layout_d)
{
  if (layout_d)
    cublasLtMatrixLayoutDestroy (layout_d);
  if (layout_b)
    cublasLtMatrixLayoutDestroy (layout_b);
  if (layout_a)
    cublasLtMatrixLayoutDestroy (layout_a);
  if (desc)
    cublasLtMatmulDescDestroy (desc);
}

void
la_cuda_lt_error (LaBackend * backend, const gchar * op, const gchar * step,
    cublasStatus_t st, GError ** error)
{
  gint code = LA_ERROR_DEVICE;

  if (st == CUBLAS_STATUS_ALLOC_FAILED)
    code = LA_ERROR_OUT_OF_MEMORY;
  else if (st == CUBLAS_STATUS_NOT_SUPPORTED)
    code = LA_ERROR_NOT_SUPPORTED;
  g_set_error (error, LA_ERROR, code, "%s: %s: %s: %s", backend->device.name,
      op, step, cublasLtGetStatusString (st));
}

void
la_cuda_lt_no_algo (LaBackend * backend, const gchar * op,
    const gchar * type, guint64 rows, guint64 k, guint64 n, GError ** error)
{
  g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
      "%s: %s: cuBLASLt has no %s algorithm for [%" G_GUINT64_FORMAT ", %"
      G_GUINT64_FORMAT "] x [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
      "]^T", backend->device.name, op, type, rows, k, n, k);
}

gboolean
la_cuda_linear (LaBackend * backend, const LaOpDesc * d, GError ** error)
{
  LaCudaContext *ctx = LA_CUDA_CONTEXT (backend);
  const LaTensor *x = d->src[0], *w = d->src[1], *bias = d->src[2];
  LaTensor *y = d->dst;
  const guint64 rows = la_tensor_nrows (x), in = la_tensor_ncols (x);
  const guint64 out = la_tensor_ncols (y);
  const cudaDataType_t ab_type = cuda_type (x->dtype);
  const cudaDataType_t cd_type = cuda_type (y->dtype);
  const gboolean fused_bias = bias && la_cuda_alignment (bias->data) >= 16;
  const cublasLtEpilogue_t epilogue = fused_bias ? CUBLASLT_EPILOGUE_BIAS :
      CUBLASLT_EPILOGUE_DEFAULT;
  const gfloat alpha = 1.0f, beta = 0.0f;
  cublasLtMatmulDesc_t desc = NULL;
  cublasLtMatrixLayout_t layout_a = NULL, layout_b = NULL, layout_d = NULL;
  cublasLtMatmulHeuristicResult_t heuristic;
  guint32 align_a = la_cuda_alignment (w->data);
  guint32 align_b = la_cuda_alignment (x->data);
  guint32 align_d = la_cuda_alignment (y->data);
  const gchar *step;
  cublasStatus_t st;
  int found = 0;
  gboolean ok = FALSE;

#define TRY(call) G_STMT_START { step = #call; st = (call); \
    if (st != CUBLAS_STATUS_SUCCESS) goto cublas_error; } G_STMT_END

  /* column-major views of the row-major tensors (see top of file) */
  st = la_cuda_lt_linear_setup (&desc, &layout_a, ab_type, &layout_b, ab_type,
      &layout_d, cd_type, in, out, rows, out, &step);
  if (st != CUBLAS_STATUS_SUCCESS)
    goto cublas_error;
  TRY (cublasLtMatmulDescSetAttribute (desc, CUBLASLT_MATMUL_DESC_EPILOGUE,
          &epilogue, sizeof (epilogue)));
  if (fused_bias) {
    const void *bias_ptr = bias->data;
    const gint32 bias_type = cd_type;

    TRY (cublasLtMatmulDescSetAttribute (desc,
            CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias_ptr, sizeof (bias_ptr)));
    TRY (cublasLtMatmulDescSetAttribute (desc,
            CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &bias_type,
            sizeof (bias_type)));
  }

  st = la_cuda_lt_heuristic (ctx, desc, layout_a, layout_b, layout_d, align_a,
      align_b, align_d, &heuristic, &found, &step);
  if (st != CUBLAS_STATUS_SUCCESS)
    goto cublas_error;
  if (found < 1)
    goto no_algo;

  TRY (cublasLtMatmul (ctx->lt, desc, &alpha, w->data, layout_a, x->data,
          layout_b, &beta, y->data, layout_d, y->data, layout_d,
          &heuristic.algo, ctx->workspace, ctx->workspace_size, ctx->stream));
  if (bias && !fused_bias)
    ok = la_cuda_check (backend, la_kernel_binary (la_cuda_kernel_dtype
            (y->dtype), LA_KERNEL_BINARY_ADD, y->data, y->data, bias->data,
            (int64_t) (rows * out), (int64_t) out, ctx->stream),
        "linear (bias)", error);
  else
    ok = TRUE;

#undef TRY

done:
  la_cuda_lt_release (desc, layout_a, layout_b, layout_d);
  return ok;

  /* ERRORS */
cublas_error:
  la_cuda_lt_error (backend, "linear", step, st, error);
  goto done;
no_algo:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
        "%s: linear: cuBLASLt has no algorithm for %s x %s [%" G_GUINT64_FORMAT
        ", %" G_GUINT64_FORMAT "] -> %s [%" G_GUINT64_FORMAT "]",
        backend->device.name, la_dtype_name (x->dtype),
        la_dtype_name (w->dtype), rows, in, la_dtype_name (y->dtype), out);
    goto done;
  }
}
