/* liveavatar: CUDA launcher: attention_bias
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */


/* o = softmax (q k^T * scale + bias) v on [B?, L, H, D];
 * kernel: kernels/attention_bias.cu (head_dim up to 512) */

#include "config.h"

#include "la-cuda-backend.h"
#include "liveavatar.h"

gboolean
la_cuda_attention_bias (LaBackend * backend, const LaOpDesc * d,
    GError ** error)
{
  const LaTensor *q = d->src[0], *k = d->src[1], *v = d->src[2];
  const LaTensor *bias = d->src[3];
  const gint n = q->n_dims;
  const gint64 batch = n == 4 ? q->ne[0] : 1, heads = q->ne[n - 2];

  if (q->ne[n - 1] > LA_KERNEL_ATTENTION_BIAS_MAX_HEAD_DIM || heads > 65535
      || batch > 65535)
    goto unsupported;
  return la_cuda_check (backend,
      la_kernel_attention_bias (la_cuda_kernel_dtype (q->dtype), d->dst->data,
          q->data, k->data, v->data, bias->data, batch, q->ne[n - 3],
          k->ne[n - 3], heads, q->ne[n - 1], d->param,
          LA_CUDA_CONTEXT (backend)->stream), "attention_bias", error);

  /* ERRORS */
unsupported:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
        "%s: attention_bias: head dim %" G_GINT64_FORMAT " (max %d), %"
        G_GINT64_FORMAT " heads, batch %" G_GINT64_FORMAT " (max 65535 each)",
        backend->device.name, q->ne[n - 1],
        LA_KERNEL_ATTENTION_BIAS_MAX_HEAD_DIM, heads, batch);
    return FALSE;
  }
}
