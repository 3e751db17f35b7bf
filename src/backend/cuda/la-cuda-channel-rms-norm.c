/* liveavatar: CUDA launcher: channel_rms_norm
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */


/* Wan VAE's RMS_norm over the channels of x [T?, C, H, W];
 * kernel: kernels/channel_rms_norm.cu */

#include "config.h"

#include "la-cuda-backend.h"

gboolean
la_cuda_channel_rms_norm (LaBackend * backend, const LaOpDesc * d,
    GError ** error)
{
  const LaTensor *x = d->src[0], *bias = d->src[2];
  const gint n = x->n_dims;

  return la_cuda_check (backend,
      la_kernel_channel_rms_norm (la_cuda_kernel_dtype (x->dtype),
          d->dst->data, x->data, d->src[1]->data, bias ? bias->data : NULL,
          n == 4 ? x->ne[0] : 1, x->ne[n - 3], x->ne[n - 2] * x->ne[n - 1],
          LA_CUDA_CONTEXT (backend)->stream), "channel_rms_norm", error);
}
