/* liveavatar: the CUDA backend (one GPU, one stream)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Ops are queued on the backend's stream and return at once; uploads and
 * downloads go through the same stream, so they are ordered with the ops,
 * and wait for it before returning (the host memory is then free to reuse
 * or read). Every entry point selects the backend's device first, so
 * backends on different GPUs can be used from one thread. */

#include "config.h"

#include "la-cuda-backend.h"
#include "la-cuda-device.h"
#include "liveavatar.h"

/* cuBLASLt scratch: what NVIDIA recommends for Hopper */
#define LA_CUDA_WORKSPACE_SIZE (32 * 1024 * 1024)

gboolean
la_cuda_check (LaBackend * backend, cudaError_t err, const gchar * what,
    GError ** error)
{
  if (err == cudaSuccess)
    return TRUE;
  /* a failed call also leaves its code as the thread's "last error", which
   * the next kernel launch would report as its own */
  (void) cudaGetLastError ();
  g_set_error (error, LA_ERROR, err == cudaErrorMemoryAllocation ?
      LA_ERROR_OUT_OF_MEMORY : LA_ERROR_DEVICE, "%s: %s: %s (%s)",
      backend->device.name, what, cudaGetErrorString (err),
      cudaGetErrorName (err));
  return FALSE;
}

la_kernel_dtype
la_cuda_kernel_dtype (LaDType dtype)
{
  switch (dtype) {
    case LA_DTYPE_BF16:
      return LA_KERNEL_BF16;
    case LA_DTYPE_F16:
      return LA_KERNEL_F16;
    case LA_DTYPE_FP8_E4M3:
      return LA_KERNEL_FP8_E4M3;
    default:
      return LA_KERNEL_F32;
  }
}

static gboolean
set_device (LaBackend * backend, GError ** error)
{
  return la_cuda_check (backend,
      cudaSetDevice (LA_CUDA_CONTEXT (backend)->ordinal), "cudaSetDevice",
      error);
}

gpointer
la_cuda_scratch (LaBackend * backend, gsize size, GError ** error)
{
  LaCudaContext *ctx = LA_CUDA_CONTEXT (backend);
  gpointer p = NULL;

  if (size <= ctx->scratch_size)
    return ctx->scratch;
  /* queued work may still read the old scratch */
  if (!la_cuda_check (backend, cudaStreamSynchronize (ctx->stream),
          "scratch (synchronize)", error))
    return NULL;
  if (ctx->scratch)
    (void) cudaFree (ctx->scratch);
  ctx->scratch = NULL;
  ctx->scratch_size = 0;
  if (!la_cuda_check (backend, cudaMalloc (&p, size), "cudaMalloc (scratch)",
          error))
    return NULL;
  ctx->scratch = p;
  ctx->scratch_size = size;
  return p;
}

cublasStatus_t
la_cuda_lt_linear_setup (cublasLtMatmulDesc_t * desc,
    cublasLtMatrixLayout_t * layout_a, cudaDataType_t a_type,
    cublasLtMatrixLayout_t * layout_b, cudaDataType_t b_type,
    cublasLtMatrixLayout_t * layout_d, cudaDataType_t d_type, guint64 in,
    guint64 n, guint64 rows, guint64 ldd, const gchar ** step)
{
  const cublasOperation_t op_a = CUBLAS_OP_T, op_b = CUBLAS_OP_N;
  cublasStatus_t st = CUBLAS_STATUS_SUCCESS;

#define TRY(call) G_STMT_START { *step = #call; st = (call); \
    if (st != CUBLAS_STATUS_SUCCESS) return st; } G_STMT_END

  if (desc) {
    TRY (cublasLtMatmulDescCreate (desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    TRY (cublasLtMatmulDescSetAttribute (*desc, CUBLASLT_MATMUL_DESC_TRANSA,
            &op_a, sizeof (op_a)));
    TRY (cublasLtMatmulDescSetAttribute (*desc, CUBLASLT_MATMUL_DESC_TRANSB,
            &op_b, sizeof (op_b)));
  }
  if (layout_a)
    TRY (cublasLtMatrixLayoutCreate (layout_a, a_type, in, n, in));
  if (layout_b)
    TRY (cublasLtMatrixLayoutCreate (layout_b, b_type, in, rows, in));
  if (layout_d)
    TRY (cublasLtMatrixLayoutCreate (layout_d, d_type, n, rows, ldd));

#undef TRY

  return st;
}

/* ---- buffer ---- */

static void
cuda_buffer_free (LaBuffer * buffer)
{
  LaCudaContext *ctx = LA_CUDA_CONTEXT (buffer->backend);

  /* errors here have nowhere to go; a sticky fault resurfaces on the next
   * call that can report it */
  if (cudaSetDevice (ctx->ordinal) == cudaSuccess) {
    (void) cudaStreamSynchronize (ctx->stream);
    (void) cudaFree (buffer->base);
  }
}

static gboolean
cuda_buffer_set_data (LaBuffer * buffer, gsize offset, gconstpointer data,
    gsize size, GError ** error)
{
  LaBackend *backend = buffer->backend;
  LaCudaContext *ctx = LA_CUDA_CONTEXT (backend);

  return set_device (backend, error)
      && la_cuda_check (backend,
      cudaMemcpyAsync ((guint8 *) buffer->base + offset, data, size,
          cudaMemcpyHostToDevice, ctx->stream), "upload", error)
      && la_cuda_check (backend, cudaStreamSynchronize (ctx->stream),
      "upload (synchronize)", error);
}

static gboolean
cuda_buffer_get_data (LaBuffer * buffer, gsize offset, gpointer data,
    gsize size, GError ** error)
{
  LaBackend *backend = buffer->backend;
  LaCudaContext *ctx = LA_CUDA_CONTEXT (backend);

  return set_device (backend, error)
      && la_cuda_check (backend,
      cudaMemcpyAsync (data, (const guint8 *) buffer->base + offset, size,
          cudaMemcpyDeviceToHost, ctx->stream), "download", error)
      && la_cuda_check (backend, cudaStreamSynchronize (ctx->stream),
      "download (synchronize)", error);
}

static const LaBufferIface cuda_buffer_iface = {
  cuda_buffer_free,
  cuda_buffer_set_data,
  cuda_buffer_get_data,
};

static LaBuffer *
cuda_alloc_buffer (LaBackend * backend, gsize size, GError ** error)
{
  LaBuffer *buffer;
  gpointer base = NULL;

  if (!set_device (backend, error))
    return NULL;
  /* cudaMalloc returns 256-byte aligned memory: LA_TENSOR_ALIGNMENT */
  if (!la_cuda_check (backend, cudaMalloc (&base, size), "cudaMalloc", error))
    return NULL;
  buffer = g_new0 (LaBuffer, 1);
  buffer->iface = &cuda_buffer_iface;
  buffer->backend = backend;
  buffer->base = base;
  buffer->size = size;
  return buffer;
}

/* ---- ops ---- */

static gboolean
cuda_supports_op (LaBackend * backend, LaOp op, LaDType dtype)
{
  /* FP8 tensor cores: Ada (8.9) and Hopper (9.0) on */
  if (op == LA_OP_LINEAR_FP8
      && LA_CUDA_CONTEXT (backend)->compute_capability < 89)
    return FALSE;
  return la_backend_op_dtype_supported (op, dtype);
}

static gboolean
cuda_compute_op (LaBackend * backend, const LaOpDesc * d, GError ** error)
{
  if (!set_device (backend, error))
    return FALSE;

  switch (d->op) {
    case LA_OP_LINEAR:
      return la_cuda_linear (backend, d, error);
    case LA_OP_RMS_NORM:
      return la_cuda_rms_norm (backend, d, error);
    case LA_OP_LAYER_NORM_MODULATE:
      return la_cuda_layer_norm_modulate (backend, d, error);
    case LA_OP_GELU_TANH:
      return la_cuda_gelu_tanh (backend, d, error);
    case LA_OP_ROPE_3D:
      return la_cuda_rope_3d (backend, d, error);
    case LA_OP_ATTENTION:
      return la_cuda_attention (backend, d, error);
    case LA_OP_ADD:
    case LA_OP_MUL:
      return la_cuda_binary (backend, d, error);
    case LA_OP_GATED_RESIDUAL:
      return la_cuda_gated_residual (backend, d, error);
    case LA_OP_EULER_STEP:
      return la_cuda_euler_step (backend, d, error);
    case LA_OP_CONVERT:
      return la_cuda_convert (backend, d, error);
    case LA_OP_CONV3D:
      return la_cuda_conv3d (backend, d, error);
    case LA_OP_CHANNEL_RMS_NORM:
      return la_cuda_channel_rms_norm (backend, d, error);
    case LA_OP_CHANNEL_AFFINE:
      return la_cuda_channel_affine (backend, d, error);
    case LA_OP_SILU:
      return la_cuda_silu (backend, d, error);
    case LA_OP_UPSAMPLE_NEAREST_2X:
      return la_cuda_upsample_nearest_2x (backend, d, error);
    case LA_OP_TRANSPOSE:
      return la_cuda_transpose (backend, d, error);
    case LA_OP_CLAMP:
      return la_cuda_clamp (backend, d, error);
    case LA_OP_CONV1D:
      return la_cuda_conv1d (backend, d, error);
    case LA_OP_GELU_ERF:
      return la_cuda_gelu_erf (backend, d, error);
    case LA_OP_LINEAR_MIXED:
      return la_cuda_linear_mixed (backend, d, error);
    case LA_OP_ATTENTION_BIAS:
      return la_cuda_attention_bias (backend, d, error);
    case LA_OP_EMBEDDING:
      return la_cuda_embedding (backend, d, error);
    case LA_OP_LINEAR_FP8:
      return la_cuda_linear_fp8 (backend, d, error);
    default:
      g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
          "%s: op %d unknown to the CUDA backend", backend->device.name,
          (gint) d->op);
      return FALSE;
  }
}

/* ---- backend ---- */

static gboolean
cuda_synchronize (LaBackend * backend, GError ** error)
{
  return set_device (backend, error)
      && la_cuda_check (backend,
      cudaStreamSynchronize (LA_CUDA_CONTEXT (backend)->stream),
      "cudaStreamSynchronize", error);
}

static void
cuda_free (LaBackend * backend)
{
  LaCudaContext *ctx = LA_CUDA_CONTEXT (backend);

  if (!ctx)
    return;
  if (cudaSetDevice (ctx->ordinal) == cudaSuccess) {
    if (ctx->stream)
      (void) cudaStreamSynchronize (ctx->stream);
    if (ctx->lt)
      (void) cublasLtDestroy (ctx->lt);
    if (ctx->workspace)
      (void) cudaFree (ctx->workspace);
    if (ctx->scratch)
      (void) cudaFree (ctx->scratch);
    if (ctx->stream)
      (void) cudaStreamDestroy (ctx->stream);
  }
  g_free (ctx);
  backend->context = NULL;
}

static const LaBackendIface cuda_backend_iface = {
  cuda_free,
  cuda_alloc_buffer,
  cuda_synchronize,
  cuda_supports_op,
  cuda_compute_op,
};

gboolean
la_cuda_backend_init (LaBackend * backend, gint device, GError ** error)
{
  LaCudaContext *ctx;
  cublasStatus_t st;
  gchar *desc = NULL;
  guint64 total = 0;
  gint count, major = 0, minor = 0;

  count = la_cuda_device_count (error);
  if (count < 0)
    return FALSE;
  if (device >= count)
    goto no_device;
  if (!la_cuda_device_describe (device, &desc, &total, error))
    return FALSE;

  ctx = g_new0 (LaCudaContext, 1);
  ctx->ordinal = device;
  backend->iface = &cuda_backend_iface;
  backend->context = ctx;
  backend->device.kind = LA_BACKEND_CUDA;
  backend->device.index = device;
  backend->device.name = g_strdup_printf ("CUDA%d", device);
  backend->device.description = desc;
  backend->device.total_bytes = total;

  if (!set_device (backend, error)
      || !la_cuda_check (backend, cudaStreamCreateWithFlags (&ctx->stream,
              cudaStreamNonBlocking), "cudaStreamCreate", error)
      || !la_cuda_check (backend, cudaMalloc (&ctx->workspace,
              LA_CUDA_WORKSPACE_SIZE), "cudaMalloc (cuBLASLt workspace)", error)
      || !la_cuda_check (backend, cudaDeviceGetAttribute (&major,
              cudaDevAttrComputeCapabilityMajor, device),
          "compute capability", error)
      || !la_cuda_check (backend, cudaDeviceGetAttribute (&minor,
              cudaDevAttrComputeCapabilityMinor, device),
          "compute capability", error))
    goto failed;
  ctx->compute_capability = major * 10 + minor;
  ctx->workspace_size = LA_CUDA_WORKSPACE_SIZE;
  st = cublasLtCreate (&ctx->lt);
  if (st != CUBLAS_STATUS_SUCCESS)
    goto no_cublas;
  return TRUE;

  /* ERRORS */
no_device:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_DEVICE,
        "CUDA device %d not present (%d found)", device, count);
    return FALSE;
  }
no_cublas:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_DEVICE, "%s: cublasLtCreate: %s",
        backend->device.name, cublasLtGetStatusString (st));
    goto failed;
  }
failed:
  {
    cuda_free (backend);
    backend->iface = NULL;
    return FALSE;
  }
}
