/* liveavatar: CUDA launcher: attention
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* o = softmax (q k^T * scale) v on [B?, L, H, D].
 * bf16 with head dim 128 and 16-byte aligned tensors (the DiT's
 * attentions) go to the tensor-core kernel, kernels/flash_attention.cu;
 * everything else to the general v1 kernel, kernels/attention.cu (head dim
 * up to 512, f32/bf16/f16). LIVEAVATAR_CUDA_ATTENTION=v1 sends everything
 * to v1, for A/B runs on a GPU (read at every call, so a benchmark can
 * switch between runs); unset or any other value chooses automatically. */

#include "config.h"

#include "la-cuda-backend.h"
#include "la-flash-attention.h"
#include "liveavatar.h"

static gboolean
aligned (gconstpointer p)
{
  return (GPOINTER_TO_SIZE (p) % LA_KERNEL_FLASH_ATTENTION_ALIGNMENT) == 0;
}

static gboolean
use_flash (const LaOpDesc * d)
{
  const LaTensor *q = d->src[0], *k = d->src[1], *v = d->src[2];

  if (g_strcmp0 (g_getenv ("LIVEAVATAR_CUDA_ATTENTION"), "v1") == 0)
    return FALSE;
  /* la-ops.c checked that o, k and v share q's dtype and head dim */
  return q->dtype == LA_DTYPE_BF16
      && q->ne[q->n_dims - 1] == LA_KERNEL_FLASH_ATTENTION_HEAD_DIM
      && aligned (q->data) && aligned (k->data) && aligned (v->data)
      && aligned (d->dst->data);
}

gboolean
la_cuda_attention (LaBackend * backend, const LaOpDesc * d, GError ** error)
{
  const LaTensor *q = d->src[0], *k = d->src[1], *v = d->src[2];
  const gint n = q->n_dims;
  const gint64 batch = n == 4 ? q->ne[0] : 1, heads = q->ne[n - 2];
  cudaStream_t stream = LA_CUDA_CONTEXT (backend)->stream;

  if (q->ne[n - 1] > LA_KERNEL_ATTENTION_MAX_HEAD_DIM || heads > 65535
      || batch > 65535)
    goto unsupported;
  if (use_flash (d))
    return la_cuda_check (backend,
        la_kernel_flash_attention (LA_KERNEL_BF16, d->dst->data, q->data,
            k->data, v->data, batch, q->ne[n - 3], k->ne[n - 3], heads,
            q->ne[n - 1], d->param, stream), "flash attention", error);
  return la_cuda_check (backend,
      la_kernel_attention (la_cuda_kernel_dtype (q->dtype), d->dst->data,
          q->data, k->data, v->data, batch, q->ne[n - 3], k->ne[n - 3],
          heads, q->ne[n - 1], d->param, stream), "attention", error);

  /* ERRORS */
unsupported:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
        "%s: attention: head dim %" G_GINT64_FORMAT " (max %d), %"
        G_GINT64_FORMAT " heads, batch %" G_GINT64_FORMAT " (max 65535 each)",
        backend->device.name, q->ne[n - 1], LA_KERNEL_ATTENTION_MAX_HEAD_DIM,
        heads, batch);
    return FALSE;
  }
}
