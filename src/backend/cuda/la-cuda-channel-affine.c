/* liveavatar: CUDA launcher: channel_affine
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */


/* y = x * scale[c] + shift[c] on x [T?, C, H, W];
 * kernel: kernels/channel_affine.cu */

#include "config.h"

#include "la-cuda-backend.h"

gboolean
la_cuda_channel_affine (LaBackend * backend, const LaOpDesc * d,
    GError ** error)
{
  const LaTensor *x = d->src[0];
  const gint n = x->n_dims;

  return la_cuda_check (backend,
      la_kernel_channel_affine (la_cuda_kernel_dtype (x->dtype),
          d->dst->data, x->data, d->src[1]->data, d->src[2]->data,
          n == 4 ? x->ne[0] : 1, x->ne[n - 3], x->ne[n - 2] * x->ne[n - 1],
          LA_CUDA_CONTEXT (backend)->stream), "channel_affine", error);
}
