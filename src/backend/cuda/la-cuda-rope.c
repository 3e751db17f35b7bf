/* liveavatar: CUDA launcher: rope_3d
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Wan's 3-axis RoPE on [B?, L, H, D] with pos [L, 3];
 * kernel: kernels/rope_3d.cu */

#include "config.h"

#include "la-cuda-backend.h"

gboolean
la_cuda_rope_3d (LaBackend * backend, const LaOpDesc * d, GError ** error)
{
  const LaTensor *x = d->src[0];
  const gint n = x->n_dims;

  return la_cuda_check (backend,
      la_kernel_rope_3d (la_cuda_kernel_dtype (x->dtype), d->dst->data,
          x->data, d->src[1]->data, n == 4 ? x->ne[0] : 1, x->ne[n - 3],
          x->ne[n - 2], x->ne[n - 1], d->param,
          LA_CUDA_CONTEXT (backend)->stream), "rope_3d", error);
}
