/* liveavatar: CUDA backend internals shared by its op launchers
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * A CUDA backend is one device ordinal, one non-blocking stream, one
 * cuBLASLt handle with its workspace. Launchers (la-cuda-<op>.c) turn a
 * checked LaOpDesc into raw pointers and sizes for kernels/la-kernels.h, or
 * into a cuBLASLt call; the current device is already set when they run.
 */

#ifndef __LA_CUDA_BACKEND_H__
#define __LA_CUDA_BACKEND_H__

#include "la-backend-impl.h"
#include "la-kernels.h"

#include <cuda_runtime.h>
#include <cublasLt.h>

G_BEGIN_DECLS

typedef struct
{
  gint            ordinal;
  cudaStream_t    stream;
  cublasLtHandle_t lt;
  gpointer        workspace;    /* cuBLASLt scratch, device memory */
  gsize           workspace_size;
  gpointer        scratch;      /* launchers' temporaries (la_cuda_scratch) */
  gsize           scratch_size;
  gint            compute_capability;   /* major * 10 + minor: 90 = Hopper */
} LaCudaContext;

#define LA_CUDA_CONTEXT(backend) ((LaCudaContext *) (backend)->context)

/* TRUE on cudaSuccess; otherwise sets @error (LA_ERROR_OUT_OF_MEMORY or
 * LA_ERROR_DEVICE) naming the backend and @what. */
gboolean        la_cuda_check (LaBackend * backend, cudaError_t err,
    const gchar * what, GError ** error);

la_kernel_dtype la_cuda_kernel_dtype (LaDType dtype);

/* Device scratch of at least @size bytes for a launcher's temporaries,
 * valid until the next call (which may grow it). Work queued on the
 * stream is ordered, so consecutive ops can share it; growing waits for
 * the stream first. NULL and @error when out of memory. */
gpointer        la_cuda_scratch (LaBackend * backend, gsize size,
    GError ** error);

/* cuBLASLt helpers of the linear launchers (la-cuda-linear.c) */
guint32         la_cuda_alignment (gconstpointer p);
/* What every linear launcher starts from (la-cuda-backend.c). cuBLASLt is
 * column-major, and a row-major [r, c] matrix is a column-major c x r one,
 * so y^T (n x rows, leading dimension ldd) = W (w's memory read as in x n,
 * op T) times x^T (in x rows, op N): A = w, B = x, m = n, k = in.
 * Creates *desc (fp32 compute and scale, TRANSA T, TRANSB N) when @desc
 * is not NULL, and each layout whose pointer is not NULL: A @a_type
 * in x n (ld in), B @b_type in x rows (ld in), D @d_type n x rows (ld
 * @ldd). On failure *step names the failing call; what was made is left
 * for la_cuda_lt_release (). */
cublasStatus_t  la_cuda_lt_linear_setup (cublasLtMatmulDesc_t * desc,
    cublasLtMatrixLayout_t * layout_a, cudaDataType_t a_type,
    cublasLtMatrixLayout_t * layout_b, cudaDataType_t b_type,
    cublasLtMatrixLayout_t * layout_d, cudaDataType_t d_type, guint64 in,
    guint64 n, guint64 rows, guint64 ldd, const gchar ** step);
/* One fp32-compute algorithm for D = op (A) op (B) (C is D) with these
 * layouts and pointer alignments; on failure *step names the failing call. */
cublasStatus_t  la_cuda_lt_heuristic (LaCudaContext * ctx,
    cublasLtMatmulDesc_t desc, cublasLtMatrixLayout_t layout_a,
    cublasLtMatrixLayout_t layout_b, cublasLtMatrixLayout_t layout_d,
    guint32 align_a, guint32 align_b, guint32 align_d,
    cublasLtMatmulHeuristicResult_t * heuristic, int *found,
    const gchar ** step);
/* Destroys what is not NULL. */
void            la_cuda_lt_release (cublasLtMatmulDesc_t desc,
    cublasLtMatrixLayout_t layout_a, cublasLtMatrixLayout_t layout_b,
    cublasLtMatrixLayout_t layout_d);
/* Sets @error for a failed cuBLASLt call @step of @op. */
void            la_cuda_lt_error (LaBackend * backend, const gchar * op,
    const gchar * step, cublasStatus_t st, GError ** error);
/* Sets @error (LA_ERROR_NOT_SUPPORTED): no @type algorithm for @op's
 * [@rows, @k] x [@n, @k]^T. */
void            la_cuda_lt_no_algo (LaBackend * backend, const gchar * op,
    const gchar * type, guint64 rows, guint64 k, guint64 n, GError ** error);

/* launchers: one per op file */
gboolean        la_cuda_linear (LaBackend * backend, const LaOpDesc * d,
    GError ** error);
gboolean        la_cuda_rms_norm (LaBackend * backend, const LaOpDesc * d,
    GError ** error);
gboolean        la_cuda_layer_norm_modulate (LaBackend * backend,
    const LaOpDesc * d, GError ** error);
gboolean        la_cuda_gelu_tanh (LaBackend * backend, const LaOpDesc * d,
    GError ** error);
gboolean        la_cuda_rope_3d (LaBackend * backend, const LaOpDesc * d,
    GError ** error);
gboolean        la_cuda_attention (LaBackend * backend, const LaOpDesc * d,
    GError ** error);
gboolean        la_cuda_binary (LaBackend * backend, const LaOpDesc * d,
    GError ** error);
gboolean        la_cuda_gated_residual (LaBackend * backend,
    const LaOpDesc * d, GError ** error);
gboolean        la_cuda_euler_step (LaBackend * backend, const LaOpDesc * d,
    GError ** error);
gboolean        la_cuda_convert (LaBackend * backend, const LaOpDesc * d,
    GError ** error);
gboolean        la_cuda_conv3d (LaBackend * backend, const LaOpDesc * d,
    GError ** error);
gboolean        la_cuda_channel_rms_norm (LaBackend * backend,
    const LaOpDesc * d, GError ** error);
gboolean        la_cuda_channel_affine (LaBackend * backend,
    const LaOpDesc * d, GError ** error);
gboolean        la_cuda_silu (LaBackend * backend, const LaOpDesc * d,
    GError ** error);
gboolean        la_cuda_upsample_nearest_2x (LaBackend * backend,
    const LaOpDesc * d, GError ** error);
gboolean        la_cuda_transpose (LaBackend * backend, const LaOpDesc * d,
    GError ** error);
gboolean        la_cuda_clamp (LaBackend * backend, const LaOpDesc * d,
    GError ** error);
gboolean        la_cuda_conv1d (LaBackend * backend, const LaOpDesc * d,
    GError ** error);
gboolean        la_cuda_gelu_erf (LaBackend * backend, const LaOpDesc * d,
    GError ** error);
gboolean        la_cuda_linear_mixed (LaBackend * backend,
    const LaOpDesc * d, GError ** error);
gboolean        la_cuda_attention_bias (LaBackend * backend,
    const LaOpDesc * d, GError ** error);
gboolean        la_cuda_embedding (LaBackend * backend, const LaOpDesc * d,
    GError ** error);
gboolean        la_cuda_linear_fp8 (LaBackend * backend, const LaOpDesc * d,
    GError ** error);

G_END_DECLS

#endif /* __LA_CUDA_BACKEND_H__ */
