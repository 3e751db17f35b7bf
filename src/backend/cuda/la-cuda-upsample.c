/* liveavatar: CUDA launcher: upsample_nearest_2x
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */


/* y[..., i, j] = x[..., i / 2, j / 2];
 * kernel: kernels/upsample_nearest_2x.cu */

#include "config.h"

#include "la-cuda-backend.h"

gboolean
la_cuda_upsample_nearest_2x (LaBackend * backend, const LaOpDesc * d,
    GError ** error)
{
  const LaTensor *x = d->src[0];
  const gint n = x->n_dims;
  const gint64 h = x->ne[n - 2], w = x->ne[n - 1];

  return la_cuda_check (backend,
      la_kernel_upsample_nearest_2x (la_cuda_kernel_dtype (x->dtype),
          d->dst->data, x->data, la_tensor_nelements (x) / (h * w), h, w,
          LA_CUDA_CONTEXT (backend)->stream), "upsample_nearest_2x", error);
}
