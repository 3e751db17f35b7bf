/* liveavatar: CUDA launcher: rms_norm
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = x / sqrt (mean (x^2) + eps) * w over the last dimension;
 * kernel: kernels/rms_norm.cu */

#include "config.h"

#include "la-cuda-backend.h"

gboolean
la_cuda_rms_norm (LaBackend * backend, const LaOpDesc * d, GError ** error)
{
  const LaTensor *x = d->src[0];

  return la_cuda_check (backend,
      la_kernel_rms_norm (la_cuda_kernel_dtype (x->dtype), d->dst->data,
          x->data, d->src[1]->data, la_tensor_nrows (x), la_tensor_ncols (x),
          d->param, LA_CUDA_CONTEXT (backend)->stream), "rms_norm", error);
}
