/* liveavatar: CUDA launcher: clamp
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */


/* y = min (max (x, lo), hi), lo in param and hi in param2;
 * kernel: kernels/clamp.cu */

#include "config.h"

#include "la-cuda-backend.h"

gboolean
la_cuda_clamp (LaBackend * backend, const LaOpDesc * d, GError ** error)
{
  const LaTensor *x = d->src[0];

  return la_cuda_check (backend,
      la_kernel_clamp (la_cuda_kernel_dtype (x->dtype), d->dst->data,
          x->data, la_tensor_nelements (x), d->param, d->param2,
          LA_CUDA_CONTEXT (backend)->stream), "clamp", error);
}
