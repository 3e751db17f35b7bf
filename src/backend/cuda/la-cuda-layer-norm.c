/* liveavatar: CUDA launcher: layer_norm_modulate
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = LN (x) * (1 + scale[g]) + shift[g] over the last dimension;
 * kernel: kernels/layer_norm_modulate.cu */

#include "config.h"

#include "la-cuda-backend.h"

gboolean
la_cuda_layer_norm_modulate (LaBackend * backend, const LaOpDesc * d,
    GError ** error)
{
  const LaTensor *x = d->src[0], *scale = d->src[1], *shift = d->src[2];

  return la_cuda_check (backend,
      la_kernel_layer_norm_modulate (la_cuda_kernel_dtype (x->dtype),
          d->dst->data, x->data, scale ? scale->data : NULL,
          shift ? shift->data : NULL, la_tensor_nrows (x),
          la_tensor_ncols (x), d->rows_per_group, d->param,
          LA_CUDA_CONTEXT (backend)->stream), "layer_norm_modulate", error);
}
