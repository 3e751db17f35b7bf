/* liveavatar: CUDA launcher: gated_residual
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = x + gate[g] * r; kernel: kernels/gated_residual.cu */

#include "config.h"

#include "la-cuda-backend.h"

gboolean
la_cuda_gated_residual (LaBackend * backend, const LaOpDesc * d,
    GError ** error)
{
  const LaTensor *x = d->src[0];

  return la_cuda_check (backend,
      la_kernel_gated_residual (la_cuda_kernel_dtype (x->dtype),
          d->dst->data, x->data, d->src[1]->data, d->src[2]->data,
          la_tensor_nrows (x), la_tensor_ncols (x), d->rows_per_group,
          LA_CUDA_CONTEXT (backend)->stream), "gated_residual", error);
}
