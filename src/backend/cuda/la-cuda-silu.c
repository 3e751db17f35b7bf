/* liveavatar: CUDA launcher: silu
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */


/* y = x / (1 + exp (-x)); kernel: kernels/silu.cu */

#include "config.h"

#include "la-cuda-backend.h"

gboolean
la_cuda_silu (LaBackend * backend, const LaOpDesc * d, GError ** error)
{
  const LaTensor *x = d->src[0];

  return la_cuda_check (backend,
      la_kernel_silu (la_cuda_kernel_dtype (x->dtype), d->dst->data, x->data,
          la_tensor_nelements (x), LA_CUDA_CONTEXT (backend)->stream),
      "silu", error);
}
