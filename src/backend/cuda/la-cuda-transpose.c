/* liveavatar: CUDA launcher: transpose
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */


/* x [B, M, N, S] -> y [B, N, M, S]; kernel: kernels/transpose.cu */

#include "config.h"

#include "la-cuda-backend.h"

gboolean
la_cuda_transpose (LaBackend * backend, const LaOpDesc * d, GError ** error)
{
  const LaTensor *x = d->src[0];

  return la_cuda_check (backend,
      la_kernel_transpose (la_cuda_kernel_dtype (x->dtype), d->dst->data,
          x->data, x->ne[0], x->ne[1], x->ne[2], x->ne[3],
          LA_CUDA_CONTEXT (backend)->stream), "transpose", error);
}
